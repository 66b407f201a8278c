// BertInput: one padded batch for a BERT-family encoder — token ids, token-type (segment)
// ids and the attention mask, each [B, T] row-major — with its checks and a constructor
// from a tokenizer's batch. It does NOT tokenize or pad (FactoryIO's Tokenizer does).

import FactoryIO
import FactoryTensor

/// A padded batch of token sequences, `[batchSize, sequenceLength]` row-major.
public struct BertInput: Sendable, Equatable {
    /// B, the number of sequences.
    public let batchSize: Int
    /// T, the padded length of every sequence.
    public let sequenceLength: Int
    /// Token ids, `B * T`.
    public let ids: [Int]
    /// Token-type (segment) ids, `B * T`; all zero for single sentences.
    public let typeIDs: [Int]
    /// 1 for a real token, 0 for padding, `B * T`.
    public let attentionMask: [Int]

    /// Creates a batch; `typeIDs` default to zeros and `attentionMask` to ones.
    /// - Precondition: every array has `batchSize * sequenceLength` elements.
    public init(ids: [Int], typeIDs: [Int]? = nil, attentionMask: [Int]? = nil, batchSize: Int, sequenceLength: Int) {
        let count = batchSize * sequenceLength
        precondition(batchSize > 0 && sequenceLength > 0, "BertInput: empty batch [\(batchSize), \(sequenceLength)]")
        precondition(ids.count == count, "BertInput: \(ids.count) ids for [\(batchSize), \(sequenceLength)]")
        self.typeIDs = typeIDs ?? [Int](repeating: 0, count: count)
        self.attentionMask = attentionMask ?? [Int](repeating: 1, count: count)
        precondition(self.typeIDs.count == count, "BertInput: \(self.typeIDs.count) type ids for [\(batchSize), \(sequenceLength)]")
        precondition(self.attentionMask.count == count,
                     "BertInput: \(self.attentionMask.count) mask values for [\(batchSize), \(sequenceLength)]")
        self.ids = ids
        self.batchSize = batchSize
        self.sequenceLength = sequenceLength
    }

    /// The batch a tokenizer produced (its sequences must already be padded to one length).
    /// - Throws: `TokenizerError` when the sequences differ in length.
    public init(_ batch: TokenBatch) throws(TokenizerError) {
        let length = try batch.sequenceLength()
        self.init(ids: batch.ids.flatMap { $0 }, typeIDs: batch.typeIDs.flatMap { $0 },
                  attentionMask: batch.attentionMask.flatMap { $0 }, batchSize: batch.count, sequenceLength: length)
    }

    /// The attention mask as a `[B, T]` tensor of 0s and 1s.
    public var maskTensor: Tensor {
        Tensor(attentionMask.map { Float($0) }, shape: [batchSize, sequenceLength])
    }

    /// Whether every token is real (no padding anywhere).
    public var hasNoPadding: Bool { !attentionMask.contains(0) }
}
