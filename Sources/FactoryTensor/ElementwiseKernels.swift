// Elementwise kernel machinery: operator protocols (a scalar and an 8-lane form of each
// function) and the strided loop that applies them to broadcast, possibly non-contiguous
// operands, coalescing axes, vectorising unit-stride rows and splitting rows over threads.
// The operators themselves (add, gelu, ...) are declared in ElementwiseOperators.swift.

/// A function of one float, with a vectorised form.
public protocol UnaryOperator {
    static func apply(_ x: Float) -> Float
    static func apply(_ x: Float8) -> Float8
}

/// A function of two floats, with a vectorised form.
public protocol BinaryOperator {
    static func apply(_ a: Float, _ b: Float) -> Float
    static func apply(_ a: Float8, _ b: Float8) -> Float8
}

/// Row kernels and N-d iteration for elementwise operators.
enum ElementwiseLoop {
    /// Merges adjacent axes that every operand walks contiguously, and drops size-1 axes.
    static func coalesce(shape: [Int], strides operandStrides: [[Int]]) -> (shape: [Int], strides: [[Int]]) {
        var newShape: [Int] = []
        var newStrides: [[Int]] = Array(repeating: [], count: operandStrides.count)
        for axis in 0..<shape.count where shape[axis] != 1 {
            if !newShape.isEmpty,
               operandStrides.indices.allSatisfy({ operandStrides[$0][axis] * shape[axis] == newStrides[$0].last! }) {
                newShape[newShape.count - 1] *= shape[axis]
                for operand in operandStrides.indices { newStrides[operand][newStrides[operand].count - 1] = operandStrides[operand][axis] }
            } else {
                newShape.append(shape[axis])
                for operand in operandStrides.indices { newStrides[operand].append(operandStrides[operand][axis]) }
            }
        }
        if newShape.isEmpty {
            return ([1], operandStrides.map { _ in [1] })
        }
        return (newShape, newStrides)
    }

    /// Calls `row(offsets, innerStrides, length)` for every innermost row of `shape`, where
    /// `offsets[k]` is operand k's element offset for that row and `innerStrides[k]` its step
    /// along the row. Rows are split over threads; a single long row is cut into chunks.
    @inline(__always)
    static func forEachRow(
        shape: [Int], strides: [[Int]], _ row: (_ offsets: [Int], _ innerStrides: [Int], _ length: Int) -> Void
    ) {
        let (shape, strides) = coalesce(shape: shape, strides: strides)
        let inner = shape[shape.count - 1]
        let innerStrides = strides.map { $0[$0.count - 1] }
        let outerShape = Array(shape.dropLast())
        let outerCount = Shape.count(outerShape)
        if outerCount == 1 {
            Parallel.forEachRange(inner) { range in
                row(innerStrides.map { $0 * range.lowerBound }, innerStrides, range.count)
            }
            return
        }
        Parallel.forEachRange(outerCount, costPerItem: inner) { range in
            var offsets = [Int](repeating: 0, count: strides.count)
            for rowIndex in range {
                var remainder = rowIndex
                for operand in offsets.indices { offsets[operand] = 0 }
                for axis in stride(from: outerShape.count - 1, through: 0, by: -1) {
                    let index = remainder % outerShape[axis]
                    remainder /= outerShape[axis]
                    for operand in offsets.indices { offsets[operand] += index * strides[operand][axis] }
                }
                row(offsets, innerStrides, inner)
            }
        }
    }

    @inline(__always)
    static func unaryRow<Op: UnaryOperator>(
        _: Op.Type, _ x: UnsafePointer<Float>, _ xStride: Int, _ out: UnsafeMutablePointer<Float>, _ count: Int
    ) {
        var index = 0
        if xStride == 1 {
            while index + 8 <= count {
                let value = UnsafeRawPointer(x + index).loadUnaligned(as: Float8.self)
                UnsafeMutableRawPointer(out + index).storeBytes(of: Op.apply(value), as: Float8.self)
                index += 8
            }
            while index < count { out[index] = Op.apply(x[index]); index += 1 }
        } else {
            while index < count { out[index] = Op.apply(x[index * xStride]); index += 1 }
        }
    }

    @inline(__always)
    static func binaryRow<Op: BinaryOperator>(
        _: Op.Type, _ a: UnsafePointer<Float>, _ aStride: Int, _ b: UnsafePointer<Float>, _ bStride: Int,
        _ out: UnsafeMutablePointer<Float>, _ count: Int
    ) {
        var index = 0
        if aStride == 1 && bStride == 1 {
            while index + 8 <= count {
                let va = UnsafeRawPointer(a + index).loadUnaligned(as: Float8.self)
                let vb = UnsafeRawPointer(b + index).loadUnaligned(as: Float8.self)
                UnsafeMutableRawPointer(out + index).storeBytes(of: Op.apply(va, vb), as: Float8.self)
                index += 8
            }
            while index < count { out[index] = Op.apply(a[index], b[index]); index += 1 }
        } else if aStride == 1 && bStride == 0 {
            let vb = Float8(repeating: b[0])
            while index + 8 <= count {
                let va = UnsafeRawPointer(a + index).loadUnaligned(as: Float8.self)
                UnsafeMutableRawPointer(out + index).storeBytes(of: Op.apply(va, vb), as: Float8.self)
                index += 8
            }
            while index < count { out[index] = Op.apply(a[index], b[0]); index += 1 }
        } else if aStride == 0 && bStride == 1 {
            let va = Float8(repeating: a[0])
            while index + 8 <= count {
                let vb = UnsafeRawPointer(b + index).loadUnaligned(as: Float8.self)
                UnsafeMutableRawPointer(out + index).storeBytes(of: Op.apply(va, vb), as: Float8.self)
                index += 8
            }
            while index < count { out[index] = Op.apply(a[0], b[index]); index += 1 }
        } else {
            while index < count { out[index] = Op.apply(a[index * aStride], b[index * bStride]); index += 1 }
        }
    }
}

extension Tensor {
    /// Applies `Op` to every element into a new contiguous tensor (no gradient recorded).
    public func mapElements<Op: UnaryOperator>(_ op: Op.Type) -> Tensor {
        let result = Tensor.uninitialized(shape)
        let input = storage.pointer + offset
        let output = UncheckedSendable(result.storage.pointer)
        let source = UncheckedSendable(input)
        if isContiguous {
            // The common case: one dense row, cut into chunks across threads.
            Parallel.forEachRange(result.count) { range in
                ElementwiseLoop.unaryRow(Op.self, source.value + range.lowerBound, 1, output.value + range.lowerBound, range.count)
            }
            return result
        }
        ElementwiseLoop.forEachRow(shape: shape, strides: [strides, result.strides]) { offsets, innerStrides, length in
            ElementwiseLoop.unaryRow(Op.self, source.value + offsets[0], innerStrides[0], output.value + offsets[1], length)
        }
        return result
    }

    /// Applies `Op` to broadcast pairs of elements of `a` and `b` into a new contiguous
    /// tensor of the broadcast shape (no gradient recorded).
    public static func combineElements<Op: BinaryOperator>(_ a: Tensor, _ b: Tensor, _ op: Op.Type, operation: String) -> Tensor {
        let outputShape = a.shape == b.shape ? a.shape : Shape.broadcast(a.shape, b.shape, operation: operation)
        let result = Tensor.uninitialized(outputShape)
        if a.shape == b.shape && a.isContiguous && b.isContiguous {
            // The common case: two dense operands of one shape, cut into chunks across threads.
            let pointers = UncheckedSendable((a.storage.pointer + a.offset, b.storage.pointer + b.offset, result.storage.pointer))
            Parallel.forEachRange(result.count) { range in
                let (pa, pb, po) = pointers.value
                let start = range.lowerBound
                ElementwiseLoop.binaryRow(Op.self, pa + start, 1, pb + start, 1, po + start, range.count)
            }
            return result
        }
        let aStrides = Shape.broadcastStrides(shape: a.shape, strides: a.strides, to: outputShape)
        let bStrides = Shape.broadcastStrides(shape: b.shape, strides: b.strides, to: outputShape)
        let pointers = UncheckedSendable((a.storage.pointer + a.offset, b.storage.pointer + b.offset, result.storage.pointer))
        ElementwiseLoop.forEachRow(shape: outputShape, strides: [aStrides, bStrides, result.strides]) { offsets, innerStrides, length in
            let (pa, pb, po) = pointers.value
            ElementwiseLoop.binaryRow(
                Op.self, pa + offsets[0], innerStrides[0], pb + offsets[1], innerStrides[1], po + offsets[2], length)
        }
        return result
    }
}
