// Tests of batch norm with a fused output clamp (`outputRange`, ReLU6 after batch norm):
// forward and all gradients equal batchNorm followed by relu6, in training and inference
// mode, for [N, C, H, W] and [N, C] inputs; and a finite-difference check of the fused op.

import FactoryTensor
import TestSupport
import Testing

@Suite struct BatchNormClampTests {
    /// Values and parameters spread so that many outputs fall below 0 and above 6.
    static func operands(_ shape: [Int], seed: UInt64) -> (x: Tensor, weight: Tensor, bias: Tensor) {
        let channels = shape[1]
        return (TestData.uniform(shape, in: -3...3, seed: seed),
                TestData.uniform([channels], in: 1...4, seed: seed + 1),
                TestData.uniform([channels], in: 1...5, seed: seed + 2))
    }

    @Test(arguments: [([2, 3, 4, 5], true), ([2, 3, 4, 5], false), ([6, 10], true), ([6, 10], false)])
    func fusedClampEqualsBatchNormThenReLU6(shape: [Int], training: Bool) throws {
        let (x, weight, bias) = Self.operands(shape, seed: 1)
        let probe = TestData.uniform(shape, seed: 4)
        let channels = shape[1]
        func run(fused: Bool) -> (output: [Float], gradients: [[Float]], runningMean: [Float]) {
            let mean = TestData.uniform([channels], seed: 5), variance = TestData.uniform([channels], in: 0.5...2, seed: 6)
            for leaf in [x, weight, bias] {
                leaf.requiresGradient = true
                leaf.zeroGradient()
            }
            let y = fused
                ? x.batchNorm(runningMean: mean, runningVariance: variance, weight: weight, bias: bias, training: training, outputRange: 0...6)
                : x.batchNorm(runningMean: mean, runningVariance: variance, weight: weight, bias: bias, training: training).relu6()
            (y * probe).sum().backward()
            return (y.scalars, [x, weight, bias].map { $0.gradient!.scalars }, mean.scalars)
        }
        let fused = run(fused: true), reference = run(fused: false)
        // The same normalisation, clamped as stored, and the same mask: equal to the last bit.
        #expect(fused.output == reference.output)
        #expect(fused.gradients == reference.gradients)
        #expect(fused.runningMean == reference.runningMean)
        #expect(fused.output.contains(0) && fused.output.contains(6))
    }

    @Test(arguments: [true, false])
    func fusedClampGradientsMatchFiniteDifferences(training: Bool) throws {
        func normalized(_ inputs: [Tensor], clamped: Bool) -> Tensor {
            inputs[0].batchNorm(runningMean: training ? nil : Tensor([0.2, -0.1]),
                                runningVariance: training ? nil : Tensor([1.5, 0.7]),
                                weight: inputs[1], bias: inputs[2], training: training, outputRange: clamped ? 0...6 : nil)
        }
        // Take the first seed whose outputs all stay 0.05 away from the clamp bounds, so that
        // central differences with a step of 1e-3 never straddle a kink.
        var chosen: [Tensor]?
        for seed in stride(from: UInt64(10), to: 3000, by: 3) {
            let operands = Self.operands([2, 2, 3, 3], seed: seed)
            let candidate = [operands.x, operands.weight, operands.bias]
            if withoutGradients({ normalized(candidate, clamped: false) }).scalars.allSatisfy({ Swift.abs($0) > 0.05 && Swift.abs($0 - 6) > 0.05 }) {
                chosen = candidate
                break
            }
        }
        let inputs = try #require(chosen, "no seed keeps every output away from the clamp bounds")
        let report = GradientCheck.run(inputs, epsilon: 1e-3) { normalized($0, clamped: true) }
        // Smooth between the kinks (non-linear with batch statistics): central differences
        // with a step of 1e-3 in Float32 are good to ~1e-3 relative; 1e-2.
        #expect(report.relativeError < 1e-2, "\(report)")
    }
}
