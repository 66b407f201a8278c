// Finite-difference gradient checks for reductions (sum, mean, variance, logsumexp, max),
// layout operations (reshape, permute, slice, select, expand, squeeze, pad, contiguous)
// and matrix products (plain, batched, broadcast, transposed operands, vectors).

import FactoryTensor
import TestSupport
import Testing

/// Same reasoning as the elementwise checks: step 1e-2 in Float32, 5e-3 of the gradient scale.
private let tolerance = 5e-3

@Suite struct ReductionGradientTests {
    @Test(arguments: [[0], [1], [2], [0, 2], [1, 2], [0, 1, 2], [-1]])
    func sumAndMeanOverAxes(_ axes: [Int]) {
        let x = TestData.uniform([2, 3, 4], seed: 1)
        for keep in [false, true] {
            let sum = GradientCheck.run([x]) { $0[0].sum(axes: axes, keepingDimensions: keep) }
            #expect(sum.relativeError < tolerance, "sum \(axes) keep \(keep): \(sum)")
            let mean = GradientCheck.run([x]) { $0[0].mean(axes: axes, keepingDimensions: keep) }
            #expect(mean.relativeError < tolerance, "mean \(axes) keep \(keep): \(mean)")
        }
    }

    @Test(arguments: [[0], [1], [0, 1]])
    func varianceBiasedAndUnbiased(_ axes: [Int]) {
        let x = TestData.uniform([4, 5], seed: 2)
        for unbiased in [false, true] {
            let report = GradientCheck.run([x]) { $0[0].variance(axes: axes, unbiased: unbiased) }
            #expect(report.relativeError < tolerance, "variance \(axes) unbiased \(unbiased): \(report)")
        }
    }

    @Test(arguments: [[0], [1], [0, 1]])
    func logSumExpOverAxes(_ axes: [Int]) {
        let x = TestData.uniform([3, 4], in: -3...3, seed: 3)
        let report = GradientCheck.run([x]) { $0[0].logSumExp(axes: axes) }
        #expect(report.relativeError < tolerance, "logsumexp \(axes): \(report)")
        let transposed = GradientCheck.run([x]) { $0[0].transposed().logSumExp(axes: axes, keepingDimensions: true) }
        #expect(transposed.relativeError < tolerance, "logsumexp transposed \(axes): \(transposed)")
    }

    @Test(arguments: [0, 1, 2])
    func maxAlongAxis(_ axis: Int) {
        // A permutation of distinct values spaced 0.1 apart: no two within the step of each other.
        let values = (0..<24).map { Float(($0 * 7) % 24) * 0.1 }
        let x = Tensor(values, shape: [2, 3, 4])
        let report = GradientCheck.run([x]) { $0[0].max(axis: axis).values }
        #expect(report.relativeError < tolerance, "max axis \(axis): \(report)")
        let view = GradientCheck.run([x]) { $0[0].permuted([2, 0, 1]).max(axis: axis, keepingDimensions: true).values }
        #expect(view.relativeError < tolerance, "max of permuted view, axis \(axis): \(view)")
    }

    @Test func reductionValuesAgainstHandSums() {
        let x = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        #expect(x.sum().item == 21)
        #expect(x.sum(axes: [0]).scalars == [5, 7, 9])
        #expect(x.sum(axes: [1], keepingDimensions: true).shape == [2, 1])
        #expect(x.sum(axes: [1]).scalars == [6, 15])
        #expect(x.mean(axes: [1]).scalars == [2, 5])
        // Row variances: (1+0+1)/3 and unbiased (1+0+1)/2.
        #expect(TestData.maximumDifference(x.variance(axes: [1]).scalars, [2.0 / 3, 2.0 / 3]) < 1e-6)
        #expect(x.variance(axes: [1], unbiased: true).scalars == [1, 1])
        let (values, indices) = Tensor([3, 9, 1, 9, 2, 0], shape: [2, 3]).max(axis: 1)
        #expect(values.scalars == [9, 9])
        #expect(indices == [1, 0])
        // log(e^1 + e^2 + e^3) = 3.4076059644443806 (by hand: 3 + log(1 + e^-1 + e^-2)).
        #expect(Swift.abs(Tensor([1, 2, 3]).logSumExp().item - 3.407_606) < 1e-5)
        // A fully masked row gives -infinity (as PyTorch), not NaN; the other row is unaffected.
        let masked = Tensor([-.infinity, -.infinity, 0, 0], shape: [2, 2]).logSumExp(axes: [1]).scalars
        #expect(masked[0] == -.infinity)
        #expect(Swift.abs(masked[1] - 0.693_147_2) < 1e-6)
        // Large values stay finite: log(e^1000 + e^1000) = 1000 + log 2.
        #expect(Swift.abs(Tensor([1000, 1000]).logSumExp().item - 1000.693_147) < 1e-3)
    }

    @Test func threadedSumEqualsSequentialSum() {
        // Above the threading threshold, along every kind of axis.
        let x = TestData.uniform([64, 300, 8], seed: 5)
        let values = x.scalars
        func reference(_ axis: Int) -> [Double] {
            var result = [Double](repeating: 0, count: x.count / x.shape[axis])
            for i in 0..<64 { for j in 0..<300 { for k in 0..<8 {
                let value = Double(values[(i * 300 + j) * 8 + k])
                switch axis {
                case 0: result[j * 8 + k] += value
                case 1: result[i * 8 + k] += value
                default: result[i * 300 + j] += value
                }
            } } }
            return result
        }
        for axis in 0..<3 {
            let ours = x.sum(axes: [axis]).scalars
            let expected = reference(axis)
            let error = zip(ours, expected).map { Swift.abs(Double($0) - $1) }.max() ?? 0
            // Float32 sums of up to 300 values in [-1, 1]: rounding stays below 1e-4.
            #expect(error < 1e-4, "axis \(axis): \(error)")
        }
        let total = values.reduce(0.0) { $0 + Double($1) }
        #expect(Swift.abs(Double(x.sum().item) - total) < 1e-2)
    }
}

@Suite struct ViewGradientTests {
    @Test func layoutOperations() {
        let x = TestData.uniform([2, 3, 4], seed: 7)
        let cases: [(String, (Tensor) -> Tensor)] = [
            ("reshape", { $0.reshaped([4, 6]) }),
            ("reshapeInferred", { $0.reshaped([-1, 2]) }),
            ("reshapeOfTransposed", { $0.transposed(0, 2).reshaped([24]) }),
            ("flatten", { $0.flattened(from: 1) }),
            ("permute", { $0.permuted([2, 0, 1]) }),
            ("transpose", { $0.transposed() }),
            ("slice", { $0.sliced(axis: 2, 1..<3) }),
            ("sliceOfTranspose", { $0.transposed(1, 2).sliced(axis: 1, 0..<2) }),
            ("select", { $0.selecting(axis: 1, index: 2) }),
            ("expand", { $0.sliced(axis: 1, 0..<1).expanded(to: [2, 5, 4]) }),
            ("unsqueeze", { $0.unsqueezed(axis: 1) }),
            ("squeeze", { $0.sliced(axis: 1, 1..<2).squeezed() }),
            ("padAsymmetric", { $0.padded(before: [0, 1, 2], after: [1, 0, 1], value: 0.5) }),
            ("padOfView", { $0.permuted([1, 2, 0]).padded(before: [1, 0, 0], after: [0, 0, 2]) }),
            ("contiguousCopy", { $0.transposed(0, 1).contiguousCopy() }),
            ("viewThenMath", { ($0.transposed() * $0.transposed()).sliced(axis: 0, 0..<1) }),
        ]
        for (name, function) in cases {
            let report = GradientCheck.run([x]) { function($0[0]) }
            #expect(report.relativeError < tolerance, "\(name): \(report)")
        }
    }

    @Test func viewsShareStorageAndReadTheRightElements() {
        let x = Tensor((0..<12).map(Float.init), shape: [3, 4])
        let t = x.transposed()
        #expect(t.storage === x.storage)
        #expect(t.shape == [4, 3])
        #expect(t[1, 2] == x[2, 1])
        #expect(t.scalars == [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11])
        let slice = x.sliced(axis: 1, 1..<3)
        #expect(slice.storage === x.storage)
        #expect(slice.scalars == [1, 2, 5, 6, 9, 10])
        #expect(x.expanded(to: [2, 3, 4]).scalars == x.scalars + x.scalars)
        #expect(Tensor([1, 2], shape: [2]).padded(before: [1], after: [2], value: 9).scalars == [9, 1, 2, 9, 9])
    }
}

@Suite struct MatrixProductTests {
    /// Naive triple loop in Double, the reference for our GEMM path.
    func reference(_ a: Tensor, _ b: Tensor) -> [Float] {
        let (m, k, n) = (a.shape[0], a.shape[1], b.shape[1])
        var result = [Float](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n {
            var total = 0.0
            for p in 0..<k { total += Double(a[i, p]) * Double(b[p, j]) }
            result[i * n + j] = Float(total)
        } }
        return result
    }

    @Test func valuesMatchTheNaiveProductForEveryOperandLayout() {
        let a = TestData.uniform([5, 7], seed: 1), b = TestData.uniform([7, 3], seed: 2)
        let expected = reference(a, b)
        let aTransposedStorage = a.transposed().contiguousCopy().transposed()   // strides [1, 5]
        let bTransposedStorage = b.transposed().contiguousCopy().transposed()
        for (left, right) in [(a, b), (aTransposedStorage, b), (a, bTransposedStorage), (aTransposedStorage, bTransposedStorage)] {
            // Float32 dot products of length 7: 1e-5 absolute.
            #expect(TestData.maximumDifference(left.matmul(right).scalars, expected) < 1e-5)
        }
        // A strided slice that is neither row- nor column-major goes through a copy.
        let wide = TestData.uniform([5, 14], seed: 3)
        let everyOther = wide.reshaped([5, 7, 2]).selecting(axis: 2, index: 0)
        #expect(TestData.maximumDifference(everyOther.matmul(b).scalars, reference(everyOther.contiguousCopy(), b)) < 1e-5)
    }

    @Test func gradientsForEveryShapeCase() {
        let cases: [([Int], [Int], (Tensor, Tensor) -> Tensor)] = [
            ([3, 4], [4, 5], { $0.matmul($1) }),
            ([2, 3, 4], [2, 4, 5], { $0.matmul($1) }),
            ([2, 3, 4], [4, 5], { $0.matmul($1) }),            // batch folded into rows
            ([1, 3, 4], [2, 4, 5], { $0.matmul($1) }),         // broadcast batch on the left
            ([3, 4], [2, 4, 5], { $0.matmul($1) }),            // matrix times a batch
            ([4], [4, 5], { $0.matmul($1) }),                  // vector on the left
            ([3, 4], [4], { $0.matmul($1) }),                  // vector on the right
            ([4], [4], { $0.matmul($1) }),                     // vector . vector: a scalar
            ([4, 3], [5, 4], { $0.transposed().matmul($1.transposed()) }),  // transpose flags
            ([2, 4, 3], [2, 4, 5], { $0.transposed().matmul($1) }),
            ([3, 8], [4, 5], { $0.sliced(axis: 1, 2..<6).matmul($1) }),    // leading dimension 8
        ]
        for (index, (shapeA, shapeB, function)) in cases.enumerated() {
            let a = TestData.uniform(shapeA, seed: UInt64(10 + index)), b = TestData.uniform(shapeB, seed: UInt64(30 + index))
            let report = GradientCheck.run([a, b]) { function($0[0], $0[1]) }
            #expect(report.relativeError < tolerance, "case \(index) \(shapeA) x \(shapeB): \(report)")
        }
    }

    @Test func vectorDotProductIsAScalar() {
        let dot = Tensor([1, 2, 3]).matmul(Tensor([4, 5, 6]))
        #expect(dot.shape == [])
        #expect(dot.item == 32)  // 4 + 10 + 18
    }

    @Test func batchedProductShapes() {
        let a = TestData.uniform([2, 1, 3, 4], seed: 1), b = TestData.uniform([5, 4, 6], seed: 2)
        let product = a.matmul(b)
        #expect(product.shape == [2, 5, 3, 6])
        let expected = reference(a.selecting(axis: 0, index: 1).selecting(axis: 0, index: 0), b.selecting(axis: 0, index: 3))
        #expect(TestData.maximumDifference(product.selecting(axis: 0, index: 1).selecting(axis: 0, index: 3).scalars, expected) < 1e-5)
    }
}
