// Tests of layer norm and batch norm: hand-derived values (numpy, written in as literals),
// the running-statistics update of batch norm, finite-difference gradient checks (with
// and without weight and bias, non-contiguous inputs, training and inference), and
// agreement with the composed mean/variance definition on inputs large enough to thread.

import FactoryTensor
import Foundation
import TestSupport
import Testing

@Suite struct LayerNormTests {
    /// Float32 normalisation vs float64 numpy on values of order 1: a few ulp.
    static let valueTolerance: Float = 1e-5
    /// Central differences in Float32 with epsilon 1e-2 on a function with curvature of
    /// order 1 / variance: truncation error ~1e-4 relative to gradients of order 1.
    static let gradientTolerance = 1e-2
    /// Fused kernels vs composed ops in Float32 (different summation orders, rows of 384).
    static let referenceTolerance: Float = 1e-4

    @Test func tinyRowWithWeightAndBias() {
        // numpy: x = [1, 2, 3, 4]; mean 2.5, biased variance 1.25;
        // x̂ = (x - 2.5) / sqrt(1.25 + 1e-5) = [-1.34163542, -0.447211807, 0.447211807, 1.34163542]
        // y = x̂ * [1, 2, 0.5, -1] + [0, 1, -1, 0.5]
        let x = Tensor([1, 2, 3, 4], shape: [1, 4])
        let weight = Tensor([1, 2, 0.5, -1]), bias = Tensor([0, 1, -1, 0.5])
        let plain = x.layerNorm(normalizedShape: [4])
        let affine = x.layerNorm(normalizedShape: [4], weight: weight, bias: bias)
        let expectedPlain: [Float] = [-1.34163542, -0.447211807, 0.447211807, 1.34163542]
        let expectedAffine: [Float] = [-1.34163542, 0.105576387, -0.776394097, -0.84163542]
        #expect(TestData.maximumDifference(plain.scalars, expectedPlain) < Self.valueTolerance, "\(plain)")
        #expect(TestData.maximumDifference(affine.scalars, expectedAffine) < Self.valueTolerance, "\(affine)")
    }

    @Test func constantRowGivesBias() {
        // Variance 0: x̂ = 0 / sqrt(epsilon) = 0, so y = bias (BERT's epsilon 1e-12).
        let x = Tensor(repeating: 3, shape: [2, 5])
        let bias = Tensor([1, 2, 3, 4, 5])
        let y = x.layerNorm(normalizedShape: [5], weight: Tensor.ones([5]), bias: bias, epsilon: 1e-12)
        #expect(y.scalars == [1, 2, 3, 4, 5, 1, 2, 3, 4, 5])
    }

    static let gradientCases: [(shape: [Int], normalized: [Int], affine: Bool)] = [
        ([3, 8], [8], true), ([2, 3, 20], [20], false), ([2, 3, 20], [20], true), ([4, 3, 4], [3, 4], true), ([5], [5], true),
    ]

    @Test(arguments: gradientCases.indices)
    func gradient(caseIndex: Int) {
        let (shape, normalized, affine) = Self.gradientCases[caseIndex]
        let x = TestData.uniform(shape, in: -2...2, seed: UInt64(caseIndex + 1))
        var inputs = [x]
        if affine {
            inputs.append(TestData.uniform(normalized, in: 0.5...1.5, seed: 50))
            inputs.append(TestData.uniform(normalized, seed: 51))
        }
        let report = GradientCheck.run(inputs) { inputs in
            inputs[0].layerNorm(
                normalizedShape: normalized, weight: affine ? inputs[1] : nil, bias: affine ? inputs[2] : nil)
        }
        #expect(report.relativeError < Self.gradientTolerance, "layerNorm \(shape) over \(normalized): \(report)")
    }

    @Test func gradientOfNonContiguousInputAndWeightOnly() {
        let x = TestData.uniform([9, 4], in: -2...2, seed: 61)
        let weight = TestData.uniform([9], in: 0.5...1.5, seed: 62)
        let report = GradientCheck.run([x, weight]) { inputs in
            inputs[0].transposed().layerNorm(normalizedShape: [9], weight: inputs[1])
        }
        #expect(report.relativeError < Self.gradientTolerance, "\(report)")
        let bias = TestData.uniform([3], seed: 63)
        // Rows of 3 can have a small spread (one here has standard deviation 0.06), and the
        // curvature grows as 1 / std², so this check steps by 1e-3 instead of 1e-2.
        let sliceReport = GradientCheck.run([x, bias], epsilon: 1e-3) { inputs in
            inputs[0].sliced(axis: 1, 1..<4).layerNorm(normalizedShape: [3], bias: inputs[1])
        }
        #expect(sliceReport.relativeError < Self.gradientTolerance, "\(sliceReport)")
    }

    @Test func matchesComposedDefinitionAtBertSize() {
        // [tokens, hidden] = [512, 384], epsilon 1e-12: large enough to thread rows and
        // split the weight/bias gradient sums.
        let x = TestData.uniform([512, 384], in: -3...3, seed: 71)
        let weight = TestData.uniform([384], in: 0.5...1.5, seed: 72)
        let bias = TestData.uniform([384], seed: 73)
        let probe = TestData.uniform([512, 384], seed: 74)
        for tensor in [x, weight, bias] { tensor.requiresGradient = true }

        let fused = x.layerNorm(normalizedShape: [384], weight: weight, bias: bias, epsilon: 1e-12)
        (fused * probe).sum().backward()
        let fusedGradients = [x, weight, bias].map { $0.gradient!.scalars }
        for tensor in [x, weight, bias] { tensor.zeroGradient() }

        let centered = x - x.mean(axes: [-1], keepingDimensions: true)
        let variance = (centered * centered).mean(axes: [-1], keepingDimensions: true)
        let composed = centered * (variance + 1e-12).reciprocalSquareRoot() * weight + bias
        (composed * probe).sum().backward()
        #expect(TestData.maximumDifference(fused.scalars, composed.scalars) < Self.referenceTolerance)
        for (name, (fusedGradient, tensor)) in zip(["input", "weight", "bias"], zip(fusedGradients, [x, weight, bias])) {
            let reference = tensor.gradient!.scalars
            // Weight and bias gradients are sums of 512 terms of order 1: compare relatively.
            let scale = Swift.max(1, reference.map { Swift.abs($0) }.max()!)
            let difference = TestData.maximumDifference(fusedGradient, reference) / scale
            #expect(difference < Self.referenceTolerance, "\(name) gradient differs by \(difference)")
        }
    }
}

@Suite struct BatchNormTests {
    /// Float32 normalisation vs float64 numpy on values of order 1: a few ulp.
    static let valueTolerance: Float = 1e-5
    /// Central differences in Float32 with epsilon 1e-2 (see LayerNormTests).
    static let gradientTolerance = 1e-2
    /// Fused kernels vs composed ops in Float32 (different summation orders).
    static let referenceTolerance: Float = 1e-4

    /// x of shape [N=2, C=2, H=1, W=2]: channel 0 holds 1, 2, 3, 6 (mean 3, biased variance
    /// 14/4 = 3.5, unbiased 14/3), channel 1 holds 0, -1, 4, 1 (mean 1, same variances).
    static let tinyInput: [Float] = [1, 2, 0, -1, 3, 6, 4, 1]

    @Test func tinyTrainingStepOutputsAndRunningStatistics() {
        let x = Tensor(Self.tinyInput, shape: [2, 2, 1, 2])
        let runningMean = Tensor([0, 1]), runningVariance = Tensor([1, 2])
        let weight = Tensor([2, 0.5]), bias = Tensor([1, -1])
        let y = x.batchNorm(
            runningMean: runningMean, runningVariance: runningVariance, weight: weight, bias: bias,
            training: true, momentum: 0.1, epsilon: 1e-5)
        // numpy: (x - mean) / sqrt(3.5 + 1e-5) * w + b, per channel.
        let expected: [Float] = [-1.138086881, -0.06904344, -1.26726086, -1.53452172, 1, 4.207130321, -0.19821742, -1]
        #expect(TestData.maximumDifference(y.scalars, expected) < Self.valueTolerance, "\(y)")
        // running mean = 0.9 * [0, 1] + 0.1 * [3, 1]; running var = 0.9 * [1, 2] + 0.1 * 14/3.
        #expect(TestData.maximumDifference(runningMean.scalars, [0.3, 1.0]) < 1e-6, "\(runningMean)")
        #expect(TestData.maximumDifference(runningVariance.scalars, [1.366666667, 2.266666667]) < 1e-6, "\(runningVariance)")

        // Inference with the updated statistics: (x - rm) / sqrt(rv + 1e-5) * w + b (numpy).
        let inference = x.batchNorm(
            runningMean: runningMean, runningVariance: runningVariance, weight: weight, bias: bias, training: false)
        let expectedInference: [Float] = [
            2.197554111, 3.908345697, -1.332104849, -1.664209699, 5.619137284, 10.75151204, -0.003685451518, -1,
        ]
        #expect(TestData.maximumDifference(inference.scalars, expectedInference) < Self.valueTolerance, "\(inference)")
        // Inference leaves the running statistics alone.
        #expect(TestData.maximumDifference(runningMean.scalars, [0.3, 1.0]) < 1e-6)
    }

    @Test func twoDimensionalInputNormalisesColumns() {
        // [N=4, C=2]: column 0 = 1, 2, 3, 4 (mean 2.5, biased variance 1.25), column 1 is
        // constant 7 (variance 0, so it normalises to 0). numpy: (x - 2.5) / sqrt(1.25 + 1e-5).
        let x = Tensor([1, 7, 2, 7, 3, 7, 4, 7], shape: [4, 2])
        let y = x.batchNorm(runningMean: nil, runningVariance: nil, training: true, epsilon: 1e-5)
        let expected: [Float] = [-1.34163542, 0, -0.447211807, 0, 0.447211807, 0, 1.34163542, 0]
        #expect(TestData.maximumDifference(y.scalars, expected) < Self.valueTolerance, "\(y)")
    }

    static let gradientCases: [(shape: [Int], affine: Bool, training: Bool)] = [
        ([6, 4], true, true), ([5, 3], false, true), ([3, 2, 3, 5], true, true), ([4, 3, 2, 2], false, true),
        ([3, 2, 3, 5], true, false), ([6, 4], true, false), ([2, 3, 12], true, true),
    ]

    @Test(arguments: gradientCases.indices)
    func gradient(caseIndex: Int) {
        let (shape, affine, training) = Self.gradientCases[caseIndex]
        let channels = shape[1]
        let x = TestData.uniform(shape, in: -2...2, seed: UInt64(caseIndex + 1))
        var inputs = [x]
        if affine {
            inputs.append(TestData.uniform([channels], in: 0.5...1.5, seed: 80))
            inputs.append(TestData.uniform([channels], seed: 81))
        }
        let runningMean = TestData.uniform([channels], in: -0.5...0.5, seed: 82)
        let runningVariance = TestData.uniform([channels], in: 0.5...2, seed: 83)
        let report = GradientCheck.run(inputs) { inputs in
            // Training updates the running statistics on every call; the output does not
            // depend on them, so the check is unaffected.
            inputs[0].batchNorm(
                runningMean: runningMean, runningVariance: runningVariance,
                weight: affine ? inputs[1] : nil, bias: affine ? inputs[2] : nil, training: training)
        }
        #expect(report.relativeError < Self.gradientTolerance, "batchNorm \(shape) training \(training): \(report)")
    }

    @Test(arguments: [true, false])
    func gradientOfNonContiguousInput(training: Bool) {
        let x = TestData.uniform([2, 3, 5, 4], in: -2...2, seed: 91)
        let weight = TestData.uniform([3], in: 0.5...1.5, seed: 92)
        let bias = TestData.uniform([3], seed: 93)
        let runningMean = Tensor([0.1, -0.2, 0.3]), runningVariance = Tensor([0.5, 1, 2])
        let report = GradientCheck.run([x, weight, bias]) { inputs in
            inputs[0].transposed(2, 3).batchNorm(
                runningMean: runningMean, runningVariance: runningVariance, weight: inputs[1], bias: inputs[2], training: training)
        }
        #expect(report.relativeError < Self.gradientTolerance, "\(report)")
        let columns = TestData.uniform([5, 8], in: -2...2, seed: 94)
        let columnReport = GradientCheck.run([columns]) { inputs in
            inputs[0].transposed().batchNorm(runningMean: nil, runningVariance: nil, training: true)
        }
        #expect(columnReport.relativeError < Self.gradientTolerance, "\(columnReport)")
    }

    @Test(arguments: [[16, 8, 16, 16], [4096, 16]])
    func matchesComposedDefinition(shape: [Int]) {
        // Large enough that channels are threaded, both for spatial rows and [N, C].
        let channels = shape[1]
        let x = TestData.uniform(shape, in: -3...3, seed: 101)
        let weight = TestData.uniform([channels], in: 0.5...1.5, seed: 102)
        let bias = TestData.uniform([channels], seed: 103)
        let probe = TestData.uniform(shape, seed: 104)
        for tensor in [x, weight, bias] { tensor.requiresGradient = true }
        let runningMean = Tensor.zeros([channels]), runningVariance = Tensor.ones([channels])

        let fused = x.batchNorm(
            runningMean: runningMean, runningVariance: runningVariance, weight: weight, bias: bias, training: true)
        (fused * probe).sum().backward()
        let fusedGradients = [x, weight, bias].map { $0.gradient!.scalars }
        for tensor in [x, weight, bias] { tensor.zeroGradient() }

        let axes = [0] + Array(2..<shape.count)
        let broadcastShape = [1, channels] + [Int](repeating: 1, count: shape.count - 2)
        let mean = x.mean(axes: axes, keepingDimensions: true)
        let centered = x - mean
        let variance = (centered * centered).mean(axes: axes, keepingDimensions: true)
        let composed = centered * (variance + 1e-5).reciprocalSquareRoot() * weight.reshaped(broadcastShape)
            + bias.reshaped(broadcastShape)
        (composed * probe).sum().backward()
        #expect(TestData.maximumDifference(fused.scalars, composed.scalars) < Self.referenceTolerance)
        for (name, (fusedGradient, tensor)) in zip(["input", "weight", "bias"], zip(fusedGradients, [x, weight, bias])) {
            let reference = tensor.gradient!.scalars
            let scale = Swift.max(1, reference.map { Swift.abs($0) }.max()!)
            let difference = TestData.maximumDifference(fusedGradient, reference) / scale
            #expect(difference < Self.referenceTolerance, "\(name) gradient differs by \(difference)")
        }

        // Running statistics after one step from (0, 1): 0.1 * batch mean, 0.9 + 0.1 * unbiased variance.
        let count = Float(x.count / channels)
        let expectedMean = withoutGradients { mean.scalars.map { 0.1 * $0 } }
        let expectedVariance = withoutGradients { variance.scalars.map { 0.9 + 0.1 * $0 * count / (count - 1) } }
        #expect(TestData.maximumDifference(runningMean.scalars, expectedMean) < 1e-6)
        #expect(TestData.maximumDifference(runningVariance.scalars, expectedVariance) < 1e-5)
    }
}
