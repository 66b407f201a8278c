// MBConvBlock: EfficientNet-Lite's inverted-residual block: expand 1x1 conv + BN + ReLU6
// (left out when the expand ratio is 1), depthwise kxk conv + BN + ReLU6, project 1x1 conv
// + BN (linear), and the identity skip when stride is 1 and the channels do not change.
// Keys as the PyTorch checkpoints name them: `_expand_conv`, `_bn0`, `_depthwise_conv`,
// `_bn1`, `_project_conv`, `_bn2`. Not here: squeeze-excitation and swish (the Lite family
// has neither), drop-connect (stochastic depth).

import FactoryNN
import FactoryTensor

/// One mobile inverted bottleneck block of EfficientNet-Lite.
public final class MBConvBlock: Module {
    /// The 1x1 expansion to `inputChannels * expandRatio` channels; `nil` when the ratio is 1.
    public let expandConvolution: SamePaddingConv2d?
    /// Batch norm after the expansion (`_bn0`); `nil` with it.
    public let expandNorm: BatchNorm2d?
    /// The depthwise kxk convolution (`_depthwise_conv`), carrying the block's stride.
    public let depthwiseConvolution: SamePaddingConv2d
    /// Batch norm after the depthwise convolution (`_bn1`).
    public let depthwiseNorm: BatchNorm2d
    /// The 1x1 projection to `outputChannels` (`_project_conv`).
    public let projectConvolution: SamePaddingConv2d
    /// Batch norm after the projection (`_bn2`), with no activation after it.
    public let projectNorm: BatchNorm2d
    /// Whether the block adds its input to its output (stride 1, same channels).
    public let hasSkip: Bool

    /// Creates a block with freshly initialised weights.
    /// - Parameters:
    ///   - inputChannels: C of the input.
    ///   - outputChannels: channels of the output.
    ///   - kernelSize: the depthwise window (3 or 5).
    ///   - stride: the depthwise stride (1 or 2).
    ///   - expandRatio: inner width / input width (1 leaves the expansion out).
    ///   - batchNormMomentum: PyTorch-convention momentum of every batch norm.
    ///   - batchNormEpsilon: added to the variance in every batch norm.
    ///   - generator: the random source for the initial weights.
    public init(
        inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int, expandRatio: Int,
        batchNormMomentum: Float, batchNormEpsilon: Float, generator: inout SeededGenerator
    ) {
        precondition(expandRatio >= 1, "MBConvBlock: expand ratio \(expandRatio) must be at least 1")
        let inner = inputChannels * expandRatio
        if expandRatio != 1 {
            expandConvolution = SamePaddingConv2d(inputChannels: inputChannels, outputChannels: inner, kernelSize: 1, generator: &generator)
            expandNorm = BatchNorm2d(channels: inner, momentum: batchNormMomentum, epsilon: batchNormEpsilon)
        } else {
            expandConvolution = nil
            expandNorm = nil
        }
        depthwiseConvolution = SamePaddingConv2d(
            inputChannels: inner, outputChannels: inner, kernelSize: kernelSize, stride: stride, groups: inner, generator: &generator)
        depthwiseNorm = BatchNorm2d(channels: inner, momentum: batchNormMomentum, epsilon: batchNormEpsilon)
        projectConvolution = SamePaddingConv2d(inputChannels: inner, outputChannels: outputChannels, kernelSize: 1, generator: &generator)
        projectNorm = BatchNorm2d(channels: outputChannels, momentum: batchNormMomentum, epsilon: batchNormEpsilon)
        hasSkip = stride == 1 && inputChannels == outputChannels
        super.init()
    }

    override public var children: [(key: String, module: Module)] {
        var result: [(key: String, module: Module)] = []
        if let expandConvolution, let expandNorm {
            result += [("_expand_conv", expandConvolution), ("_bn0", expandNorm)]
        }
        result += [
            ("_depthwise_conv", depthwiseConvolution), ("_bn1", depthwiseNorm),
            ("_project_conv", projectConvolution), ("_bn2", projectNorm),
        ]
        return result
    }

    /// The channels the block reads.
    public var inputChannels: Int { expandConvolution?.inputChannels ?? depthwiseConvolution.inputChannels }
    /// The channels the block writes.
    public var outputChannels: Int { projectConvolution.outputChannels }
    /// The depthwise stride.
    public var stride: Int { depthwiseConvolution.stride }

    /// Runs the block on `input` `[N, C, H, W]`.
    /// - Returns: `[N, outputChannels, ceil(H / stride), ceil(W / stride)]`.
    ///
    /// When every batch norm uses its running statistics and no gradient is needed, the
    /// norms are folded into the convolutions and the block runs as one fused op
    /// (`Tensor.invertedBottleneckInference`): image by image, the expanded channels in
    /// cache-sized slices, equal to the separate layers up to Float32 rounding.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        if !needsBatchStatisticsOrGradients(input) {
            precondition(input.rank == 4 && input.shape[1] == inputChannels,
                         "MBConvBlock: input shape \(input.shape) is not [N, \(inputChannels), H, W]")
            let expand = expandConvolution.flatMap { convolution in
                expandNorm.map { $0.folding(convolutionWeight: convolution.weight) }
            }
            let depthwise = depthwiseNorm.folding(convolutionWeight: depthwiseConvolution.weight)
            let project = projectNorm.folding(convolutionWeight: projectConvolution.weight)
            return input.invertedBottleneckInference(
                expandWeight: expand?.weight, expandBias: expand?.bias,
                depthwiseWeight: depthwise.weight, depthwiseBias: depthwise.bias, stride: Size2D(stride),
                padding: depthwiseConvolution.padding(height: input.shape[2], width: input.shape[3]),
                projectWeight: project.weight, projectBias: project.bias, activationRange: 0...6, addsInput: hasSkip)
        }
        var x = input
        if let expandConvolution, let expandNorm {
            x = expandConvolution(x, normalizedBy: expandNorm, relu6: true)
        }
        x = depthwiseConvolution(x, normalizedBy: depthwiseNorm, relu6: true)
        x = projectConvolution(x, normalizedBy: projectNorm, relu6: false)
        return hasSkip ? x + input : x
    }

    /// Whether a forward pass must run layer by layer: some batch norm normalises with batch
    /// statistics, or a gradient is recorded.
    private func needsBatchStatisticsOrGradients(_ input: Tensor) -> Bool {
        let norms = [expandNorm, depthwiseNorm, projectNorm].compactMap { $0 }
        if norms.contains(where: \.usesBatchStatistics) { return true }
        guard GradientMode.isEnabled else { return false }
        if input.requiresGradient { return true }
        return parameters().contains { $0.tensor.requiresGradient }
    }
}
