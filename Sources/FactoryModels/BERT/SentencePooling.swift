// SentencePooling: turning per-token hidden states [B, T, C] into one vector per sequence —
// the first ([CLS]) token, or the mean over real tokens (padding masked out), as
// sentence-transformers pools MiniLM — and L2 normalisation. All differentiable.
// Not here: the trained BERT pooler (BertPooler), max pooling, attention pooling.

import FactoryTensor

/// How a sequence of hidden states becomes one vector.
public enum SentencePooling: String, Sendable, CaseIterable {
    /// The hidden state of the first token ([CLS]).
    case firstToken = "cls"
    /// The mean of the hidden states of the real (unmasked) tokens.
    case maskedMean = "mean"

    /// Pools `[B, T, C]` into `[B, C]`.
    /// - Parameters:
    ///   - hiddenStates: `[B, T, C]`.
    ///   - attentionMask: `[B, T]` of 0/1 (used by ``maskedMean``; `nil` means all ones).
    public func callAsFunction(_ hiddenStates: Tensor, attentionMask: Tensor? = nil) -> Tensor {
        switch self {
        case .firstToken: return Self.firstToken(hiddenStates)
        case .maskedMean: return Self.maskedMean(hiddenStates, attentionMask: attentionMask)
        }
    }

    /// The first token's hidden state: `[B, T, C]` → `[B, C]`.
    public static func firstToken(_ hiddenStates: Tensor) -> Tensor {
        precondition(hiddenStates.rank == 3, "SentencePooling: hidden states \(hiddenStates.shape) are not [B, T, C]")
        return hiddenStates.selecting(axis: 1, index: 0)
    }

    /// The mean over real tokens: `sum_t(mask * h) / max(sum_t mask, 1e-9)`, as
    /// sentence-transformers computes it. A row with no real token gives zeros.
    /// - Parameters:
    ///   - hiddenStates: `[B, T, C]`.
    ///   - attentionMask: `[B, T]` of 0/1; `nil` averages every token.
    public static func maskedMean(_ hiddenStates: Tensor, attentionMask: Tensor?) -> Tensor {
        precondition(hiddenStates.rank == 3, "SentencePooling: hidden states \(hiddenStates.shape) are not [B, T, C]")
        guard let attentionMask else { return hiddenStates.mean(axes: [1]) }
        let B = hiddenStates.shape[0], T = hiddenStates.shape[1]
        precondition(attentionMask.shape == [B, T],
                     "SentencePooling: mask \(attentionMask.shape) does not match hidden states \(hiddenStates.shape)")
        let mask = attentionMask.detached().reshaped([B, T, 1])
        let counts = withoutGradients { mask.sum(axes: [1]).maximum(1e-9) }   // [B, 1]
        return (hiddenStates * mask).sum(axes: [1]) / counts
    }

    /// Each row divided by its L2 norm (at least `epsilon`, as PyTorch's `F.normalize`).
    /// - Parameter vectors: `[B, C]` (any rank; normalises over the last axis).
    public static func l2Normalized(_ vectors: Tensor, epsilon: Float = 1e-12) -> Tensor {
        let norms = (vectors * vectors).sum(axes: [vectors.rank - 1], keepingDimensions: true).squareRoot()
        return vectors / norms.maximum(epsilon)
    }
}
