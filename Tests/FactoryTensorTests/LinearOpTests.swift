// Tensor.linear (bias fused into the product): equal to matmul + add, and its gradients for
// input, weight and bias match finite differences, with and without a bias, for a rank-3
// input and for a weight given as a transposed view.

import FactoryTensor
import Testing
import TestSupport

@Suite struct LinearOpTests {
    @Test func equalsMatmulPlusBias() {
        let x = TestData.uniform([2, 3, 5], seed: 1), w = TestData.uniform([4, 5], seed: 2), b = TestData.uniform([4], seed: 3)
        let fused = Tensor.linear(x, weight: w, bias: b).scalars
        let composed = (x.matmul(w.transposed()) + b).scalars
        #expect(TestData.maximumDifference(fused, composed) <= 1e-6)
        #expect(Tensor.linear(x, weight: w, bias: nil).scalars == x.matmul(w.transposed()).scalars)
        // A weight stored transposed ([in, out] viewed as [out, in]).
        let stored = w.transposed().contiguous()
        #expect(TestData.maximumDifference(Tensor.linear(x, weight: stored.transposed(), bias: b).scalars, composed) <= 1e-6)
    }

    @Test(arguments: [true, false])
    func gradientsMatchFiniteDifferences(withBias: Bool) {
        var inputs = [TestData.uniform([2, 3, 5], seed: 4), TestData.uniform([4, 5], seed: 5)]
        if withBias { inputs.append(TestData.uniform([4], seed: 6)) }
        let report = GradientCheck.run(inputs) { x in Tensor.linear(x[0], weight: x[1], bias: withBias ? x[2] : nil) }
        // Tolerance: float32 central differences, step 1e-2, on a linear function.
        #expect(report.relativeError < 1e-3, "\(report)")
    }
}
