// AddedVocabulary: the `added_tokens` of tokenizer.json ([PAD], [CLS], [SEP], [MASK] and
// any user-added words). Like the library, they are cut out of the input before the model
// sees it: tokens with `normalized: false` are matched in the raw text, the others in the
// normalized text; matching is leftmost-longest, honouring `single_word`, `lstrip` and
// `rstrip`. So "[CLS] x" typed by a user becomes the [CLS] id. It is NOT the model's
// vocabulary and does NOT give added tokens ids (the file does).

/// One entry of `added_tokens`.
public struct AddedToken: Sendable, Equatable {
    /// The vocabulary id.
    public let id: Int
    /// The exact text matched.
    public let content: String
    /// Match only when not inside a word.
    public let singleWord: Bool
    /// Also swallow whitespace before the match.
    public let stripLeft: Bool
    /// Also swallow whitespace after the match.
    public let stripRight: Bool
    /// Match in the normalized text (true) or in the raw text (false).
    public let normalized: Bool
    /// A special token ([CLS], [PAD]…): dropped by ``Tokenizer/decode(_:skipSpecialTokens:)``.
    public let special: Bool

    /// Makes an added token.
    public init(id: Int, content: String, singleWord: Bool = false, stripLeft: Bool = false, stripRight: Bool = false, normalized: Bool = false, special: Bool = true) {
        self.id = id
        self.content = content
        self.singleWord = singleWord
        self.stripLeft = stripLeft
        self.stripRight = stripRight
        self.normalized = normalized
        self.special = special
    }

    /// Reads one element of `added_tokens`.
    public init(json: TokenizerJSONNode) throws(TokenizerError) {
        self.id = try json.field("id").nonNegativeInteger()
        let contentNode = try json.field("content")
        self.content = try contentNode.string()
        guard !content.isEmpty else { throw contentNode.invalid("is empty; an added token needs text") }
        self.singleWord = try json.optionalField("single_word")?.bool() ?? false
        self.stripLeft = try json.optionalField("lstrip")?.bool() ?? false
        self.stripRight = try json.optionalField("rstrip")?.bool() ?? false
        self.special = try json.optionalField("special")?.bool() ?? false
        self.normalized = try json.optionalField("normalized")?.bool() ?? !special
    }
}

/// The added tokens, and the splitting of input text around them.
public struct AddedVocabulary: Sendable {
    /// The tokens, in file order.
    public let tokens: [AddedToken]
    private let tokenByID: [Int: AddedToken]
    private let rawPatterns: Matcher
    private let normalizedPatterns: Matcher

    /// Makes the vocabulary; `normalizer` rewrites the content of tokens with
    /// `normalized: true` so they match normalized text.
    public init(tokens: [AddedToken], normalizer: (any TextNormalizer)?) {
        self.tokens = tokens
        var byID: [Int: AddedToken] = [:]
        for token in tokens { byID[token.id] = token }
        self.tokenByID = byID
        self.rawPatterns = Matcher(patterns: tokens.filter { !$0.normalized }.map { ($0, $0.content) })
        self.normalizedPatterns = Matcher(
            patterns: tokens.filter(\.normalized).map { ($0, normalizer?.normalize($0.content) ?? $0.content) })
    }

    /// The added token with this id, if any.
    public func token(forID id: Int) -> AddedToken? { tokenByID[id] }

    /// The added token whose content is exactly `content`, if any.
    public func token(forContent content: String) -> AddedToken? {
        let bytes = Array(content.utf8)
        return tokens.first { Array($0.content.utf8) == bytes }
    }

    /// Cuts the added tokens out of `text` and normalizes the rest, in the library's order:
    /// raw-text tokens first, then normalization, then normalized-text tokens.
    public func segments(of text: String, normalizer: (any TextNormalizer)?) -> [TextSegment] {
        var result: [TextSegment] = []
        for segment in rawPatterns.split(text) {
            guard case .text(let raw) = segment else {
                result.append(segment)
                continue
            }
            let normalized = normalizer?.normalize(raw) ?? raw
            result.append(contentsOf: normalizedPatterns.split(normalized))
        }
        return result
    }
}

/// Leftmost-longest matching of a few patterns over UTF-8 bytes.
private struct Matcher: Sendable {
    /// Patterns grouped by first byte, longest first.
    let patternsByFirstByte: [UInt8: [(token: AddedToken, bytes: [UInt8])]]

    init(patterns: [(AddedToken, String)]) {
        var grouped: [UInt8: [(token: AddedToken, bytes: [UInt8])]] = [:]
        for (token, text) in patterns {
            let bytes = Array(text.utf8)
            guard let first = bytes.first else { continue }
            grouped[first, default: []].append((token, bytes))
        }
        for key in grouped.keys { grouped[key]!.sort { $0.bytes.count > $1.bytes.count } }
        self.patternsByFirstByte = grouped
    }

    func split(_ text: String) -> [TextSegment] {
        guard !patternsByFirstByte.isEmpty else { return [.text(text)] }
        let bytes = Array(text.utf8)
        var segments: [TextSegment] = []
        var textStart = 0  // start of the text not yet emitted
        var position = 0
        while position < bytes.count {
            guard let match = longestMatch(in: bytes, at: position) else {
                position += 1
                continue
            }
            var start = position
            var end = position + match.bytes.count
            if match.token.singleWord && (endsWithWordCharacter(bytes[..<start]) || startsWithWordCharacter(bytes[end...])) {
                position += 1
                continue
            }
            if match.token.stripLeft { start = max(textStart, startOfTrailingWhitespace(bytes[..<start])) }
            if match.token.stripRight { end = endOfLeadingWhitespace(bytes, from: end) }
            if textStart < start { segments.append(.text(String(decoding: bytes[textStart..<start], as: UTF8.self))) }
            segments.append(.addedToken(Token(id: match.token.id, value: match.token.content)))
            textStart = end
            position = end
        }
        if textStart < bytes.count || segments.isEmpty {
            segments.append(.text(String(decoding: bytes[textStart...], as: UTF8.self)))
        }
        return segments
    }

    private func longestMatch(in bytes: [UInt8], at position: Int) -> (token: AddedToken, bytes: [UInt8])? {
        guard let candidates = patternsByFirstByte[bytes[position]] else { return nil }
        for candidate in candidates where bytes.count - position >= candidate.bytes.count {
            if bytes[position..<position + candidate.bytes.count].elementsEqual(candidate.bytes) { return candidate }
        }
        return nil
    }

    private func isWordCharacter(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "_" || scalar.properties.isAlphabetic || scalar.properties.numericType != nil
    }

    private func endsWithWordCharacter(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard let last = String(decoding: bytes, as: UTF8.self).unicodeScalars.last else { return false }
        return isWordCharacter(last)
    }

    private func startsWithWordCharacter(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard let first = String(decoding: bytes, as: UTF8.self).unicodeScalars.first else { return false }
        return isWordCharacter(first)
    }

    private func startOfTrailingWhitespace(_ bytes: ArraySlice<UInt8>) -> Int {
        let text = String(decoding: bytes, as: UTF8.self)
        var start = bytes.endIndex
        for scalar in text.unicodeScalars.reversed() {
            guard scalar.properties.isWhitespace else { break }
            start -= String(scalar).utf8.count
        }
        return start
    }

    private func endOfLeadingWhitespace(_ bytes: [UInt8], from start: Int) -> Int {
        var end = start
        for scalar in String(decoding: bytes[start...], as: UTF8.self).unicodeScalars {
            guard scalar.properties.isWhitespace else { break }
            end += String(scalar).utf8.count
        }
        return end
    }
}
