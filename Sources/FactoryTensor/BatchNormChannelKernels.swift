// Batch norm's per-channel passes over [batch, channels, spatial] data with spatial rows,
// and the fused training passes built from them. Unfused, each pass streams the whole
// tensor from memory (statistics read it twice, normalising once more; the backward
// reads it for its sums and again for the input gradient). Fused, a thread finishes one
// channel (statistics then normalisation; sums then input gradient) while that channel's
// N x spatial values are still in cache, so memory sees each tensor once. The arithmetic
// is the same either way, so the results are too. Every pass is generic over its vector
// type (the library runs `KernelVector`, the tests both widths).
// Not here: the op and its gradient record (Tensor+BatchNorm.swift), the [N, C] layout
// (spatial == 1).

extension BatchNormKernels {
    /// Mean and biased variance of channel `c` (two passes: sum, then centered squares;
    /// accumulated across rows in Double).
    @inline(__always)
    static func channelMoments<V: KernelFloatVector>(_ x: UnsafePointer<Float>, _ layout: Layout, channel c: Int, as _: V.Type)
        -> (mean: Float, variance: Float) {
        let (batch, channels, spatial) = (layout.batch, layout.channels, layout.spatial)
        let count = Double(layout.perChannel)
        var total = 0.0
        for n in 0..<batch { total += Double(ReductionKernels.rowSum(x + (n * channels + c) * spatial, spatial, as: V.self)) }
        let channelMean = Float(total / count)
        total = 0
        for n in 0..<batch {
            total += Double(ReductionKernels.centeredSquareSum(x + (n * channels + c) * spatial, mean: channelMean, spatial, as: V.self))
        }
        return (channelMean, Float(total / count))
    }

    /// Σ g and Σ g * (x - center) over channel `c`, the gradient masked as read when `mask`
    /// is given.
    @inline(__always)
    static func channelGradientSums<V: KernelFloatVector>(
        _ g: UnsafePointer<Float>, input x: UnsafePointer<Float>, _ layout: Layout, channel c: Int, center: Float,
        mask: GradientMask?, as _: V.Type
    ) -> (sum: Float, dot: Float) {
        let (batch, channels, spatial) = (layout.batch, layout.channels, layout.spatial)
        let lanes = V.scalarCount
        var gradientTotal = 0.0, dotTotal = 0.0
        let vectorCenter = V(repeating: center)
        let maskScale = V(repeating: mask?.scale[c] ?? 0), maskShift = V(repeating: mask?.shift[c] ?? 0)
        let lower = V(repeating: mask?.range.lowerBound ?? 0), upper = V(repeating: mask?.range.upperBound ?? 0)
        for n in 0..<batch {
            let gRow = g + (n * channels + c) * spatial, xRow = x + (n * channels + c) * spatial
            var gradientVector = V(), dotVector = V()
            var s = 0
            while s + lanes <= spatial {
                var gradient = load(gRow + s, as: V.self)
                let input = load(xRow + s, as: V.self)
                if mask != nil {
                    gradient = GradientMask.apply(
                        gradient, x: input, center: vectorCenter, scale: maskScale, shift: maskShift, lower: lower, upper: upper)
                }
                gradientVector += gradient
                dotVector.addProduct(gradient, input - vectorCenter)
                s += lanes
            }
            var gradientRow = gradientVector.sum(), dotRow = dotVector.sum()
            while s < spatial {
                var gradient = gRow[s]
                if let mask {
                    gradient = GradientMask.apply(
                        gradient, x: xRow[s], center: center, scale: mask.scale[c], shift: mask.shift[c], range: mask.range)
                }
                gradientRow += gradient
                dotRow += gradient * (xRow[s] - center)
                s += 1
            }
            gradientTotal += Double(gradientRow)
            dotTotal += Double(dotRow)
        }
        return (Float(gradientTotal), Float(dotTotal))
    }

    /// Channel `c` of: out = inputScale * g + centeredScale * (x - center) + shift; without a
    /// gradient `g` the first term is left out and the result is clamped to `outputRange`
    /// when given; with one, `mask` masks `g` as it is read.
    @inline(__always)
    static func channelAffine<V: KernelFloatVector>(
        input x: UnsafePointer<Float>, gradient g: UnsafePointer<Float>?, into output: UnsafeMutablePointer<Float>,
        _ layout: Layout, channel c: Int, center: Float, centeredScale: Float, shift: Float, inputScale: Float,
        outputRange: ClosedRange<Float>?, mask: GradientMask?, as _: V.Type
    ) {
        let (batch, channels, spatial) = (layout.batch, layout.channels, layout.spatial)
        let lanes = V.scalarCount
        let vectorCenter = V(repeating: center), vectorCenteredScale = V(repeating: centeredScale)
        let vectorShift = V(repeating: shift), vectorInputScale = V(repeating: inputScale)
        let lowerScalar = outputRange?.lowerBound ?? -.infinity, upperScalar = outputRange?.upperBound ?? .infinity
        for n in 0..<batch {
            let start = (n * channels + c) * spatial
            let xRow = x + start, outRow = output + start
            var s = 0
            if let g {
                let gRow = g + start
                let maskScale = V(repeating: mask?.scale[c] ?? 0), maskShift = V(repeating: mask?.shift[c] ?? 0)
                let lower = V(repeating: mask?.range.lowerBound ?? 0), upper = V(repeating: mask?.range.upperBound ?? 0)
                while s + lanes <= spatial {
                    var gradient = load(gRow + s, as: V.self)
                    let input = load(xRow + s, as: V.self)
                    if mask != nil {
                        gradient = GradientMask.apply(
                            gradient, x: input, center: vectorCenter, scale: maskScale, shift: maskShift, lower: lower, upper: upper)
                    }
                    let value = vectorInputScale * gradient + vectorCenteredScale * (input - vectorCenter) + vectorShift
                    store(value, outRow + s)
                    s += lanes
                }
                while s < spatial {
                    var gradient = gRow[s]
                    if let mask {
                        gradient = GradientMask.apply(
                            gradient, x: xRow[s], center: center, scale: mask.scale[c], shift: mask.shift[c], range: mask.range)
                    }
                    outRow[s] = inputScale * gradient + centeredScale * (xRow[s] - center) + shift
                    s += 1
                }
            } else {
                // Clamped as stored (with infinite bounds when there is no range: no change, NaN kept).
                let lower = V(repeating: lowerScalar), upper = V(repeating: upperScalar)
                while s + lanes <= spatial {
                    let value = vectorCenteredScale * (load(xRow + s, as: V.self) - vectorCenter) + vectorShift
                    store(value.clamped(lower: lower, upper: upper), outRow + s)
                    s += lanes
                }
                while s < spatial {
                    let value = centeredScale * (xRow[s] - center) + shift
                    outRow[s] = value < lowerScalar ? lowerScalar : (value > upperScalar ? upperScalar : value)
                    s += 1
                }
            }
        }
    }

    /// Training forward, fused per channel: batch mean and biased variance into `mean` and
    /// `variance`, then y = clamp((x - mean) / sqrt(variance + epsilon) * weight + bias) into
    /// `output`. Threaded over channels. Spatial rows (spatial > 1) only.
    static func normalizeWithBatchStatistics<V: KernelFloatVector>(
        vector: V.Type = KernelVector.self,
        _ x: UnsafePointer<Float>, _ layout: Layout, weight: [Float]?, bias: [Float]?, epsilon: Float,
        outputRange: ClosedRange<Float>?, into output: UnsafeMutablePointer<Float>,
        mean: inout [Float], variance: inout [Float]
    ) {
        precondition(layout.spatial > 1, "normalizeWithBatchStatistics: needs spatial rows")
        mean.withUnsafeMutableBufferPointer { meanBuffer in
            variance.withUnsafeMutableBufferPointer { varianceBuffer in
                let pointers = UncheckedSendable((x, output, meanBuffer.baseAddress!, varianceBuffer.baseAddress!))
                Parallel.forEachRange(layout.channels, costPerItem: layout.perChannel * 3) { range in
                    let (x, output, mean, variance) = pointers.value
                    for c in range {
                        (mean[c], variance[c]) = channelMoments(x, layout, channel: c, as: V.self)
                        // As the unfused path: scale = 1 / sqrt(var + eps), times the weight.
                        var scale = 1 / (variance[c] + epsilon).squareRoot()
                        if let weight { scale *= weight[c] }
                        channelAffine(
                            input: x, gradient: nil, into: output, layout, channel: c, center: mean[c], centeredScale: scale,
                            shift: bias?[c] ?? 0, inputScale: 0, outputRange: outputRange, mask: nil, as: V.self)
                    }
                }
            }
        }
    }

    /// Training backward, fused per channel: Σ g and Σ g (x - mean) into `sum` and
    /// `centeredDot`, then the input gradient dx = w r g - w r^3 Σ g (x - mean) (x - mean) / M
    /// - w r Σ g / M into `inputGradient` (r = `inverseDeviation`, M = N * spatial), `g`
    /// masked as read when `mask` is given. Threaded over channels. Spatial rows only.
    static func batchStatisticsBackward<V: KernelFloatVector>(
        vector: V.Type = KernelVector.self,
        _ g: UnsafePointer<Float>, input x: UnsafePointer<Float>, _ layout: Layout, mean: [Float], inverseDeviation: [Float],
        weight: [Float]?, mask: GradientMask?, inputGradient: UnsafeMutablePointer<Float>,
        sum: inout [Float], centeredDot: inout [Float]
    ) {
        precondition(layout.spatial > 1, "batchStatisticsBackward: needs spatial rows")
        let count = Float(layout.perChannel)
        sum.withUnsafeMutableBufferPointer { sumBuffer in
            centeredDot.withUnsafeMutableBufferPointer { dotBuffer in
                let pointers = UncheckedSendable((g, x, inputGradient, sumBuffer.baseAddress!, dotBuffer.baseAddress!))
                Parallel.forEachRange(layout.channels, costPerItem: layout.perChannel * 2) { range in
                    let (g, x, inputGradient, sum, dot) = pointers.value
                    for c in range {
                        (sum[c], dot[c]) = channelGradientSums(
                            g, input: x, layout, channel: c, center: mean[c], mask: mask, as: V.self)
                        // As the unfused path's coefficients.
                        let r = inverseDeviation[c]
                        let scaled = (weight?[c] ?? 1) * r
                        channelAffine(
                            input: x, gradient: g, into: inputGradient, layout, channel: c, center: mean[c],
                            centeredScale: -scaled * r * r * dot[c] / count, shift: -scaled * sum[c] / count,
                            inputScale: scaled, outputRange: nil, mask: mask, as: V.self)
                    }
                }
            }
        }
    }
}
