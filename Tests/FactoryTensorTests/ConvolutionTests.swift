// Tests of conv2d (im2col + GEMM and the 1x1 fast path): hand-derived values for a grouped,
// asymmetrically padded convolution, agreement with matmul for 1x1 kernels, TensorFlow
// "SAME" padding, and finite-difference gradient checks over a table of configurations.

import FactoryTensor
import Foundation
import TestSupport
import Testing

/// One conv2d configuration for the gradient-check table.
struct ConvolutionCase: Sendable, CustomTestStringConvertible {
    var name: String
    var batch = 1
    var channels: Int
    var height: Int
    var width: Int
    var outputChannels: Int
    var kernel: Size2D
    var stride: Size2D = 1
    var padding: Padding2D = .zero
    var dilation: Size2D = 1
    var groups = 1
    var bias = true
    /// Store the input as [N, C, W, H] and pass `transposed(2, 3)`, a non-contiguous view.
    var transposedInput = false

    var testDescription: String { name }
}

@Suite struct ConvolutionTests {
    /// Convolution is linear in each argument, so central differences are exact up to
    /// Float32 rounding of the outputs (~1e-4 relative here); 5e-3 leaves a wide margin
    /// while still catching any wrong tap, offset or missing accumulation (errors of O(1)).
    static let linearTolerance = 5e-3

    @Test func groupedConvolutionWithAsymmetricPaddingMatchesHandDerivedValues() {
        // x: N=1, C=2, 3x3. Weight [4, 1, 2, 2]: outputs 0-1 read channel 0, outputs 2-3
        // read channel 1 (groups = 2). Padding: top 0, bottom 1, left 1, right 0.
        let x = Tensor([1, 2, 3, 4, 5, 6, 7, 8, 9,
                        1, 0, -1, 2, 0, -2, 0, 1, 0], shape: [1, 2, 3, 3])
        let weight = Tensor([1, 0, 0, -1,
                             1, 1, 1, 1,
                             2, 0, 0, 0,
                             0, 1, -1, 0], shape: [4, 1, 2, 2])
        let bias = Tensor([0, 1, -1, 0.5])
        let y = x.conv2d(weight: weight, bias: bias, padding: Padding2D(top: 0, bottom: 1, left: 1, right: 0), groups: 2)
        #expect(y.shape == [1, 4, 3, 3])
        // Worked by hand on the padded planes (a zero column on the left, a zero row below),
        // e.g. output 0 at (0, 0) = p[0][0] - p[1][1] = 0 - 4; output 3 at (0, 0) =
        // p[0][1] - p[1][0] + 0.5 = 1 - 0 + 0.5; all entries confirmed with a numpy loop.
        let expected: [Float] = [
            -4, -4, -4, -7, -4, -4, 0, 7, 8,
            6, 13, 17, 12, 25, 29, 8, 16, 18,
            -1, 1, -1, -1, 3, -1, -1, -1, 1,
            1.5, -1.5, -0.5, 2.5, 0.5, -2.5, 0.5, 1.5, 0.5,
        ]
        #expect(y.scalars == expected)
    }

    @Test func depthwiseStrideTwoWithAsymmetricPaddingMatchesHandDerivedValues() {
        // groups == C == O = 2, 2x2 kernel, stride 2, padding bottom 1 and right 1 (TF "SAME"
        // for an odd input). Channel 0 at (0, 0): [1 2; 4 5] . [1 2; 3 4] + 0.5 = 37.5; the
        // rest worked the same way and confirmed with a numpy loop.
        let x = Tensor([1, 2, 3, 4, 5, 6, 7, 8, 9,
                        1, 0, -1, 2, 0, -2, 0, 1, 0], shape: [1, 2, 3, 3])
        let weight = Tensor([1, 2, 3, 4, 1, -1, 0, 2], shape: [2, 1, 2, 2])
        let bias = Tensor([0.5, 0])
        let padding = Padding2D(top: 0, bottom: 1, left: 0, right: 1)
        #expect(padding == Padding2D.sameAsTensorFlow(height: 3, width: 3, kernel: 2, stride: 2))
        let expected: [Float] = [37.5, 21.5, 23.5, 9.5, 1, -1, -1, 0]
        for algorithm in [ConvolutionAlgorithm.automatic, .depthwise, .im2col] {
            let y = x.conv2d(weight: weight, bias: bias, stride: 2, padding: padding, groups: 2, algorithm: algorithm)
            #expect(y.shape == [1, 2, 2, 2])
            #expect(y.scalars == expected, "algorithm \(algorithm)")
        }
    }

    @Test func pointwiseConvolutionEqualsMatrixProduct() {
        // The 1x1 fast path is a GEMM per image: y[n] = W[O, C] @ x[n][C, H * W] + b.
        let x = TestData.uniform([2, 3, 4, 5], seed: 1)
        let weight = TestData.uniform([6, 3, 1, 1], seed: 2)
        let bias = TestData.uniform([6], seed: 3)
        let y = x.conv2d(weight: weight, bias: bias)
        let reference = weight.reshaped([6, 3]).matmul(x.reshaped([2, 3, 20])) + bias.reshaped([6, 1])
        #expect(y.shape == [2, 6, 4, 5])
        // Same products, possibly summed in another order by BLAS: a few ulps.
        #expect(TestData.maximumDifference(y.scalars, reference.scalars) < 1e-5)
    }

    @Test func tensorFlowSamePadding() {
        // EfficientNet's cases: 3x3 stride 2 on an even input puts the one extra row after.
        #expect(Padding2D.sameAsTensorFlow(height: 224, width: 224, kernel: 3, stride: 2)
                == Padding2D(top: 0, bottom: 1, left: 0, right: 1))
        // 5x5 stride 2 on 8: output 4, total (4 - 1) * 2 + 5 - 8 = 3, split 1 before, 2 after.
        #expect(Padding2D.sameAsTensorFlow(height: 8, width: 7, kernel: 5, stride: 2)
                == Padding2D(top: 1, bottom: 2, left: 2, right: 2))
        #expect(Padding2D.sameAsTensorFlow(height: 7, width: 7, kernel: 5) == Padding2D(2))
        let x = Tensor.zeros([1, 1, 224, 224])
        let y = x.conv2d(weight: Tensor.zeros([1, 1, 3, 3]), stride: 2,
                         padding: .sameAsTensorFlow(height: 224, width: 224, kernel: 3, stride: 2))
        #expect(y.shape == [1, 1, 112, 112])
    }

    static let gradientCases: [ConvolutionCase] = [
        ConvolutionCase(name: "3x3 stride 2 padding 1, N=2", batch: 2, channels: 3, height: 5, width: 5,
                        outputChannels: 4, kernel: 3, stride: 2, padding: 1),
        ConvolutionCase(name: "3x3 dilation 2 padding 2, no bias", channels: 2, height: 6, width: 5,
                        outputChannels: 3, kernel: 3, padding: 2, dilation: 2, bias: false),
        ConvolutionCase(name: "groups 2, asymmetric padding (0,1,1,0)", channels: 4, height: 4, width: 5,
                        outputChannels: 6, kernel: 3, padding: Padding2D(top: 0, bottom: 1, left: 1, right: 0), groups: 2),
        ConvolutionCase(name: "2x3 kernel, stride (2,1), asymmetric padding", batch: 2, channels: 2, height: 5, width: 4,
                        outputChannels: 3, kernel: Size2D(height: 2, width: 3), stride: Size2D(height: 2, width: 1),
                        padding: Padding2D(top: 1, bottom: 0, left: 2, right: 1)),
        ConvolutionCase(name: "1x1 fast path, N=2", batch: 2, channels: 3, height: 4, width: 3,
                        outputChannels: 5, kernel: 1),
        ConvolutionCase(name: "1x1 fast path, groups 2, no bias", channels: 4, height: 3, width: 3,
                        outputChannels: 6, kernel: 1, groups: 2, bias: false),
        ConvolutionCase(name: "1x1 stride 2 (im2col)", channels: 3, height: 5, width: 4,
                        outputChannels: 2, kernel: 1, stride: 2),
        ConvolutionCase(name: "groups == C, channel multiplier 2", batch: 2, channels: 2, height: 4, width: 4,
                        outputChannels: 4, kernel: 3, padding: 1, groups: 2),
        ConvolutionCase(name: "non-contiguous input, stride 2, groups 2", batch: 2, channels: 4, height: 5, width: 4,
                        outputChannels: 2, kernel: 2, stride: 2, padding: Padding2D(top: 0, bottom: 1, left: 1, right: 0),
                        groups: 2, transposedInput: true),
    ]

    @Test(arguments: gradientCases)
    func convolutionGradientsMatchFiniteDifferences(_ c: ConvolutionCase) {
        let storedShape = c.transposedInput ? [c.batch, c.channels, c.width, c.height] : [c.batch, c.channels, c.height, c.width]
        let x = TestData.uniform(storedShape, seed: 10)
        let weight = TestData.uniform([c.outputChannels, c.channels / c.groups, c.kernel.height, c.kernel.width], seed: 11)
        let bias = TestData.uniform([c.outputChannels], seed: 12)
        let inputs = c.bias ? [x, weight, bias] : [x, weight]
        let report = GradientCheck.run(inputs, epsilon: 1e-2) { inputs in
            let input = c.transposedInput ? inputs[0].transposed(2, 3) : inputs[0]
            return input.conv2d(weight: inputs[1], bias: c.bias ? inputs[2] : nil, stride: c.stride,
                                padding: c.padding, dilation: c.dilation, groups: c.groups)
        }
        #expect(report.relativeError < Self.linearTolerance, "\(report)")
    }

    @Test func gradientFlowsOnlyToInputsThatNeedIt() throws {
        let x = TestData.uniform([1, 2, 4, 4], seed: 1)
        let weight = TestData.uniform([3, 2, 3, 3], seed: 2)
        weight.requiresGradient = true
        x.conv2d(weight: weight, padding: 1).sum().backward()
        #expect(x.gradient == nil)
        // d(sum y)/d w[o, c, i, j] = sum of the input elements that tap (i, j) reads; for the
        // centre tap with padding 1 that is every element of channel c.
        let channelSums = x.sum(axes: [0, 2, 3]).scalars
        let centre = try #require(weight.gradient)
        for o in 0..<3 {
            for c in 0..<2 {
                #expect(Swift.abs(centre[o, c, 1, 1] - channelSums[c]) < 1e-5)
            }
        }
    }
}
