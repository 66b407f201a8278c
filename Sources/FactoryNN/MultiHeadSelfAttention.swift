// MultiHeadSelfAttention: scaled dot-product self-attention with BERT's layout (separate
// `query`, `key` and `value` Linear layers, heads split from the hidden axis) and padding
// masks. The three projections run as one product on their stacked weights (keys unchanged).
// Dimension letters: B batch, T tokens, C hidden (= H * D), H heads, D head size.
// This is BERT's `attention.self`: the output projection and its residual LayerNorm
// (`attention.output.dense`, `attention.output.LayerNorm`) belong to the model, not here.
// Not here: causal masks, cross-attention, rotary or relative position encodings, KV caches.

import Foundation

/// Multi-head self-attention over `[B, T, C]` with an optional `[B, T]` padding mask.
///
/// Keys: `query.weight`, `query.bias`, `key.weight`, `key.bias`, `value.weight`,
/// `value.bias` (each Linear `[C, C]`), as BERT's `BertSelfAttention`.
public final class MultiHeadSelfAttention: Module {
    /// Projects the hidden states to queries.
    public let query: Linear
    /// Projects the hidden states to keys.
    public let key: Linear
    /// Projects the hidden states to values.
    public let value: Linear
    /// Dropout on the attention probabilities (BERT's `attention_probs_dropout_prob`).
    public let dropout: Dropout
    /// The number of heads H.
    public let headCount: Int

    /// The hidden size C.
    public var hiddenSize: Int { query.inputFeatures }
    /// The size of one head, D = C / H.
    public var headSize: Int { hiddenSize / headCount }

    /// Creates the layer with PyTorch-initialised projections.
    /// - Parameters:
    ///   - hiddenSize: C, the size of the input's last axis.
    ///   - headCount: H; must divide `hiddenSize`.
    ///   - attentionDropout: the dropout probability on attention weights.
    ///   - generator: the random source for initial weights and the dropout seed.
    public init(hiddenSize: Int, headCount: Int, attentionDropout: Float = 0, generator: inout SeededGenerator) {
        precondition(headCount > 0 && hiddenSize % headCount == 0,
                     "MultiHeadSelfAttention: headCount \(headCount) does not divide hiddenSize \(hiddenSize)")
        query = Linear(inputFeatures: hiddenSize, outputFeatures: hiddenSize, generator: &generator)
        key = Linear(inputFeatures: hiddenSize, outputFeatures: hiddenSize, generator: &generator)
        value = Linear(inputFeatures: hiddenSize, outputFeatures: hiddenSize, generator: &generator)
        dropout = Dropout(probability: attentionDropout, seed: generator.next())
        self.headCount = headCount
        super.init()
    }

    /// Creates the layer from a generator seeded with `seed`.
    /// - Parameters:
    ///   - hiddenSize: C, the size of the input's last axis.
    ///   - headCount: H; must divide `hiddenSize`.
    ///   - attentionDropout: the dropout probability on attention weights.
    ///   - seed: seeds the initial weights and the dropout masks.
    public convenience init(hiddenSize: Int, headCount: Int, attentionDropout: Float = 0, seed: UInt64 = 0) {
        var generator = SeededGenerator(seed: seed)
        self.init(hiddenSize: hiddenSize, headCount: headCount, attentionDropout: attentionDropout, generator: &generator)
    }

    override public var children: [(key: String, module: Module)] {
        [("query", query), ("key", key), ("value", value), ("dropout", dropout)]
    }

    /// Attends every token to every unmasked token of the same sequence.
    /// - Parameters:
    ///   - hiddenStates: `[B, T, C]`.
    ///   - attentionMask: `[B, T]`, 1 for real tokens and 0 for padding; `nil` attends to all.
    ///     Padded keys get attention weight exactly 0; a sequence with no real token attends
    ///     uniformly (finite, as Hugging Face BERT).
    /// - Returns: the context vectors `[B, T, C]` (heads concatenated, before any output projection).
    public func callAsFunction(_ hiddenStates: Tensor, attentionMask: Tensor? = nil) -> Tensor {
        precondition(hiddenStates.rank == 3 && hiddenStates.shape[2] == hiddenSize,
                     "MultiHeadSelfAttention: hidden states \(hiddenStates.shape) are not [B, T, \(hiddenSize)]")
        let B = hiddenStates.shape[0], T = hiddenStates.shape[1]
        if let attentionMask {
            precondition(attentionMask.shape == [B, T],
                         "MultiHeadSelfAttention: attention mask \(attentionMask.shape) is not [B, T] = [\(B), \(T)] for hidden states \(hiddenStates.shape)")
        }
        let dropoutProbability = isTraining ? dropout.probability : 0
        if dropoutProbability == 0 {
            // No draws: a local generator, so threads that run this module on different
            // inputs at inference do not share the dropout's.
            var unused = SeededGenerator(seed: 0)
            return attend(hiddenStates, attentionMask: attentionMask, dropoutProbability: 0, generator: &unused)
        }
        return attend(hiddenStates, attentionMask: attentionMask, dropoutProbability: dropoutProbability,
                      generator: &dropout.generator)
    }

    private func attend(
        _ hiddenStates: Tensor, attentionMask: Tensor?, dropoutProbability: Float, generator: inout SeededGenerator
    ) -> Tensor {
        if let (weight, bias) = stackedProjection() {
            // One [B·T, C] x [C, 3C] product instead of three [C, C] ones: the input is read
            // and packed once, and the attention reads Q, K and V in place from its output.
            return Tensor.multiHeadAttention(
                packedQueryKeyValue: Tensor.linear(hiddenStates, weight: weight, bias: bias), headCount: headCount,
                keyMask: attentionMask, dropoutProbability: dropoutProbability, generator: &generator)
        }
        return Tensor.multiHeadAttention(
            query: query(hiddenStates), key: key(hiddenStates), value: value(hiddenStates), headCount: headCount,
            keyMask: attentionMask, dropoutProbability: dropoutProbability, generator: &generator)
    }

    /// The query, key and value weights stacked into one `[3C, C]` projection (and their
    /// biases into `[3C]`), built at each call so it always reflects the current parameters
    /// (a 3C·C copy, small next to the product); gradients flow back to the three layers
    /// through the concatenation. `nil` when the layers cannot be fused: a LoRA adapter is
    /// attached, or only some of them have a bias.
    private func stackedProjection() -> (weight: Tensor, bias: Tensor?)? {
        guard query.adapter == nil && key.adapter == nil && value.adapter == nil else { return nil }
        let biases = [query.bias, key.bias, value.bias].compactMap { $0 }
        guard biases.isEmpty || biases.count == 3 else { return nil }
        return (Tensor.concatenate([query.weight, key.weight, value.weight], axis: 0),
                biases.isEmpty ? nil : Tensor.concatenate(biases, axis: 0))
    }
}
