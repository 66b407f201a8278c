// Softmax and log-softmax along any axis: fused, numerically stable (each row is shifted by
// its maximum), vectorised with `VectorMath.exp` and threaded over rows, each with its
// hand-written backward beside it. Masked scores (-infinity) give exactly 0 probability.
// Not here: cross-entropy (a loss built on logSoftmax) and attention masking itself.

import Foundation

extension Tensor {
    /// Softmax along `axis`: exp(x - max) / sum(exp(x - max)).
    ///
    /// Entries equal to -infinity (masked attention scores) get probability 0; a row needs
    /// at least one finite entry (a row of only -infinity gives NaN, as in PyTorch).
    /// - Parameter axis: the axis that sums to 1; negative values count from the end.
    public func softmax(axis: Int = -1) -> Tensor {
        normalizedExponential(axis: axis, logarithm: false, operation: "softmax")
    }

    /// Log-softmax along `axis`: x - max - log(sum(exp(x - max))), finite for large inputs.
    ///
    /// - Parameter axis: the axis normalised over; negative values count from the end.
    public func logSoftmax(axis: Int = -1) -> Tensor {
        normalizedExponential(axis: axis, logarithm: true, operation: "logSoftmax")
    }

    /// The shared forward/backward of softmax and log-softmax over an [outer, length, inner]
    /// walk of the contiguous input.
    private func normalizedExponential(axis: Int, logarithm: Bool, operation: String) -> Tensor {
        precondition(rank >= 1, "\(operation): needs at least one axis, got shape \(shape)")
        let axis = Shape.normalize(axis: axis, rank: rank, operation: operation)
        let layout = SoftmaxKernels.Layout(
            outer: shape[..<axis].reduce(1, *), length: shape[axis], inner: shape[(axis + 1)...].reduce(1, *))
        let source = withoutGradients { contiguous() }
        let output = Tensor.uninitialized(shape)
        if count > 0 {
            SoftmaxKernels.forward(
                source.storage.pointer + source.offset, into: output.storage.pointer, layout, logarithm: logarithm)
        }
        // A detached view of the output, so the backward closure does not keep `output`
        // (whose gradient function owns the closure) alive in a cycle.
        let saved = output.detached()
        return output.recordGradient(operation, inputs: [self]) { gradient in
            let g = gradient.contiguous()
            let inputGradient = Tensor.uninitialized(saved.shape)
            if saved.count > 0 {
                SoftmaxKernels.backward(
                    output: saved.storage.pointer, gradient: g.storage.pointer + g.offset,
                    into: inputGradient.storage.pointer, layout, logarithm: logarithm)
            }
            return [inputGradient]
        }
    }
}

/// Row and column kernels for softmax/log-softmax and their gradients. Every function
/// reads and writes contiguous [outer, length, inner] blocks and normalises along `length`.
/// The row kernels are generic over the vector type (the library runs `KernelVector`).
public enum SoftmaxKernels {
    struct Layout {
        let outer: Int
        let length: Int
        let inner: Int
    }

    /// Columns handled together when the softmax axis is not the last one.
    static let columnChunk = 256

    /// e^x lanewise for x ≤ 0 (every exponent here is a shifted score or a log-probability),
    /// exactly 0 below -87.3, so a shifted -infinity score contributes nothing.
    @inline(__always)
    static func exponential(_ x: Float8) -> Float8 {
        VectorMath.exponentialOfNonPositive(x)
    }

    @inline(__always)
    static func exponential(_ x: Float) -> Float { exponential(Float8(repeating: x))[0] }

    // MARK: Forward

    static func forward(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, _ layout: Layout, logarithm: Bool) {
        let pointers = UncheckedSendable((x, y))
        let length = layout.length, inner = layout.inner
        if inner == 1 {
            Parallel.forEachRange(layout.outer, costPerItem: length * 4) { range in
                let (x, y) = pointers.value
                for row in range { forwardRow(x + row * length, y + row * length, length, logarithm: logarithm) }
            }
            return
        }
        let chunks = (inner + columnChunk - 1) / columnChunk
        Parallel.forEachRange(layout.outer * chunks, costPerItem: length * Swift.min(inner, columnChunk) * 4) { range in
            let (x, y) = pointers.value
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * columnChunk) { scratch in
                let maximum = scratch.baseAddress!, sum = maximum + columnChunk
                for item in range {
                    let block = (item / chunks) * length * inner
                    let start = (item % chunks) * columnChunk
                    let width = Swift.min(columnChunk, inner - start)
                    forwardColumns(
                        x + block + start, y + block + start, length: length, inner: inner, width: width,
                        maximum: maximum, sum: sum, logarithm: logarithm)
                }
            }
        }
    }

    /// One contiguous row in `KernelVector`s: maximum, exponentials and their sum, then
    /// scale (or shift).
    @inline(__always)
    static func forwardRow(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ count: Int, logarithm: Bool) {
        forwardRow(x, y, count, logarithm: logarithm, vector: KernelVector.self)
    }

    /// Softmax (or, with `logarithm`, log-softmax) of one contiguous row of `count` floats
    /// from `x` into `y` (which may be `x`), in vectors of type `V`: the row's maximum, the
    /// shifted exponentials and their sum, then a scale by 1 / sum (or a shift by
    /// max + log sum). Entries of -infinity get exactly 0.
    @_specialize(where V == SIMD8<Float>)
    @_specialize(where V == SIMD16<Float>)
    @inline(__always)
    public static func forwardRow<V: KernelFloatVector>(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ count: Int, logarithm: Bool, vector: V.Type
    ) {
        let lanes = V.scalarCount
        var vectorMaximum = V(repeating: -.infinity)
        var index = 0
        while index + lanes <= count {
            vectorMaximum = FactoryTensor.maximum(vectorMaximum, load(x + index, as: V.self))
            index += lanes
        }
        var rowMaximum = horizontalMaximum(vectorMaximum)
        while index < count { rowMaximum = Swift.max(rowMaximum, x[index]); index += 1 }

        let shift = V(repeating: rowMaximum)
        var vectorSum = V()
        index = 0
        while index + lanes <= count {
            let e = VectorMath.exponentialOfNonPositive(load(x + index, as: V.self) - shift)
            if !logarithm { store(e, y + index) }
            vectorSum += e
            index += lanes
        }
        var sum = horizontalSum(vectorSum)
        while index < count {
            let e = exponential(x[index] - rowMaximum)
            if !logarithm { y[index] = e }
            sum += e
            index += 1
        }

        if logarithm {
            let offset = rowMaximum + Foundation.log(sum)
            let vectorOffset = V(repeating: offset)
            index = 0
            while index + lanes <= count { store(load(x + index, as: V.self) - vectorOffset, y + index); index += lanes }
            while index < count { y[index] = x[index] - offset; index += 1 }
        } else {
            let scale = 1 / sum
            let vectorScale = V(repeating: scale)
            index = 0
            while index + lanes <= count { store(load(y + index, as: V.self) * vectorScale, y + index); index += lanes }
            while index < count { y[index] *= scale; index += 1 }
        }
    }

    /// `width` columns (stride 1) of a [length, inner] block, normalised down the rows.
    /// `maximum` and `sum` are scratch space of at least `width` floats.
    @inline(__always)
    static func forwardColumns(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, length: Int, inner: Int, width: Int,
        maximum: UnsafeMutablePointer<Float>, sum: UnsafeMutablePointer<Float>, logarithm: Bool
    ) {
        let vectorWidth = width & ~7
        maximum.update(repeating: -.infinity, count: width)
        sum.update(repeating: 0, count: width)
        for row in 0..<length {
            let xRow = x + row * inner
            var c = 0
            while c < vectorWidth { store(FactoryTensor.maximum(load(maximum + c), load(xRow + c)), maximum + c); c += 8 }
            while c < width { maximum[c] = Swift.max(maximum[c], xRow[c]); c += 1 }
        }
        for row in 0..<length {
            let xRow = x + row * inner, yRow = y + row * inner
            var c = 0
            while c < vectorWidth {
                let e = exponential(load(xRow + c) - load(maximum + c))
                if !logarithm { store(e, yRow + c) }
                store(load(sum + c) + e, sum + c)
                c += 8
            }
            while c < width {
                let e = exponential(xRow[c] - maximum[c])
                if !logarithm { yRow[c] = e }
                sum[c] += e
                c += 1
            }
        }
        if logarithm {
            // sum becomes the per-column offset max + log(sum).
            for c in 0..<width { sum[c] = maximum[c] + Foundation.log(sum[c]) }
            for row in 0..<length {
                let xRow = x + row * inner, yRow = y + row * inner
                var c = 0
                while c < vectorWidth { store(load(xRow + c) - load(sum + c), yRow + c); c += 8 }
                while c < width { yRow[c] = xRow[c] - sum[c]; c += 1 }
            }
        } else {
            for c in 0..<width { sum[c] = 1 / sum[c] }
            for row in 0..<length {
                let yRow = y + row * inner
                var c = 0
                while c < vectorWidth { store(load(yRow + c) * load(sum + c), yRow + c); c += 8 }
                while c < width { yRow[c] *= sum[c]; c += 1 }
            }
        }
    }

    // MARK: Backward

    /// softmax: dx = y * (g - sum(g * y)); log-softmax: dx = g - exp(y) * sum(g).
    static func backward(
        output y: UnsafePointer<Float>, gradient g: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>,
        _ layout: Layout, logarithm: Bool
    ) {
        let pointers = UncheckedSendable((y, g, dx))
        let length = layout.length, inner = layout.inner
        if inner == 1 {
            Parallel.forEachRange(layout.outer, costPerItem: length * 3) { range in
                let (y, g, dx) = pointers.value
                for row in range {
                    let start = row * length
                    backwardRow(y + start, g + start, dx + start, length, logarithm: logarithm)
                }
            }
            return
        }
        let chunks = (inner + columnChunk - 1) / columnChunk
        Parallel.forEachRange(layout.outer * chunks, costPerItem: length * Swift.min(inner, columnChunk) * 3) { range in
            let (y, g, dx) = pointers.value
            withUnsafeTemporaryAllocation(of: Float.self, capacity: columnChunk) { scratch in
                for item in range {
                    let start = (item / chunks) * length * inner + (item % chunks) * columnChunk
                    let width = Swift.min(columnChunk, inner - (item % chunks) * columnChunk)
                    backwardColumns(
                        y + start, g + start, dx + start, length: length, inner: inner, width: width,
                        total: scratch.baseAddress!, logarithm: logarithm)
                }
            }
        }
    }

    /// One contiguous row of the backward pass in `KernelVector`s.
    @inline(__always)
    static func backwardRow(
        _ y: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, _ count: Int, logarithm: Bool
    ) {
        backwardRow(y, g, dx, count, logarithm: logarithm, vector: KernelVector.self)
    }

    /// The gradient of one contiguous row, in vectors of type `V`, from the forward output
    /// `y` and the output gradient `g` into `dx` (which may be `g`): softmax
    /// `dx = y · (g − Σ g·y)`, log-softmax `dx = g − e^y · Σ g`.
    @_specialize(where V == SIMD8<Float>)
    @_specialize(where V == SIMD16<Float>)
    @inline(__always)
    public static func backwardRow<V: KernelFloatVector>(
        _ y: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, _ count: Int, logarithm: Bool,
        vector: V.Type
    ) {
        let lanes = V.scalarCount
        // softmax needs sum(g * y); log-softmax needs sum(g).
        var vectorTotal = V()
        var index = 0
        while index + lanes <= count {
            vectorTotal += logarithm ? load(g + index, as: V.self) : load(g + index, as: V.self) * load(y + index, as: V.self)
            index += lanes
        }
        var total = horizontalSum(vectorTotal)
        while index < count { total += logarithm ? g[index] : g[index] * y[index]; index += 1 }

        let vectorTotalRepeated = V(repeating: total)
        index = 0
        if logarithm {
            while index + lanes <= count {
                let e = VectorMath.exponentialOfNonPositive(load(y + index, as: V.self))
                store(load(g + index, as: V.self) - e * vectorTotalRepeated, dx + index)
                index += lanes
            }
            while index < count { dx[index] = g[index] - exponential(y[index]) * total; index += 1 }
        } else {
            while index + lanes <= count {
                store(load(y + index, as: V.self) * (load(g + index, as: V.self) - vectorTotalRepeated), dx + index)
                index += lanes
            }
            while index < count { dx[index] = y[index] * (g[index] - total); index += 1 }
        }
    }

    @inline(__always)
    static func backwardColumns(
        _ y: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
        length: Int, inner: Int, width: Int, total: UnsafeMutablePointer<Float>, logarithm: Bool
    ) {
        let vectorWidth = width & ~7
        total.update(repeating: 0, count: width)
        for row in 0..<length {
            let yRow = y + row * inner, gRow = g + row * inner
            var c = 0
            while c < vectorWidth {
                let term = logarithm ? load(gRow + c) : load(gRow + c) * load(yRow + c)
                store(load(total + c) + term, total + c)
                c += 8
            }
            while c < width { total[c] += logarithm ? gRow[c] : gRow[c] * yRow[c]; c += 1 }
        }
        for row in 0..<length {
            let yRow = y + row * inner, gRow = g + row * inner, dxRow = dx + row * inner
            var c = 0
            if logarithm {
                while c < vectorWidth {
                    store(load(gRow + c) - exponential(load(yRow + c)) * load(total + c), dxRow + c)
                    c += 8
                }
                while c < width { dxRow[c] = gRow[c] - exponential(yRow[c]) * total[c]; c += 1 }
            } else {
                while c < vectorWidth {
                    store(load(yRow + c) * (load(gRow + c) - load(total + c)), dxRow + c)
                    c += 8
                }
                while c < width { dxRow[c] = yRow[c] * (gRow[c] - total[c]); c += 1 }
            }
        }
    }
}
