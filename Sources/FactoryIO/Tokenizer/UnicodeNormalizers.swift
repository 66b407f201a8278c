// UnicodeNormalizers: the small general-purpose normalizers of tokenizer.json that other
// tokenizers chain with a `Sequence`: NFD, NFKD, NFC, NFKC, Lowercase, StripAccents, and
// Sequence itself. They follow the library: StripAccents only drops nonspacing marks (it
// expects an NFD before it), Lowercase maps each scalar with no context rules.
// It is NOT BERT's normalizer (BertNormalizer.swift).

import Foundation

/// A Unicode normal form (`"type": "NFD" | "NFKD" | "NFC" | "NFKC"`).
public struct UnicodeNormalFormNormalizer: TextNormalizer {
    /// The four Unicode normal forms.
    public enum Form: String, Sendable, CaseIterable {
        /// Canonical decomposition.
        case nfd = "NFD"
        /// Compatibility decomposition.
        case nfkd = "NFKD"
        /// Canonical decomposition, then canonical composition.
        case nfc = "NFC"
        /// Compatibility decomposition, then canonical composition.
        case nfkc = "NFKC"
    }

    /// The form produced.
    public let form: Form

    /// Makes the normalizer for `form`.
    public init(form: Form) { self.form = form }

    public func normalize(_ text: String) -> String {
        switch form {
        case .nfd: text.decomposedStringWithCanonicalMapping
        case .nfkd: text.decomposedStringWithCompatibilityMapping
        case .nfc: text.precomposedStringWithCanonicalMapping
        case .nfkc: text.precomposedStringWithCompatibilityMapping
        }
    }
}

/// Lowercases every scalar (`"type": "Lowercase"`).
public struct LowercaseNormalizer: TextNormalizer {
    /// Makes the normalizer.
    public init() {}

    public func normalize(_ text: String) -> String {
        UnicodeForms.string(UnicodeForms.lowercased(Array(text.unicodeScalars)))
    }
}

/// Drops nonspacing marks, category Mn (`"type": "StripAccents"`); put NFD before it.
public struct StripAccentsNormalizer: TextNormalizer {
    /// Makes the normalizer.
    public init() {}

    public func normalize(_ text: String) -> String {
        UnicodeForms.string(UnicodeForms.removingNonspacingMarks(Array(text.unicodeScalars)))
    }
}

/// Applies several normalizers in order (`"type": "Sequence"`, field `normalizers`).
public struct SequenceNormalizer: TextNormalizer {
    /// The normalizers, applied first to last.
    public let normalizers: [any TextNormalizer]

    /// Makes the chain.
    public init(normalizers: [any TextNormalizer]) { self.normalizers = normalizers }

    public func normalize(_ text: String) -> String {
        normalizers.reduce(text) { partial, normalizer in normalizer.normalize(partial) }
    }
}
