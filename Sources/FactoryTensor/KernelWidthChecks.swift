// KernelWidthChecks: entry points that run the depthwise, fused 1x1, batch-norm and clamp
// kernels at an explicitly chosen vector width (8 or 16 lanes) on plain arrays, so that the
// tests check both widths on any machine (the library itself always runs `KernelVector`).
// SPI for tests (`@_spi(KernelChecks) import FactoryTensor`), not API; no gradients recorded.
// Not here: the kernels themselves, or any choice of kernel.

/// The kernels of the convolution and batch-norm ops at a chosen vector width.
@_spi(KernelChecks) public enum KernelWidthChecks {
    /// The vector width to run a kernel at.
    public enum Width: Int, CaseIterable, Sendable, CustomStringConvertible {
        /// `SIMD8<Float>` (one AVX2 register).
        case eight = 8
        /// `SIMD16<Float>` (one AVX-512 register).
        case sixteen = 16

        public var description: String { "\(rawValue) lanes" }
    }

    /// A depthwise window on `[batch, channels, height, width]` input.
    public struct DepthwiseProblem: Sendable {
        public var shape: [Int]
        public var kernel: Size2D
        public var stride: Size2D
        public var padding: Padding2D
        public var dilation: Size2D

        public init(shape: [Int], kernel: Size2D, stride: Size2D, padding: Padding2D, dilation: Size2D = 1) {
            self.shape = shape
            self.kernel = kernel
            self.stride = stride
            self.padding = padding
            self.dilation = dilation
        }

        var geometry: ConvolutionGeometry {
            ConvolutionGeometry(operation: "KernelWidthChecks", inputShape: shape, kernel: kernel, stride: stride,
                                padding: padding, dilation: dilation)
        }

        /// `[batch, channels, outputHeight, outputWidth]`.
        public var outputShape: [Int] {
            let g = geometry
            return [g.batch, g.channels, g.outputHeight, g.outputWidth]
        }
    }

    /// `DepthwiseConvolutionKernels.forward`: weight `[C, kH * kW]`, bias `[C]`.
    public static func depthwiseForward(
        _ width: Width, _ problem: DepthwiseProblem, input: [Float], weight: [Float], bias: [Float]?,
        outputRange: ClosedRange<Float>?
    ) -> [Float] {
        let g = problem.geometry
        var output = [Float](repeating: .nan, count: g.batch * g.channels * g.outputPlane)
        input.withUnsafeBufferPointer { x in
            weight.withUnsafeBufferPointer { w in
                optionalPointer(bias) { b in
                    output.withUnsafeMutableBufferPointer { y in
                        switch width {
                        case .eight:
                            DepthwiseConvolutionKernels.forward(
                                vector: SIMD8<Float>.self, geometry: g, input: x.baseAddress!, weight: w.baseAddress!, bias: b,
                                output: y.baseAddress!, outputRange: outputRange)
                        case .sixteen:
                            DepthwiseConvolutionKernels.forward(
                                vector: SIMD16<Float>.self, geometry: g, input: x.baseAddress!, weight: w.baseAddress!, bias: b,
                                output: y.baseAddress!, outputRange: outputRange)
                        }
                    }
                }
            }
        }
        return output
    }

    /// `DepthwiseConvolutionKernels.parameterGradients`: weight `[C, kH * kW]` and bias `[C]` gradients.
    public static func depthwiseParameterGradients(
        _ width: Width, _ problem: DepthwiseProblem, input: [Float], outputGradient: [Float]
    ) -> (weight: [Float], bias: [Float]) {
        let g = problem.geometry
        var weightGradient = [Float](repeating: .nan, count: g.channels * g.kernelArea)
        var biasGradient = [Float](repeating: .nan, count: g.channels)
        input.withUnsafeBufferPointer { x in
            outputGradient.withUnsafeBufferPointer { dy in
                weightGradient.withUnsafeMutableBufferPointer { dw in
                    biasGradient.withUnsafeMutableBufferPointer { db in
                        switch width {
                        case .eight:
                            DepthwiseConvolutionKernels.parameterGradients(
                                vector: SIMD8<Float>.self, geometry: g, input: x.baseAddress!, outputGradient: dy.baseAddress!,
                                weightGradient: dw.baseAddress!, biasGradient: db.baseAddress!)
                        case .sixteen:
                            DepthwiseConvolutionKernels.parameterGradients(
                                vector: SIMD16<Float>.self, geometry: g, input: x.baseAddress!, outputGradient: dy.baseAddress!,
                                weightGradient: dw.baseAddress!, biasGradient: db.baseAddress!)
                        }
                    }
                }
            }
        }
        return (weightGradient, biasGradient)
    }

    /// `DepthwiseConvolutionKernels.inputGradient`: the `[N, C, H, W]` input gradient.
    public static func depthwiseInputGradient(
        _ width: Width, _ problem: DepthwiseProblem, weight: [Float], outputGradient: [Float]
    ) -> [Float] {
        let g = problem.geometry
        var inputGradient = [Float](repeating: .nan, count: g.batch * g.channels * g.inputPlane)
        weight.withUnsafeBufferPointer { w in
            outputGradient.withUnsafeBufferPointer { dy in
                inputGradient.withUnsafeMutableBufferPointer { dx in
                    switch width {
                    case .eight:
                        DepthwiseConvolutionKernels.inputGradient(
                            vector: SIMD8<Float>.self, geometry: g, weight: w.baseAddress!, outputGradient: dy.baseAddress!,
                            into: dx.baseAddress!)
                    case .sixteen:
                        DepthwiseConvolutionKernels.inputGradient(
                            vector: SIMD16<Float>.self, geometry: g, weight: w.baseAddress!, outputGradient: dy.baseAddress!,
                            into: dx.baseAddress!)
                    }
                }
            }
        }
        return inputGradient
    }

    /// `FusedGEMMKernels.forward` on contiguous images: input `[batch, depth, columns]`,
    /// weight `[outputChannels, depth]`, bias `[outputChannels]`; returns `[batch, outputChannels, columns]`.
    public static func fusedPointwise(
        _ width: Width, batch: Int, outputChannels: Int, depth: Int, columns: Int,
        input: [Float], weight: [Float], bias: [Float]?, outputRange: ClosedRange<Float>?
    ) -> [Float] {
        var output = [Float](repeating: .nan, count: batch * outputChannels * columns)
        input.withUnsafeBufferPointer { x in
            weight.withUnsafeBufferPointer { w in
                optionalPointer(bias) { b in
                    output.withUnsafeMutableBufferPointer { y in
                        switch width {
                        case .eight:
                            FusedGEMMKernels.forward(
                                vector: SIMD8<Float>.self, batch: batch, outputChannels: outputChannels, depth: depth,
                                columns: columns, input: x.baseAddress!, inputImageStride: depth * columns,
                                weight: w.baseAddress!, bias: b, output: y.baseAddress!,
                                outputImageStride: outputChannels * columns, outputRange: outputRange)
                        case .sixteen:
                            FusedGEMMKernels.forward(
                                vector: SIMD16<Float>.self, batch: batch, outputChannels: outputChannels, depth: depth,
                                columns: columns, input: x.baseAddress!, inputImageStride: depth * columns,
                                weight: w.baseAddress!, bias: b, output: y.baseAddress!,
                                outputImageStride: outputChannels * columns, outputRange: outputRange)
                        }
                    }
                }
            }
        }
        return output
    }

    /// `BatchNormKernels.normalizeWithBatchStatistics` on `[batch, channels, spatial]` input
    /// (spatial > 1): the clamped normalised output and the batch mean and biased variance.
    public static func batchNormTrainingForward(
        _ width: Width, input: [Float], batch: Int, channels: Int, spatial: Int, weight: [Float]?, bias: [Float]?,
        epsilon: Float, outputRange: ClosedRange<Float>?
    ) -> (output: [Float], mean: [Float], variance: [Float]) {
        let layout = BatchNormKernels.Layout(batch: batch, channels: channels, spatial: spatial)
        var output = [Float](repeating: .nan, count: input.count)
        var mean = [Float](repeating: .nan, count: channels), variance = mean
        input.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                switch width {
                case .eight:
                    BatchNormKernels.normalizeWithBatchStatistics(
                        vector: SIMD8<Float>.self, x.baseAddress!, layout, weight: weight, bias: bias, epsilon: epsilon,
                        outputRange: outputRange, into: y.baseAddress!, mean: &mean, variance: &variance)
                case .sixteen:
                    BatchNormKernels.normalizeWithBatchStatistics(
                        vector: SIMD16<Float>.self, x.baseAddress!, layout, weight: weight, bias: bias, epsilon: epsilon,
                        outputRange: outputRange, into: y.baseAddress!, mean: &mean, variance: &variance)
                }
            }
        }
        return (output, mean, variance)
    }

    /// `BatchNormKernels.batchStatisticsBackward` on `[batch, channels, spatial]` input: the
    /// input gradient and the per-channel Σ g and Σ g (x - mean). With `outputRange`, the
    /// gradient passes only where the forward's unclamped output
    /// `(x - mean) * inverseDeviation * weight + bias` lies strictly inside it.
    public static func batchNormTrainingBackward(
        _ width: Width, gradient: [Float], input: [Float], batch: Int, channels: Int, spatial: Int,
        mean: [Float], inverseDeviation: [Float], weight: [Float]?, bias: [Float]?, outputRange: ClosedRange<Float>?
    ) -> (inputGradient: [Float], sum: [Float], centeredDot: [Float]) {
        let layout = BatchNormKernels.Layout(batch: batch, channels: channels, spatial: spatial)
        let scale = (0..<channels).map { inverseDeviation[$0] * (weight?[$0] ?? 1) }
        let mask = outputRange.map { range in
            BatchNormKernels.GradientMask(
                center: mean, scale: scale, shift: bias ?? [Float](repeating: 0, count: channels), range: range)
        }
        var inputGradient = [Float](repeating: .nan, count: input.count)
        var sum = [Float](repeating: .nan, count: channels), dot = sum
        gradient.withUnsafeBufferPointer { g in
            input.withUnsafeBufferPointer { x in
                inputGradient.withUnsafeMutableBufferPointer { dx in
                    switch width {
                    case .eight:
                        BatchNormKernels.batchStatisticsBackward(
                            vector: SIMD8<Float>.self, g.baseAddress!, input: x.baseAddress!, layout, mean: mean,
                            inverseDeviation: inverseDeviation, weight: weight, mask: mask, inputGradient: dx.baseAddress!,
                            sum: &sum, centeredDot: &dot)
                    case .sixteen:
                        BatchNormKernels.batchStatisticsBackward(
                            vector: SIMD16<Float>.self, g.baseAddress!, input: x.baseAddress!, layout, mean: mean,
                            inverseDeviation: inverseDeviation, weight: weight, mask: mask, inputGradient: dx.baseAddress!,
                            sum: &sum, centeredDot: &dot)
                    }
                }
            }
        }
        return (inputGradient, sum, dot)
    }

    /// `OutputClampKernels.clamp` on a copy of `values`.
    public static func clamp(_ width: Width, _ values: [Float], to range: ClosedRange<Float>) -> [Float] {
        var result = values
        result.withUnsafeMutableBufferPointer { buffer in
            switch width {
            case .eight: OutputClampKernels.clamp(vector: SIMD8<Float>.self, buffer.baseAddress!, count: buffer.count, to: range)
            case .sixteen: OutputClampKernels.clamp(vector: SIMD16<Float>.self, buffer.baseAddress!, count: buffer.count, to: range)
            }
        }
        return result
    }

    /// `OutputClampKernels.maskedGradient`: `gradient` where `range` holds `output` strictly inside, else 0.
    public static func maskedGradient(_ width: Width, _ gradient: [Float], output: [Float], range: ClosedRange<Float>) -> [Float] {
        let g = Tensor(gradient), y = Tensor(output)
        switch width {
        case .eight: return OutputClampKernels.maskedGradient(vector: SIMD8<Float>.self, g, output: y, range: range).scalars
        case .sixteen: return OutputClampKernels.maskedGradient(vector: SIMD16<Float>.self, g, output: y, range: range).scalars
        }
    }

    private static func optionalPointer<R>(_ values: [Float]?, _ body: (UnsafePointer<Float>?) -> R) -> R {
        guard let values else { return body(nil) }
        return values.withUnsafeBufferPointer { body($0.baseAddress) }
    }
}
