// SamePaddingConv2d: a bias-free 2-D convolution with TensorFlow "SAME" padding computed
// from each input's own size (ceil(size / stride) outputs; an odd padding total puts the
// extra row/column after: a 3x3 stride-2 window on 224 pads 0 before and 1 after), as the
// EfficientNet-Lite checkpoints were trained with. Depthwise when `groups` equals the
// channel count. Key `weight` only, as PyTorch's `Conv2dStaticSamePadding(bias=False)`.
// With a following batch norm it can run as one fused convolution (see
// `callAsFunction(_:normalizedBy:relu6:)`). Not here: bias, dilation, other padding rules
// (FactoryNN.Conv2d takes explicit padding).

import FactoryNN
import FactoryTensor

/// A convolution without bias whose zero padding follows TensorFlow's "SAME" rule.
///
/// For the size a network was built for this equals PyTorch's static-same padding; for
/// other input sizes the padding follows the input, as in TensorFlow.
public final class SamePaddingConv2d: Module {
    /// The filters, `[O, C / groups, k, k]`.
    public let weight: Tensor
    /// The window step along both axes.
    public let stride: Int
    /// The number of channel groups (C for depthwise).
    public let groups: Int

    /// The number of input channels C.
    public var inputChannels: Int { weight.shape[1] * groups }
    /// The number of output channels O.
    public var outputChannels: Int { weight.shape[0] }
    /// The window size.
    public var kernelSize: Int { weight.shape[2] }

    /// Creates a layer with PyTorch's default initialisation (uniform in ±1/sqrt(fan_in)).
    /// - Parameters:
    ///   - inputChannels: C, divisible by `groups`.
    ///   - outputChannels: O, divisible by `groups`.
    ///   - kernelSize: the square window's side.
    ///   - stride: the window step.
    ///   - groups: channel groups; `groups == inputChannels == outputChannels` is depthwise.
    ///   - generator: the random source for the initial weight.
    public init(
        inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1, groups: Int = 1,
        generator: inout SeededGenerator
    ) {
        precondition(groups > 0 && inputChannels % groups == 0 && outputChannels % groups == 0,
                     "SamePaddingConv2d: groups \(groups) must divide inputChannels \(inputChannels) and outputChannels \(outputChannels)")
        precondition(kernelSize > 0 && stride > 0, "SamePaddingConv2d: kernel size \(kernelSize) and stride \(stride) must be positive")
        let fanIn = inputChannels / groups * kernelSize * kernelSize
        let bound = 1 / Float(fanIn).squareRoot()
        weight = Tensor.uniform([outputChannels, inputChannels / groups, kernelSize, kernelSize], in: -bound...bound, using: &generator)
        weight.requiresGradient = true
        self.stride = stride
        self.groups = groups
        super.init()
    }

    override public var ownParameters: [(key: String, tensor: Tensor)] { [("weight", weight)] }

    /// The padding this layer applies to an input of `height` x `width`.
    public func padding(height: Int, width: Int) -> Padding2D {
        .sameAsTensorFlow(height: height, width: width, kernel: Size2D(kernelSize), stride: Size2D(stride))
    }

    /// Convolves `input` `[N, C, H, W]`.
    /// - Returns: `[N, O, ceil(H / stride), ceil(W / stride)]`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.rank == 4 && input.shape[1] == inputChannels,
                     "SamePaddingConv2d: input shape \(input.shape) is not [N, \(inputChannels), H, W] (weight \(weight.shape), groups \(groups))")
        return input.conv2d(weight: weight, stride: Size2D(stride), padding: padding(height: input.shape[2], width: input.shape[3]),
                            groups: groups)
    }

    /// `norm(self(input))`, then ReLU6 when `relu6` is set.
    ///
    /// When `norm` uses its running statistics (evaluation mode, or frozen statistics) and no
    /// gradient is needed, the batch norm is folded into this convolution's weight and bias
    /// and ReLU6 is fused into its output: one pass instead of three, equal up to Float32
    /// rounding. Otherwise it runs the convolution, then batch norm with ReLU6 fused into
    /// it, recording gradients as usual.
    /// - Parameters:
    ///   - input: `[N, C, H, W]`.
    ///   - norm: the batch norm over this layer's output channels.
    ///   - relu6: whether to clamp the result to `[0, 6]`.
    public func callAsFunction(_ input: Tensor, normalizedBy norm: BatchNorm2d, relu6: Bool) -> Tensor {
        precondition(norm.channels == outputChannels,
                     "SamePaddingConv2d: batch norm of \(norm.channels) channels after a convolution with \(outputChannels)")
        let needsGradient = GradientMode.isEnabled
            && (input.requiresGradient || weight.requiresGradient || norm.weight.requiresGradient || norm.bias.requiresGradient)
        guard norm.usesBatchStatistics || needsGradient else {
            precondition(input.rank == 4 && input.shape[1] == inputChannels,
                         "SamePaddingConv2d: input shape \(input.shape) is not [N, \(inputChannels), H, W] (weight \(weight.shape), groups \(groups))")
            let (foldedWeight, foldedBias) = norm.folding(convolutionWeight: weight)
            return input.conv2d(
                weight: foldedWeight, bias: foldedBias, stride: Size2D(stride),
                padding: padding(height: input.shape[2], width: input.shape[3]), groups: groups,
                outputRange: relu6 ? 0...6 : nil)
        }
        return norm(self(input), outputRange: relu6 ? 0...6 : nil)
    }
}
