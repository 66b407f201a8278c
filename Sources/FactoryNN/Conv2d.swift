// Conv2d: a 2-D convolution layer over NCHW input with PyTorch's layout (weight
// [O, C / groups, kH, kW], bias [O]) and initialisation (uniform in ±1/sqrt(fan_in), fan_in =
// C / groups * kH * kW). Padding is explicit and may be asymmetric (`Padding2D`), so
// TensorFlow "SAME" checkpoints convert exactly. The arithmetic is `Tensor.conv2d`.
// Not here: transposed convolution, padding modes other than zeros, NHWC.

/// A 2-D convolution (cross-correlation) over `[N, C, H, W]`.
///
/// Keys: `weight` `[outputChannels, inputChannels / groups, kH, kW]` and, with a bias,
/// `bias` `[outputChannels]`, as PyTorch's `nn.Conv2d`.
public final class Conv2d: Module {
    /// The filters, `[O, C / groups, kH, kW]`.
    public let weight: Tensor
    /// The per-output-channel bias, `[O]`, or `nil`.
    public let bias: Tensor?
    /// The window step (rows, columns).
    public let stride: Size2D
    /// Zeros added around the input, per side.
    public let padding: Padding2D
    /// The spacing between kernel taps.
    public let dilation: Size2D
    /// The number of independent channel groups (C for depthwise).
    public let groups: Int

    /// The number of input channels C.
    public var inputChannels: Int { weight.shape[1] * groups }
    /// The number of output channels O.
    public var outputChannels: Int { weight.shape[0] }

    /// Creates a layer initialised as PyTorch does.
    /// - Parameters:
    ///   - inputChannels: C; divisible by `groups`.
    ///   - outputChannels: O; divisible by `groups`.
    ///   - kernelSize: the window (rows, columns).
    ///   - stride: the window step.
    ///   - padding: zeros added on each side (may be asymmetric).
    ///   - dilation: the spacing between kernel taps.
    ///   - groups: the number of channel groups.
    ///   - bias: whether to add a learned per-channel bias.
    ///   - generator: the random source for the initial values.
    public init(
        inputChannels: Int, outputChannels: Int, kernelSize: Size2D, stride: Size2D = 1,
        padding: Padding2D = .zero, dilation: Size2D = 1, groups: Int = 1, bias: Bool = true,
        generator: inout SeededGenerator
    ) {
        precondition(groups > 0 && inputChannels > 0 && outputChannels > 0
                     && inputChannels % groups == 0 && outputChannels % groups == 0,
                     "Conv2d: groups \(groups) must divide inputChannels \(inputChannels) and outputChannels \(outputChannels)")
        precondition(kernelSize.height > 0 && kernelSize.width > 0, "Conv2d: kernel size \(kernelSize) must be positive")
        let fanIn = inputChannels / groups * kernelSize.height * kernelSize.width
        let bound = 1 / Float(fanIn).squareRoot()
        weight = Tensor.uniform([outputChannels, inputChannels / groups, kernelSize.height, kernelSize.width],
                                in: -bound...bound, using: &generator)
        weight.requiresGradient = true
        if bias {
            let biasTensor = Tensor.uniform([outputChannels], in: -bound...bound, using: &generator)
            biasTensor.requiresGradient = true
            self.bias = biasTensor
        } else {
            self.bias = nil
        }
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
        super.init()
    }

    /// Creates a layer initialised as PyTorch does, from a generator seeded with `seed`.
    /// - Parameters:
    ///   - inputChannels: C; divisible by `groups`.
    ///   - outputChannels: O; divisible by `groups`.
    ///   - kernelSize: the window (rows, columns).
    ///   - stride: the window step.
    ///   - padding: zeros added on each side (may be asymmetric).
    ///   - dilation: the spacing between kernel taps.
    ///   - groups: the number of channel groups.
    ///   - bias: whether to add a learned per-channel bias.
    ///   - seed: seeds the initial values.
    public convenience init(
        inputChannels: Int, outputChannels: Int, kernelSize: Size2D, stride: Size2D = 1,
        padding: Padding2D = .zero, dilation: Size2D = 1, groups: Int = 1, bias: Bool = true, seed: UInt64 = 0
    ) {
        var generator = SeededGenerator(seed: seed)
        self.init(inputChannels: inputChannels, outputChannels: outputChannels, kernelSize: kernelSize,
                  stride: stride, padding: padding, dilation: dilation, groups: groups, bias: bias,
                  generator: &generator)
    }

    override public var ownParameters: [(key: String, tensor: Tensor)] {
        if let bias { return [("weight", weight), ("bias", bias)] }
        return [("weight", weight)]
    }

    /// Convolves `input` `[N, C, H, W]`.
    /// - Returns: `[N, O, OH, OW]`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.rank == 4 && input.shape[1] == inputChannels,
                     "Conv2d: input shape \(input.shape) is not [N, \(inputChannels), H, W] (weight \(weight.shape), groups \(groups))")
        return input.conv2d(weight: weight, bias: bias, stride: stride, padding: padding,
                            dilation: dilation, groups: groups)
    }
}
