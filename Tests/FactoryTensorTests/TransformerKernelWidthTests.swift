// The transformer row kernels (GELU and its backward, softmax and log-softmax rows and their
// backward, attention's masked softmax backward, dropout's mask product, layer norm's row forward
// and backward, dropout's multiply-add) run at both kernel widths, SIMD8<Float> and
// SIMD16<Float>, instantiated explicitly whatever this build's KernelVector is. Each is
// compared with a plain Double reference on lengths with and without a tail (1, 7, 16, 37,
// 128, 384); the purely elementwise kernels also give the same bits at both widths.

import FactoryTensor
import Foundation
import Testing
import TestSupport

@Suite struct TransformerKernelWidthTests {
    static let lengths = [1, 7, 16, 37, 128, 384]

    static func values(_ count: Int, in range: ClosedRange<Float>, seed: UInt64) -> [Float] {
        TestData.uniform([count], in: range, seed: seed).scalars
    }

    // MARK: GELU

    static func gelu(_ x: [Float], eight: Bool) -> [Float] {
        var y = [Float](repeating: .nan, count: x.count)
        x.withUnsafeBufferPointer { x in
            y.withUnsafeMutableBufferPointer { y in
                if eight {
                    GELUKernel.apply(x.baseAddress!, y.baseAddress!, count: x.count, vector: SIMD8<Float>.self)
                } else {
                    GELUKernel.apply(x.baseAddress!, y.baseAddress!, count: x.count, vector: SIMD16<Float>.self)
                }
            }
        }
        return y
    }

    @Test(arguments: lengths)
    func geluAtBothWidthsEqualsDoubleReference(count: Int) {
        let x = Self.values(count, in: -9...9, seed: UInt64(count))
        let eight = Self.gelu(x, eight: true), sixteen = Self.gelu(x, eight: false)
        var worst = 0.0
        for (value, result) in zip(x, sixteen) {
            let v = Double(value)
            let reference = v * 0.5 * (1 + Foundation.erf(v / 2.0.squareRoot()))
            worst = Swift.max(worst, Swift.abs(Double(result) - reference) / Swift.max(1, Swift.abs(reference)))
        }
        // erf within 4e-7 (VectorMath's bound) times |x|/2, plus float32 rounding.
        #expect(worst < 1e-6, "worst error \(worst)")
        // The same operations lane for lane: the same bits at both widths.
        #expect(eight.map(\.bitPattern) == sixteen.map(\.bitPattern))
    }

    @Test(arguments: lengths)
    func geluBackwardAtBothWidthsEqualsDoubleDerivative(count: Int) {
        let x = Self.values(count, in: -14...14, seed: UInt64(count) + 1)
        let g = Self.values(count, in: -2...2, seed: UInt64(count) + 2)
        func run(_ eight: Bool) -> [Float] {
            var dx = [Float](repeating: .nan, count: count)
            x.withUnsafeBufferPointer { x in
                g.withUnsafeBufferPointer { g in
                    dx.withUnsafeMutableBufferPointer { dx in
                        if eight {
                            GELUBackwardKernel.apply(input: x.baseAddress!, gradient: g.baseAddress!, into: dx.baseAddress!,
                                                     count: count, vector: SIMD8<Float>.self)
                        } else {
                            GELUBackwardKernel.apply(input: x.baseAddress!, gradient: g.baseAddress!, into: dx.baseAddress!,
                                                     count: count, vector: SIMD16<Float>.self)
                        }
                    }
                }
            }
            return dx
        }
        let eight = run(true), sixteen = run(false)
        var worst = 0.0
        for index in 0..<count {
            let v = Double(x[index])
            let derivative = 0.5 * (1 + Foundation.erf(v / 2.0.squareRoot())) + v * Foundation.exp(-v * v / 2) / (2 * Double.pi).squareRoot()
            worst = Swift.max(worst, Swift.abs(Double(sixteen[index]) - Double(g[index]) * derivative))
        }
        // erf within 4e-7 and exp within 2 ulp, times |g| <= 2, plus float32 rounding.
        #expect(worst < 3e-6, "worst error \(worst)")
        #expect(eight.map(\.bitPattern) == sixteen.map(\.bitPattern))
    }

    // MARK: Softmax rows

    /// Scores in [-8, 8] with every fifth entry -infinity (but never all of them).
    static func scores(_ count: Int, seed: UInt64) -> [Float] {
        var x = values(count, in: -8...8, seed: seed)
        for index in stride(from: 3, to: count, by: 5) { x[index] = -.infinity }
        return x
    }

    static func softmaxRow(_ x: [Float], logarithm: Bool, eight: Bool) -> [Float] {
        var y = [Float](repeating: .nan, count: x.count)
        x.withUnsafeBufferPointer { x in
            y.withUnsafeMutableBufferPointer { y in
                if eight {
                    SoftmaxKernels.forwardRow(x.baseAddress!, y.baseAddress!, x.count, logarithm: logarithm, vector: SIMD8<Float>.self)
                } else {
                    SoftmaxKernels.forwardRow(x.baseAddress!, y.baseAddress!, x.count, logarithm: logarithm, vector: SIMD16<Float>.self)
                }
            }
        }
        return y
    }

    @Test(arguments: lengths)
    func softmaxRowAtBothWidthsEqualsDoubleReference(count: Int) {
        let x = Self.scores(count, seed: UInt64(count) + 3)
        let maximum = Double(x.max()!)
        let exponentials = x.map { Foundation.exp(Double($0) - maximum) }
        let total = exponentials.reduce(0, +)
        for eight in [true, false] {
            let probabilities = Self.softmaxRow(x, logarithm: false, eight: eight)
            let logarithms = Self.softmaxRow(x, logarithm: true, eight: eight)
            for index in 0..<count {
                if x[index] == -.infinity {
                    #expect(probabilities[index] == 0 && logarithms[index] == -.infinity)
                    continue
                }
                // exp within 2 ulp, a float32 sum and one division: 1e-6 absolute on [0, 1].
                #expect(Swift.abs(Double(probabilities[index]) - exponentials[index] / total) < 1e-6,
                        "eight \(eight) index \(index)")
                // x - max - log(sum): float32 rounding of terms up to ~20.
                let logReference = Double(x[index]) - maximum - Foundation.log(total)
                #expect(Swift.abs(Double(logarithms[index]) - logReference) < 1e-5, "eight \(eight) index \(index)")
            }
        }
    }

    @Test(arguments: lengths)
    func softmaxBackwardRowAtBothWidthsEqualsDoubleReference(count: Int) {
        let probabilities = Self.softmaxRow(Self.scores(count, seed: UInt64(count) + 4), logarithm: false, eight: true)
        let logarithms = Self.softmaxRow(Self.scores(count, seed: UInt64(count) + 4), logarithm: true, eight: true)
            .map { $0 == -.infinity ? -100 : $0 }
        let g = Self.values(count, in: -2...2, seed: UInt64(count) + 5)
        for logarithm in [false, true] {
            let y = logarithm ? logarithms : probabilities
            let total = logarithm ? g.reduce(0.0) { $0 + Double($1) } : zip(g, y).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            for eight in [true, false] {
                var dx = [Float](repeating: .nan, count: count)
                y.withUnsafeBufferPointer { y in
                    g.withUnsafeBufferPointer { g in
                        dx.withUnsafeMutableBufferPointer { dx in
                            if eight {
                                SoftmaxKernels.backwardRow(y.baseAddress!, g.baseAddress!, dx.baseAddress!, count,
                                                           logarithm: logarithm, vector: SIMD8<Float>.self)
                            } else {
                                SoftmaxKernels.backwardRow(y.baseAddress!, g.baseAddress!, dx.baseAddress!, count,
                                                           logarithm: logarithm, vector: SIMD16<Float>.self)
                            }
                        }
                    }
                }
                for index in 0..<count {
                    let reference = logarithm
                        ? Double(g[index]) - Foundation.exp(Double(y[index])) * total
                        : Double(y[index]) * (Double(g[index]) - total)
                    // A float32 dot product of up to 384 terms of size <= 2 (and, for
                    // log-softmax, exp within 2 ulp times that sum).
                    #expect(Swift.abs(Double(dx[index]) - reference) < 2e-5, "log \(logarithm) eight \(eight) index \(index)")
                }
            }
        }
    }

    // MARK: Attention rows

    @Test(arguments: lengths)
    func attentionSoftmaxBackwardRowAtBothWidthsEqualsDoubleReference(count: Int) {
        let y = Self.softmaxRow(Self.scores(count, seed: UInt64(count) + 6), logarithm: false, eight: true)
        let g = Self.values(count, in: -2...2, seed: UInt64(count) + 7)
        // A dropout mask: 0 or 1 / 0.9.
        let mask = Self.values(count, in: 0...1, seed: UInt64(count) + 8).map { $0 < 0.1 ? Float(0) : 1 / 0.9 }
        for masked in [false, true] {
            let dropped = masked ? zip(g, mask).map { $0 * $1 } : g
            let total = zip(dropped, y).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            for eight in [true, false] {
                var result = g
                y.withUnsafeBufferPointer { y in
                    mask.withUnsafeBufferPointer { mask in
                        result.withUnsafeMutableBufferPointer { result in
                            let maskPointer = masked ? mask.baseAddress! : nil
                            if eight {
                                AttentionKernels.softmaxBackwardRow(y.baseAddress!, result.baseAddress!, mask: maskPointer, count,
                                                                    vector: SIMD8<Float>.self)
                            } else {
                                AttentionKernels.softmaxBackwardRow(y.baseAddress!, result.baseAddress!, mask: maskPointer, count,
                                                                    vector: SIMD16<Float>.self)
                            }
                        }
                    }
                }
                for index in 0..<count {
                    let reference = Double(y[index]) * (Double(dropped[index]) - total)
                    // A float32 dot product of up to 384 terms of size <= 2.3.
                    #expect(Swift.abs(Double(result[index]) - reference) < 2e-5, "masked \(masked) eight \(eight) index \(index)")
                }
            }
        }
    }

    @Test(arguments: lengths)
    func elementwiseProductsAtBothWidthsEqualScalarArithmetic(count: Int) {
        let a = Self.values(count, in: -3...3, seed: UInt64(count) + 9)
        let b = Self.values(count, in: -3...3, seed: UInt64(count) + 10)
        let c = Self.values(count, in: -3...3, seed: UInt64(count) + 11)
        let products = zip(a, b).map { $0 * $1 }
        let multiplyAdds = (0..<count).map { a[$0] * b[$0] + c[$0] }
        for eight in [true, false] {
            var product = [Float](repeating: .nan, count: count), multiplyAdd = product
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    c.withUnsafeBufferPointer { c in
                        product.withUnsafeMutableBufferPointer { product in
                            multiplyAdd.withUnsafeMutableBufferPointer { multiplyAdd in
                                if eight {
                                    DropoutKernels.applyMask(a.baseAddress!, b.baseAddress!, into: product.baseAddress!, count: count,
                                                              vector: SIMD8<Float>.self)
                                    DropoutKernels.multiplyAdd(a.baseAddress!, b.baseAddress!, c.baseAddress!,
                                                               into: multiplyAdd.baseAddress!, count: count, vector: SIMD8<Float>.self)
                                } else {
                                    DropoutKernels.applyMask(a.baseAddress!, b.baseAddress!, into: product.baseAddress!, count: count,
                                                              vector: SIMD16<Float>.self)
                                    DropoutKernels.multiplyAdd(a.baseAddress!, b.baseAddress!, c.baseAddress!,
                                                               into: multiplyAdd.baseAddress!, count: count, vector: SIMD16<Float>.self)
                                }
                            }
                        }
                    }
                }
            }
            // Exact: one rounding per operation, as the scalar code (no fused multiply-add).
            #expect(product == products, "eight \(eight)")
            #expect(multiplyAdd == multiplyAdds, "eight \(eight)")
        }
    }

    // MARK: Layer norm rows

    @Test(arguments: lengths)
    func layerNormRowsAtBothWidthsEqualDoubleReference(count: Int) {
        let x = Self.values(count, in: -3...5, seed: UInt64(count) + 12)
        let weight = Self.values(count, in: 0.5...1.5, seed: UInt64(count) + 13)
        let bias = Self.values(count, in: -1...1, seed: UInt64(count) + 14)
        let g = Self.values(count, in: -2...2, seed: UInt64(count) + 15)
        let epsilon: Float = 1e-5
        // Double reference.
        let mean = x.reduce(0.0) { $0 + Double($1) } / Double(count)
        let variance = x.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(count)
        let r = 1 / (variance + Double(epsilon)).squareRoot()
        let normalized = x.map { (Double($0) - mean) * r }
        let scaled = (0..<count).map { Double(g[$0]) * Double(weight[$0]) }
        let meanScaled = scaled.reduce(0, +) / Double(count)
        let meanDot = zip(scaled, normalized).reduce(0.0) { $0 + $1.0 * $1.1 } / Double(count)
        for eight in [true, false] {
            var y = [Float](repeating: .nan, count: count), dx = y
            var weightPartial = [Float](repeating: 1, count: count), biasPartial = [Float](repeating: -1, count: count)
            var statistics: (mean: Float, inverseDeviation: Float) = (0, 0)
            x.withUnsafeBufferPointer { x in
                weight.withUnsafeBufferPointer { weight in
                    bias.withUnsafeBufferPointer { bias in
                        g.withUnsafeBufferPointer { g in
                            y.withUnsafeMutableBufferPointer { y in
                                dx.withUnsafeMutableBufferPointer { dx in
                                    weightPartial.withUnsafeMutableBufferPointer { wp in
                                        biasPartial.withUnsafeMutableBufferPointer { bp in
                                            if eight {
                                                statistics = LayerNormKernels.forwardRow(
                                                    x.baseAddress!, weight: weight.baseAddress!, bias: bias.baseAddress!, into: y.baseAddress!,
                                                    width: count, epsilon: epsilon, vector: SIMD8<Float>.self)
                                                LayerNormKernels.backwardRow(
                                                    x.baseAddress!, g.baseAddress!, weight.baseAddress!, mean: statistics.mean,
                                                    inverseDeviation: statistics.inverseDeviation, dx: dx.baseAddress!,
                                                    weightPartial: wp.baseAddress!, biasPartial: bp.baseAddress!, width: count,
                                                    vector: SIMD8<Float>.self)
                                            } else {
                                                statistics = LayerNormKernels.forwardRow(
                                                    x.baseAddress!, weight: weight.baseAddress!, bias: bias.baseAddress!, into: y.baseAddress!,
                                                    width: count, epsilon: epsilon, vector: SIMD16<Float>.self)
                                                LayerNormKernels.backwardRow(
                                                    x.baseAddress!, g.baseAddress!, weight.baseAddress!, mean: statistics.mean,
                                                    inverseDeviation: statistics.inverseDeviation, dx: dx.baseAddress!,
                                                    weightPartial: wp.baseAddress!, biasPartial: bp.baseAddress!, width: count,
                                                    vector: SIMD16<Float>.self)
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            // Float32 sums of up to 384 terms: 1e-5 relative on the statistics.
            #expect(Swift.abs(Double(statistics.mean) - mean) < 1e-5, "eight \(eight)")
            if count > 1 {
                #expect(Swift.abs(Double(statistics.inverseDeviation) - r) < 1e-5 * r, "eight \(eight)")
            }
            for index in 0..<count {
                let yReference = normalized[index] * Double(weight[index]) + Double(bias[index])
                let dxReference = r * (scaled[index] - meanScaled - normalized[index] * meanDot)
                // Normalised values up to ~3 scaled by 1.5: float32 rounding of a few operations.
                #expect(Swift.abs(Double(y[index]) - yReference) < 1e-5, "y eight \(eight) index \(index)")
                // r up to ~1/0.0 for count 1 is avoided by the reference; differences of sums of size ~3.
                #expect(Swift.abs(Double(dx[index]) - dxReference) < 1e-4 * Swift.max(1, r), "dx eight \(eight) index \(index)")
                #expect(Swift.abs(Double(weightPartial[index]) - (1 + Double(g[index]) * normalized[index])) < 1e-5,
                        "dweight eight \(eight) index \(index)")
                #expect(biasPartial[index] == -1 + g[index], "dbias eight \(eight) index \(index)")
            }
        }
    }
}
