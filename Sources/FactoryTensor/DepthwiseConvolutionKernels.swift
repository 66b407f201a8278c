// The direct depthwise convolution kernel (one input channel per output channel), forward
// and backward. Each input plane is first copied into a zero-padded scratch: padding rows
// above and below, and each row laid out as `stride.width` column phases (phase p holds
// padded columns p, p + s, p + 2s, ...), so every kernel tap of every output row reads a
// unit-stride run of the scratch, for any stride and padding, with no bounds checks. The
// forward kernel keeps a block of 4 output rows x 2 vectors in 8 vector accumulators (8
// independent fused multiply-add chains, enough to hide the FMA latency) and clamps
// (fused ReLU6) as it stores. The scratch is zeroed once per thread: a plane copy writes
// only the real input, so the padding stays zero.
// Backward: weight and bias gradients are dot products against the same scratch; the input
// gradient of a stride-1 convolution is the forward kernel run on the output gradient with
// the flipped kernel; other strides gather, per input row and phase, the taps that read it.
// Every kernel is generic over its vector type (`SIMD8<Float>`, `SIMD16<Float>`); the
// library runs them with `KernelVector`, the tests with both.
// Not here: the public op (Tensor+DepthwiseConvolution.swift), channel multipliers > 1.

enum DepthwiseConvolutionKernels {
    /// Where each tap of a plane's scratch copy starts, and how big the scratch buffers are.
    struct Layout {
        let geometry: ConvolutionGeometry
        /// Floats per vector of the kernel that reads the scratch.
        let lanes: Int
        /// Output width rounded up to a multiple of `lanes`, or of two vectors when the width
        /// is more than one vector (the gradient kernel reads two vectors per step).
        let paddedOutputWidth: Int
        /// Elements per phase row of the scratch copy.
        let phaseWidth: Int
        /// Offset of tap `kernelRow * kW + kernelColumn` from the start of its output row's
        /// top (possibly padding) input row, in the scratch.
        let tapOffsets: [Int]
        /// Output rows the forward kernel computes together: 8 for planes at most one vector
        /// wide, else 4.
        let rowsPerBlock: Int
        /// Rows of the scratch: the input rows with the top and bottom padding, and zero rows
        /// below, enough for whole blocks of output rows.
        let paddedHeight: Int
        /// For each phase, the phase-row elements that hold real input columns.
        let validPhaseColumns: [Range<Int>]

        init(geometry g: ConvolutionGeometry, lanes: Int) {
            geometry = g
            self.lanes = lanes
            let step = g.outputWidth > lanes ? 2 * lanes : lanes
            paddedOutputWidth = (g.outputWidth + step - 1) / step * step
            let largestShift = (g.kernel.width - 1) * g.dilation.width / g.stride.width
            let inputSpan = (g.width + g.padding.left + g.stride.width - 1) / g.stride.width
            let phaseWidth = Swift.max(paddedOutputWidth + largestShift, inputSpan)
            self.phaseWidth = phaseWidth
            var offsets: [Int] = []
            for kernelRow in 0..<g.kernel.height {
                for kernelColumn in 0..<g.kernel.width {
                    let column = kernelColumn * g.dilation.width
                    let phase = column % g.stride.width
                    offsets.append((kernelRow * g.dilation.height * g.stride.width + phase) * phaseWidth + column / g.stride.width)
                }
            }
            tapOffsets = offsets
            // Every row the taps of a whole block of output rows can reach, padding included.
            rowsPerBlock = g.outputWidth <= lanes ? 8 : 4
            let blockRows = (g.outputHeight + rowsPerBlock - 1) / rowsPerBlock * rowsPerBlock
            paddedHeight = Swift.max(g.height + g.padding.top,
                                     (blockRows - 1) * g.stride.height + (g.kernel.height - 1) * g.dilation.height + 1)
            validPhaseColumns = (0..<g.stride.width).map { phase in
                ConvolutionGeometry.validOutputRange(
                    inputSize: g.width, outputSize: phaseWidth, stride: g.stride.width, offset: phase - g.padding.left)
            }
        }

        /// Floats in one plane's scratch copy: padded rows of `stride.width` phases.
        var planeCount: Int { paddedHeight * geometry.stride.width * phaseWidth }

        /// Floats between the first scratch rows of two consecutive output rows.
        var outputRowStep: Int { geometry.stride.height * geometry.stride.width * phaseWidth }

        /// Offset in the scratch of output row `outputRow`'s top (possibly padding) input row.
        @inline(__always)
        func rowBase(_ outputRow: Int) -> Int { outputRow * outputRowStep }

        /// A zeroed scratch buffer for one plane; the caller deallocates it.
        func makeScratch() -> UnsafeMutablePointer<Float> {
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: planeCount)
            scratch.initialize(repeating: 0, count: planeCount)
            return scratch
        }

        /// Copies one [H, W] plane into the real-input part of a scratch from ``makeScratch()``
        /// (whose padding is zero and stays zero).
        func fillPhases(from plane: UnsafePointer<Float>, into phases: UnsafeMutablePointer<Float>) {
            let g = geometry, stride = g.stride.width
            for inputRow in 0..<g.height {
                let source = plane + inputRow * g.width
                for phase in 0..<stride {
                    let row = phases + ((inputRow + g.padding.top) * stride + phase) * phaseWidth
                    let valid = validPhaseColumns[phase]
                    let first = valid.lowerBound * stride + phase - g.padding.left
                    var index = valid.lowerBound
                    if stride == 1 {
                        (row + index).update(from: source + first, count: valid.count)
                        continue
                    }
                    if stride == 2 {
                        // Even lanes of 16 consecutive inputs, while all 16 are inside the row.
                        while index + 8 <= valid.upperBound && first + 2 * (index - valid.lowerBound) + 16 <= g.width {
                            let from = UnsafeRawPointer(source + first + 2 * (index - valid.lowerBound))
                            let low = from.loadUnaligned(as: Float8.self), high = from.loadUnaligned(fromByteOffset: 32, as: Float8.self)
                            UnsafeMutableRawPointer(row + index).storeBytes(of: Float8(lowHalf: low.evenHalf, highHalf: high.evenHalf), as: Float8.self)
                            index += 8
                        }
                    }
                    while index < valid.upperBound {
                        row[index] = source[first + (index - valid.lowerBound) * stride]
                        index += 1
                    }
                }
            }
        }
    }

    /// output[n, c] = bias[c] + depthwise window sums of input[n, c] with weight[c], clamped
    /// to `outputRange` when given. `input` [N, C, H, W], `weight` [C, kH * kW], `output`
    /// [N, C, OH, OW], all contiguous. Threaded over the N * C planes; computed in `vector`s.
    static func forward<V: KernelFloatVector>(
        vector: V.Type = KernelVector.self,
        geometry g: ConvolutionGeometry, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>, outputRange: ClosedRange<Float>? = nil
    ) {
        let layout = Layout(geometry: g, lanes: V.scalarCount)
        let pointers = UncheckedSendable((input, weight, bias, output))
        let bounds = RowBounds<V>(outputRange)
        Parallel.forEachRange(g.batch * g.channels, costPerItem: g.outputPlane * g.kernelArea) { range in
            let (input, weight, bias, output) = pointers.value
            let phases = layout.makeScratch()
            defer { phases.deallocate() }
            layout.tapOffsets.withUnsafeBufferPointer { tapOffsets in
                let offsets = tapOffsets.baseAddress!
                for planeIndex in range {
                    let channel = planeIndex % g.channels
                    layout.fillPhases(from: input + planeIndex * g.inputPlane, into: phases)
                    let channelWeight = weight + channel * g.kernelArea
                    let start = V(repeating: bias?[channel] ?? 0)
                    let plane = output + planeIndex * g.outputPlane
                    // Whole blocks of rows (the scratch has zero rows below for the last one);
                    // only real rows are stored.
                    for outputRow in stride(from: 0, to: g.outputHeight, by: layout.rowsPerBlock) {
                        let block = Block(
                            phases: UnsafePointer(phases) + layout.rowBase(outputRow), rowStep: layout.outputRowStep,
                            offsets: offsets, weights: channelWeight, taps: g.kernelArea, start: start, bounds: bounds,
                            width: g.outputWidth, rows: Swift.min(layout.rowsPerBlock, g.outputHeight - outputRow),
                            out: plane + outputRow * g.outputWidth,
                            planeRemaining: (g.outputHeight - outputRow) * g.outputWidth)
                        if layout.rowsPerBlock == 8 { block.eightNarrowRows() } else { block.fourRows() }
                    }
                }
            }
        }
    }

    /// The clamp applied as outputs are stored (±infinity when there is none: then it
    /// changes nothing, NaN included).
    struct RowBounds<V: KernelFloatVector> {
        let lower: V
        let upper: V

        init(_ range: ClosedRange<Float>?) {
            lower = V(repeating: range?.lowerBound ?? -.infinity)
            upper = V(repeating: range?.upperBound ?? .infinity)
        }

        @inline(__always)
        func apply(_ x: V) -> V {
            x.clamped(lower: lower, upper: upper)
        }
    }

    /// One block of consecutive output rows of one plane. `phases` points at the first row's
    /// top scratch row; row r starts `r * rowStep` further. Phase rows extend past the padded
    /// output width and the scratch has rows for whole blocks, so full vectors are always
    /// readable; only the first `rows` rows and `width` columns are stored.
    struct Block<V: KernelFloatVector> {
        let phases: UnsafePointer<Float>
        let rowStep: Int
        let offsets: UnsafePointer<Int>
        let weights: UnsafePointer<Float>
        let taps: Int
        let start: V
        let bounds: RowBounds<V>
        let width: Int
        let rows: Int
        let out: UnsafeMutablePointer<Float>
        /// Floats from `out` to the end of its output plane.
        let planeRemaining: Int

        /// Stores row `row`'s vector at `column` (clamped; only real lanes and rows).
        @inline(__always)
        func store(_ value: V, row: Int, column: Int) {
            guard row < rows else { return }
            let target = out + row * width + column
            let clamped = bounds.apply(value)
            if column + V.scalarCount <= width {
                FactoryTensor.store(clamped, target)
            } else {
                for lane in 0..<(width - column) { target[lane] = clamped[lane] }
            }
        }

        /// Four rows, two vectors of columns at a time (8 independent accumulators); a last
        /// step that would pass the row end moves back to end at it, recomputing a few
        /// columns (the same arithmetic, so the same values) instead of storing a part vector.
        /// Planes narrower than two vectors take one vector at a time the same way.
        @inline(__always)
        func fourRows() {
            let lanes = V.scalarCount
            var column = 0
            while column < width && width >= 2 * lanes {
                column = Swift.min(column, width - 2 * lanes)
                var a0 = start, a1 = start, b0 = start, b1 = start, c0 = start, c1 = start, d0 = start, d1 = start
                for tap in 0..<taps {
                    let w = V(repeating: weights[tap])
                    let run = phases + (offsets[tap] + column)
                    a0.addProduct(w, load(run, as: V.self))
                    a1.addProduct(w, load(run + lanes, as: V.self))
                    b0.addProduct(w, load(run + rowStep, as: V.self))
                    b1.addProduct(w, load(run + rowStep + lanes, as: V.self))
                    c0.addProduct(w, load(run + 2 * rowStep, as: V.self))
                    c1.addProduct(w, load(run + 2 * rowStep + lanes, as: V.self))
                    d0.addProduct(w, load(run + 3 * rowStep, as: V.self))
                    d1.addProduct(w, load(run + 3 * rowStep + lanes, as: V.self))
                }
                store(a0, row: 0, column: column); store(a1, row: 0, column: column + lanes)
                store(b0, row: 1, column: column); store(b1, row: 1, column: column + lanes)
                store(c0, row: 2, column: column); store(c1, row: 2, column: column + lanes)
                store(d0, row: 3, column: column); store(d1, row: 3, column: column + lanes)
                column += 2 * lanes
            }
            while column < width {
                column = Swift.max(0, Swift.min(column, width - lanes))
                var a = start, b = start, c = start, d = start
                for tap in 0..<taps {
                    let w = V(repeating: weights[tap])
                    let run = phases + (offsets[tap] + column)
                    a.addProduct(w, load(run, as: V.self))
                    b.addProduct(w, load(run + rowStep, as: V.self))
                    c.addProduct(w, load(run + 2 * rowStep, as: V.self))
                    d.addProduct(w, load(run + 3 * rowStep, as: V.self))
                }
                store(a, row: 0, column: column); store(b, row: 1, column: column)
                store(c, row: 2, column: column); store(d, row: 3, column: column)
                column += lanes
            }
        }

        /// Eight rows of at most one vector of columns (8 independent accumulators). The rows
        /// of a plane are contiguous, so each row is stored as a whole vector whose lanes past
        /// the row end land on the next rows, which are stored after it; only where a whole
        /// vector would pass the plane's end (`planeRemaining` floats from `out`) is a part stored.
        @inline(__always)
        func eightNarrowRows() {
            var r0 = start, r1 = start, r2 = start, r3 = start, r4 = start, r5 = start, r6 = start, r7 = start
            for tap in 0..<taps {
                let w = V(repeating: weights[tap])
                let run = phases + offsets[tap]
                r0.addProduct(w, load(run, as: V.self))
                r1.addProduct(w, load(run + rowStep, as: V.self))
                r2.addProduct(w, load(run + 2 * rowStep, as: V.self))
                r3.addProduct(w, load(run + 3 * rowStep, as: V.self))
                r4.addProduct(w, load(run + 4 * rowStep, as: V.self))
                r5.addProduct(w, load(run + 5 * rowStep, as: V.self))
                r6.addProduct(w, load(run + 6 * rowStep, as: V.self))
                r7.addProduct(w, load(run + 7 * rowStep, as: V.self))
            }
            @inline(__always)
            func storeRow(_ value: V, _ row: Int) {
                guard row < rows else { return }
                if row * width + V.scalarCount <= planeRemaining {
                    FactoryTensor.store(bounds.apply(value), out + row * width)
                } else {
                    store(value, row: row, column: 0)
                }
            }
            storeRow(r0, 0); storeRow(r1, 1); storeRow(r2, 2); storeRow(r3, 3)
            storeRow(r4, 4); storeRow(r5, 5); storeRow(r6, 6); storeRow(r7, 7)
        }
    }

    /// Weight gradient [C, kH * kW] and bias gradient [C] of `forward` (either may be `nil`),
    /// overwritten. Threaded over channels, images inside, so each thread owns its sums.
    /// Each output-gradient plane is copied into rows padded with zeros to whole vectors
    /// (so lanes past the output width add nothing), and the taps are taken five at a time:
    /// per output row and two vectors of columns, the gradient is loaded once and multiplied
    /// into the five taps' register sums (ten independent chains). Padding reads the
    /// scratch's zeros.
    static func parameterGradients<V: KernelFloatVector>(
        vector: V.Type = KernelVector.self,
        geometry g: ConvolutionGeometry, input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
        weightGradient: UnsafeMutablePointer<Float>?, biasGradient: UnsafeMutablePointer<Float>?
    ) {
        let layout = Layout(geometry: g, lanes: V.scalarCount)
        let rowWidth = layout.paddedOutputWidth
        let pointers = UncheckedSendable((input, outputGradient, weightGradient, biasGradient))
        Parallel.forEachRange(g.channels, costPerItem: g.batch * g.outputPlane * g.kernelArea) { range in
            let (input, outputGradient, weightGradient, biasGradient) = pointers.value
            let phases = layout.makeScratch()
            let tapSums = UnsafeMutablePointer<V>.allocate(capacity: g.kernelArea)
            let gradientRows = UnsafeMutablePointer<Float>.allocate(capacity: g.outputHeight * rowWidth)
            gradientRows.initialize(repeating: 0, count: g.outputHeight * rowWidth)
            defer {
                phases.deallocate()
                tapSums.deallocate()
                gradientRows.deallocate()
            }
            layout.tapOffsets.withUnsafeBufferPointer { tapOffsets in
                let offsets = tapOffsets.baseAddress!
                for channel in range {
                    tapSums.initialize(repeating: V(), count: g.kernelArea)
                    var biasSum: Float = 0
                    for image in 0..<g.batch {
                        let planeIndex = image * g.channels + channel
                        let gradientPlane = outputGradient + planeIndex * g.outputPlane
                        if biasGradient != nil { biasSum += ReductionKernels.rowSum(gradientPlane, g.outputPlane) }
                        guard weightGradient != nil else { continue }
                        layout.fillPhases(from: input + planeIndex * g.inputPlane, into: phases)
                        for outputRow in 0..<g.outputHeight {
                            (gradientRows + outputRow * rowWidth).update(from: gradientPlane + outputRow * g.outputWidth, count: g.outputWidth)
                        }
                        var first = 0
                        while first < g.kernelArea {
                            let count = Swift.min(5, g.kernelArea - first)
                            accumulateTaps(
                                count, offsets: offsets + first, phases: phases, layout: layout, gradientRows: gradientRows,
                                into: tapSums + first)
                            first += count
                        }
                    }
                    if let weightGradient {
                        for tap in 0..<g.kernelArea { weightGradient[channel * g.kernelArea + tap] = tapSums[tap].sum() }
                    }
                    biasGradient?[channel] = biasSum
                }
            }
        }
    }

    /// Adds to sums[0..<count] (lanewise) Σ over the plane's outputs of the output gradient
    /// times the scratch run of taps `offsets[0..<count]` (count <= 5). `gradientRows` holds
    /// the gradient rows `layout.paddedOutputWidth` apart, zero past the output width.
    @inline(__always)
    static func accumulateTaps<V: KernelFloatVector>(
        _ count: Int, offsets: UnsafePointer<Int>, phases: UnsafePointer<Float>, layout: Layout,
        gradientRows: UnsafePointer<Float>, into sums: UnsafeMutablePointer<V>
    ) {
        let g = layout.geometry, lanes = V.scalarCount, rowWidth = layout.paddedOutputWidth
        // Unused taps repeat the last one; their sums are dropped.
        let o0 = offsets[0], o1 = offsets[Swift.min(1, count - 1)], o2 = offsets[Swift.min(2, count - 1)]
        let o3 = offsets[Swift.min(3, count - 1)], o4 = offsets[Swift.min(4, count - 1)]
        var a0 = V(), a1 = V(), a2 = V(), a3 = V(), a4 = V()
        var b0 = V(), b1 = V(), b2 = V(), b3 = V(), b4 = V()
        if g.outputWidth > lanes {
            // Two vectors per step (the padded row width is a multiple of two vectors).
            for outputRow in 0..<g.outputHeight {
                let gradientRow = gradientRows + outputRow * rowWidth
                let base = phases + layout.rowBase(outputRow)
                var column = 0
                while column < g.outputWidth {
                    let x = load(gradientRow + column, as: V.self), y = load(gradientRow + column + lanes, as: V.self)
                    let run = base + column
                    a0.addProduct(x, load(run + o0, as: V.self)); b0.addProduct(y, load(run + o0 + lanes, as: V.self))
                    a1.addProduct(x, load(run + o1, as: V.self)); b1.addProduct(y, load(run + o1 + lanes, as: V.self))
                    a2.addProduct(x, load(run + o2, as: V.self)); b2.addProduct(y, load(run + o2 + lanes, as: V.self))
                    a3.addProduct(x, load(run + o3, as: V.self)); b3.addProduct(y, load(run + o3 + lanes, as: V.self))
                    a4.addProduct(x, load(run + o4, as: V.self)); b4.addProduct(y, load(run + o4 + lanes, as: V.self))
                    column += 2 * lanes
                }
            }
        } else {
            // One vector per row; two rows per step.
            var outputRow = 0
            while outputRow < g.outputHeight {
                let x = load(gradientRows + outputRow * rowWidth, as: V.self)
                let run = phases + layout.rowBase(outputRow)
                a0.addProduct(x, load(run + o0, as: V.self)); a1.addProduct(x, load(run + o1, as: V.self))
                a2.addProduct(x, load(run + o2, as: V.self)); a3.addProduct(x, load(run + o3, as: V.self))
                a4.addProduct(x, load(run + o4, as: V.self))
                if outputRow + 1 < g.outputHeight {
                    let y = load(gradientRows + (outputRow + 1) * rowWidth, as: V.self)
                    let next = phases + layout.rowBase(outputRow + 1)
                    b0.addProduct(y, load(next + o0, as: V.self)); b1.addProduct(y, load(next + o1, as: V.self))
                    b2.addProduct(y, load(next + o2, as: V.self)); b3.addProduct(y, load(next + o3, as: V.self))
                    b4.addProduct(y, load(next + o4, as: V.self))
                }
                outputRow += 2
            }
        }
        sums[0] += a0 + b0
        if count > 1 { sums[1] += a1 + b1 }
        if count > 2 { sums[2] += a2 + b2 }
        if count > 3 { sums[3] += a3 + b3 }
        if count > 4 { sums[4] += a4 + b4 }
    }

    /// Input gradient [N, C, H, W] of `forward`, overwritten. Stride 1: the forward kernel
    /// on the output gradient with the kernel flipped and the padding mirrored. Otherwise
    /// each input row and column phase gathers the output-gradient runs of its taps.
    static func inputGradient<V: KernelFloatVector>(
        vector: V.Type = KernelVector.self,
        geometry g: ConvolutionGeometry, weight: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
        into inputGradient: UnsafeMutablePointer<Float>
    ) {
        let lanes = V.scalarCount
        let spanHeight = (g.kernel.height - 1) * g.dilation.height, spanWidth = (g.kernel.width - 1) * g.dilation.width
        let mirrored = Padding2D(
            top: spanHeight - g.padding.top, bottom: spanHeight - g.padding.bottom,
            left: spanWidth - g.padding.left, right: spanWidth - g.padding.right)
        if g.stride == 1 && mirrored.top >= 0 && mirrored.bottom >= 0 && mirrored.left >= 0 && mirrored.right >= 0 {
            let flipped = UnsafeMutablePointer<Float>.allocate(capacity: g.channels * g.kernelArea)
            defer { flipped.deallocate() }
            for channel in 0..<g.channels {
                for tap in 0..<g.kernelArea {
                    flipped[channel * g.kernelArea + tap] = weight[channel * g.kernelArea + g.kernelArea - 1 - tap]
                }
            }
            let transposed = ConvolutionGeometry(
                operation: "depthwiseConv2d backward", inputShape: [g.batch, g.channels, g.outputHeight, g.outputWidth],
                kernel: g.kernel, stride: 1, padding: mirrored, dilation: g.dilation)
            forward(vector: V.self, geometry: transposed, input: outputGradient, weight: flipped, bias: nil, output: inputGradient)
            return
        }
        // Strided: gather form. Input row y, phase p, phase column j collects
        // w[i, k] * dY[(y + top - i * dilation) / stride, j - shift(k)] over the taps whose row
        // divides evenly and whose column falls in phase p. Output-gradient rows are copied
        // with `largestShift` zeros in front and zeros behind, so every read is in bounds.
        let layout = Layout(geometry: g, lanes: lanes)
        let largestShift = (g.kernel.width - 1) * g.dilation.width / g.stride.width
        let blockWidth = (layout.phaseWidth + lanes - 1) / lanes * lanes
        let rowWidth = largestShift + blockWidth + 2 * lanes  // two-vector steps may read past the last block
        let phaseRowWidth = blockWidth + 2 * lanes
        let pointers = UncheckedSendable((weight, outputGradient, inputGradient))
        Parallel.forEachRange(g.batch * g.channels, costPerItem: g.outputPlane * g.kernelArea) { range in
            let (weight, outputGradient, inputGradient) = pointers.value
            let rows = UnsafeMutablePointer<Float>.allocate(capacity: g.outputHeight * rowWidth)
            // One row per phase, indexed by phase column (entries outside the phase's real
            // columns are computed but never read).
            let phaseRows = UnsafeMutablePointer<Float>.allocate(capacity: g.stride.width * phaseRowWidth)
            let offsets = UnsafeMutablePointer<Int>.allocate(capacity: g.kernelArea)
            let weights = UnsafeMutablePointer<Float>.allocate(capacity: g.kernelArea)
            defer {
                rows.deallocate()
                phaseRows.deallocate()
                offsets.deallocate()
                weights.deallocate()
            }
            rows.update(repeating: 0, count: g.outputHeight * rowWidth)
            for planeIndex in range {
                let channelWeight = weight + (planeIndex % g.channels) * g.kernelArea
                let gradientPlane = outputGradient + planeIndex * g.outputPlane
                for outputRow in 0..<g.outputHeight {
                    (rows + outputRow * rowWidth + largestShift).update(from: gradientPlane + outputRow * g.outputWidth, count: g.outputWidth)
                }
                let plane = inputGradient + planeIndex * g.inputPlane
                for inputRow in 0..<g.height {
                    for phase in 0..<g.stride.width {
                        var taps = 0
                        for kernelRow in 0..<g.kernel.height {
                            let shifted = inputRow + g.padding.top - kernelRow * g.dilation.height
                            guard shifted >= 0, shifted % g.stride.height == 0, shifted / g.stride.height < g.outputHeight else { continue }
                            for kernelColumn in 0..<g.kernel.width where kernelColumn * g.dilation.width % g.stride.width == phase {
                                offsets[taps] = shifted / g.stride.height * rowWidth + largestShift - kernelColumn * g.dilation.width / g.stride.width
                                weights[taps] = channelWeight[kernelRow * g.kernel.width + kernelColumn]
                                taps += 1
                            }
                        }
                        let valid = layout.validPhaseColumns[phase]
                        let phaseRow = phaseRows + phase * phaseRowWidth
                        var column = valid.lowerBound
                        while column < valid.upperBound {
                            // Two independent vectors per step.
                            var low = V(), high = V()
                            for tap in 0..<taps {
                                let w = V(repeating: weights[tap])
                                let run = rows + (offsets[tap] + column)
                                low.addProduct(w, load(run, as: V.self))
                                high.addProduct(w, load(run + lanes, as: V.self))
                            }
                            store(low, phaseRow + column)
                            store(high, phaseRow + column + lanes)
                            column += 2 * lanes
                        }
                    }
                    // Input column x is element (x + left) / stride of phase (x + left) % stride.
                    let target = plane + inputRow * g.width
                    if g.stride.width == 2 {
                        let left = g.padding.left
                        let even = phaseRows + (left & 1) * phaseRowWidth + (left >> 1)
                        let odd = phaseRows + ((left + 1) & 1) * phaseRowWidth + ((left + 1) >> 1)
                        for m in 0..<(g.width / 2) {
                            target[2 * m] = even[m]
                            target[2 * m + 1] = odd[m]
                        }
                        if g.width % 2 == 1 { target[g.width - 1] = even[g.width / 2] }
                    } else {
                        for x in 0..<g.width {
                            let shifted = x + g.padding.left
                            target[x] = phaseRows[shifted % g.stride.width * phaseRowWidth + shifted / g.stride.width]
                        }
                    }
                }
            }
        }
    }
}
