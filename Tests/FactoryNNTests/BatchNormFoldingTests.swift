// Tests of folding a batch norm (running statistics) into the convolution before it: the
// folded convolution equals convolution then batch norm in evaluation mode, with and
// without a convolution bias, for an ordinary and a depthwise convolution.

import FactoryNN
import TestSupport
import Testing

@Suite struct BatchNormFoldingTests {
    static func norm(channels: Int, seed: UInt64) throws -> BatchNorm2d {
        let norm = BatchNorm2d(channels: channels, epsilon: 1e-3)
        try norm.load(stateDictionary: [
            "weight": TestData.uniform([channels], in: 0.5...1.5, seed: seed),
            "bias": TestData.uniform([channels], seed: seed + 1),
            "running_mean": TestData.uniform([channels], seed: seed + 2),
            "running_var": TestData.uniform([channels], in: 0.2...2, seed: seed + 3),
            "num_batches_tracked": Tensor(scalar: 10),
        ])
        norm.eval()
        return norm
    }

    @Test(arguments: [(1, false), (3, true)])
    func foldedConvolutionEqualsConvolutionThenBatchNorm(groups: Int, bias: Bool) throws {
        let channels = 3
        let conv = Conv2d(inputChannels: channels, outputChannels: channels, kernelSize: 3, padding: 1, groups: groups,
                          bias: bias, seed: 4)
        let norm = try Self.norm(channels: channels, seed: 5)
        let x = TestData.uniform([2, channels, 6, 5], seed: 6)
        let reference = withoutGradients { norm(conv(x)) }
        let (weight, foldedBias) = norm.folding(convolutionWeight: conv.weight, convolutionBias: conv.bias)
        #expect(weight.shape == conv.weight.shape && foldedBias.shape == [channels])
        let folded = withoutGradients { x.conv2d(weight: weight, bias: foldedBias, padding: 1, groups: groups) }
        // Scale applied to the weights instead of the sums: Float32 rounding of values ~5.
        #expect(TestData.maximumDifference(folded.scalars, reference.scalars) < 1e-5)
        // The layer's own tensors are untouched.
        #expect(weight !== conv.weight && !weight.requiresGradient)
    }

    @Test func runningAffineIsTheInferenceMap() throws {
        let norm = try Self.norm(channels: 4, seed: 7)
        let (scale, shift) = norm.runningAffine()
        let x = TestData.uniform([1, 4, 1, 3], seed: 8)
        let y = withoutGradients { norm(x) }.scalars
        let xs = x.scalars
        for c in 0..<4 {
            for s in 0..<3 {
                #expect(Swift.abs(y[c * 3 + s] - (xs[c * 3 + s] * scale[c] + shift[c])) < 1e-6)
            }
        }
    }
}
