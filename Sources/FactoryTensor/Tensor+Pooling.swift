// 2-D pooling on NCHW tensors: max pooling (padding acts as -infinity, the gradient goes to
// the first maximum of each window), average pooling (PyTorch's count_include_pad = true:
// padded zeros count in the divisor) and global average pooling. Kernels are threaded over
// the N * C planes. Not here: ceil_mode, dilated pooling, adaptive pooling to other sizes.

extension Tensor {
    /// Max pooling over `kernel` windows of this `[N, C, H, W]` tensor.
    ///
    /// Padding never wins (it acts as -infinity); each side's padding must be smaller than
    /// the window so every window holds an input element. The gradient of each output goes
    /// to the first (row-major) maximum of its window.
    /// - Parameters:
    ///   - kernel: window size.
    ///   - stride: window step; `nil` means `kernel` (PyTorch's default).
    ///   - padding: implicit -infinity border on each side.
    /// - Returns: `[N, C, OH, OW]` with `OH = (H + top + bottom - kH) / stride.height + 1`.
    public func maxPool2d(kernel: Size2D, stride: Size2D? = nil, padding: Padding2D = .zero) -> Tensor {
        let geometry = ConvolutionGeometry(
            operation: "maxPool2d", inputShape: shape, kernel: kernel, stride: stride ?? kernel, padding: padding, dilation: 1)
        precondition(padding.top < kernel.height && padding.bottom < kernel.height
                     && padding.left < kernel.width && padding.right < kernel.width,
                     "maxPool2d: padding \(padding) must be smaller than the window \(kernel) on every side (input \(shape))")
        let input = withoutGradients { contiguous() }
        let result = Tensor.uninitialized([geometry.batch, geometry.channels, geometry.outputHeight, geometry.outputWidth])
        var winners = [Int32](repeating: 0, count: result.count)
        winners.withUnsafeMutableBufferPointer { buffer in
            PoolingKernels.maxForward(
                geometry: geometry, input: input.storage.pointer + input.offset,
                output: result.storage.pointer, winners: buffer.baseAddress!)
        }
        let inputShape = shape
        return result.recordGradient("maxPool2d", inputs: [self]) { gradient in
            let outputGradient = gradient.contiguous()
            let inputGradient = Tensor.zeros(inputShape)
            winners.withUnsafeBufferPointer { buffer in
                PoolingKernels.maxBackward(
                    geometry: geometry, outputGradient: outputGradient.storage.pointer + outputGradient.offset,
                    winners: buffer.baseAddress!, inputGradient: inputGradient.storage.pointer)
            }
            return [inputGradient]
        }
    }

    /// Average pooling over `kernel` windows of this `[N, C, H, W]` tensor, zero padding
    /// included in every average (PyTorch's default `count_include_pad = true`), so each
    /// output is the window sum divided by `kernel.height * kernel.width`.
    /// - Parameters:
    ///   - kernel: window size.
    ///   - stride: window step; `nil` means `kernel` (PyTorch's default).
    ///   - padding: zeros added on each side.
    /// - Returns: `[N, C, OH, OW]`.
    public func averagePool2d(kernel: Size2D, stride: Size2D? = nil, padding: Padding2D = .zero) -> Tensor {
        let geometry = ConvolutionGeometry(
            operation: "averagePool2d", inputShape: shape, kernel: kernel, stride: stride ?? kernel, padding: padding, dilation: 1)
        let input = withoutGradients { contiguous() }
        let result = Tensor.uninitialized([geometry.batch, geometry.channels, geometry.outputHeight, geometry.outputWidth])
        PoolingKernels.averageForward(geometry: geometry, input: input.storage.pointer + input.offset, output: result.storage.pointer)
        return result.recordGradient("averagePool2d", inputs: [self]) { [shape] gradient in
            let outputGradient = gradient.contiguous()
            let inputGradient = Tensor.zeros(shape)
            PoolingKernels.averageBackward(
                geometry: geometry, outputGradient: outputGradient.storage.pointer + outputGradient.offset,
                inputGradient: inputGradient.storage.pointer)
            return [inputGradient]
        }
    }

    /// The mean of each `[H, W]` plane of this `[N, C, H, W]` tensor.
    /// - Parameter keepingDimensions: return `[N, C, 1, 1]` instead of `[N, C]`.
    public func globalAveragePool2d(keepingDimensions: Bool = false) -> Tensor {
        precondition(rank == 4, "globalAveragePool2d: input must be [N, C, H, W], got \(shape)")
        precondition(shape[2] * shape[3] > 0, "globalAveragePool2d: empty spatial plane in \(shape)")
        return mean(axes: [2, 3], keepingDimensions: keepingDimensions)
    }
}

/// Plane-by-plane pooling kernels on contiguous NCHW data.
enum PoolingKernels {
    /// The input rows (or columns) covered by the window of output `index`, clipped to the input.
    @inline(__always)
    static func window(_ index: Int, stride: Int, padding: Int, kernel: Int, size: Int) -> Range<Int> {
        let start = index * stride - padding
        return Swift.max(start, 0)..<Swift.min(start + kernel, size)
    }

    /// Window maxima and, in `winners`, the in-plane index of the first maximum.
    static func maxForward(
        geometry g: ConvolutionGeometry, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        winners: UnsafeMutablePointer<Int32>
    ) {
        let pointers = UncheckedSendable((input, output, winners))
        Parallel.forEachRange(g.batch * g.channels, costPerItem: g.outputPlane * g.kernelArea) { range in
            let (input, output, winners) = pointers.value
            for planeIndex in range {
                let plane = input + planeIndex * g.inputPlane
                let out = output + planeIndex * g.outputPlane
                let best = winners + planeIndex * g.outputPlane
                for outputRow in 0..<g.outputHeight {
                    let rows = window(outputRow, stride: g.stride.height, padding: g.padding.top, kernel: g.kernel.height, size: g.height)
                    for outputColumn in 0..<g.outputWidth {
                        let columns = window(outputColumn, stride: g.stride.width, padding: g.padding.left, kernel: g.kernel.width, size: g.width)
                        var bestIndex = rows.lowerBound * g.width + columns.lowerBound
                        var bestValue = plane[bestIndex]
                        for row in rows {
                            for column in columns {
                                let value = plane[row * g.width + column]
                                if value > bestValue || (value.isNaN && !bestValue.isNaN) {
                                    bestValue = value
                                    bestIndex = row * g.width + column
                                }
                            }
                        }
                        out[outputRow * g.outputWidth + outputColumn] = bestValue
                        best[outputRow * g.outputWidth + outputColumn] = Int32(bestIndex)
                    }
                }
            }
        }
    }

    /// Adds each output gradient to its window's winner (`inputGradient` starts at zero).
    static func maxBackward(
        geometry g: ConvolutionGeometry, outputGradient: UnsafePointer<Float>, winners: UnsafePointer<Int32>,
        inputGradient: UnsafeMutablePointer<Float>
    ) {
        let pointers = UncheckedSendable((outputGradient, winners, inputGradient))
        Parallel.forEachRange(g.batch * g.channels, costPerItem: g.outputPlane) { range in
            let (outputGradient, winners, inputGradient) = pointers.value
            for planeIndex in range {
                let plane = inputGradient + planeIndex * g.inputPlane
                for index in planeIndex * g.outputPlane..<(planeIndex + 1) * g.outputPlane {
                    plane[Int(winners[index])] += outputGradient[index]
                }
            }
        }
    }

    /// Window sums of the real elements divided by the full window area.
    static func averageForward(geometry g: ConvolutionGeometry, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        let scale = 1 / Float(g.kernelArea)
        let pointers = UncheckedSendable((input, output))
        Parallel.forEachRange(g.batch * g.channels, costPerItem: g.outputPlane * g.kernelArea) { range in
            let (input, output) = pointers.value
            for planeIndex in range {
                let plane = input + planeIndex * g.inputPlane
                let out = output + planeIndex * g.outputPlane
                for outputRow in 0..<g.outputHeight {
                    let rows = window(outputRow, stride: g.stride.height, padding: g.padding.top, kernel: g.kernel.height, size: g.height)
                    for outputColumn in 0..<g.outputWidth {
                        let columns = window(outputColumn, stride: g.stride.width, padding: g.padding.left, kernel: g.kernel.width, size: g.width)
                        var sum: Float = 0
                        for row in rows {
                            for column in columns { sum += plane[row * g.width + column] }
                        }
                        out[outputRow * g.outputWidth + outputColumn] = sum * scale
                    }
                }
            }
        }
    }

    /// Spreads each output gradient, divided by the window area, over its window's real
    /// elements (`inputGradient` starts at zero).
    static func averageBackward(geometry g: ConvolutionGeometry, outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>) {
        let scale = 1 / Float(g.kernelArea)
        let pointers = UncheckedSendable((outputGradient, inputGradient))
        Parallel.forEachRange(g.batch * g.channels, costPerItem: g.outputPlane * g.kernelArea) { range in
            let (outputGradient, inputGradient) = pointers.value
            for planeIndex in range {
                let plane = inputGradient + planeIndex * g.inputPlane
                let gradient = outputGradient + planeIndex * g.outputPlane
                for outputRow in 0..<g.outputHeight {
                    let rows = window(outputRow, stride: g.stride.height, padding: g.padding.top, kernel: g.kernel.height, size: g.height)
                    for outputColumn in 0..<g.outputWidth {
                        let columns = window(outputColumn, stride: g.stride.width, padding: g.padding.left, kernel: g.kernel.width, size: g.width)
                        let share = gradient[outputRow * g.outputWidth + outputColumn] * scale
                        for row in rows {
                            for column in columns { plane[row * g.width + column] += share }
                        }
                    }
                }
            }
        }
    }
}
