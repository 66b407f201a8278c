// Batch normalisation over the channel axis of [N, C] or [N, C, *spatial] inputs (as
// PyTorch's `batch_norm`): training mode normalises with the batch statistics and updates
// the running statistics in place; inference mode uses the running statistics. One fused
// forward and one fused backward (the full batch-statistics gradient in training, the
// affine one in inference), vectorised over the spatial axes and threaded over channels.
// An optional output clamp (ReLU6 after batch norm) is fused into the forward store, with
// its hardtanh gradient mask.
// Not here: the `BatchNorm2d` module (parameters, buffers, checkpoint keys) or fusing
// batch norm into a preceding convolution.

extension Tensor {
    /// Batch normalisation over axis 1 (channels) of an [N, C] or [N, C, H, W, ...] input.
    ///
    /// In training mode each channel is normalised with its batch mean and biased variance,
    /// and, when given, `runningMean` and `runningVariance` are updated **in place** as
    /// `running = (1 - momentum) * running + momentum * batch`, with the unbiased batch
    /// variance for `runningVariance` (as PyTorch). In inference mode the running
    /// statistics normalise and are left alone. Running statistics are buffers: they never
    /// receive gradients.
    /// - Parameters:
    ///   - runningMean: per-channel mean of shape [C]; required when `training` is false.
    ///   - runningVariance: per-channel variance of shape [C]; required when `training` is false.
    ///   - weight: per-channel scale of shape [C], or `nil` for 1.
    ///   - bias: per-channel shift of shape [C], or `nil` for 0.
    ///   - training: use (and record) batch statistics rather than the running ones.
    ///   - momentum: the weight of the batch statistics in the running update.
    ///   - epsilon: added to the variance before the square root.
    ///   - outputRange: when given, every output is clamped to it in the same pass (`0...6`
    ///     is ReLU6); the gradient then passes only where the output lies strictly inside,
    ///     as `relu6()` and PyTorch's hardtanh.
    public func batchNorm(
        runningMean: Tensor?, runningVariance: Tensor?, weight: Tensor? = nil, bias: Tensor? = nil,
        training: Bool, momentum: Float = 0.1, epsilon: Float = 1e-5, outputRange: ClosedRange<Float>? = nil
    ) -> Tensor {
        precondition(rank >= 2, "batchNorm: input shape \(shape) needs at least [N, C]")
        let batch = shape[0], channels = shape[1]
        let spatial = shape[2...].reduce(1, *)
        let perChannel = batch * spatial
        for (name, tensor) in [("running mean", runningMean), ("running variance", runningVariance), ("weight", weight), ("bias", bias)] {
            if let tensor {
                precondition(tensor.shape == [channels],
                             "batchNorm: \(name) shape \(tensor.shape) is not [\(channels)] for input shape \(shape)")
            }
        }
        precondition((runningMean == nil) == (runningVariance == nil),
                     "batchNorm: give both running mean and running variance, or neither")
        precondition(training || runningMean != nil, "batchNorm: inference mode needs running statistics (input shape \(shape))")
        precondition(!training || perChannel > 1,
                     "batchNorm: training needs more than one value per channel, got input shape \(shape)")

        let source = withoutGradients { contiguous() }
        let x = UnsafePointer(source.storage.pointer + source.offset)
        let layout = BatchNormKernels.Layout(batch: batch, channels: channels, spatial: spatial)
        var mean = [Float](repeating: 0, count: channels)
        var inverseDeviation = [Float](repeating: 0, count: channels)
        let weightValues = weight.map { tensor in withoutGradients { tensor.scalars } }
        let biasValues = bias.map { tensor in withoutGradients { tensor.scalars } }
        let output = Tensor.uninitialized(shape)
        // Training with spatial rows: statistics and normalisation fused per channel.
        let fusedTraining = training && spatial > 1
        if training {
            var variance = [Float](repeating: 0, count: channels)
            if fusedTraining {
                BatchNormKernels.normalizeWithBatchStatistics(
                    x, layout, weight: weightValues, bias: biasValues, epsilon: epsilon, outputRange: outputRange,
                    into: output.storage.pointer, mean: &mean, variance: &variance)
            } else {
                BatchNormKernels.moments(x, layout, mean: &mean, variance: &variance)
            }
            for c in 0..<channels { inverseDeviation[c] = 1 / (variance[c] + epsilon).squareRoot() }
            if let runningMean, let runningVariance {
                let correction = Float(perChannel) / Float(perChannel - 1)
                for c in 0..<channels {
                    let meanAddress = runningMean.storage.pointer + runningMean.offset + c * runningMean.strides[0]
                    let varianceAddress = runningVariance.storage.pointer + runningVariance.offset + c * runningVariance.strides[0]
                    meanAddress.pointee = (1 - momentum) * meanAddress.pointee + momentum * mean[c]
                    varianceAddress.pointee = (1 - momentum) * varianceAddress.pointee + momentum * variance[c] * correction
                }
            }
        } else if let runningMean, let runningVariance {
            mean = runningMean.scalars
            inverseDeviation = runningVariance.scalars.map { 1 / ($0 + epsilon).squareRoot() }
        }
        // y = (x - mean) * scale + shift per channel.
        var scale = inverseDeviation
        if let weightValues { for c in 0..<channels { scale[c] *= weightValues[c] } }
        let shift = biasValues ?? [Float](repeating: 0, count: channels)
        if !fusedTraining {
            BatchNormKernels.affine(
                input: x, gradient: nil, center: mean, inputScale: [], centeredScale: scale, shift: shift,
                into: output.storage.pointer, layout, outputRange: outputRange)
        }

        let inputs = [self] + [weight, bias].compactMap { $0 }
        let shape = self.shape
        let savedMean = mean, savedInverseDeviation = inverseDeviation
        // The clamp's gradient mask: with spatial rows the kernels recompute the unclamped
        // output from x (the forward's own arithmetic, so the same mask) and mask as they read
        // the gradient; for [N, C] the clamped output masks a copy of the gradient.
        let clampedOutput = outputRange != nil && spatial == 1 ? output.detached() : nil
        let mask = outputRange.flatMap { range in
            spatial == 1 ? nil : BatchNormKernels.GradientMask(center: mean, scale: scale, shift: shift, range: range)
        }
        return output.recordGradient("batchNorm", inputs: inputs) { [self] gradient in
            let g = if let outputRange, let clampedOutput {
                OutputClampKernels.maskedGradient(gradient, output: clampedOutput, range: outputRange)
            } else {
                gradient.contiguous()
            }
            let x = UnsafePointer(source.storage.pointer + source.offset)
            let gradientPointer = UnsafePointer(g.storage.pointer + g.offset)
            let wantsWeight = weight?.requiresGradient ?? false
            let wantsBias = bias?.requiresGradient ?? false
            let needsSums = training || wantsWeight || wantsBias
            var gradientSum = [Float](repeating: 0, count: channels)
            var centeredDot = [Float](repeating: 0, count: channels)
            var inputGradient: Tensor?
            if fusedTraining && requiresGradient {
                // Sums and input gradient fused per channel.
                let result = Tensor.uninitialized(shape)
                BatchNormKernels.batchStatisticsBackward(
                    gradientPointer, input: x, layout, mean: savedMean, inverseDeviation: savedInverseDeviation,
                    weight: weightValues, mask: mask, inputGradient: result.storage.pointer,
                    sum: &gradientSum, centeredDot: &centeredDot)
                inputGradient = result
            } else if needsSums {
                BatchNormKernels.gradientSums(
                    gradientPointer, input: x, center: savedMean, layout, sum: &gradientSum, centeredDot: &centeredDot,
                    mask: mask)
            }
            if requiresGradient && inputGradient == nil {
                // dx = A * g + B * (x - mean) + K per channel. Inference: A = w r, B = K = 0.
                // Training: A = w r, B = -w r^3 Σ g (x - mean) / M, K = -w r Σ g / M.
                var inputScale = [Float](repeating: 0, count: channels)
                var centeredScale = [Float](repeating: 0, count: channels)
                var shift = [Float](repeating: 0, count: channels)
                for c in 0..<channels {
                    let r = savedInverseDeviation[c]
                    let scaled = (weightValues?[c] ?? 1) * r
                    inputScale[c] = scaled
                    if training {
                        centeredScale[c] = -scaled * r * r * centeredDot[c] / Float(perChannel)
                        shift[c] = -scaled * gradientSum[c] / Float(perChannel)
                    }
                }
                let result = Tensor.uninitialized(shape)
                BatchNormKernels.affine(
                    input: x, gradient: gradientPointer, center: savedMean, inputScale: inputScale,
                    centeredScale: centeredScale, shift: shift, into: result.storage.pointer, layout, mask: mask)
                inputGradient = result
            }
            var results: [Tensor?] = [inputGradient]
            if weight != nil {
                results.append(wantsWeight
                    ? Tensor((0..<channels).map { centeredDot[$0] * savedInverseDeviation[$0] }, shape: [channels]) : nil)
            }
            if bias != nil { results.append(wantsBias ? Tensor(gradientSum, shape: [channels]) : nil) }
            return results
        }
    }
}

/// Per-channel kernels over a contiguous [batch, channels, spatial] input. With spatial
/// rows (spatial > 1) work is split over ranges of channels and each (n, c) row is
/// unit-stride; for [N, C] (spatial == 1) work is split over ranges of rows, each row of C
/// channels being the unit-stride vector, and per-channel sums are combined across threads.
enum BatchNormKernels {
    struct Layout {
        let batch: Int
        let channels: Int
        let spatial: Int
        var perChannel: Int { batch * spatial }
    }

    /// The gradient mask of a clamped forward pass, recomputed from its input: the gradient
    /// passes where `range.lowerBound < scale[c] * (x - center[c]) + shift[c] < range.upperBound`
    /// (false for NaN), exactly where the forward's clamped output lay strictly inside.
    struct GradientMask {
        let center: [Float]
        let scale: [Float]
        let shift: [Float]
        let range: ClosedRange<Float>

        /// `gradient` where channel `c`'s unclamped output of `x` lies strictly inside, else 0.
        @inline(__always)
        static func apply<V: KernelFloatVector>(
            _ gradient: V, x: V, center: V, scale: V, shift: V, lower: V, upper: V
        ) -> V {
            let value = scale * (x - center) + shift
            return gradient.kept(where: value, isAbove: lower, below: upper)
        }

        @inline(__always)
        static func apply(_ gradient: Float, x: Float, center: Float, scale: Float, shift: Float, range: ClosedRange<Float>) -> Float {
            let value = scale * (x - center) + shift
            return value > range.lowerBound && value < range.upperBound ? gradient : 0
        }
    }

    /// Per-channel mean and biased variance (two passes: sum, then centered squares;
    /// accumulated across rows in Double).
    static func moments(_ x: UnsafePointer<Float>, _ layout: Layout, mean: inout [Float], variance: inout [Float]) {
        let (batch, channels, spatial) = (layout.batch, layout.channels, layout.spatial)
        let count = Double(layout.perChannel)
        mean.withUnsafeMutableBufferPointer { meanBuffer in
            variance.withUnsafeMutableBufferPointer { varianceBuffer in
                let mean = meanBuffer.baseAddress!, variance = varianceBuffer.baseAddress!
                if spatial == 1 {
                    withUnsafeTemporaryAllocation(of: Double.self, capacity: channels) { totals in
                        let totals = totals.baseAddress!
                        columnTotals(batch: batch, width: channels, accumulators: 1, into: totals) { n, block in
                            let row = x + n * channels
                            var c = 0
                            while c + 8 <= channels { store(load(block + c) + load(row + c), block + c); c += 8 }
                            while c < channels { block[c] += row[c]; c += 1 }
                        }
                        for c in 0..<channels { mean[c] = Float(totals[c] / count) }
                        columnTotals(batch: batch, width: channels, accumulators: 1, into: totals) { n, block in
                            let row = x + n * channels
                            var c = 0
                            while c + 8 <= channels {
                                let centered = load(row + c) - load(mean + c)
                                store(load(block + c) + centered * centered, block + c)
                                c += 8
                            }
                            while c < channels { let centered = row[c] - mean[c]; block[c] += centered * centered; c += 1 }
                        }
                        for c in 0..<channels { variance[c] = Float(totals[c] / count) }
                    }
                    return
                }
                let pointers = UncheckedSendable((x, mean, variance))
                Parallel.forEachRange(channels, costPerItem: layout.perChannel * 2) { range in
                    let (x, mean, variance) = pointers.value
                    for c in range {
                        (mean[c], variance[c]) = channelMoments(x, layout, channel: c, as: KernelVector.self)
                    }
                }
            }
        }
    }

    /// Per channel: Σ g and Σ g * (x - center).
    /// `mask`, for spatial > 1 only, masks the gradient as it is read.
    static func gradientSums(
        _ g: UnsafePointer<Float>, input x: UnsafePointer<Float>, center: [Float], _ layout: Layout,
        sum: inout [Float], centeredDot: inout [Float], mask: GradientMask? = nil
    ) {
        let (batch, channels, spatial) = (layout.batch, layout.channels, layout.spatial)
        center.withUnsafeBufferPointer { centerBuffer in
            sum.withUnsafeMutableBufferPointer { sumBuffer in
                centeredDot.withUnsafeMutableBufferPointer { dotBuffer in
                    let center = centerBuffer.baseAddress!, sum = sumBuffer.baseAddress!, dot = dotBuffer.baseAddress!
                    if spatial == 1 {
                        withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * channels) { totals in
                            let totals = totals.baseAddress!
                            columnTotals(batch: batch, width: channels, accumulators: 2, into: totals) { n, block in
                                let gRow = g + n * channels, xRow = x + n * channels, dotBlock = block + channels
                                var c = 0
                                while c + 8 <= channels {
                                    let gradient = load(gRow + c)
                                    store(load(block + c) + gradient, block + c)
                                    store(load(dotBlock + c) + gradient * (load(xRow + c) - load(center + c)), dotBlock + c)
                                    c += 8
                                }
                                while c < channels {
                                    block[c] += gRow[c]
                                    dotBlock[c] += gRow[c] * (xRow[c] - center[c])
                                    c += 1
                                }
                            }
                            for c in 0..<channels {
                                sum[c] = Float(totals[c])
                                dot[c] = Float(totals[channels + c])
                            }
                        }
                        return
                    }
                    let pointers = UncheckedSendable((g, x, center, sum, dot))
                    Parallel.forEachRange(channels, costPerItem: layout.perChannel * 2) { range in
                        let (g, x, center, sum, dot) = pointers.value
                        for c in range {
                            (sum[c], dot[c]) = channelGradientSums(
                                g, input: x, layout, channel: c, center: center[c], mask: mask, as: KernelVector.self)
                        }
                    }
                }
            }
        }
    }

    /// out = inputScale[c] * g + centeredScale[c] * (x - center[c]) + shift[c]; without a
    /// gradient `g` (the forward pass) the first term is left out and `inputScale` unused,
    /// and the result is clamped to `outputRange` when given. `mask`, for spatial > 1 with a
    /// gradient only, masks `g` as it is read.
    static func affine(
        input x: UnsafePointer<Float>, gradient g: UnsafePointer<Float>?, center: [Float], inputScale: [Float],
        centeredScale: [Float], shift: [Float], into output: UnsafeMutablePointer<Float>, _ layout: Layout,
        outputRange: ClosedRange<Float>? = nil, mask: GradientMask? = nil
    ) {
        let (batch, channels, spatial) = (layout.batch, layout.channels, layout.spatial)
        // Per channel coefficients, packed: [center | centeredScale | shift | inputScale].
        var coefficients = center + centeredScale + shift
        coefficients += g == nil ? [Float](repeating: 0, count: channels) : inputScale
        coefficients.withUnsafeBufferPointer { buffer in
            let pointers = UncheckedSendable((x, g, output, buffer.baseAddress!))
            if spatial == 1 {
                // Threaded over rows; each row of `channels` values is the unit-stride vector.
                Parallel.forEachRange(batch, costPerItem: channels) { range in
                    let (x, g, output, coefficients) = pointers.value
                    let center = coefficients, centeredScale = coefficients + channels
                    let shift = coefficients + 2 * channels, inputScale = coefficients + 3 * channels
                    for n in range {
                        let start = n * channels
                        let xRow = x + start, outRow = output + start
                        var c = 0
                        if let g {
                            let gRow = g + start
                            while c + 8 <= channels {
                                let value = load(inputScale + c) * load(gRow + c)
                                    + load(centeredScale + c) * (load(xRow + c) - load(center + c)) + load(shift + c)
                                store(value, outRow + c)
                                c += 8
                            }
                            while c < channels {
                                outRow[c] = inputScale[c] * gRow[c] + centeredScale[c] * (xRow[c] - center[c]) + shift[c]
                                c += 1
                            }
                        } else {
                            while c + 8 <= channels {
                                store(load(centeredScale + c) * (load(xRow + c) - load(center + c)) + load(shift + c), outRow + c)
                                c += 8
                            }
                            while c < channels { outRow[c] = centeredScale[c] * (xRow[c] - center[c]) + shift[c]; c += 1 }
                        }
                    }
                }
                if let outputRange { OutputClampKernels.clamp(output, count: batch * channels, to: outputRange) }
                return
            }
            Parallel.forEachRange(channels, costPerItem: layout.perChannel) { range in
                let (x, g, output, coefficients) = pointers.value
                let center = coefficients, centeredScale = coefficients + channels
                let shift = coefficients + 2 * channels, inputScale = coefficients + 3 * channels
                for c in range {
                    channelAffine(
                        input: x, gradient: g, into: output, layout, channel: c, center: center[c], centeredScale: centeredScale[c],
                        shift: shift[c], inputScale: inputScale[c], outputRange: outputRange, mask: mask, as: KernelVector.self)
                }
            }
        }
    }

    /// Rows per block accumulated in Float before being added to the Double totals.
    static let rowBlock = 256

    /// For spatial == 1: totals[k * width + c] = Σ over all rows n of what
    /// `accumulateRow(n, block)` adds to block[k * width + c]. The rows are
    /// split into one contiguous part per thread; each part sums blocks of `rowBlock` rows
    /// in Float (vectorised by the caller) and adds each block to its Double partial
    /// totals, and the parts' partials are added at the end.
    @inline(__always)
    static func columnTotals(
        batch: Int, width: Int, accumulators: Int, into totals: UnsafeMutablePointer<Double>,
        _ accumulateRow: (_ n: Int, _ block: UnsafeMutablePointer<Float>) -> Void
    ) {
        let size = accumulators * width
        let parts = batch * size >= Parallel.elementThreshold ? Swift.min(Parallel.threadCount, batch) : 1
        let partials = UnsafeMutablePointer<Double>.allocate(capacity: parts * size)
        defer { partials.deallocate() }
        partials.initialize(repeating: 0, count: parts * size)
        let partialPointer = UncheckedSendable(partials)
        Parallel.forEachRange(parts, costPerItem: Parallel.elementThreshold) { partRange in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: size) { buffer in
                let block = buffer.baseAddress!
                for part in partRange {
                    let partial = partialPointer.value + part * size
                    var start = batch * part / parts
                    let end = batch * (part + 1) / parts
                    while start < end {
                        let blockEnd = Swift.min(end, start + rowBlock)
                        block.update(repeating: 0, count: size)
                        for n in start..<blockEnd { accumulateRow(n, block) }
                        for index in 0..<size { partial[index] += Double(block[index]) }
                        start = blockEnd
                    }
                }
            }
        }
        totals.update(repeating: 0, count: size)
        for part in 0..<parts {
            for index in 0..<size { totals[index] += partials[part * size + index] }
        }
    }
}
