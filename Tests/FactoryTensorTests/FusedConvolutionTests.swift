// Tests of the fused convolution paths: the output clamp (`outputRange`, ReLU6) on the
// im2col, 1x1 and depthwise kernels, forward against conv + relu6 and gradients against
// finite differences; and the fused 1x1 kernel (FusedGEMMKernels, taken for small weights
// over planes of 256+ positions) against a plain matmul reference, with bias, column tails
// and output counts that are not multiples of its 6 x 16 tile.

import FactoryTensor
import Foundation
import TestSupport
import Testing

/// One convolution with a fused clamp.
struct ClampedConvolutionCase: Sendable, CustomTestStringConvertible {
    var name: String
    var batch = 1
    var channels: Int
    var size: Int
    var outputChannels: Int
    var kernel: Int
    var stride: Size2D = 1
    var groups = 1

    var testDescription: String { name }

    var padding: Padding2D {
        .sameAsTensorFlow(height: size, width: size, kernel: Size2D(kernel), stride: stride)
    }
}

@Suite struct FusedConvolutionTests {
    static let clampCases: [ClampedConvolutionCase] = [
        ClampedConvolutionCase(name: "3x3 im2col", batch: 2, channels: 2, size: 5, outputChannels: 3, kernel: 3),
        ClampedConvolutionCase(name: "1x1 BLAS path", batch: 2, channels: 3, size: 4, outputChannels: 5, kernel: 1),
        ClampedConvolutionCase(name: "1x1 fused path (256 positions)", channels: 2, size: 16, outputChannels: 3, kernel: 1),
        ClampedConvolutionCase(name: "depthwise 3x3 stride 2", batch: 2, channels: 3, size: 6, outputChannels: 3, kernel: 3,
                               stride: 2, groups: 3),
        ClampedConvolutionCase(name: "depthwise 5x5 stride 1, 9 rows (block tail)", channels: 2, size: 9, outputChannels: 2,
                               kernel: 5, groups: 2),
    ]

    /// Inputs scaled so that outputs spread well beyond [0, 6]: both bounds clamp.
    static func operands(_ c: ClampedConvolutionCase, seed: UInt64) -> (x: Tensor, weight: Tensor, bias: Tensor) {
        (TestData.uniform([c.batch, c.channels, c.size, c.size], in: -4...4, seed: seed),
         TestData.uniform([c.outputChannels, c.channels / c.groups, c.kernel, c.kernel], in: -1.5...1.5, seed: seed + 1),
         TestData.uniform([c.outputChannels], in: -1...3, seed: seed + 2))
    }

    @Test(arguments: clampCases)
    func clampedOutputEqualsConvolutionThenReLU6(_ c: ClampedConvolutionCase) {
        let (x, weight, bias) = Self.operands(c, seed: 10)
        let fused = x.conv2d(weight: weight, bias: bias, stride: c.stride, padding: c.padding, groups: c.groups, outputRange: 0...6)
        let reference = x.conv2d(weight: weight, bias: bias, stride: c.stride, padding: c.padding, groups: c.groups).relu6()
        #expect(fused.shape == reference.shape)
        // The clamp is applied to the same sums: equal to the last bit.
        #expect(fused.scalars == reference.scalars)
        let values = fused.scalars
        #expect(values.contains(0) && values.contains(6) && values.contains { $0 > 0 && $0 < 6 }, "both bounds are exercised")
    }

    @Test(arguments: clampCases)
    func clampedConvolutionGradientsMatchFiniteDifferences(_ c: ClampedConvolutionCase) throws {
        // Central differences straddle the clamp's kinks when an output lies within a step's
        // effect of 0 or 6. Take the first seed whose outputs all stay 0.02 away from both
        // (a step of 1e-3 moves an output by at most |x| or |w| times it: 4e-3 here).
        let epsilon: Float = 1e-3
        var chosen: (x: Tensor, weight: Tensor, bias: Tensor)?
        for seed in stride(from: UInt64(20), to: 2000, by: 3) {
            let operands = Self.operands(c, seed: seed)
            let raw = operands.x.conv2d(weight: operands.weight, bias: operands.bias, stride: c.stride, padding: c.padding,
                                        groups: c.groups).scalars
            if raw.allSatisfy({ Swift.abs($0) > 0.02 && Swift.abs($0 - 6) > 0.02 }) {
                chosen = operands
                break
            }
        }
        let (x, weight, bias) = try #require(chosen, "no seed keeps every output away from the clamp bounds")
        let report = GradientCheck.run([x, weight, bias], epsilon: epsilon) { inputs in
            inputs[0].conv2d(weight: inputs[1], bias: inputs[2], stride: c.stride, padding: c.padding, groups: c.groups,
                             outputRange: 0...6)
        }
        // Linear between the kinks: central differences are exact up to Float32 rounding of
        // outputs of ~10 over a step of 1e-3 (~1e-3 relative); 1e-2.
        #expect(report.relativeError < 1e-2, "\(report)")
    }

    @Test func clampedGradientIsMaskedExactlyLikeReLU6() {
        let c = ClampedConvolutionCase(name: "1x1 fused path", batch: 2, channels: 4, size: 17, outputChannels: 7, kernel: 1)
        let (x, weight, bias) = Self.operands(c, seed: 30)
        let probe = TestData.uniform([2, 7, 17, 17], seed: 33)
        func gradients(fused: Bool) -> [[Float]] {
            for leaf in [x, weight, bias] {
                leaf.requiresGradient = true
                leaf.zeroGradient()
            }
            let y = fused
                ? x.conv2d(weight: weight, bias: bias, outputRange: 0...6)
                : x.conv2d(weight: weight, bias: bias).relu6()
            (y * probe).sum().backward()
            return [x, weight, bias].map { $0.gradient!.scalars }
        }
        let fused = gradients(fused: true), reference = gradients(fused: false)
        // Same mask, same backward kernels: equal to the last bit.
        #expect(fused == reference)
    }

    /// out[n, o, p] = bias[o] + Σ_k w[o, k] x[n, k, p], in Double.
    static func pointwiseReference(_ x: Tensor, _ weight: Tensor, _ bias: Tensor?) -> [Double] {
        let (n, k, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let o = weight.shape[0], plane = h * w
        let xs = x.scalars, ws = weight.scalars, bs = bias?.scalars
        var out = [Double](repeating: 0, count: n * o * plane)
        for image in 0..<n {
            for row in 0..<o {
                for p in 0..<plane {
                    var sum = Double(bs?[row] ?? 0)
                    for inner in 0..<k { sum += Double(ws[row * k + inner]) * Double(xs[(image * k + inner) * plane + p]) }
                    out[(image * o + row) * plane + p] = sum
                }
            }
        }
        return out
    }

    @Test(arguments: [(3, 7, 17, true), (16, 24, 19, false), (5, 13, 16, true), (40, 6, 23, true)])
    func fusedPointwiseKernelMatchesAMatmulReference(channels: Int, outputChannels: Int, size: Int, bias: Bool) {
        // size x size >= 256 positions, so the fused kernel runs; 17x17 and 19x19 and 23x23
        // end in a partial 16-column block, 7, 13 and 24 rows are not all whole 6-row tiles.
        let x = TestData.uniform([2, channels, size, size], seed: 40)
        let weight = TestData.uniform([outputChannels, channels, 1, 1], seed: 41)
        let b = bias ? TestData.uniform([outputChannels], seed: 42) : nil
        let y = x.conv2d(weight: weight, bias: b)
        #expect(y.shape == [2, outputChannels, size, size])
        let expected = Self.pointwiseReference(x, weight, b)
        let worst = zip(y.scalars, expected).map { Swift.abs(Double($0) - $1) }.max() ?? 0
        // Sums of at most 40 products of values in [-1, 1] in Float32: well below 1e-5.
        #expect(worst < 1e-5, "max error \(worst)")
    }
}
