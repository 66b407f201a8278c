// 2-D convolution (NCHW input, OIHW weight) with stride, explicit asymmetric padding,
// dilation and groups, and its gradients. General case: im2col + GEMM; 1x1 stride-1
// unpadded kernels: a plain GEMM on the input; groups == C == O: the direct depthwise
// kernel (Tensor+DepthwiseConvolution.swift). An optional output clamp (ReLU6 = [0, 6]) is
// fused into the kernels, with its hardtanh gradient mask. Not here: transposed
// convolution, NHWC.

/// The kernel that computes a 2-D convolution.
public enum ConvolutionAlgorithm: Sendable {
    /// The direct depthwise kernel when `groups == C == O`, otherwise im2col + GEMM.
    case automatic
    /// Unfold windows into a matrix and multiply with BLAS (a plain GEMM for 1x1 kernels).
    case im2col
    /// The direct depthwise kernel; requires `groups == C == O`.
    case depthwise
}

extension Tensor {
    /// 2-D cross-correlation (what PyTorch and TensorFlow call convolution) of this
    /// `[N, C, H, W]` tensor with `weight`.
    ///
    /// `output[n, o, y, x] = bias[o] + sum over c, i, j of
    /// weight[o, c, i, j] * input[n, g * C / groups + c, y * stride.height + i * dilation.height - padding.top, ...]`
    /// where `g` is the group of output channel `o` and padding reads as zero.
    ///
    /// Grouped convolutions with `groups == C == O` use the direct depthwise kernel
    /// (see ``depthwiseConv2d(weight:bias:stride:padding:dilation:)``).
    ///
    /// - Parameters:
    ///   - weight: `[O, C / groups, kH, kW]`.
    ///   - bias: `[O]`, or `nil` for none.
    ///   - stride: window step (rows, columns).
    ///   - padding: zeros added on each side; may be asymmetric (TensorFlow "SAME").
    ///   - dilation: spacing between kernel taps.
    ///   - groups: input and output channels are split into this many independent groups.
    ///   - algorithm: which kernel computes it; ``ConvolutionAlgorithm/automatic`` picks.
    ///   - outputRange: when given, every output is clamped to it in the same pass (`0...6`
    ///     is ReLU6); the gradient then passes only where the output lies strictly inside,
    ///     as `relu6()` and PyTorch's hardtanh.
    /// - Returns: `[N, O, OH, OW]` with `OH = (H + top + bottom - dilation.height * (kH - 1) - 1) / stride.height + 1`.
    public func conv2d(
        weight: Tensor, bias: Tensor? = nil, stride: Size2D = 1, padding: Padding2D = .zero,
        dilation: Size2D = 1, groups: Int = 1, algorithm: ConvolutionAlgorithm = .automatic,
        outputRange: ClosedRange<Float>? = nil
    ) -> Tensor {
        precondition(rank == 4 && weight.rank == 4,
                     "conv2d: input must be [N, C, H, W] and weight [O, C/groups, kH, kW], got \(shape) and \(weight.shape)")
        let channels = shape[1], outputChannels = weight.shape[0]
        precondition(groups > 0 && channels % groups == 0 && outputChannels % groups == 0,
                     "conv2d: groups \(groups) must divide input channels \(channels) and output channels \(outputChannels) (input \(shape), weight \(weight.shape))")
        precondition(weight.shape[1] == channels / groups,
                     "conv2d: weight \(weight.shape) needs \(channels / groups) input channels per group for input \(shape) with groups \(groups)")
        if let bias {
            precondition(bias.shape == [outputChannels], "conv2d: bias \(bias.shape) must be [\(outputChannels)] for weight \(weight.shape)")
        }
        let isDepthwise = groups == channels && outputChannels == channels
        precondition(algorithm != .depthwise || isDepthwise,
                     "conv2d: the depthwise algorithm needs groups == C == O, got groups \(groups), input \(shape), weight \(weight.shape)")
        if isDepthwise && algorithm != .im2col {
            return depthwiseConv2d(weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation,
                                   outputRange: outputRange)
        }
        let geometry = ConvolutionGeometry(
            operation: "conv2d", inputShape: shape,
            kernel: Size2D(height: weight.shape[2], width: weight.shape[3]),
            stride: stride, padding: padding, dilation: dilation)
        let problem = ConvolutionKernels.Problem(geometry: geometry, outputChannels: outputChannels, groups: groups)
        let (input, kernel, offsetBias) = withoutGradients { (contiguous(), weight.contiguous(), bias?.contiguous()) }
        let result = Tensor.uninitialized([geometry.batch, outputChannels, geometry.outputHeight, geometry.outputWidth])
        ConvolutionKernels.forward(
            problem: problem, input: input.storage.pointer + input.offset,
            weight: kernel.storage.pointer + kernel.offset,
            bias: offsetBias.map { UnsafePointer($0.storage.pointer + $0.offset) },
            output: result.storage.pointer, outputRange: outputRange)

        let inputs = bias.map { [self, weight, $0] } ?? [self, weight]
        let clampedOutput = outputRange == nil ? nil : result.detached()
        return result.recordGradient("conv2d", inputs: inputs) { [self] gradient in
            let outputGradient = if let outputRange, let clampedOutput {
                OutputClampKernels.maskedGradient(gradient, output: clampedOutput, range: outputRange)
            } else {
                gradient.contiguous()
            }
            let inputGradient = requiresGradient ? Tensor.uninitialized(shape) : nil
            let weightGradient = weight.requiresGradient ? Tensor.zeros(weight.shape) : nil
            ConvolutionKernels.backward(
                problem: problem, input: input.storage.pointer + input.offset,
                weight: kernel.storage.pointer + kernel.offset,
                outputGradient: outputGradient.storage.pointer + outputGradient.offset,
                inputGradient: inputGradient?.storage.pointer, weightGradient: weightGradient?.storage.pointer)
            var gradients: [Tensor?] = [inputGradient, weightGradient]
            if let bias { gradients.append(bias.requiresGradient ? outputGradient.sum(axes: [0, 2, 3]) : nil) }
            return gradients
        }
    }
}
