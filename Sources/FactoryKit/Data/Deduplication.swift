// Deduplication: finding examples whose identifying text repeats — exactly, or after
// normalisation (lower case, punctuation and runs of spaces removed) — so the same review
// cannot sit in both train and test. The first occurrence is kept. Not here: near-duplicate
// detection by similarity.

import Foundation

/// The result of removing duplicates.
public struct DeduplicationResult: Sendable, Equatable {
    /// Indices of the examples kept, in order.
    public var kept: [Int]
    /// How many were exact duplicates of an earlier key.
    public var exactDuplicates: Int
    /// How many more matched an earlier key only after normalisation.
    public var normalizedDuplicates: Int

    /// The total number removed.
    public var removed: Int { exactDuplicates + normalizedDuplicates }
}

/// Removes repeated examples by key.
public enum Deduplication {
    /// `text` lower-cased, with everything but letters and digits dropped and words joined
    /// by single spaces: "Great  movie!!" and "great movie" normalise alike.
    public static func normalized(_ text: String) -> String {
        var words: [String] = []
        var current = ""
        for character in text.lowercased() {
            if character.isLetter || character.isNumber {
                current.append(character)
            } else if character.isWhitespace, !current.isEmpty {
                words.append(current)
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        return words.joined(separator: " ")
    }

    /// Keeps the first example of each key (`nil` keys are always kept).
    public static func deduplicate(keys: [String?]) -> DeduplicationResult {
        var exactSeen = Set<String>(), normalizedSeen = Set<String>()
        var result = DeduplicationResult(kept: [], exactDuplicates: 0, normalizedDuplicates: 0)
        for (index, key) in keys.enumerated() {
            guard let key else { result.kept.append(index); continue }
            if exactSeen.contains(key) { result.exactDuplicates += 1; continue }
            let normal = normalized(key)
            if normalizedSeen.contains(normal) { result.normalizedDuplicates += 1; exactSeen.insert(key); continue }
            exactSeen.insert(key)
            normalizedSeen.insert(normal)
            result.kept.append(index)
        }
        return result
    }
}
