// Tensor.linear (bias fused into the product): equal to matmul + add, and its gradients for
// input, weight and bias match finite differences, with and without a bias, for a rank-3
// input and for a weight given as a transposed view; with a residual added, equal to
// linear + residual with the residual's gradient; `linearGELU` equal to linear then gelu,
// with and without gradients recorded; the bias gradient of many rows (a matrix-vector
// product with ones) equal to double-precision column sums; the input gradient added by BLAS
// into a residual's gradient (the engine's accumulator) equal to the composed ops', and
// unchanged when that gradient is shared (an addition hands one tensor to both sides);
// `linearLayerNorm` equal to linear then layerNorm, with and without gradients
// recorded, for few rows and for enough rows that each thread works through blocks.

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

    @Test(arguments: [true, false])
    func residualIsAddedWithItsGradient(withBias: Bool) {
        let x = TestData.uniform([2, 3, 5], seed: 7), w = TestData.uniform([4, 5], seed: 8), b = TestData.uniform([4], seed: 9)
        let r = TestData.uniform([2, 3, 4], seed: 10)
        let bias = withBias ? b : nil
        let fused = Tensor.linear(x, weight: w, bias: bias, adding: r).scalars
        let composed = (Tensor.linear(x, weight: w, bias: bias) + r).scalars
        // Tolerance: one float32 add in another order.
        #expect(TestData.maximumDifference(fused, composed) <= 1e-6)
        var inputs = [x, w, r]
        if withBias { inputs.append(b) }
        let report = GradientCheck.run(inputs) { t in
            Tensor.linear(t[0], weight: t[1], bias: withBias ? t[3] : nil, adding: t[2])
        }
        // Tolerance: float32 central differences, step 1e-2, on a linear function.
        #expect(report.relativeError < 1e-3, "\(report)")
    }

    @Test func linearGELUEqualsLinearThenGELU() {
        // 40 000 outputs: the in-place GELU runs threaded.
        let x = TestData.uniform([100, 3, 16], seed: 11), w = TestData.uniform([128, 16], seed: 12), b = TestData.uniform([128], seed: 13)
        let reference = Tensor.linear(x, weight: w, bias: b).gelu().scalars
        let inference = withoutGradients { Tensor.linearGELU(x, weight: w, bias: b) }
        #expect(inference.scalars == reference, "the same kernels, in place")
        let report = GradientCheck.run([TestData.uniform([2, 3, 5], seed: 14), TestData.uniform([4, 5], seed: 15), TestData.uniform([4], seed: 16)]) { t in
            Tensor.linearGELU(t[0], weight: t[1], bias: t[2])
        }
        // Tolerance as GELU's own: float32 central differences, step 1e-2, on a smooth function.
        #expect(report.relativeError < 1e-2, "\(report)")
    }

    @Test(arguments: [1, 3001])
    func biasGradientIsTheColumnSumOfTheOutputGradient(rows: Int) {
        let x = TestData.uniform([rows, 5], seed: 21), w = TestData.uniform([70, 5], seed: 22), b = TestData.uniform([70], seed: 23)
        b.requiresGradient = true
        let probe = TestData.uniform([rows, 70], seed: 24)
        (Tensor.linear(x, weight: w, bias: b) * probe).sum().backward()
        let values = probe.scalars
        var worst = 0.0
        for column in 0..<70 {
            var total = 0.0
            for row in 0..<rows { total += Double(values[row * 70 + column]) }
            worst = Swift.max(worst, Swift.abs(Double(b.gradient!.scalars[column]) - total))
        }
        // Float32 sums of up to 3001 values in [-1, 1]: rounding error well below 1e-3.
        #expect(worst < 1e-3, "worst error \(worst)")
    }

    /// x's gradient through `h = 2x; out = dropout(linear(h)) + h` (the residual's gradient
    /// arrives first and is the engine's alone, so the linear adds into it), or through
    /// `linear(h) + h` (one gradient shared by both sides: no accumulation), against the
    /// same graph built from matmul and plain arithmetic.
    @Test(arguments: [true, false])
    func inputGradientAddedIntoTheResidualsGradient(throughDropout: Bool) {
        let w = TestData.uniform([6, 5], seed: 31), b = TestData.uniform([6], seed: 32)
        let probe = TestData.uniform([3, 4, 5], seed: 33)
        func gradient(fused: Bool) -> [Float] {
            let x = TestData.uniform([3, 4, 5], seed: 34)
            x.requiresGradient = true
            let h = x * 2
            var generator = SeededGenerator(seed: 35)
            let projected = fused ? Tensor.linear(h, weight: w, bias: b) : h.matmul(w.transposed()) + b
            let back = projected.matmul(TestData.uniform([6, 5], seed: 36))  // back to 5 features
            let out = throughDropout
                ? back.dropout(probability: 0.3, training: true, generator: &generator, adding: h)
                : back + h
            (out * probe).sum().backward()
            return x.gradient!.scalars
        }
        let fused = gradient(fused: true), reference = gradient(fused: false)
        // Same products summed in a different order (one BLAS call with beta = 1 vs two).
        #expect(TestData.maximumDifference(fused, reference) <= 1e-5)
    }

    @Test func accumulatedInputGradientMatchesFiniteDifferences() {
        let w = TestData.uniform([5, 5], seed: 41), b = TestData.uniform([5], seed: 42)
        let report = GradientCheck.run([TestData.uniform([4, 5], seed: 43)]) { inputs in
            let h = inputs[0] * 2
            var generator = SeededGenerator(seed: 44)  // the same mask on every evaluation
            return Tensor.linear(h, weight: w, bias: b).dropout(probability: 0.3, training: true, generator: &generator, adding: h)
        }
        // Linear in the input: Float32 central differences with epsilon 1e-2 are within 1e-2.
        #expect(report.relativeError < 1e-2, "\(report)")
    }

    /// Enough rows (1040) that the rows split across threads, each thread's in blocks.
    @Test func linearGELUOnManyRowsEqualsLinearThenGELU() {
        let x = TestData.uniform([8, 130, 24], seed: 17), w = TestData.uniform([40, 24], seed: 18), b = TestData.uniform([40], seed: 19)
        let reference = Tensor.linear(x, weight: w, bias: b).gelu().scalars
        let inference = withoutGradients { Tensor.linearGELU(x, weight: w, bias: b) }
        // Tolerance: the products of a block may round differently from the whole's.
        #expect(TestData.maximumDifference(inference.scalars, reference) <= 1e-6)
    }

    @Test(arguments: [[2, 3, 5], [8, 130, 24]])
    func linearLayerNormEqualsLinearThenLayerNorm(inputShape: [Int]) {
        let inFeatures = inputShape[2], outFeatures = 40
        let x = TestData.uniform(inputShape, seed: 20), w = TestData.uniform([outFeatures, inFeatures], seed: 21)
        let b = TestData.uniform([outFeatures], seed: 22), r = TestData.uniform([inputShape[0], inputShape[1], outFeatures], seed: 23)
        let gamma = TestData.uniform([outFeatures], in: 0.5...1.5, seed: 24), beta = TestData.uniform([outFeatures], seed: 25)
        for t in [x, w, b, r, gamma, beta] { t.requiresGradient = true }
        let composed = Tensor.linear(x, weight: w, bias: b, adding: r)
            .layerNorm(normalizedShape: [outFeatures], weight: gamma, bias: beta, epsilon: 1e-12)
        let recorded = Tensor.linearLayerNorm(x, weight: w, bias: b, adding: r, normWeight: gamma, normBias: beta, epsilon: 1e-12)
        let inference = withoutGradients {
            Tensor.linearLayerNorm(x, weight: w, bias: b, adding: r, normWeight: gamma, normBias: beta, epsilon: 1e-12)
        }
        #expect(recorded.scalars == composed.scalars, "the same operations while gradients are recorded")
        #expect(recorded.requiresGradient && !inference.requiresGradient)
        // Tolerance: normalised values of order 1; the products of a block may round
        // differently from the whole's, by a few float32 ulps.
        #expect(TestData.maximumDifference(inference.scalars, composed.scalars) <= 1e-5)
    }
}
