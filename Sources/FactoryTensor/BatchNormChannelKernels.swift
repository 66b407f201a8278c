// Batch norm's per-channel passes over [batch, channels, spatial] data with spatial rows,
// and the fused training passes built from them. Unfused, each pass streams the whole
// tensor from memory (statistics read it twice, normalising once more; the backward
// reads it for its sums and again for the input gradient). Fused, a thread finishes one
// channel (statistics then normalisation; sums then input gradient) while that channel's
// N x spatial values are still in cache, so memory sees each tensor once. The arithmetic
// is the same either way, so the results are too. Not here: the op and its gradient
// record (Tensor+BatchNorm.swift), the [N, C] layout (spatial == 1).

extension BatchNormKernels {
    /// Mean and biased variance of channel `c` (two passes: sum, then centered squares;
    /// accumulated across rows in Double).
    @inline(__always)
    static func channelMoments(_ x: UnsafePointer<Float>, _ layout: Layout, channel c: Int) -> (mean: Float, variance: Float) {
        let (batch, channels, spatial) = (layout.batch, layout.channels, layout.spatial)
        let count = Double(layout.perChannel)
        var total = 0.0
        for n in 0..<batch { total += Double(ReductionKernels.rowSum(x + (n * channels + c) * spatial, spatial)) }
        let channelMean = Float(total / count)
        total = 0
        for n in 0..<batch {
            total += Double(LayerNormKernels.centeredSquareSum(x + (n * channels + c) * spatial, mean: channelMean, spatial))
        }
        return (channelMean, Float(total / count))
    }

    /// Σ g and Σ g * (x - center) over channel `c`, the gradient masked as read when `mask`
    /// is given.
    @inline(__always)
    static func channelGradientSums(
        _ g: UnsafePointer<Float>, input x: UnsafePointer<Float>, _ layout: Layout, channel c: Int, center: Float,
        mask: GradientMask?
    ) -> (sum: Float, dot: Float) {
        let (batch, channels, spatial) = (layout.batch, layout.channels, layout.spatial)
        var gradientTotal = 0.0, dotTotal = 0.0
        let vectorCenter = Float8(repeating: center)
        let maskScale = Float8(repeating: mask?.scale[c] ?? 0), maskShift = Float8(repeating: mask?.shift[c] ?? 0)
        let lower = Float8(repeating: mask?.range.lowerBound ?? 0), upper = Float8(repeating: mask?.range.upperBound ?? 0)
        for n in 0..<batch {
            let gRow = g + (n * channels + c) * spatial, xRow = x + (n * channels + c) * spatial
            var gradientVector = Float8(), dotVector = Float8()
            var s = 0
            while s + 8 <= spatial {
                var gradient = load(gRow + s)
                let input = load(xRow + s)
                if mask != nil {
                    gradient = GradientMask.apply(
                        gradient, x: input, center: vectorCenter, scale: maskScale, shift: maskShift, lower: lower, upper: upper)
                }
                gradientVector += gradient
                dotVector += gradient * (input - vectorCenter)
                s += 8
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
    static func channelAffine(
        input x: UnsafePointer<Float>, gradient g: UnsafePointer<Float>?, into output: UnsafeMutablePointer<Float>,
        _ layout: Layout, channel c: Int, center: Float, centeredScale: Float, shift: Float, inputScale: Float,
        outputRange: ClosedRange<Float>?, mask: GradientMask?
    ) {
        let (batch, channels, spatial) = (layout.batch, layout.channels, layout.spatial)
        let vectorCenter = Float8(repeating: center), vectorCenteredScale = Float8(repeating: centeredScale)
        let vectorShift = Float8(repeating: shift), vectorInputScale = Float8(repeating: inputScale)
        let lowerScalar = outputRange?.lowerBound ?? -.infinity, upperScalar = outputRange?.upperBound ?? .infinity
        for n in 0..<batch {
            let start = (n * channels + c) * spatial
            let xRow = x + start, outRow = output + start
            var s = 0
            if let g {
                let gRow = g + start
                let maskScale = Float8(repeating: mask?.scale[c] ?? 0), maskShift = Float8(repeating: mask?.shift[c] ?? 0)
                let lower = Float8(repeating: mask?.range.lowerBound ?? 0), upper = Float8(repeating: mask?.range.upperBound ?? 0)
                while s + 8 <= spatial {
                    var gradient = load(gRow + s)
                    let input = load(xRow + s)
                    if mask != nil {
                        gradient = GradientMask.apply(
                            gradient, x: input, center: vectorCenter, scale: maskScale, shift: maskShift, lower: lower, upper: upper)
                    }
                    let value = vectorInputScale * gradient + vectorCenteredScale * (input - vectorCenter) + vectorShift
                    store(value, outRow + s)
                    s += 8
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
                let lower = Float8(repeating: lowerScalar), upper = Float8(repeating: upperScalar)
                while s + 8 <= spatial {
                    let value = vectorCenteredScale * (load(xRow + s) - vectorCenter) + vectorShift
                    store(value.replacing(with: lower, where: value .< lower).replacing(with: upper, where: value .> upper), outRow + s)
                    s += 8
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
    static func normalizeWithBatchStatistics(
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
                        (mean[c], variance[c]) = channelMoments(x, layout, channel: c)
                        // As the unfused path: scale = 1 / sqrt(var + eps), times the weight.
                        var scale = 1 / (variance[c] + epsilon).squareRoot()
                        if let weight { scale *= weight[c] }
                        channelAffine(
                            input: x, gradient: nil, into: output, layout, channel: c, center: mean[c], centeredScale: scale,
                            shift: bias?[c] ?? 0, inputScale: 0, outputRange: outputRange, mask: nil)
                    }
                }
            }
        }
    }

    /// Training backward, fused per channel: Σ g and Σ g (x - mean) into `sum` and
    /// `centeredDot`, then the input gradient dx = w r g - w r^3 Σ g (x - mean) (x - mean) / M
    /// - w r Σ g / M into `inputGradient` (r = `inverseDeviation`, M = N * spatial), `g`
    /// masked as read when `mask` is given. Threaded over channels. Spatial rows only.
    static func batchStatisticsBackward(
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
                        (sum[c], dot[c]) = channelGradientSums(g, input: x, layout, channel: c, center: mean[c], mask: mask)
                        // As the unfused path's coefficients.
                        let r = inverseDeviation[c]
                        let scaled = (weight?[c] ?? 1) * r
                        channelAffine(
                            input: x, gradient: g, into: inputGradient, layout, channel: c, center: mean[c],
                            centeredScale: -scaled * r * r * dot[c] / count, shift: -scaled * sum[c] / count,
                            inputScale: scaled, outputRange: nil, mask: mask)
                    }
                }
            }
        }
    }
}
