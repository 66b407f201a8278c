// The padding mask of MultiHeadSelfAttention: padded tokens must have no influence at all
// on the outputs at real tokens, neither in value nor through gradients.

import FactoryNN
import TestSupport
import Testing

@Suite struct AttentionMaskTests {
    /// Sequence 0 has 3 real tokens and 1 pad; sequence 1 has 2 and 2.
    private let mask = Tensor([1, 1, 1, 0, 1, 1, 0, 0], shape: [2, 4])
    private let realPositions = [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1)]
    private let paddedPositions = [(0, 3), (1, 2), (1, 3)]

    private func rows(_ output: Tensor, _ positions: [(Int, Int)]) -> [Float] {
        positions.flatMap { output.selecting(axis: 0, index: $0.0).selecting(axis: 0, index: $0.1).scalars }
    }

    @Test func paddedTokensDoNotChangeRealOutputs() {
        let attention = MultiHeadSelfAttention(hiddenSize: 8, headCount: 2, seed: 3)
        let input = TestData.uniform([2, 4, 8], seed: 1)
        var values = input.scalars
        for (sequence, token) in paddedPositions {
            for feature in 0..<8 { values[(sequence * 4 + token) * 8 + feature] = Float(feature) * 10 - 35 }
        }
        let changed = Tensor(values, shape: [2, 4, 8])
        let before = rows(attention(input, attentionMask: mask), realPositions)
        let after = rows(attention(changed, attentionMask: mask), realPositions)
        // Masked weights are exactly 0 after the softmax, so the results are bit-identical.
        #expect(before == after)
        // Without the mask the change does show (so the test can fail).
        #expect(rows(attention(input), realPositions) != rows(attention(changed), realPositions))
    }

    @Test func noGradientReachesPaddedTokens() throws {
        let attention = MultiHeadSelfAttention(hiddenSize: 8, headCount: 2, seed: 3)
        let input = TestData.uniform([2, 4, 8], seed: 1)
        input.requiresGradient = true
        let output = attention(input, attentionMask: mask)
        // Keep only the real positions' outputs.
        let keep = Tensor([1, 1, 1, 0, 1, 1, 0, 0], shape: [2, 4, 1])
        (output * keep).sum().backward()
        let gradient = try #require(input.gradient)
        #expect(rows(gradient, paddedPositions).allSatisfy { $0 == 0 })
        #expect(rows(gradient, realPositions).contains { $0 != 0 })
    }

    @Test func fullyPaddedSequenceStaysFinite() {
        let attention = MultiHeadSelfAttention(hiddenSize: 4, headCount: 1, seed: 3)
        let output = attention(TestData.uniform([1, 3, 4], seed: 1), attentionMask: Tensor.zeros([1, 3]))
        #expect(output.scalars.allSatisfy { $0.isFinite })
    }

    @Test func attentionDropoutOnlyWhileTraining() {
        let attention = MultiHeadSelfAttention(hiddenSize: 4, headCount: 2, attentionDropout: 0.5, seed: 3)
        let input = TestData.uniform([1, 5, 4], seed: 1)
        let first = attention(input).scalars, second = attention(input).scalars
        #expect(first != second)   // a new mask per call
        attention.train(false)
        #expect(attention(input).scalars == attention(input).scalars)
    }
}
