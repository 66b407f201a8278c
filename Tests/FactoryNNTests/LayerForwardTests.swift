// Forward values of each layer on tiny inputs, against numbers derived by hand or with a
// float64 NumPy transcription of the PyTorch formula (noted per test). Weights are set by
// loading a state dictionary, which exercises the checkpoint keys at the same time.

import FactoryNN
import TestSupport
import Testing

/// Float32 results of a handful of operations on O(1) values, against float64 references.
private let forwardTolerance: Float = 1e-5

private func expectClose(_ actual: Tensor, _ expected: [Float], shape: [Int], _ what: String) {
    #expect(actual.shape == shape, "\(what) shape")
    #expect(TestData.maximumDifference(actual.scalars, expected) < forwardTolerance, "\(what): \(actual.scalars) vs \(expected)")
}

@Suite struct LayerForwardTests {
    @Test func linearIsXWTransposedPlusBias() throws {
        let linear = Linear(inputFeatures: 3, outputFeatures: 2)
        try linear.load(stateDictionary: [
            "weight": Tensor([0.1, -0.2, 0.3, 0.4, 0.5, -0.6], shape: [2, 3]),
            "bias": Tensor([0.01, -0.02]),
        ])
        let input = Tensor([1, 2, 3, -1, 0, 0.5], shape: [2, 3])
        // Row 0: 0.1 - 0.4 + 0.9 + 0.01 = 0.61;  0.4 + 1.0 - 1.8 - 0.02 = -0.42.
        // Row 1: -0.1 + 0 + 0.15 + 0.01 = 0.06;  -0.4 + 0 - 0.3 - 0.02 = -0.72.
        expectClose(linear(input), [0.61, -0.42, 0.06, -0.72], shape: [2, 2], "Linear")
        // Leading axes are batch axes.
        expectClose(linear(input.reshaped([1, 2, 3])), [0.61, -0.42, 0.06, -0.72], shape: [1, 2, 2], "Linear rank 3")
    }

    @Test func linearInitialisationIsWithinPyTorchBound() {
        let linear = Linear(inputFeatures: 16, outputFeatures: 8, seed: 3)
        let bound: Float = 1 / 4   // 1 / sqrt(16)
        #expect(linear.weight.scalars.allSatisfy { abs($0) <= bound })
        #expect(linear.bias!.scalars.allSatisfy { abs($0) <= bound })
        #expect(linear.weight.scalars.contains { abs($0) > bound / 2 })   // spread over the range, not tiny
        #expect(Linear(inputFeatures: 16, outputFeatures: 8, seed: 3).weight.scalars == linear.weight.scalars)
        #expect(Linear(inputFeatures: 16, outputFeatures: 8, bias: false).parameters().map(\.key) == ["weight"])
    }

    @Test func embeddingLooksUpRows() throws {
        let embedding = Embedding(count: 3, dimensions: 2)
        try embedding.load(stateDictionary: ["weight": Tensor([1, 2, 3, 4, 5, 6], shape: [3, 2])])
        // Rows 2, 0, 2, 1 of the table.
        expectClose(embedding([2, 0, 2, 1], shape: [2, 2]), [5, 6, 1, 2, 5, 6, 3, 4], shape: [2, 2, 2], "Embedding")
    }

    @Test func layerNormNormalisesTheLastAxis() throws {
        let layerNorm = LayerNorm(dimensions: 4)
        try layerNorm.load(stateDictionary: ["weight": Tensor([1, 2, 1, 1]), "bias": Tensor([0, 0, 1, 0])])
        let input = Tensor([1, 2, 3, 4, 0.5, -0.5, 1.5, -1.5], shape: [2, 4])
        // Row 0: mean 2.5, biased variance 1.25, so (x - 2.5) / sqrt(1.25 + 1e-5) = ±1.341635, ±0.4472118,
        // then * [1, 2, 1, 1] + [0, 0, 1, 0]. Row 1: mean 0, variance 1.25 likewise (NumPy, float64).
        expectClose(layerNorm(input), [-1.341635, -0.8944236, 1.447212, 1.341635,
                                        0.4472118, -0.8944236, 2.341635, -1.341635], shape: [2, 4], "LayerNorm")
    }

    @Test func dropoutScalesKeptElementsAndIsIdentityInEvaluation() {
        let dropout = Dropout(probability: 0.5, seed: 7)
        let input = Tensor.ones([1000])
        let dropped = dropout(input).scalars
        #expect(dropped.allSatisfy { $0 == 0 || $0 == 2 })   // kept ones scaled by 1 / (1 - 0.5)
        let kept = dropped.filter { $0 == 2 }.count
        #expect(kept > 400 && kept < 600)
        #expect(dropout(input).scalars != dropped)   // the module's generator advances
        dropout.train(false)
        #expect(dropout(input).scalars == input.scalars)
    }

    @Test func feedForwardIsLinearGELULinear() throws {
        let block = FeedForward(hiddenSize: 2, intermediateSize: 3)
        try block.load(stateDictionary: [
            "intermediate.weight": Tensor([0.1, 0.2, -0.3, 0.4, 0.5, -0.6], shape: [3, 2]),
            "intermediate.bias": Tensor([0, 0.1, -0.1]),
            "output.weight": Tensor([0.2, -0.1, 0.3, 0.4, 0.5, -0.2], shape: [2, 3]),
            "output.bias": Tensor([0.05, -0.05]),
        ])
        let input = Tensor([1, -2, 0.5, 0.25], shape: [2, 2])
        // Hidden [[-0.3, -1, 1.6], [0.1, 0.05, 0]]; GELU(z) = z/2 (1 + erf(z / sqrt 2)); then
        // the output layer (NumPy with math.erf, float64).
        expectClose(block(input), [0.4966366, -0.4776425, 0.05819686, -0.01540842], shape: [2, 2], "FeedForward")
    }

    @Test func conv2dWithAsymmetricPadding() throws {
        let conv = Conv2d(inputChannels: 1, outputChannels: 1, kernelSize: 2,
                          padding: Padding2D(top: 0, bottom: 1, left: 1, right: 0))
        try conv.load(stateDictionary: ["weight": Tensor([1, 0, -1, 2], shape: [1, 1, 2, 2]), "bias": Tensor([0.5])])
        let input = Tensor((1...9).map(Float.init), shape: [1, 1, 3, 3])
        // Padded image rows [0 1 2 3], [0 4 5 6], [0 7 8 9], [0 0 0 0]; each output is
        // top-left - bottom-left + 2 * bottom-right + 0.5, e.g. 0 - 0 + 2 * 4 + 0.5 = 8.5.
        expectClose(conv(input), [8.5, 7.5, 9.5, 14.5, 13.5, 15.5, 0.5, 7.5, 8.5], shape: [1, 1, 3, 3], "Conv2d")
    }

    @Test func conv2dGroupedWithStride() throws {
        let conv = Conv2d(inputChannels: 2, outputChannels: 2, kernelSize: 1, stride: 2, groups: 2, bias: false)
        try conv.load(stateDictionary: ["weight": Tensor([2, -1], shape: [2, 1, 1, 1])])
        let image = (1...9).map(Float.init)
        let input = Tensor(image + image.map { -$0 }, shape: [1, 2, 3, 3])
        // Each channel alone, scaled (2 and -1) at rows/columns 0 and 2: [1 3 7 9] * 2 and [-1 -3 -7 -9] * -1.
        expectClose(conv(input), [2, 6, 14, 18, 1, 3, 7, 9], shape: [1, 2, 2, 2], "grouped Conv2d")
    }

    @Test func batchNorm2dTrainingUpdatesRunningStatisticsAndEvaluationUsesThem() throws {
        let batchNorm = BatchNorm2d(channels: 2)
        try batchNorm.load(stateDictionary: [
            "weight": Tensor([1.5, 0.5]), "bias": Tensor([0.1, -0.1]),
            "running_mean": Tensor.zeros([2]), "running_var": Tensor.ones([2]), "num_batches_tracked": Tensor(scalar: 0),
        ])
        // x[n, c, 0, w]: channel 0 holds 1, 2, 3, 6 (mean 3, biased var 3.5, unbiased 14/3),
        // channel 1 holds 0, 4, -2, 2 (mean 1, biased var 5, unbiased 20/3).
        let input = Tensor([1, 2, 0, 4, 3, 6, -2, 2], shape: [2, 2, 1, 2])
        // Training: (x - mean) / sqrt(var + 1e-5) * weight + bias (NumPy, float64).
        expectClose(batchNorm(input), [-1.503565, -0.7017826, -0.3236066, 0.5708197,
                                       0.1, 2.505348, -0.7708197, 0.1236066], shape: [2, 2, 1, 2], "BatchNorm2d train")
        // Running: 0.9 * old + 0.1 * batch, the unbiased variance: mean [0.3, 0.1], var [1.3666667, 1.5666667].
        expectClose(batchNorm.runningMean, [0.3, 0.1], shape: [2], "running mean")
        expectClose(batchNorm.runningVariance, [1.3666667, 1.5666667], shape: [2], "running variance")
        #expect(batchNorm.batchesTracked.item == 1)
        batchNorm.train(false)
        // Evaluation normalises with the running statistics and leaves them alone.
        expectClose(batchNorm(input), [0.9981656, 2.281259, -0.1399466, 1.457919,
                                       3.564353, 7.413634, -0.9388796, 0.6589863], shape: [2, 2, 1, 2], "BatchNorm2d eval")
        expectClose(batchNorm.runningMean, [0.3, 0.1], shape: [2], "running mean after eval")
        #expect(batchNorm.batchesTracked.item == 1)
    }

    /// Weights of the attention test: entries follow small modular patterns (see the
    /// NumPy script in the comment of `multiHeadSelfAttention`).
    private func attentionWithFixedWeights() throws -> MultiHeadSelfAttention {
        let attention = MultiHeadSelfAttention(hiddenSize: 4, headCount: 2)
        try attention.load(stateDictionary: [
            "query.weight": Tensor([-0.2, -0.1, 0, 0.1, 0.2, -0.2, -0.1, 0, 0.1, 0.2, -0.2, -0.1, 0, 0.1, 0.2, -0.2], shape: [4, 4]),
            "query.bias": Tensor([0.01, 0.02, 0.03, 0.04]),
            "key.weight": Tensor([-0.3, -0.1, 0.1, 0.3, 0, 0.2, -0.3, -0.1, 0.3, -0.2, 0, 0.2, -0.1, 0.1, 0.3, -0.2], shape: [4, 4]),
            "key.bias": Tensor([-0.01, 0, 0.01, 0.02]),
            "value.weight": Tensor([-0.3, 0.3, 0.1, -0.1, -0.1, -0.3, 0.3, 0.1, 0.1, -0.1, -0.3, 0.3, 0.3, 0.1, -0.1, -0.3], shape: [4, 4]),
            "value.bias": Tensor([0.1, 0, -0.1, 0.05]),
        ])
        return attention
    }

    @Test func multiHeadSelfAttention() throws {
        // NumPy, float64: q, k, v = x W^T + b; split C = 4 into H = 2 heads of D = 2
        // ([B, T, H, D] -> [B, H, T, D]); softmax(q k^T / sqrt 2 + mask) v; heads joined back.
        // The masked case adds -1e30 to the scores of key 2.
        let attention = try attentionWithFixedWeights()
        let input = Tensor([0.1, 0.2, -0.3, 0.4, 0.5, -0.6, 0.7, 0, -0.2, 0.3, 0.1, -0.5], shape: [1, 3, 4])
        expectClose(attention(input), [0.07061266, 0.0424681, -0.140866, 0.0789491,
                                       0.07390019, 0.0384209, -0.1474109, 0.08178543,
                                       0.06814882, 0.04594343, -0.1458071, 0.08049952], shape: [1, 3, 4], "attention")
        expectClose(attention(input, attentionMask: Tensor([1, 1, 0], shape: [1, 3])),
                    [-0.04948664, 0.1089266, -0.04995757, 0.03999151,
                     -0.04729374, 0.1043415, -0.04974544, 0.03994909,
                     -0.05153998, 0.11322, -0.05367975, 0.04073595], shape: [1, 3, 4], "masked attention")
    }
}
