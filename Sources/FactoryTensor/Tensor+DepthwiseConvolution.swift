// Depthwise 2-D convolution (groups == C == O: each output channel filters its own input
// channel), the op that dominates MobileNet/EfficientNet on CPU, through the direct kernel
// in DepthwiseConvolutionKernels.swift, with an optional fused output clamp (ReLU6).
// `conv2d` routes here automatically. Not here:
// channel multipliers > 1 (use `conv2d` with groups == C, which takes the im2col path).

extension Tensor {
    /// Depthwise 2-D cross-correlation of this `[N, C, H, W]` tensor: channel `c` of the
    /// output is channel `c` of the input filtered with `weight[c, 0]`.
    ///
    /// Equal to `conv2d(weight:bias:stride:padding:dilation:groups:)` with `groups == C`.
    ///
    /// - Parameters:
    ///   - weight: `[C, 1, kH, kW]`.
    ///   - bias: `[C]`, or `nil` for none.
    ///   - stride: window step (rows, columns).
    ///   - padding: zeros added on each side; may be asymmetric (TensorFlow "SAME").
    ///   - dilation: spacing between kernel taps.
    ///   - outputRange: when given, every output is clamped to it as it is stored (`0...6` is
    ///     ReLU6); the gradient then passes only where the output lies strictly inside.
    /// - Returns: `[N, C, OH, OW]`.
    public func depthwiseConv2d(
        weight: Tensor, bias: Tensor? = nil, stride: Size2D = 1, padding: Padding2D = .zero, dilation: Size2D = 1,
        outputRange: ClosedRange<Float>? = nil
    ) -> Tensor {
        precondition(rank == 4, "depthwiseConv2d: input must be [N, C, H, W], got \(shape)")
        let channels = shape[1]
        precondition(weight.rank == 4 && weight.shape[0] == channels && weight.shape[1] == 1,
                     "depthwiseConv2d: weight must be [\(channels), 1, kH, kW] for input \(shape), got \(weight.shape)")
        if let bias {
            precondition(bias.shape == [channels], "depthwiseConv2d: bias \(bias.shape) must be [\(channels)] for input \(shape)")
        }
        let geometry = ConvolutionGeometry(
            operation: "depthwiseConv2d", inputShape: shape,
            kernel: Size2D(height: weight.shape[2], width: weight.shape[3]),
            stride: stride, padding: padding, dilation: dilation)
        let (input, kernel, denseBias) = withoutGradients { (contiguous(), weight.contiguous(), bias?.contiguous()) }
        let result = Tensor.uninitialized([geometry.batch, channels, geometry.outputHeight, geometry.outputWidth])
        DepthwiseConvolutionKernels.forward(
            geometry: geometry, input: input.storage.pointer + input.offset,
            weight: kernel.storage.pointer + kernel.offset,
            bias: denseBias.map { UnsafePointer($0.storage.pointer + $0.offset) },
            output: result.storage.pointer, outputRange: outputRange)

        let inputs = bias.map { [self, weight, $0] } ?? [self, weight]
        let clampedOutput = outputRange == nil ? nil : result.detached()
        return result.recordGradient("depthwiseConv2d", inputs: inputs) { [self] gradient in
            let outputGradient = if let outputRange, let clampedOutput {
                OutputClampKernels.maskedGradient(gradient, output: clampedOutput, range: outputRange)
            } else {
                gradient.contiguous()
            }
            let inputGradient = requiresGradient ? Tensor.uninitialized(shape) : nil
            let weightGradient = weight.requiresGradient ? Tensor.uninitialized(weight.shape) : nil
            let biasGradient = bias?.requiresGradient == true ? Tensor.uninitialized([channels]) : nil
            let gradientPointer = UnsafePointer(outputGradient.storage.pointer + outputGradient.offset)
            if weightGradient != nil || biasGradient != nil {
                DepthwiseConvolutionKernels.parameterGradients(
                    geometry: geometry, input: input.storage.pointer + input.offset, outputGradient: gradientPointer,
                    weightGradient: weightGradient?.storage.pointer, biasGradient: biasGradient?.storage.pointer)
            }
            if let inputGradient {
                DepthwiseConvolutionKernels.inputGradient(
                    geometry: geometry, weight: kernel.storage.pointer + kernel.offset, outputGradient: gradientPointer,
                    into: inputGradient.storage.pointer)
            }
            var gradients: [Tensor?] = [inputGradient, weightGradient]
            if bias != nil { gradients.append(biasGradient) }
            return gradients
        }
    }
}
