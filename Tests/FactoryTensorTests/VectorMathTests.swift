// Accuracy of the vectorised elementary functions against Foundation's Double versions,
// and hand values of the activations built on them.

import FactoryTensor
import Foundation
import TestSupport
import Testing

@Suite struct VectorMathTests {
    /// 20001 points evenly spread over `range`.
    func grid(_ range: ClosedRange<Double>) -> [Float] {
        (0...20_000).map { Float(range.lowerBound + (range.upperBound - range.lowerBound) * Double($0) / 20_000) }
    }

    @Test func expIsWithinFourUlpOfDoubleExp() {
        var worst = 0.0
        for x in grid(-87...88) {
            let ours = Double(VectorMath.exp(x)), exact = Foundation.exp(Double(x))
            worst = Swift.max(worst, Swift.abs(ours - exact) / exact)
        }
        // Float32 has 24 bits: one ulp is 1.2e-7 relative; Cephes' polynomial stays within 2-3.
        #expect(worst < 4.8e-7, "worst relative error \(worst)")
        // Underflow and overflow as IEEE expf: 0 and +infinity; NaN stays NaN.
        #expect(VectorMath.exp(-1000) == 0 && VectorMath.exp(-.infinity) == 0)
        #expect(VectorMath.exp(1000) == .infinity)
        #expect(VectorMath.exp(Float.nan).isNaN)
    }

    @Test func erfTanhSigmoidAreWithinStatedAbsoluteError() {
        var worstErf = 0.0, worstTanh = 0.0, worstSigmoid = 0.0
        for x in grid(-9...9) {
            let value = Double(x)
            worstErf = Swift.max(worstErf, Swift.abs(Double(VectorMath.erf(x)) - Foundation.erf(value)))
            worstTanh = Swift.max(worstTanh, Swift.abs(Double(VectorMath.tanh(x)) - Foundation.tanh(value)))
            worstSigmoid = Swift.max(worstSigmoid, Swift.abs(Double(VectorMath.sigmoid(x)) - 1 / (1 + Foundation.exp(-value))))
        }
        // The rational approximation has error 6.5e-8 in exact arithmetic; evaluating it in
        // Float32 (two polynomials and a division) adds a few ulp of 1.
        #expect(worstErf < 4e-7, "erf \(worstErf)")
        #expect(worstTanh < 3e-7, "tanh \(worstTanh)")
        #expect(worstSigmoid < 3e-7, "sigmoid \(worstSigmoid)")
    }

    @Test func activationHandValues() {
        let x = Tensor([-1, 0, 1, 2, 7])
        // gelu(x) = x * Phi(x): Phi(1) = 0.8413447460685429, Phi(-1) = 0.15865525393145707,
        // Phi(2) = 0.9772498680518208, Phi(7) = 0.9999999999987201.
        let gelu: [Float] = [-0.158_655_25, 0, 0.841_344_75, 1.954_499_7, 7]
        #expect(TestData.maximumDifference(x.gelu().scalars, gelu) < 1e-6)
        #expect(x.relu().scalars == [0, 0, 1, 2, 7])
        #expect(x.relu6().scalars == [0, 0, 1, 2, 6])
        // silu(1) = 1 / (1 + e^-1) = 0.7310585786; softplus(0) = log 2; softplus(7) = 7 + log1p(e^-7).
        #expect(Swift.abs(x.silu()[2] - 0.731_058_6) < 1e-6)
        #expect(Swift.abs(x.softplus()[1] - 0.693_147_2) < 1e-6)
        #expect(Swift.abs(x.softplus()[4] - 7.000_911_9) < 1e-5)
    }

    @Test func largeBroadcastResultsEqualScalarArithmetic() {
        // [300, 1] * [1, 400] = 120_000 elements: threaded rows with a stride-0 operand.
        let column = TestData.uniform([300, 1], seed: 11), row = TestData.uniform([1, 400], seed: 12)
        let product = (column * row)
        #expect(product.shape == [300, 400])
        for (i, j) in [(0, 0), (299, 399), (150, 7), (3, 211)] {
            #expect(product[i, j] == column[i, 0] * row[0, j])
        }
    }

    @Test func largeElementwiseResultsEqualTheSmallPath() {
        // 100_000 elements take the threaded, vectorised path; spot-check against scalar math.
        let x = TestData.uniform([100_000], in: -5...5, seed: 9)
        let y = TestData.uniform([1, 100_000], in: -5...5, seed: 10)
        let sum = (x + y).scalars
        #expect(sum.count == 100_000)
        let xs = x.scalars, ys = y.scalars
        for index in stride(from: 0, to: 100_000, by: 997) {
            #expect(sum[index] == xs[index] + ys[index])
        }
        let exps = x.exp().scalars
        for index in stride(from: 0, to: 100_000, by: 997) {
            #expect(Swift.abs(Double(exps[index]) - Foundation.exp(Double(xs[index]))) / Foundation.exp(Double(xs[index])) < 4.8e-7)
        }
    }

    /// The 16-lane (AVX-512 build) and 8-lane forms of each function give the same bits, lane for
    /// lane, over the range each is used on, past its clamps, and for infinities and NaN.
    @Test func sixteenLaneFormsEqualEightLaneFormsBitForBit() {
        var inputs = grid(-100...100) + grid(-5...5) + [.infinity, -.infinity, .nan, 0, -0.0, 88.72, -87.3]
        while inputs.count % 16 != 0 { inputs.append(1) }
        func same(_ name: String, _ eight: (SIMD8<Float>) -> SIMD8<Float>, _ sixteen: (SIMD16<Float>) -> SIMD16<Float>) {
            var mismatches = 0
            for start in stride(from: 0, to: inputs.count, by: 16) {
                let wide = SIMD16<Float>(inputs[start..<(start + 16)])
                let low = eight(SIMD8<Float>(inputs[start..<(start + 8)]))
                let high = eight(SIMD8<Float>(inputs[(start + 8)..<(start + 16)]))
                let result = sixteen(wide)
                for lane in 0..<16 {
                    let expected = lane < 8 ? low[lane] : high[lane - 8]
                    if result[lane].bitPattern != expected.bitPattern && !(result[lane].isNaN && expected.isNaN) { mismatches += 1 }
                }
            }
            #expect(mismatches == 0, "\(name): \(mismatches) lanes differ")
        }
        same("exp", { VectorMath.exp($0) }, { VectorMath.exp($0) })
        same("erf", { VectorMath.erf($0) }, { VectorMath.erf($0) })
        same("tanh", { VectorMath.tanh($0) }, { VectorMath.tanh($0) })
        same("sigmoid", { VectorMath.sigmoid($0) }, { VectorMath.sigmoid($0) })
        same("exponentialOfNonPositive", { VectorMath.exponentialOfNonPositive($0.replacing(with: -$0, where: $0 .> 0)) },
             { VectorMath.exponentialOfNonPositive($0.replacing(with: -$0, where: $0 .> 0)) })
    }
}
