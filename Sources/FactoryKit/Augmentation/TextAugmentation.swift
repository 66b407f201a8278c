// TextAugmentation: the training-time text transform of the core — token dropout on a
// token id sequence (each token outside the protected ones, such as [CLS] and [SEP], is
// removed with a given probability). Text is not augmented by default. Not here: deciding
// when to augment (BatchAugmentation), tokenisation (FactoryIO Tokenizer).

/// Text transforms for data augmentation, on token id sequences.
public enum TextAugmentation {
    /// Removes each unprotected token with probability `probability`.
    /// - Parameters:
    ///   - ids: the token ids.
    ///   - probability: the chance of removing each unprotected token, in [0, 1].
    ///   - isProtected: per token, whether it must stay (special tokens); `nil`: none.
    ///   - generator: the random source.
    /// - Returns: the kept ids, in order.
    public static func tokenDropout(
        _ ids: [Int], probability: Double, isProtected: [Bool]? = nil, generator: inout SeededGenerator
    ) -> [Int] {
        precondition(probability >= 0 && probability <= 1, "tokenDropout: probability \(probability) must lie in [0, 1]")
        precondition(isProtected == nil || isProtected!.count == ids.count,
                     "tokenDropout: \(isProtected?.count ?? 0) protection flags for \(ids.count) tokens")
        guard probability > 0 else { return ids }
        var kept: [Int] = []
        kept.reserveCapacity(ids.count)
        for (position, id) in ids.enumerated() {
            if isProtected?[position] == true {
                kept.append(id)
                continue
            }
            let draw = Double(generator.next() >> 11) * 0x1p-53
            if draw >= probability { kept.append(id) }
        }
        return kept
    }
}
