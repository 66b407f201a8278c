// TokenEncoding and TokenBatch: what the tokenizer hands to a model. One encoding is one
// row (ids, token type ids, attention mask, tokens); a batch is B rows and, once padded to
// a common length T, the [B, T] arrays a BERT-style model takes (as Int rows, flat Int32
// or Float tensors). It is NOT the tokenizer (Tokenizer.swift) and keeps no offsets.

import FactoryTensor

/// The tokens of one input (a text or a text pair), ready for a model.
public struct TokenEncoding: Sendable, Equatable {
    /// Vocabulary ids, special tokens and padding included.
    public var ids: [Int]
    /// Segment ids: 0 for the first text, 1 for the second of a pair (BERT's token_type_ids).
    public var typeIDs: [Int]
    /// The token strings, e.g. ["[CLS]", "hello", "##s", "[SEP]"].
    public var tokens: [String]
    /// 1 for real tokens, 0 for padding.
    public var attentionMask: [Int]
    /// 1 for special tokens added by post-processing or padding, 0 for text tokens.
    public var specialTokensMask: [Int]

    /// Makes an encoding from parallel arrays (all of one length).
    public init(ids: [Int], typeIDs: [Int], tokens: [String], attentionMask: [Int], specialTokensMask: [Int]) {
        precondition(
            typeIDs.count == ids.count && tokens.count == ids.count && attentionMask.count == ids.count
                && specialTokensMask.count == ids.count,
            "TokenEncoding: all arrays must have the same length (ids \(ids.count))")
        self.ids = ids
        self.typeIDs = typeIDs
        self.tokens = tokens
        self.attentionMask = attentionMask
        self.specialTokensMask = specialTokensMask
    }

    /// An encoding of text tokens: type id `typeID`, all attended, none special.
    public init(tokens: [Token], typeID: Int = 0) {
        self.init(
            ids: tokens.map(\.id), typeIDs: Array(repeating: typeID, count: tokens.count),
            tokens: tokens.map(\.value), attentionMask: Array(repeating: 1, count: tokens.count),
            specialTokensMask: Array(repeating: 0, count: tokens.count))
    }

    /// The number of tokens.
    public var count: Int { ids.count }

    /// Appends `other` after this encoding.
    public mutating func append(_ other: TokenEncoding) {
        ids += other.ids
        typeIDs += other.typeIDs
        tokens += other.tokens
        attentionMask += other.attentionMask
        specialTokensMask += other.specialTokensMask
    }

    /// Keeps `length` tokens: the first ones, or the last ones when `keepingEnd` is true.
    public mutating func truncate(to length: Int, keepingEnd: Bool = false) {
        guard length < count else { return }
        let range = keepingEnd ? (count - length)..<count : 0..<length
        ids = Array(ids[range])
        typeIDs = Array(typeIDs[range])
        tokens = Array(tokens[range])
        attentionMask = Array(attentionMask[range])
        specialTokensMask = Array(specialTokensMask[range])
    }
}

/// The encodings of a batch, with the arrays a model takes.
public struct TokenBatch: Sendable, Equatable {
    /// One encoding per input, in input order.
    public let encodings: [TokenEncoding]

    /// Makes a batch.
    public init(encodings: [TokenEncoding]) { self.encodings = encodings }

    /// B, the number of rows.
    public var count: Int { encodings.count }
    /// The ids, one row per input (input_ids).
    public var ids: [[Int]] { encodings.map(\.ids) }
    /// The attention masks, one row per input (attention_mask).
    public var attentionMask: [[Int]] { encodings.map(\.attentionMask) }
    /// The token type ids, one row per input (token_type_ids).
    public var typeIDs: [[Int]] { encodings.map(\.typeIDs) }

    /// T, the common row length.
    /// - Throws: ``TokenizerError/raggedBatch(lengths:)`` when rows differ (no padding).
    public func sequenceLength() throws(TokenizerError) -> Int {
        let lengths = encodings.map(\.count)
        guard let first = lengths.first else { return 0 }
        guard lengths.allSatisfy({ $0 == first }) else { throw .raggedBatch(lengths: lengths) }
        return first
    }

    /// The rows of `rows` flattened row-major with the shape [B, T].
    private func flattened(_ rows: [[Int]]) throws(TokenizerError) -> (values: [Int32], shape: [Int]) {
        let length = try sequenceLength()
        var values: [Int32] = []
        values.reserveCapacity(rows.count * length)
        for row in rows { values.append(contentsOf: row.map { Int32(truncatingIfNeeded: $0) }) }
        return (values, [rows.count, length])
    }

    /// input_ids as a flat row-major Int32 array with its shape [B, T].
    public func flatIDs() throws(TokenizerError) -> (values: [Int32], shape: [Int]) { try flattened(ids) }
    /// attention_mask as a flat row-major Int32 array with its shape [B, T].
    public func flatAttentionMask() throws(TokenizerError) -> (values: [Int32], shape: [Int]) { try flattened(attentionMask) }
    /// token_type_ids as a flat row-major Int32 array with its shape [B, T].
    public func flatTypeIDs() throws(TokenizerError) -> (values: [Int32], shape: [Int]) { try flattened(typeIDs) }

    /// The three model inputs as Float tensors of shape [B, T]. Ids below 2^24 (every
    /// real vocabulary) are exact in Float32.
    public func tensors() throws(TokenizerError) -> (inputIDs: Tensor, attentionMask: Tensor, typeIDs: Tensor) {
        let ids = try flatIDs()
        let mask = try flatAttentionMask()
        let types = try flatTypeIDs()
        return (
            Tensor(ids.values.map(Float.init), shape: ids.shape),
            Tensor(mask.values.map(Float.init), shape: mask.shape),
            Tensor(types.values.map(Float.init), shape: types.shape)
        )
    }
}
