// Tests of gradient clipping: the global L2 norm returned, gradients scaled by
// maxNorm / (norm + 1e-6) above the maximum, untouched below it, parameters without a
// gradient ignored, and element-wise value clipping. Hand-computed values.

import FactoryNN
import Testing

@Suite struct GradientClippingTests {
    /// Gradients [3, 4] and [12]: global norm √(9 + 16 + 144) = 13.
    private func makeParameters() -> [Tensor] {
        let a = makeParameter([0, 0]), b = makeParameter([0])
        setGradient(a, [3, 4])
        setGradient(b, [12])
        return [a, b]
    }

    @Test func normAboveMaximumScalesEveryGradient() {
        // maxNorm 6.5: factor 6.5 / (13 + 1e-6) ≈ 0.5 → [1.5, 2] and [6].
        let parameters = makeParameters()
        let norm = clipGradientNorm(parameters, maxNorm: 6.5)
        #expect(abs(norm - 13) < 1e-5)
        #expect(close(parameters[0].gradient!.scalars, [1.5, 2], 1e-6))
        #expect(close(parameters[1].gradient!.scalars, [6], 1e-6))
        // The clipped gradients now have norm 6.5 (to within the 1e-6 guard).
        let after = clipGradientNorm(parameters, maxNorm: 100)
        #expect(abs(after - 6.5) < 1e-5)
    }

    @Test func normBelowMaximumIsANoOp() {
        let parameters = makeParameters()
        let norm = clipGradientNorm(parameters, maxNorm: 20)
        #expect(abs(norm - 13) < 1e-5)
        #expect(parameters[0].gradient!.scalars == [3, 4])
        #expect(parameters[1].gradient!.scalars == [12])
    }

    @Test func parametersWithoutGradientAreIgnored() {
        let parameters = makeParameters() + [makeParameter([7, 7, 7])]
        #expect(abs(clipGradientNorm(parameters, maxNorm: 1) - 13) < 1e-5)
        #expect(parameters[2].gradient == nil)
    }

    @Test func largeGradientNormUsesEveryElement() {
        // 100 001 elements of 0.5 (threaded reduction plus scalar tail): norm = 0.5·√100001.
        let parameter = makeParameter([Float](repeating: 0, count: 100_001))
        setGradient(parameter, [Float](repeating: 0.5, count: 100_001))
        let norm = clipGradientNorm([parameter], maxNorm: 1)
        #expect(abs(norm - 0.5 * Float(100_001).squareRoot()) < 1e-3)
        let clipped = parameter.gradient!.scalars
        #expect(abs(clipped[0] - 1 / Float(100_001).squareRoot()) < 1e-7)
        #expect(clipped[0] == clipped[100_000])
    }

    @Test func valueClippingClampsEachElement() {
        let parameter = makeParameter()
        setGradient(parameter, [-5, 0.5, 2])
        clipGradientValue([parameter], maxValue: 1)
        #expect(parameter.gradient!.scalars == [-1, 0.5, 1])
    }
}
