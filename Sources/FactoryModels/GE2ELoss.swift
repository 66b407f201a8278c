// GE2ELoss: the softmax variant of the generalized end-to-end loss (Wan et al. 2018, eq. 6
// and 9) for fine-tuning a speaker encoder on batches of S speakers × U utterances. For
// embedding e_ji (speaker j, utterance i) and speaker k, the logit is
//   S_ji,k = w · cos(e_ji, c_k) + b,  c_k the centroid of speaker k's embeddings (each
//   scaled to unit length first, as the encoder's outputs already are), except
//   that for k = j the centroid leaves e_ji out (c_j^(-i)), so an utterance is not
//   compared with itself;
// w is clamped to at least `minimumWeight` (the paper requires w > 0) and the loss is the
// cross-entropy of each row against its own speaker, averaged over the S·U rows (as
// torch's CrossEntropyLoss). w and b are the checkpoint's `similarity_weight` and
// `similarity_bias` (GE2E's initial values are 10 and -5). Composed from differentiable
// primitives, so autodiff gives every gradient. Not here: the contrast variant (eq. 7),
// batching speakers and utterances, or the encoder (GE2ESpeakerEncoder.swift).

import FactoryNN
import FactoryTensor

/// The GE2E softmax loss with its learnable scale w and bias b.
public final class GE2ELoss: Module {
    /// The lowest scale the similarities are multiplied by; below it w is clamped (and gets
    /// no gradient).
    public static let minimumWeight: Float = 1e-6

    /// The scale w, `[1]`, key `similarity_weight`.
    public let weight: Tensor
    /// The bias b, `[1]`, key `similarity_bias`.
    public let bias: Tensor

    /// Creates the loss with trainable w and b.
    /// - Parameters:
    ///   - weight: the initial scale w (GE2E: 10).
    ///   - bias: the initial bias b (GE2E: -5).
    public init(weight: Float = 10, bias: Float = -5) {
        self.weight = Tensor([weight])
        self.bias = Tensor([bias])
        self.weight.requiresGradient = true
        self.bias.requiresGradient = true
        super.init()
    }

    override public var ownParameters: [(key: String, tensor: Tensor)] {
        [("similarity_weight", weight), ("similarity_bias", bias)]
    }

    /// The scaled similarity logits S_ji,k.
    /// - Parameter embeddings: `[S, U, D]`: S ≥ 2 speakers, U ≥ 2 utterances each, D dims.
    /// - Returns: `[S, U, S]`.
    public func similarities(_ embeddings: Tensor) -> Tensor {
        precondition(embeddings.rank == 3 && embeddings.shape[0] >= 2 && embeddings.shape[1] >= 2 && embeddings.shape[2] >= 1,
                     "GE2ELoss: embeddings \(embeddings.shape) are not [speakers ≥ 2, utterances ≥ 2, dimensions]")
        let S = embeddings.shape[0], U = embeddings.shape[1], D = embeddings.shape[2]
        let unit = embeddings.l2Normalized(axis: -1)                                   // [S, U, D]
        // Centroids of the unit embeddings (the encoder's outputs already are), so no
        // utterance weighs more for being longer; compared by cosine, sums serve as means.
        let total = unit.sum(axes: [1], keepingDimensions: true)                       // [S, 1, D]
        let inclusive = total.l2Normalized(axis: -1).reshaped([S, D])                  // c_k
        let exclusive = (total - unit).l2Normalized(axis: -1)                          // c_j^(-i), [S, U, D]
        let toEveryCentroid = unit.reshaped([S * U, D]).matmul(inclusive.transposed()).reshaped([S, U, S])
        let toOwnCentroid = (unit * exclusive).sum(axes: [2], keepingDimensions: true) // [S, U, 1]
        var identity = [Float](repeating: 0, count: S * S)
        for speaker in 0..<S { identity[speaker * S + speaker] = 1 }
        let own = Tensor(identity, shape: [S, 1, S])
        let cosine = toEveryCentroid * (1 - own) + toOwnCentroid * own
        return cosine * weight.clamped(min: GE2ELoss.minimumWeight) + bias
    }

    /// The mean cross-entropy of every utterance's logits against its own speaker.
    /// - Parameter embeddings: `[S, U, D]`, speaker j's utterances at index j.
    /// - Returns: a scalar.
    public func callAsFunction(_ embeddings: Tensor) -> Tensor {
        let S = embeddings.shape[0], U = embeddings.rank == 3 ? embeddings.shape[1] : 0
        let logits = similarities(embeddings).reshaped([S * U, S])
        let targets = (0..<S).flatMap { [Int](repeating: $0, count: U) }
        return Tensor.crossEntropy(logits: logits, targets: targets).reshaped([])
    }
}
