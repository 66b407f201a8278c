// BertNormalizer: BERT's text clean-up, step for step as the Hugging Face `tokenizers`
// library does it, in its order:
//   1. clean_text: drop U+0000, U+FFFD and control characters (categories Cc, Cf, Co, except
//      \t \n \r); turn every whitespace character (White_Space, plus \t \n \r) into ' '.
//   2. handle_chinese_chars: put spaces around CJK ideographs (the library's ranges).
//   3. strip_accents (null means "same as lowercase"): NFD, then drop nonspacing marks (Mn).
//   4. lowercase: each scalar's full Unicode lowercase mapping, no locale, no context.
// Also the character classes BertPreTokenizer shares. Unicode tables are Swift's (current
// Unicode); the library pins older tables, so scalars assigned since can differ. It is NOT
// the general Unicode normalizers (see UnicodeNormalizers.swift).

import Foundation

/// BERT's normalizer (`"type": "BertNormalizer"`).
public struct BertNormalizer: TextNormalizer {
    /// Remove control characters and map all whitespace to a plain space.
    public var cleanText: Bool
    /// Surround CJK ideographs with spaces so each becomes its own word.
    public var handleChineseCharacters: Bool
    /// Remove accents (NFD, then drop Mn); nil means "do it when `lowercase` is on".
    public var stripAccents: Bool?
    /// Lowercase every character.
    public var lowercase: Bool

    /// Makes the normalizer; the defaults are those of `bert-base-uncased`.
    public init(cleanText: Bool = true, handleChineseCharacters: Bool = true, stripAccents: Bool? = nil, lowercase: Bool = true) {
        self.cleanText = cleanText
        self.handleChineseCharacters = handleChineseCharacters
        self.stripAccents = stripAccents
        self.lowercase = lowercase
    }

    /// Reads the `normalizer` section of tokenizer.json (all four flags optional).
    public init(json: TokenizerJSONNode) throws(TokenizerError) {
        self.cleanText = try json.optionalField("clean_text")?.bool() ?? true
        self.handleChineseCharacters = try json.optionalField("handle_chinese_chars")?.bool() ?? true
        self.stripAccents = try json.optionalField("strip_accents")?.bool()
        self.lowercase = try json.optionalField("lowercase")?.bool() ?? true
    }

    public func normalize(_ text: String) -> String {
        var scalars = Array(text.unicodeScalars)
        if cleanText {
            scalars = scalars.compactMap { scalar in
                if scalar.value == 0 || scalar.value == 0xFFFD || BertCharacters.isControl(scalar) { return nil }
                return BertCharacters.isWhitespace(scalar) ? " " : scalar
            }
        }
        if handleChineseCharacters {
            var spaced: [Unicode.Scalar] = []
            spaced.reserveCapacity(scalars.count)
            for scalar in scalars {
                if BertCharacters.isChineseCharacter(scalar) {
                    spaced.append(" ")
                    spaced.append(scalar)
                    spaced.append(" ")
                } else {
                    spaced.append(scalar)
                }
            }
            scalars = spaced
        }
        if stripAccents ?? lowercase {
            scalars = UnicodeForms.removingNonspacingMarks(UnicodeForms.canonicalDecomposition(scalars))
        }
        if lowercase {
            scalars = UnicodeForms.lowercased(scalars)
        }
        var result = String.UnicodeScalarView()
        result.append(contentsOf: scalars)
        return String(result)
    }
}

/// The character classes of BERT's normalizer and pre-tokenizer, as the library defines them.
enum BertCharacters {
    /// Whitespace for BERT: \t \n \r and every White_Space scalar.
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "\t" || scalar == "\n" || scalar == "\r" || scalar.properties.isWhitespace
    }

    /// Control for BERT: general category Cc, Cf or Co, except \t \n \r (those are whitespace).
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == "\t" || scalar == "\n" || scalar == "\r" { return false }
        switch scalar.properties.generalCategory {
        case .control, .format, .privateUse: return true
        default: return false
        }
    }

    /// Punctuation for BERT: ASCII 33-47, 58-64, 91-96, 123-126, or any Unicode P* category.
    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 33...47, 58...64, 91...96, 123...126: return true
        default: break
        }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
            .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    /// A CJK ideograph, in exactly the ranges of the library's `is_chinese_char`
    /// (including its 0x2B920 lower bound for the Extension E/F block).
    static func isChineseCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
            0x2B740...0x2B81F, 0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }
}

/// Unicode normal forms and case mapping on scalar arrays.
enum UnicodeForms {
    static func string(_ scalars: [Unicode.Scalar]) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }

    /// NFD.
    static func canonicalDecomposition(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard scalars.contains(where: { !$0.isASCII }) else { return scalars }
        return Array(string(scalars).decomposedStringWithCanonicalMapping.unicodeScalars)
    }

    /// Drops general category Mn (nonspacing marks: combining accents).
    static func removingNonspacingMarks(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        scalars.filter { $0.properties.generalCategory != .nonspacingMark }
    }

    /// Each scalar's full lowercase mapping (so "İ" becomes "i̇"), with no context rules.
    static func lowercased(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(scalars.count)
        for scalar in scalars {
            if scalar.isASCII {
                result.append(("A"..."Z").contains(scalar) ? Unicode.Scalar(scalar.value + 32)! : scalar)
            } else {
                result.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return result
    }
}
