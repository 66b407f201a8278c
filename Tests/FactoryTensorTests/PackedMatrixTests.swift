// PackedMatrix at both vector widths (SIMD8<Float>, SIMD16<Float>, instantiated explicitly)
// against BLAS.gemm (C += A·B and C += A·Bᵀ) for row counts that use every tile height
// (8, 6, 4, 1 and their mixes), column counts with and without a partial last panel, and
// depths of one, several and a partial last 256-deep slice.

import FactoryTensor
import TestSupport
import Testing

@Suite struct PackedMatrixTests {
    @Test(arguments: [(1, 1, 1), (2, 3, 5), (5, 7, 16), (6, 16, 32), (9, 8, 48), (10, 9, 40), (11, 33, 20), (13, 5, 33),
                      (16, 256, 1024), (32, 1024, 256), (7, 600, 24)])
    func matchesBLAS(rows: Int, depth: Int, columns: Int) {
        check(SIMD8<Float>.self, rows: rows, depth: depth, columns: columns)
        check(SIMD16<Float>.self, rows: rows, depth: depth, columns: columns)
    }

    private func check<V: KernelFloatVector>(_ type: V.Type, rows: Int, depth: Int, columns: Int) {
        for transposed in [false, true] {
            let a = TestData.uniform([rows, depth], seed: 1)
            let b = TestData.uniform(transposed ? [columns, depth] : [depth, columns], seed: 2)
            let start = TestData.uniform([rows, columns], seed: 3)
            let packed = PackedMatrix<V>(b.storage.pointer, depth: depth, columns: columns,
                                      leadingDimension: transposed ? depth : columns, transposed: transposed)
            let ours = start.contiguousCopy(), reference = start.contiguousCopy()
            packed.multiplyAccumulate(a.storage.pointer, rows: rows, leadingDimension: depth,
                                      into: ours.storage.pointer, leadingDimension: columns)
            BLAS.gemm(rows: rows, columns: columns, depth: depth,
                      MatrixOperand(pointer: a.storage.pointer, leadingDimension: depth, transposed: false),
                      MatrixOperand(pointer: b.storage.pointer, leadingDimension: transposed ? depth : columns, transposed: transposed),
                      beta: 1, reference.storage.pointer, leadingDimension: columns)
            // Sums of up to 1024 products of values in [-1, 1], in a different order and with
            // FMA: differences of a few ulps of the partial sums (|C| ≲ 30).
            let tolerance = Float(depth) * 2e-7 + 1e-6
            #expect(TestData.maximumDifference(ours.scalars, reference.scalars) < tolerance,
                    "\(V.self) rows \(rows) depth \(depth) columns \(columns) transposed \(transposed)")
        }
    }

    /// Rows of C outside the block named, and columns past N in C's row stride, stay untouched.
    @Test func writesOnlyItsBlock() {
        writesOnlyItsBlock(SIMD8<Float>.self)
        writesOnlyItsBlock(SIMD16<Float>.self)
    }

    private func writesOnlyItsBlock<V: KernelFloatVector>(_ type: V.Type) {
        let a = TestData.uniform([3, 4], seed: 4), b = TestData.uniform([4, 5], seed: 5)
        let packed = PackedMatrix<V>(b.storage.pointer, depth: 4, columns: 5, leadingDimension: 5, transposed: false)
        let c = Tensor(repeating: 7, shape: [4, 8])     // rows 0..<3 of a [.., 8]-strided C, 5 columns used
        packed.multiplyAccumulate(a.storage.pointer, rows: 3, leadingDimension: 4, into: c.storage.pointer, leadingDimension: 8)
        let values = c.scalars
        for row in 0..<4 {
            for column in 0..<8 where row == 3 || column >= 5 { #expect(values[row * 8 + column] == 7) }
        }
        let expected = a.matmul(b).scalars
        for row in 0..<3 {
            for column in 0..<5 { #expect(abs(values[row * 8 + column] - (7 + expected[row * 5 + column])) < 1e-5) }
        }
    }
}
