// The direct depthwise convolution kernel (one input channel per output channel), forward
// and backward. Each input plane is first copied into a zero-padded scratch laid out as
// `stride.width` column phases (phase p holds padded columns p, p + s, p + 2s, ...), so
// every kernel tap reads a unit-stride run of the scratch for any stride, with no bounds
// checks: the inner loops are plain SIMD8 multiply-adds over precomputed tap offsets.
// Backward: weight and bias gradients are dot products against the same scratch; the input
// gradient of a stride-1 convolution is the forward kernel run on the output gradient with
// the flipped kernel; other strides gather, per input row and phase, the taps that read it.
// Not here: the public op (Tensor+DepthwiseConvolution.swift), channel multipliers > 1.

enum DepthwiseConvolutionKernels {
    /// Where each tap of a plane's scratch copy starts, and how big the scratch buffers are.
    struct Layout {
        let geometry: ConvolutionGeometry
        /// Output width rounded up to a multiple of 8 (the vector width).
        let paddedOutputWidth: Int
        /// Elements per phase row of the scratch copy.
        let phaseWidth: Int
        /// Offset of tap `kernelRow * kW + kernelColumn` from the start of its output row's
        /// top (possibly padded) input row, in the phase copy.
        let tapOffsets: [Int]

        init(geometry g: ConvolutionGeometry) {
            geometry = g
            paddedOutputWidth = (g.outputWidth + 7) / 8 * 8
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
        }

        /// Floats in one plane's phase copy: H rows of `stride.width` phases.
        var planeCount: Int { geometry.height * geometry.stride.width * phaseWidth }

        /// Offset in the phase copy of output row `outputRow`'s top input row (negative
        /// when it is padding; only added to offsets of taps on real rows).
        @inline(__always)
        func rowBase(_ outputRow: Int) -> Int {
            (outputRow * geometry.stride.height - geometry.padding.top) * geometry.stride.width * phaseWidth
        }

        /// The kernel rows of output row `outputRow` that read real input rows.
        @inline(__always)
        func kernelRows(_ outputRow: Int) -> Range<Int> {
            let g = geometry
            return ConvolutionGeometry.validOutputRange(
                inputSize: g.height, outputSize: g.kernel.height, stride: g.dilation.height,
                offset: outputRow * g.stride.height - g.padding.top)
        }

        /// Copies one [H, W] plane into its zero-padded phase layout.
        func fillPhases(from plane: UnsafePointer<Float>, into phases: UnsafeMutablePointer<Float>) {
            let g = geometry, stride = g.stride.width
            for inputRow in 0..<g.height {
                let source = plane + inputRow * g.width
                for phase in 0..<stride {
                    let row = phases + (inputRow * stride + phase) * phaseWidth
                    let valid = ConvolutionGeometry.validOutputRange(
                        inputSize: g.width, outputSize: phaseWidth, stride: stride, offset: phase - g.padding.left)
                    row.update(repeating: 0, count: valid.lowerBound)
                    let first = valid.lowerBound * stride + phase - g.padding.left
                    var index = valid.lowerBound
                    if stride == 1 {
                        (row + index).update(from: source + first, count: valid.count)
                        index = valid.upperBound
                    } else if stride == 2 {
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
                    (row + valid.upperBound).update(repeating: 0, count: phaseWidth - valid.upperBound)
                }
            }
        }
    }

    /// output[n, c] = bias[c] + depthwise window sums of input[n, c] with weight[c].
    /// `input` [N, C, H, W], `weight` [C, kH * kW], `output` [N, C, OH, OW], all contiguous.
    /// Threaded over the N * C planes.
    static func forward(
        geometry g: ConvolutionGeometry, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>
    ) {
        let layout = Layout(geometry: g)
        let pointers = UncheckedSendable((input, weight, bias, output))
        Parallel.forEachRange(g.batch * g.channels, costPerItem: g.outputPlane * g.kernelArea) { range in
            let (input, weight, bias, output) = pointers.value
            let phases = UnsafeMutablePointer<Float>.allocate(capacity: layout.planeCount)
            defer { phases.deallocate() }
            layout.tapOffsets.withUnsafeBufferPointer { tapOffsets in
                for planeIndex in range {
                    let channel = planeIndex % g.channels
                    layout.fillPhases(from: input + planeIndex * g.inputPlane, into: phases)
                    let channelWeight = weight + channel * g.kernelArea
                    let start = Float8(repeating: bias?[channel] ?? 0)
                    let plane = output + planeIndex * g.outputPlane
                    for outputRow in 0..<g.outputHeight {
                        let rows = layout.kernelRows(outputRow)
                        let taps = rows.lowerBound * g.kernel.width..<rows.upperBound * g.kernel.width
                        forwardRow(
                            phases: phases, rowBase: layout.rowBase(outputRow), offsets: tapOffsets.baseAddress! + taps.lowerBound,
                            weights: channelWeight + taps.lowerBound, taps: taps.count, start: start,
                            width: g.outputWidth, into: plane + outputRow * g.outputWidth)
                    }
                }
            }
        }
    }

    /// One output row: `width` sums of `taps` weighted unit-stride runs, 16 lanes at a time.
    /// `rowBase` may be negative (a padded top row); `rowBase + offsets[tap]` never is.
    @inline(__always)
    static func forwardRow(
        phases: UnsafePointer<Float>, rowBase: Int, offsets: UnsafePointer<Int>, weights: UnsafePointer<Float>,
        taps: Int, start: Float8, width: Int, into out: UnsafeMutablePointer<Float>
    ) {
        var column = 0
        while column + 16 <= width {
            var sum0 = start, sum1 = start
            for tap in 0..<taps {
                let run = UnsafeRawPointer(phases + (rowBase + offsets[tap] + column))
                let w = Float8(repeating: weights[tap])
                sum0 += w * run.loadUnaligned(as: Float8.self)
                sum1 += w * run.loadUnaligned(fromByteOffset: 32, as: Float8.self)
            }
            UnsafeMutableRawPointer(out + column).storeBytes(of: sum0, as: Float8.self)
            UnsafeMutableRawPointer(out + column + 8).storeBytes(of: sum1, as: Float8.self)
            column += 16
        }
        while column < width {
            // The phase rows extend past the padded output width, so a full vector is readable.
            var sum = start
            for tap in 0..<taps {
                sum += Float8(repeating: weights[tap]) * UnsafeRawPointer(phases + (rowBase + offsets[tap] + column)).loadUnaligned(as: Float8.self)
            }
            if column + 8 <= width {
                UnsafeMutableRawPointer(out + column).storeBytes(of: sum, as: Float8.self)
            } else {
                for lane in 0..<(width - column) { out[column + lane] = sum[lane] }
            }
            column += 8
        }
    }

    /// Copies a [OH, OW] gradient plane into rows of `paddedOutputWidth` with zero tails.
    @inline(__always)
    static func padRows(_ plane: UnsafePointer<Float>, layout: Layout, into rows: UnsafeMutablePointer<Float>) {
        let g = layout.geometry, width = layout.paddedOutputWidth
        for outputRow in 0..<g.outputHeight {
            let row = rows + outputRow * width
            row.update(from: plane + outputRow * g.outputWidth, count: g.outputWidth)
            (row + g.outputWidth).update(repeating: 0, count: width - g.outputWidth)
        }
    }

    /// Weight gradient [C, kH * kW] and bias gradient [C] of `forward` (either may be `nil`),
    /// overwritten. Threaded over channels, images inside, so each thread owns its sums.
    static func parameterGradients(
        geometry g: ConvolutionGeometry, input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
        weightGradient: UnsafeMutablePointer<Float>?, biasGradient: UnsafeMutablePointer<Float>?
    ) {
        let layout = Layout(geometry: g)
        let paddedWidth = layout.paddedOutputWidth
        let pointers = UncheckedSendable((input, outputGradient, weightGradient, biasGradient))
        Parallel.forEachRange(g.channels, costPerItem: g.batch * g.outputPlane * g.kernelArea) { range in
            let (input, outputGradient, weightGradient, biasGradient) = pointers.value
            let phases = UnsafeMutablePointer<Float>.allocate(capacity: layout.planeCount)
            let rows = UnsafeMutablePointer<Float>.allocate(capacity: g.outputHeight * paddedWidth)
            let tapSums = UnsafeMutablePointer<Float8>.allocate(capacity: g.kernelArea)
            defer {
                phases.deallocate()
                rows.deallocate()
                tapSums.deallocate()
            }
            for channel in range {
                tapSums.update(repeating: Float8(), count: g.kernelArea)
                var biasSum: Float = 0
                for image in 0..<g.batch {
                    let planeIndex = image * g.channels + channel
                    let gradientPlane = outputGradient + planeIndex * g.outputPlane
                    if biasGradient != nil { biasSum += ReductionKernels.rowSum(gradientPlane, g.outputPlane) }
                    guard weightGradient != nil else { continue }
                    padRows(gradientPlane, layout: layout, into: rows)
                    layout.fillPhases(from: input + planeIndex * g.inputPlane, into: phases)
                    for kernelRow in 0..<g.kernel.height {
                        let outputRows = g.validOutputRows(kernelRow: kernelRow)
                        for kernelColumn in 0..<g.kernel.width {
                            let tap = kernelRow * g.kernel.width + kernelColumn
                            let tapOffset = layout.tapOffsets[tap]
                            var sum = tapSums[tap]
                            for outputRow in outputRows {
                                sum += dot(rows + outputRow * paddedWidth, phases + (layout.rowBase(outputRow) + tapOffset), count: paddedWidth)
                            }
                            tapSums[tap] = sum
                        }
                    }
                }
                if let weightGradient {
                    for tap in 0..<g.kernelArea { weightGradient[channel * g.kernelArea + tap] = tapSums[tap].sum() }
                }
                biasGradient?[channel] = biasSum
            }
        }
    }

    /// Input gradient [N, C, H, W] of `forward`, overwritten. Stride 1: the forward kernel
    /// on the output gradient with the kernel flipped and the padding mirrored. Otherwise
    /// each input row and column phase gathers the output-gradient runs of its taps.
    static func inputGradient(
        geometry g: ConvolutionGeometry, weight: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
        into inputGradient: UnsafeMutablePointer<Float>
    ) {
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
            forward(geometry: transposed, input: outputGradient, weight: flipped, bias: nil, output: inputGradient)
            return
        }
        // Strided: gather form. Input row y, phase p, phase column j collects
        // w[i, k] * dY[(y + top - i * dilation) / stride, j - shift(k)] over the taps whose row
        // divides evenly and whose column falls in phase p. Output-gradient rows are copied
        // with `largestShift` zeros in front and zeros behind, so every read is in bounds.
        let layout = Layout(geometry: g)
        let largestShift = (g.kernel.width - 1) * g.dilation.width / g.stride.width
        let blockWidth = (layout.phaseWidth + 7) / 8 * 8
        let rowWidth = largestShift + blockWidth + 8
        let pointers = UncheckedSendable((weight, outputGradient, inputGradient))
        Parallel.forEachRange(g.batch * g.channels, costPerItem: g.outputPlane * g.kernelArea) { range in
            let (weight, outputGradient, inputGradient) = pointers.value
            let rows = UnsafeMutablePointer<Float>.allocate(capacity: g.outputHeight * rowWidth)
            let phaseRow = UnsafeMutablePointer<Float>.allocate(capacity: blockWidth)
            let offsets = UnsafeMutablePointer<Int>.allocate(capacity: g.kernelArea)
            let weights = UnsafeMutablePointer<Float>.allocate(capacity: g.kernelArea)
            defer {
                rows.deallocate()
                phaseRow.deallocate()
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
                        let valid = ConvolutionGeometry.validOutputRange(
                            inputSize: g.width, outputSize: layout.phaseWidth, stride: g.stride.width, offset: phase - g.padding.left)
                        var column = valid.lowerBound
                        while column < valid.upperBound {
                            var sum = Float8()
                            for tap in 0..<taps {
                                sum += Float8(repeating: weights[tap]) * UnsafeRawPointer(rows + (offsets[tap] + column)).loadUnaligned(as: Float8.self)
                            }
                            UnsafeMutableRawPointer(phaseRow + (column - valid.lowerBound)).storeBytes(of: sum, as: Float8.self)
                            column += 8
                        }
                        let target = plane + inputRow * g.width + valid.lowerBound * g.stride.width + phase - g.padding.left
                        for step in 0..<valid.count { target[step * g.stride.width] = phaseRow[step] }
                    }
                }
            }
        }
    }

    /// Lanewise partial sums of a[i] * b[i] over `count` (a multiple of 8) elements.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float8 {
        var sum0 = Float8(), sum1 = Float8()
        var index = 0
        while index + 16 <= count {
            let left = UnsafeRawPointer(a + index), right = UnsafeRawPointer(b + index)
            sum0 += left.loadUnaligned(as: Float8.self) * right.loadUnaligned(as: Float8.self)
            sum1 += left.loadUnaligned(fromByteOffset: 32, as: Float8.self) * right.loadUnaligned(fromByteOffset: 32, as: Float8.self)
            index += 16
        }
        if index < count {
            sum0 += UnsafeRawPointer(a + index).loadUnaligned(as: Float8.self) * UnsafeRawPointer(b + index).loadUnaligned(as: Float8.self)
        }
        return sum0 + sum1
    }
}
