// PaddedSequences: the core's batching helper for token sequences — pads (or truncates) a
// batch of id lists to one length and builds the attention mask, as a plugin needs for any
// text backbone. Not here: tokenisation (FactoryIO's Tokenizer).

/// A batch of token sequences padded to one length, row-major `[count, length]`.
public struct PaddedSequences: Sendable, Equatable {
    /// Ids, padded with the pad id.
    public var ids: [Int]
    /// 1 for real tokens, 0 for padding.
    public var mask: [Int]
    /// The number of sequences.
    public var count: Int
    /// The padded length.
    public var length: Int

    /// Pads `sequences` to the longest (at most `maximumLength`, truncating longer ones but
    /// keeping their last token, such as [SEP]).
    /// - Parameters:
    ///   - sequences: id lists (non-empty).
    ///   - padID: the id used for padding.
    ///   - maximumLength: the longest allowed length.
    public init(_ sequences: [[Int]], padID: Int, maximumLength: Int) {
        precondition(!sequences.isEmpty && maximumLength > 1, "PaddedSequences: need sequences and a maximum length > 1")
        let length = Swift.min(Swift.max(sequences.map(\.count).max() ?? 1, 1), maximumLength)
        var ids: [Int] = [], mask: [Int] = []
        ids.reserveCapacity(sequences.count * length)
        mask.reserveCapacity(sequences.count * length)
        for sequence in sequences {
            var row = sequence
            if row.count > length { row = Array(row.prefix(length - 1)) + [row[row.count - 1]] }
            ids += row + [Int](repeating: padID, count: length - row.count)
            mask += [Int](repeating: 1, count: row.count) + [Int](repeating: 0, count: length - row.count)
        }
        self.ids = ids
        self.mask = mask
        self.count = sequences.count
        self.length = length
    }
}
