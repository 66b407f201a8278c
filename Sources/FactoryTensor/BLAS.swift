// BLAS: the thin, checked wrapper over cblas_sgemm (and cblas_sgemv) that every matrix product goes through.
// Operands are described by pointer, leading dimension and a transpose flag, so callers
// pass transposed views without copying.

import CBLAS

/// One matrix operand of a GEMM: row-major storage, optionally read transposed.
public struct MatrixOperand {
    public var pointer: UnsafePointer<Float>
    /// Distance in elements between consecutive rows of the stored (untransposed) matrix.
    public var leadingDimension: Int
    /// Whether the logical matrix is the transpose of what is stored.
    public var transposed: Bool

    @inlinable
    public init(pointer: UnsafePointer<Float>, leadingDimension: Int, transposed: Bool) {
        self.pointer = pointer
        self.leadingDimension = leadingDimension
        self.transposed = transposed
    }
}

/// Matrix products through OpenBLAS.
public enum BLAS {
    /// `c = alpha * op(a) @ op(b) + beta * c` for row-major `c` of `rows` x `columns`,
    /// with inner dimension `depth`.
    @inlinable
    public static func gemm(
        rows: Int, columns: Int, depth: Int, alpha: Float = 1,
        _ a: MatrixOperand, _ b: MatrixOperand, beta: Float = 0,
        _ c: UnsafeMutablePointer<Float>, leadingDimension ldc: Int
    ) {
        if rows == 0 || columns == 0 { return }
        _ = Parallel.threadCount  // configures OpenBLAS's threads before its first use
        if depth == 0 {
            for row in 0..<rows { for column in 0..<columns { c[row * ldc + column] = beta == 0 ? 0 : c[row * ldc + column] * beta } }
            return
        }
        cblas_sgemm(
            CblasRowMajor,
            a.transposed ? CblasTrans : CblasNoTrans,
            b.transposed ? CblasTrans : CblasNoTrans,
            Int32(rows), Int32(columns), Int32(depth), alpha,
            a.pointer, Int32(Swift.max(a.leadingDimension, 1)),
            b.pointer, Int32(Swift.max(b.leadingDimension, 1)),
            beta, c, Int32(Swift.max(ldc, 1)))
    }

    /// `y = alpha * op(a) @ x + beta * y` for a row-major `a` of `rows` x `columns` (stored),
    /// `op(a)` being `a` or, with `transposed`, its transpose; `x` and `y` are contiguous.
    @inlinable
    public static func gemv(
        rows: Int, columns: Int, alpha: Float = 1, _ a: UnsafePointer<Float>, leadingDimension lda: Int, transposed: Bool,
        _ x: UnsafePointer<Float>, beta: Float = 0, _ y: UnsafeMutablePointer<Float>
    ) {
        let outputs = transposed ? columns : rows
        if outputs == 0 { return }
        _ = Parallel.threadCount  // configures OpenBLAS's threads before its first use
        if rows == 0 || columns == 0 {
            for index in 0..<outputs { y[index] = beta == 0 ? 0 : y[index] * beta }
            return
        }
        cblas_sgemv(
            CblasRowMajor, transposed ? CblasTrans : CblasNoTrans, Int32(rows), Int32(columns), alpha,
            a, Int32(Swift.max(lda, 1)), x, 1, beta, y, 1)
    }
}
