// BertPreTokenizer: splits normalized text into words the way BERT does: whitespace
// separates words and is dropped; every punctuation character (ASCII punctuation or a
// Unicode P* category) becomes a word of its own. Also WhitespaceSplit (whitespace only)
// and Sequence (several pre-tokenizers in turn). Works on Unicode scalars, never on
// grapheme clusters, like the library's `char`s. It is NOT ByteLevel or Metaspace.

/// BERT's pre-tokenizer (`"type": "BertPreTokenizer"`).
public struct BertPreTokenizer: PreTokenizer {
    /// Makes the pre-tokenizer (it has no settings).
    public init() {}

    public func preTokenize(_ text: String) -> [String] {
        var words: [String] = []
        var current = String.UnicodeScalarView()
        func flush() {
            if !current.isEmpty {
                words.append(String(current))
                current = String.UnicodeScalarView()
            }
        }
        for scalar in text.unicodeScalars {
            if scalar.properties.isWhitespace {
                flush()
            } else if BertCharacters.isPunctuation(scalar) {
                flush()
                words.append(String(scalar))
            } else {
                current.append(scalar)
            }
        }
        flush()
        return words
    }
}

/// Splits on whitespace only (`"type": "WhitespaceSplit"`).
public struct WhitespaceSplitPreTokenizer: PreTokenizer {
    /// Makes the pre-tokenizer.
    public init() {}

    public func preTokenize(_ text: String) -> [String] {
        var words: [String] = []
        var current = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar.properties.isWhitespace {
                if !current.isEmpty { words.append(String(current)) }
                current = String.UnicodeScalarView()
            } else {
                current.append(scalar)
            }
        }
        if !current.isEmpty { words.append(String(current)) }
        return words
    }
}

/// Applies several pre-tokenizers in turn, each to every word of the previous one
/// (`"type": "Sequence"`, field `pretokenizers`).
public struct SequencePreTokenizer: PreTokenizer {
    /// The pre-tokenizers, applied first to last.
    public let preTokenizers: [any PreTokenizer]

    /// Makes the chain.
    public init(preTokenizers: [any PreTokenizer]) { self.preTokenizers = preTokenizers }

    public func preTokenize(_ text: String) -> [String] {
        var words = [text]
        for preTokenizer in preTokenizers {
            words = words.flatMap { preTokenizer.preTokenize($0) }
        }
        return words.filter { !$0.isEmpty }
    }
}
