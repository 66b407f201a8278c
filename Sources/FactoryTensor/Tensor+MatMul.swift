// Matrix products: matmul with NumPy batch broadcasting through cblas_sgemm. Transposed
// operands (views from `transposed()`) reach BLAS as transpose flags, never as copies.
// Gradients: dA = g @ B^T, dB = A^T @ g, themselves transposed views.

extension Tensor {
    /// Matrix product of the last two axes, broadcasting any leading (batch) axes.
    /// Rank-1 operands are treated as a row (left) or column (right) vector, as NumPy does.
    public func matmul(_ other: Tensor) -> Tensor {
        precondition(rank >= 1 && other.rank >= 1, "matmul: scalars have no matrix product (shapes \(shape), \(other.shape))")
        if rank == 1 && other.rank == 1 {
            // Vector · vector: the scalar dot product.
            return unsqueezed(axis: 0).matmul(other.unsqueezed(axis: 1)).reshaped([])
        }
        if rank == 1 {
            let result = unsqueezed(axis: 0).matmul(other)
            return result.squeezed(axis: -2)
        }
        if other.rank == 1 {
            return matmul(other.unsqueezed(axis: 1)).squeezed(axis: -1)
        }
        let m = shape[rank - 2], k = shape[rank - 1]
        let k2 = other.shape[other.rank - 2], n = other.shape[other.rank - 1]
        precondition(k == k2, "matmul: inner dimensions differ: \(shape) @ \(other.shape)")
        // A batch of rows times one matrix: fold the batch into the rows (one GEMM).
        if rank > 2 && other.rank == 2 {
            let folded = reshaped([-1, k]).matmul(other)
            return folded.reshaped(Array(shape.dropLast()) + [n])
        }
        let batchA = Array(shape.dropLast(2)), batchB = Array(other.shape.dropLast(2))
        let batchShape = Shape.broadcast(batchA, batchB, operation: "matmul")
        let left = Tensor.matrixLayout(self), right = Tensor.matrixLayout(other)
        let result = Tensor.uninitialized(batchShape + [m, n])
        let batchCount = Shape.count(batchShape)
        let stridesA = Shape.broadcastStrides(shape: batchA, strides: Array(left.tensor.strides.dropLast(2)), to: batchShape)
        let stridesB = Shape.broadcastStrides(shape: batchB, strides: Array(right.tensor.strides.dropLast(2)), to: batchShape)
        for batch in 0..<batchCount {
            var remainder = batch, offsetA = left.tensor.offset, offsetB = right.tensor.offset
            for axis in stride(from: batchShape.count - 1, through: 0, by: -1) {
                let index = remainder % batchShape[axis]
                remainder /= batchShape[axis]
                offsetA += index * stridesA[axis]
                offsetB += index * stridesB[axis]
            }
            BLAS.gemm(
                rows: m, columns: n, depth: k,
                MatrixOperand(pointer: left.tensor.storage.pointer + offsetA, leadingDimension: left.leadingDimension, transposed: left.transposed),
                MatrixOperand(pointer: right.tensor.storage.pointer + offsetB, leadingDimension: right.leadingDimension, transposed: right.transposed),
                result.storage.pointer + batch * m * n, leadingDimension: n)
        }
        return result.recordGradient("matmul", inputs: [self, other]) { [self] g in
            [requiresGradient ? g.matmul(other.transposed()) : nil,
             other.requiresGradient ? transposed().matmul(g) : nil]
        }
    }

    /// How BLAS can read the last two axes of `tensor`: directly, as a transpose, or (for
    /// other strides) from a contiguous copy.
    static func matrixLayout(_ tensor: Tensor) -> (tensor: Tensor, leadingDimension: Int, transposed: Bool) {
        let rows = tensor.shape[tensor.rank - 2], columns = tensor.shape[tensor.rank - 1]
        let rowStride = tensor.strides[tensor.rank - 2], columnStride = tensor.strides[tensor.rank - 1]
        if columnStride == 1 || columns == 1 {
            let leading = rows == 1 ? Swift.max(columns, 1) : rowStride
            if leading >= Swift.max(columns, 1) { return (tensor, leading, false) }
        }
        if rowStride == 1 || rows == 1 {
            let leading = columns == 1 ? Swift.max(rows, 1) : columnStride
            if leading >= Swift.max(rows, 1) { return (tensor, leading, true) }
        }
        let dense = withoutGradients { tensor.contiguousCopy() }
        return (dense, Swift.max(columns, 1), false)
    }
}
