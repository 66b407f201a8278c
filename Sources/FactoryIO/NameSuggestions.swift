// NameSuggestions: "did you mean" for a misspelt name (a tensor, a backbone, a column):
// the candidates within a small edit distance, nearest first. Nothing else.

/// Suggests names close to a misspelt one (edit distance, then shared prefix/suffix).
public enum NameSuggestions {
    /// Up to `limit` names from `candidates` nearest to `name`.
    public static func closest(to name: String, in candidates: [String], limit: Int = 3) -> [String] {
        let target = Array(name.utf8)
        let scored = candidates.compactMap { candidate -> (String, Int)? in
            let bytes = Array(candidate.utf8)
            // Skip the quadratic distance on wildly different lengths.
            if abs(bytes.count - target.count) > max(8, target.count / 2) { return nil }
            return (candidate, distance(target, bytes))
        }
        let threshold = max(3, target.count / 3)
        return scored.filter { $0.1 <= threshold }.sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }
            .prefix(limit).map(\.0)
    }

    /// Levenshtein distance between two names, ignoring case.
    public static func distance(_ a: String, _ b: String) -> Int {
        distance(Array(a.lowercased().utf8), Array(b.lowercased().utf8))
    }

    /// Levenshtein distance between two byte strings.
    public static func distance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
