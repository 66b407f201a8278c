// GELU's gradient on contiguous tensors runs GELUBackwardKernel (one vector loop with fused
// multiply-adds): it equals the derivative Φ(x) + x·φ(x) from Foundation's double-precision
// erf and exp across the float range that matters, agrees with the generic GELUBackward path
// (a strided view), matches finite differences, and handles lengths not a multiple of 8.

import FactoryTensor
import Foundation
import Testing
import TestSupport

@Suite struct GELUBackwardKernelTests {
    /// The gradient of sum(gelu(x) * probe) for contiguous x: probe · gelu'(x).
    static func gradient(_ x: Tensor, probe: Tensor) -> [Float] {
        let leaf = Tensor(x.scalars, shape: x.shape)
        leaf.requiresGradient = true
        (leaf.gelu() * probe).sum().backward()
        return leaf.gradient!.scalars
    }

    @Test(arguments: [1, 7, 8, 13, 4001])
    func equalsDoublePrecisionDerivative(count: Int) {
        let values = (0..<count).map { Float(-14 + 28 * Double($0) / Double(Swift.max(count - 1, 1))) }
        let probe = TestData.uniform([count], in: -2...2, seed: 5)
        let output = Self.gradient(Tensor(values), probe: probe)
        var worst = 0.0
        for ((x, g), dx) in zip(zip(values, probe.scalars), output) {
            let x64 = Double(x)
            let derivative = 0.5 * (1 + Foundation.erf(x64 / 2.0.squareRoot())) + x64 * Foundation.exp(-x64 * x64 / 2) / (2 * Double.pi).squareRoot()
            worst = Swift.max(worst, Swift.abs(Double(dx) - Double(g) * derivative))
        }
        // erf within 4e-7 and exp within 4 ulp (VectorMath's bounds), times |g| <= 2, plus
        // float32 rounding of x·φ(x) (at most ~0.5) and of the product.
        #expect(worst < 3e-6, "worst error \(worst)")
    }

    @Test func equalsTheGenericOperatorPath() {
        let x = TestData.uniform([64, 37], in: -6...6, seed: 3)
        let probe = TestData.uniform([64, 37], seed: 4)
        let fast = Self.gradient(x, probe: probe)
        // Through a transposed view the gradient is not contiguous: combineElements(GELUBackward).
        let leaf = Tensor(x.transposed().contiguous().scalars, shape: [37, 64])
        leaf.requiresGradient = true
        (leaf.transposed().gelu() * probe).sum().backward()
        let generic = leaf.gradient!.transposed().contiguous().scalars
        // The same polynomials; only the rounding differs (fused multiply-adds), each term < 2.
        #expect(TestData.maximumDifference(fast, generic) <= 2e-6)
    }

    @Test func matchesFiniteDifferences() {
        // Float32 central differences with epsilon 1e-2 on a smooth function: 1e-2 relative.
        let x = TestData.uniform([5, 11], in: -4...4, seed: 6)
        let report = GradientCheck.run([x]) { inputs in inputs[0].gelu() }
        #expect(report.relativeError < 1e-2, "\(report)")
    }

    @Test func largeThreadedTensorEqualsSmallPieces() {
        // 3 × 2^15 + 5 elements: split across threads at boundaries that are not multiples of 8.
        let count = 3 * (1 << 15) + 5
        let x = TestData.uniform([count], in: -8...8, seed: 8)
        let probe = TestData.uniform([count], seed: 9)
        let whole = Self.gradient(x, probe: probe)
        let xs = x.scalars, ps = probe.scalars
        var pieces: [Float] = []
        var start = 0
        while start < count {
            let end = Swift.min(start + 1000, count)
            pieces += Self.gradient(Tensor(Array(xs[start..<end])), probe: Tensor(Array(ps[start..<end])))
            start = end
        }
        #expect(whole == pieces)
    }
}
