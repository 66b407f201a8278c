// Tests of the direct depthwise convolution kernel: finite-difference gradient checks for
// EfficientNet's shapes (3x3 and 5x5, stride 1 and 2, TensorFlow "SAME" asymmetric
// padding), and equivalence with the generic im2col path (groups == C) on random data,
// forward and all three gradients.

import FactoryTensor
import Foundation
import TestSupport
import Testing

/// One depthwise configuration.
struct DepthwiseCase: Sendable, CustomTestStringConvertible {
    var name: String
    var batch = 1
    var channels: Int
    var height: Int
    var width: Int
    var kernel: Size2D
    var stride: Size2D = 1
    /// `nil` means TensorFlow "SAME" padding for this input, kernel and stride.
    var padding: Padding2D? = nil
    var dilation: Size2D = 1
    var bias = true
    /// Store the input as [N, C, W, H] and pass `transposed(2, 3)`, a non-contiguous view.
    var transposedInput = false

    var testDescription: String { name }

    var resolvedPadding: Padding2D {
        padding ?? .sameAsTensorFlow(height: height, width: width, kernel: kernel, stride: stride, dilation: dilation)
    }

    var storedShape: [Int] {
        transposedInput ? [batch, channels, width, height] : [batch, channels, height, width]
    }

    func callAsFunction(_ x: Tensor, _ weight: Tensor, _ bias: Tensor?, algorithm: ConvolutionAlgorithm) -> Tensor {
        let input = transposedInput ? x.transposed(2, 3) : x
        return input.conv2d(weight: weight, bias: bias, stride: stride, padding: resolvedPadding,
                            dilation: dilation, groups: channels, algorithm: algorithm)
    }
}

@Suite struct DepthwiseConvolutionTests {
    /// Linear op: central differences are exact up to Float32 rounding of the outputs
    /// (~1e-4 relative at these sizes); 5e-3 still catches any misplaced tap.
    static let linearTolerance = 5e-3

    static let gradientCases: [DepthwiseCase] = [
        DepthwiseCase(name: "3x3 stride 1 same, N=2", batch: 2, channels: 3, height: 5, width: 6, kernel: 3),
        DepthwiseCase(name: "3x3 stride 2 on even input (pad 0 before, 1 after)", channels: 2, height: 6, width: 6,
                      kernel: 3, stride: 2),
        DepthwiseCase(name: "3x3 stride 2 on odd input, no bias", batch: 2, channels: 2, height: 7, width: 5,
                      kernel: 3, stride: 2, bias: false),
        DepthwiseCase(name: "5x5 stride 1 same", channels: 2, height: 6, width: 7, kernel: 5),
        DepthwiseCase(name: "5x5 stride 2 on even input (pad 1 before, 2 after)", batch: 2, channels: 2, height: 8, width: 8,
                      kernel: 5, stride: 2),
        DepthwiseCase(name: "3x3 asymmetric padding (0,1,1,0)", channels: 2, height: 4, width: 5, kernel: 3,
                      padding: Padding2D(top: 0, bottom: 1, left: 1, right: 0)),
        DepthwiseCase(name: "3x3 dilation 2, stride (1,2)", channels: 2, height: 6, width: 7, kernel: 3,
                      stride: Size2D(height: 1, width: 2), padding: 2, dilation: 2),
        DepthwiseCase(name: "wide row (vector blocks), 3x3 stride 1", channels: 1, height: 3, width: 21, kernel: 3),
        DepthwiseCase(name: "non-contiguous input, 3x3 stride 2 same", batch: 2, channels: 2, height: 6, width: 5,
                      kernel: 3, stride: 2, transposedInput: true),
    ]

    @Test(arguments: gradientCases)
    func depthwiseGradientsMatchFiniteDifferences(_ c: DepthwiseCase) {
        let x = TestData.uniform(c.storedShape, seed: 20)
        let weight = TestData.uniform([c.channels, 1, c.kernel.height, c.kernel.width], seed: 21)
        let bias = TestData.uniform([c.channels], seed: 22)
        let inputs = c.bias ? [x, weight, bias] : [x, weight]
        let report = GradientCheck.run(inputs, epsilon: 1e-2) { inputs in
            c(inputs[0], inputs[1], c.bias ? inputs[2] : nil, algorithm: .depthwise)
        }
        #expect(report.relativeError < Self.linearTolerance, "\(report)")
    }

    static let equivalenceCases: [DepthwiseCase] = [
        DepthwiseCase(name: "3x3 s1 same, 37x19", batch: 2, channels: 5, height: 19, width: 37, kernel: 3),
        DepthwiseCase(name: "3x3 s2 same, even 24x32", batch: 2, channels: 4, height: 24, width: 32, kernel: 3, stride: 2),
        DepthwiseCase(name: "5x5 s1 same, 14x14", channels: 6, height: 14, width: 14, kernel: 5),
        DepthwiseCase(name: "5x5 s2 same, 28x28", batch: 3, channels: 3, height: 28, width: 28, kernel: 5, stride: 2),
        DepthwiseCase(name: "5x5 s2 same, 7x7 (single vector, tail only)", channels: 8, height: 7, width: 7, kernel: 5, stride: 2),
        DepthwiseCase(name: "3x3 s3 dilation 2, no padding", channels: 3, height: 20, width: 23, kernel: 3,
                      stride: 3, padding: .zero, dilation: 2, bias: false),
        DepthwiseCase(name: "2x4 kernel, padding (3,0,0,2), non-contiguous", batch: 2, channels: 3, height: 9, width: 18,
                      kernel: Size2D(height: 2, width: 4), padding: Padding2D(top: 3, bottom: 0, left: 0, right: 2),
                      transposedInput: true),
    ]

    @Test(arguments: equivalenceCases)
    func directKernelMatchesIm2col(_ c: DepthwiseCase) throws {
        let x = TestData.uniform(c.storedShape, seed: 30)
        let weight = TestData.uniform([c.channels, 1, c.kernel.height, c.kernel.width], seed: 31)
        let bias = c.bias ? TestData.uniform([c.channels], seed: 32) : nil
        let probe = TestData.uniform(c(x, weight, bias, algorithm: .im2col).shape, seed: 33)

        func run(_ algorithm: ConvolutionAlgorithm) throws -> (output: [Float], gradients: [[Float]]) {
            let leaves = [x, weight] + (bias.map { [$0] } ?? [])
            for leaf in leaves {
                leaf.requiresGradient = true
                leaf.zeroGradient()
            }
            let y = c(x, weight, bias, algorithm: algorithm)
            (y * probe).sum().backward()
            return (y.scalars, try leaves.map { try #require($0.gradient).scalars })
        }
        let direct = try run(.depthwise)
        let generic = try run(.im2col)
        // Outputs: sums of at most 25 products of values in [-1, 1], summed in a different
        // order by the two paths: a few ulps of values below ~10, so 1e-5 absolute.
        #expect(TestData.maximumDifference(direct.output, generic.output) < 1e-5)
        // Gradients sum up to N * OH * OW (~1,400) probe-weighted terms in different orders
        // (vector lanes vs BLAS): rounding of ~1e-7 relative per term, so compare with
        // 1e-4 times the gradient's scale.
        for (index, (a, b)) in zip(direct.gradients, generic.gradients).enumerated() {
            let scale = Swift.max(1, a.map { Swift.abs($0) }.max() ?? 0)
            #expect(TestData.maximumDifference(a, b) < 1e-4 * scale, "gradient of input \(index)")
        }
    }

    @Test func automaticAlgorithmUsesDepthwiseForGroupsEqualToChannels() {
        // Same values whichever path runs; this checks routing does not change results and
        // that depthwiseConv2d is the same op as conv2d(groups: C).
        let x = TestData.uniform([1, 4, 9, 9], seed: 40)
        let weight = TestData.uniform([4, 1, 3, 3], seed: 41)
        let viaConv = x.conv2d(weight: weight, stride: 2, padding: 1, groups: 4)
        let direct = x.depthwiseConv2d(weight: weight, stride: 2, padding: 1)
        #expect(viaConv.scalars == direct.scalars)
        #expect(viaConv.shape == [1, 4, 5, 5])
    }
}
