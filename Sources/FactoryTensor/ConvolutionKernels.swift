// Convolution kernels for the im2col + GEMM path: `im2col` unfolds the windows of one image
// (one group's channels) into a [channels * kH * kW, OH * OW] matrix, `col2im` folds such a
// matrix back, accumulating, and `forward`/`backward` drive BLAS over images and groups.
// Not here: the public op and its gradient record (Tensor+Convolution.swift) and the direct
// depthwise kernel (DepthwiseConvolutionKernels.swift).

enum ConvolutionKernels {
    /// The shapes of one convolution, as the kernels see them.
    struct Problem {
        let geometry: ConvolutionGeometry
        let outputChannels: Int
        let groups: Int

        var inputChannelsPerGroup: Int { geometry.channels / groups }
        var outputChannelsPerGroup: Int { outputChannels / groups }
        /// Rows of the unfolded matrix (= columns of one group's weight matrix).
        var depth: Int { inputChannelsPerGroup * geometry.kernelArea }

        /// A 1x1, stride-1, unpadded convolution reads the input itself as the unfolded matrix.
        var isPointwise: Bool {
            let g = geometry
            return g.kernel == 1 && g.stride == 1
                && g.padding == .zero && g.outputHeight == g.height && g.outputWidth == g.width
        }
    }

    /// output = weight (*) input + bias, clamped to `outputRange` when given, for contiguous
    /// NCHW `input`, OIHW `weight`, and `output` of [N, O, OH, OW]. Ungrouped convolutions
    /// with a small weight over wide planes use the fused kernel (FusedGEMMKernels: bias and
    /// clamp in the product, each output written once; on the input itself for 1x1, on each
    /// image's im2col matrix otherwise); the rest set the bias, run BLAS and
    /// clamp, one image at a time so the image's output is still in cache. Threads inside
    /// `im2col`, the fused kernel and OpenBLAS.
    static func forward(
        problem: Problem, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>, outputRange: ClosedRange<Float>? = nil
    ) {
        let g = problem.geometry
        let outputPlane = g.outputPlane
        let perGroupIn = problem.inputChannelsPerGroup, perGroupOut = problem.outputChannelsPerGroup
        let depth = problem.depth
        let columns = problem.isPointwise ? nil : UnsafeMutablePointer<Float>.allocate(capacity: depth * outputPlane)
        defer { columns?.deallocate() }
        if problem.isPointwise && problem.groups == 1
            && FusedGEMMKernels.isPreferred(outputChannels: problem.outputChannels, depth: depth, columns: outputPlane) {
            FusedGEMMKernels.forward(
                batch: g.batch, outputChannels: problem.outputChannels, depth: depth, columns: outputPlane,
                input: input, inputImageStride: g.channels * g.inputPlane, weight: weight, bias: bias,
                output: output, outputImageStride: problem.outputChannels * outputPlane, outputRange: outputRange)
            return
        }
        if let columns, problem.groups == 1
            && FusedGEMMKernels.isPreferred(outputChannels: problem.outputChannels, depth: depth, columns: outputPlane) {
            // A small weight over a wide plane (the stem): the fused kernel on each image's
            // unfolded matrix, bias and clamp in the product instead of passes before and after.
            for image in 0..<g.batch {
                im2col(input + image * g.channels * g.inputPlane, channels: g.channels, geometry: g, into: columns)
                FusedGEMMKernels.forward(
                    batch: 1, outputChannels: problem.outputChannels, depth: depth, columns: outputPlane,
                    input: columns, inputImageStride: depth * outputPlane, weight: weight, bias: bias,
                    output: output + image * problem.outputChannels * outputPlane,
                    outputImageStride: problem.outputChannels * outputPlane, outputRange: outputRange)
            }
            return
        }
        let imageOutput = problem.outputChannels * outputPlane
        for image in 0..<g.batch {
            let imageTarget = output + image * imageOutput
            if let bias {
                let pointers = UncheckedSendable((imageTarget, bias))
                Parallel.forEachRange(problem.outputChannels, costPerItem: outputPlane) { range in
                    for channel in range {
                        (pointers.value.0 + channel * outputPlane).update(repeating: pointers.value.1[channel], count: outputPlane)
                    }
                }
            }
            for group in 0..<problem.groups {
                let groupInput = input + (image * g.channels + group * perGroupIn) * g.inputPlane
                let unfolded: UnsafePointer<Float>
                if let columns {
                    im2col(groupInput, channels: perGroupIn, geometry: g, into: columns)
                    unfolded = UnsafePointer(columns)
                } else {
                    unfolded = groupInput
                }
                BLAS.gemm(
                    rows: perGroupOut, columns: outputPlane, depth: depth,
                    MatrixOperand(pointer: weight + group * perGroupOut * depth, leadingDimension: depth, transposed: false),
                    MatrixOperand(pointer: unfolded, leadingDimension: outputPlane, transposed: false),
                    beta: bias == nil ? 0 : 1,
                    imageTarget + group * perGroupOut * outputPlane,
                    leadingDimension: outputPlane)
            }
            if let outputRange { OutputClampKernels.clamp(imageTarget, count: imageOutput, to: outputRange) }
        }
    }

    /// Gradients of `forward` with respect to its input (written to `inputGradient`, which
    /// is overwritten) and its weight (written to `weightGradient`, overwritten); either may
    /// be `nil` when not needed. `outputGradient` is contiguous [N, O, OH, OW].
    static func backward(
        problem: Problem, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        outputGradient: UnsafePointer<Float>,
        inputGradient: UnsafeMutablePointer<Float>?, weightGradient: UnsafeMutablePointer<Float>?
    ) {
        let g = problem.geometry
        let outputPlane = g.outputPlane
        let perGroupIn = problem.inputChannelsPerGroup, perGroupOut = problem.outputChannelsPerGroup
        let depth = problem.depth
        let pointwise = problem.isPointwise
        // Unfolded input (for the weight gradient) and unfolded input gradient (for col2im).
        let columns = !pointwise && weightGradient != nil ? UnsafeMutablePointer<Float>.allocate(capacity: depth * outputPlane) : nil
        let columnGradient = !pointwise && inputGradient != nil ? UnsafeMutablePointer<Float>.allocate(capacity: depth * outputPlane) : nil
        defer {
            columns?.deallocate()
            columnGradient?.deallocate()
        }
        if let inputGradient, !pointwise {
            inputGradient.update(repeating: 0, count: g.batch * g.channels * g.inputPlane)
        }
        for image in 0..<g.batch {
            for group in 0..<problem.groups {
                let inputOffset = (image * g.channels + group * perGroupIn) * g.inputPlane
                let groupGradient = outputGradient + (image * problem.outputChannels + group * perGroupOut) * outputPlane
                let groupWeight = weight + group * perGroupOut * depth
                if let weightGradient {
                    // dW[Og, K] += dY[Og, P] @ unfolded[K, P]^T
                    let unfolded: UnsafePointer<Float>
                    if let columns {
                        im2col(input + inputOffset, channels: perGroupIn, geometry: g, into: columns)
                        unfolded = UnsafePointer(columns)
                    } else {
                        unfolded = input + inputOffset
                    }
                    BLAS.gemm(
                        rows: perGroupOut, columns: depth, depth: outputPlane,
                        MatrixOperand(pointer: groupGradient, leadingDimension: outputPlane, transposed: false),
                        MatrixOperand(pointer: unfolded, leadingDimension: outputPlane, transposed: true),
                        beta: image == 0 ? 0 : 1,
                        weightGradient + group * perGroupOut * depth, leadingDimension: depth)
                }
                if let inputGradient {
                    // dUnfolded[K, P] = W[Og, K]^T @ dY[Og, P], then folded back onto the input.
                    let target = columnGradient ?? (inputGradient + inputOffset)
                    BLAS.gemm(
                        rows: depth, columns: outputPlane, depth: perGroupOut,
                        MatrixOperand(pointer: groupWeight, leadingDimension: depth, transposed: true),
                        MatrixOperand(pointer: groupGradient, leadingDimension: outputPlane, transposed: false),
                        target, leadingDimension: outputPlane)
                    if let columnGradient {
                        col2im(columnGradient, channels: perGroupIn, geometry: g, addingTo: inputGradient + inputOffset)
                    }
                }
            }
        }
    }

    /// Unfolds the windows of one image's `channels` planes ([channels, H, W] at `input`)
    /// into `columns`, a row-major [channels * kH * kW, OH * OW] matrix; padding reads as 0.
    static func im2col(
        _ input: UnsafePointer<Float>, channels: Int, geometry g: ConvolutionGeometry,
        into columns: UnsafeMutablePointer<Float>
    ) {
        let outputPlane = g.outputPlane, outputWidth = g.outputWidth
        let pointers = UncheckedSendable((input, columns))
        Parallel.forEachRange(channels * g.kernelArea, costPerItem: outputPlane) { range in
            let (input, columns) = pointers.value
            for row in range {
                let channel = row / g.kernelArea
                let kernelRow = (row / g.kernel.width) % g.kernel.height
                let kernelColumn = row % g.kernel.width
                let plane = input + channel * g.inputPlane
                let destination = columns + row * outputPlane
                let validRows = g.validOutputRows(kernelRow: kernelRow)
                let validColumns = g.validOutputColumns(kernelColumn: kernelColumn)
                let columnOffset = kernelColumn * g.dilation.width - g.padding.left
                for outputRow in 0..<g.outputHeight {
                    let out = destination + outputRow * outputWidth
                    guard validRows.contains(outputRow), !validColumns.isEmpty else {
                        out.update(repeating: 0, count: outputWidth)
                        continue
                    }
                    out.update(repeating: 0, count: validColumns.lowerBound)
                    let sourceRow = plane + g.inputRow(outputRow, kernelRow: kernelRow) * g.width
                    let first = validColumns.lowerBound * g.stride.width + columnOffset
                    if g.stride.width == 1 {
                        (out + validColumns.lowerBound).update(from: sourceRow + first, count: validColumns.count)
                    } else {
                        var step = 0
                        if g.stride.width == 2 {
                            // Even lanes of 16 consecutive inputs, while all 16 are inside the row.
                            while step + 8 <= validColumns.count && first + 2 * step + 16 <= g.width {
                                let from = UnsafeRawPointer(sourceRow + first + 2 * step)
                                let low = from.loadUnaligned(as: Float8.self), high = from.loadUnaligned(fromByteOffset: 32, as: Float8.self)
                                UnsafeMutableRawPointer(out + validColumns.lowerBound + step)
                                    .storeBytes(of: Float8(lowHalf: low.evenHalf, highHalf: high.evenHalf), as: Float8.self)
                                step += 8
                            }
                        }
                        while step < validColumns.count {
                            out[validColumns.lowerBound + step] = sourceRow[first + step * g.stride.width]
                            step += 1
                        }
                    }
                    (out + validColumns.upperBound).update(repeating: 0, count: outputWidth - validColumns.upperBound)
                }
            }
        }
    }

    /// The adjoint of `im2col`: adds each entry of `columns` to the input element it was read
    /// from. Threaded over channels, so each thread owns whole input planes.
    static func col2im(
        _ columns: UnsafePointer<Float>, channels: Int, geometry g: ConvolutionGeometry,
        addingTo input: UnsafeMutablePointer<Float>
    ) {
        let outputPlane = g.outputPlane, outputWidth = g.outputWidth
        let pointers = UncheckedSendable((columns, input))
        Parallel.forEachRange(channels, costPerItem: g.kernelArea * outputPlane) { range in
            let (columns, input) = pointers.value
            for channel in range {
                let plane = input + channel * g.inputPlane
                for kernelRow in 0..<g.kernel.height {
                    let validRows = g.validOutputRows(kernelRow: kernelRow)
                    for kernelColumn in 0..<g.kernel.width {
                        let validColumns = g.validOutputColumns(kernelColumn: kernelColumn)
                        if validColumns.isEmpty { continue }
                        let row = (channel * g.kernel.height + kernelRow) * g.kernel.width + kernelColumn
                        let source = columns + row * outputPlane
                        let columnOffset = kernelColumn * g.dilation.width - g.padding.left
                        for outputRow in validRows {
                            let targetRow = plane + g.inputRow(outputRow, kernelRow: kernelRow) * g.width
                            let first = validColumns.lowerBound * g.stride.width + columnOffset
                            let from = source + outputRow * outputWidth + validColumns.lowerBound
                            if g.stride.width == 1 {
                                VectorKernels.add(from, into: targetRow + first, count: validColumns.count)
                            } else {
                                for step in 0..<validColumns.count {
                                    targetRow[first + step * g.stride.width] += from[step]
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Small vector helpers for the convolution and pooling kernels.
enum VectorKernels {
    /// target[i] += source[i] for i in 0..<count.
    @inline(__always)
    static func add(_ source: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, count: Int) {
        var index = 0
        while index + 8 <= count {
            let sum = UnsafeRawPointer(target + index).loadUnaligned(as: Float8.self)
                + UnsafeRawPointer(source + index).loadUnaligned(as: Float8.self)
            UnsafeMutableRawPointer(target + index).storeBytes(of: sum, as: Float8.self)
            index += 8
        }
        while index < count {
            target[index] += source[index]
            index += 1
        }
    }
}
