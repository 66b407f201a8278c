// Finite-difference checks of every layer's gradients with respect to its input and each
// of its parameters (the parameters are leaves, so they go straight into GradientCheck).

import FactoryNN
import TestSupport
import Testing

/// Smooth layers, central differences with step 1e-2 on Float32: truncation is ~1e-5 of the
/// gradient scale and rounding of the objective ~1e-5; 2e-3 relative leaves ample headroom
/// while still catching a wrong term (those show up as errors of order 1e-1).
private let smoothTolerance = 2e-3
/// Layers whose output is linear in each checked tensor: differences are exact up to
/// Float32 rounding.
private let linearTolerance = 1e-3

@Suite struct LayerGradientTests {
    @Test func linear() {
        let layer = Linear(inputFeatures: 3, outputFeatures: 4, seed: 1)
        let input = TestData.uniform([2, 5, 3], seed: 2)
        let report = GradientCheck.run([input, layer.weight, layer.bias!]) { _ in layer(input) }
        #expect(report.relativeError < linearTolerance, "\(report)")
    }

    @Test func embedding() {
        let layer = Embedding(count: 4, dimensions: 3, seed: 1)
        let report = GradientCheck.run([layer.weight]) { _ in layer([3, 0, 3, 1, 2, 3], shape: [2, 3]) }
        #expect(report.relativeError < linearTolerance, "\(report)")
    }

    @Test func layerNorm() throws {
        let layer = LayerNorm(dimensions: 5)
        try layer.load(stateDictionary: ["weight": TestData.uniform([5], seed: 3), "bias": TestData.uniform([5], seed: 4)])
        let input = TestData.uniform([3, 5], seed: 2)
        let report = GradientCheck.run([input, layer.weight, layer.bias]) { _ in layer(input) }
        #expect(report.relativeError < smoothTolerance, "\(report)")
    }

    @Test func dropoutWithAFixedMask() {
        let layer = Dropout(probability: 0.3)
        let input = TestData.uniform([4, 6], seed: 2)
        // The same generator state for every evaluation, so every call draws the same mask.
        let report = GradientCheck.run([input]) { _ in
            var generator = SeededGenerator(seed: 11)
            return layer(input, generator: &generator)
        }
        #expect(report.relativeError < linearTolerance, "\(report)")
    }

    @Test func feedForward() {
        let block = FeedForward(hiddenSize: 3, intermediateSize: 5, seed: 1)
        let input = TestData.uniform([2, 3], in: -2...2, seed: 2)
        let tensors = [input] + block.parameters().map(\.tensor)
        let report = GradientCheck.run(tensors) { _ in block(input) }
        #expect(report.relativeError < smoothTolerance, "\(report)")
    }

    @Test(arguments: [1, 2]) func conv2d(groups: Int) {
        let layer = Conv2d(inputChannels: 2, outputChannels: 4, kernelSize: Size2D(height: 2, width: 3), stride: 2,
                           padding: Padding2D(top: 1, bottom: 0, left: 1, right: 2), dilation: 1, groups: groups, seed: 1)
        let input = TestData.uniform([2, 2, 4, 5], seed: 2)
        let report = GradientCheck.run([input, layer.weight, layer.bias!]) { _ in layer(input) }
        #expect(report.relativeError < linearTolerance, "\(report)")
    }

    @Test(arguments: [true, false]) func batchNorm2d(training: Bool) throws {
        let layer = BatchNorm2d(channels: 3)
        try layer.load(stateDictionary: [
            "weight": TestData.uniform([3], in: 0.5...1.5, seed: 3), "bias": TestData.uniform([3], seed: 4),
            "running_mean": TestData.uniform([3], seed: 5), "running_var": TestData.uniform([3], in: 0.5...2, seed: 6),
            "num_batches_tracked": Tensor(scalar: 0),
        ])
        layer.train(training)
        let input = TestData.uniform([2, 3, 2, 2], seed: 2)
        // Training updates the running statistics on every call; the output does not depend on them.
        let report = GradientCheck.run([input, layer.weight, layer.bias]) { _ in layer(input) }
        #expect(report.relativeError < smoothTolerance, "\(report)")
    }

    @Test func multiHeadSelfAttentionWithMask() {
        let layer = MultiHeadSelfAttention(hiddenSize: 4, headCount: 2, seed: 1)
        let input = TestData.uniform([2, 3, 4], in: -2...2, seed: 2)
        let mask = Tensor([1, 1, 1, 1, 1, 0], shape: [2, 3])
        let tensors = [input] + layer.parameters().map(\.tensor)
        let report = GradientCheck.run(tensors) { _ in layer(input, attentionMask: mask) }
        #expect(report.relativeError < smoothTolerance, "\(report)")
    }

    @Test func lstmTwoLayers() {
        let layer = LSTM(inputSize: 2, hiddenSize: 3, layers: 2, seed: 1)
        let input = TestData.uniform([2, 3, 2], seed: 2)
        let initialHidden = TestData.uniform([2, 3], seed: 3), initialCell = TestData.uniform([2, 3], seed: 4)
        let tensors = [input, initialHidden, initialCell] + layer.parameters().map(\.tensor)
        let report = GradientCheck.run(tensors) { _ in
            let zero = Tensor.zeros([2, 3])
            let (output, states) = layer(input, initialStates: [(initialHidden, initialCell), (zero, zero)])
            // Every output: the sequence and both layers' final states.
            return Tensor.concatenate([output.flattened(), states[0].cell.flattened(), states[1].cell.flattened()], axis: 0)
        }
        #expect(report.relativeError < smoothTolerance, "\(report)")
    }
}
