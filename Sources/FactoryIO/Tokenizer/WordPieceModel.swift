// WordPieceModel: BERT's subword model. Each word is cut greedily, longest match first,
// into vocabulary pieces; every piece after the first carries the continuing-subword
// prefix ("##"). A word with no complete cut, or longer than max_input_chars_per_word
// (counted in Unicode scalars), becomes the single unknown token. Vocabulary keys are
// compared by their exact UTF-8 bytes, as the library does, not by Swift's canonical
// String equality. Also the WordPiece decoder (ids → text). It is NOT BPE or Unigram.

/// The WordPiece model (`"type": "WordPiece"`).
public struct WordPieceModel: TokenizerModel {
    /// The unknown token, e.g. "[UNK]".
    public let unknownToken: String
    /// The id of ``unknownToken``.
    public let unknownTokenID: Int
    /// The prefix of pieces that continue a word, e.g. "##".
    public let continuingSubwordPrefix: String
    /// Words longer than this many Unicode scalars become the unknown token.
    public let maximumInputCharactersPerWord: Int

    private let idByBytes: [[UInt8]: Int]
    private let tokenByID: [Int: String]
    private let prefixBytes: [UInt8]

    /// Makes a model from a vocabulary.
    /// - Parameters:
    ///   - vocabulary: token → id; ids must be unique and `unknownToken` must be present.
    ///   - unknownToken: the token for words that cannot be cut.
    ///   - continuingSubwordPrefix: the prefix of non-initial pieces.
    ///   - maximumInputCharactersPerWord: longer words become `unknownToken`.
    /// - Returns: nil when `unknownToken` is not in the vocabulary or two tokens share an id.
    public init?(vocabulary: [(token: String, id: Int)], unknownToken: String = "[UNK]", continuingSubwordPrefix: String = "##", maximumInputCharactersPerWord: Int = 100) {
        var idByBytes: [[UInt8]: Int] = [:]
        var tokenByID: [Int: String] = [:]
        for entry in vocabulary {
            guard tokenByID[entry.id] == nil else { return nil }
            idByBytes[Array(entry.token.utf8)] = entry.id
            tokenByID[entry.id] = entry.token
        }
        guard let unknownID = idByBytes[Array(unknownToken.utf8)] else { return nil }
        self.idByBytes = idByBytes
        self.tokenByID = tokenByID
        self.unknownToken = unknownToken
        self.unknownTokenID = unknownID
        self.continuingSubwordPrefix = continuingSubwordPrefix
        self.prefixBytes = Array(continuingSubwordPrefix.utf8)
        self.maximumInputCharactersPerWord = maximumInputCharactersPerWord
    }

    /// Reads the `model` section of tokenizer.json: `vocab`, `unk_token`,
    /// `continuing_subword_prefix` (default "##"), `max_input_chars_per_word` (default 100).
    public init(json: TokenizerJSONNode) throws(TokenizerError) {
        let vocabularyNode = try json.field("vocab")
        var vocabulary: [(token: String, id: Int)] = []
        var tokenByID: [Int: String] = [:]
        for (token, node) in try vocabularyNode.members() {
            let id = try node.nonNegativeInteger()
            if let first = tokenByID[id] {
                throw .duplicateVocabularyID(file: json.file, path: node.displayPath, id: id, firstToken: first, secondToken: token)
            }
            tokenByID[id] = token
            vocabulary.append((token, id))
        }
        let unknownNode = try json.field("unk_token")
        let unknown = try unknownNode.string()
        let prefix = try json.optionalField("continuing_subword_prefix")?.string() ?? "##"
        let maximum = try json.optionalField("max_input_chars_per_word")?.nonNegativeInteger() ?? 100
        guard let model = WordPieceModel(vocabulary: vocabulary, unknownToken: unknown, continuingSubwordPrefix: prefix, maximumInputCharactersPerWord: maximum) else {
            throw unknownNode.invalid("is \"\(unknown)\", which is not in \(vocabularyNode.displayPath); add it to the vocabulary or fix unk_token")
        }
        self = model
    }

    public var vocabularySize: Int { tokenByID.count }

    public func id(forToken token: String) -> Int? { idByBytes[Array(token.utf8)] }

    public func token(forID id: Int) -> String? { tokenByID[id] }

    public func tokenize(_ word: String) -> [Token] {
        let bytes = Array(word.utf8)
        guard !bytes.isEmpty else { return [] }
        // Byte offsets where a Unicode scalar starts, plus the end.
        var boundaries: [Int] = []
        boundaries.reserveCapacity(bytes.count + 1)
        for (offset, byte) in bytes.enumerated() where byte & 0xC0 != 0x80 { boundaries.append(offset) }
        let scalarCount = boundaries.count
        boundaries.append(bytes.count)
        if scalarCount > maximumInputCharactersPerWord {
            return [Token(id: unknownTokenID, value: unknownToken)]
        }
        var pieces: [Token] = []
        var startIndex = 0  // index into boundaries
        while startIndex < scalarCount {
            var endIndex = scalarCount
            var found: Token?
            while endIndex > startIndex {
                var candidate = startIndex > 0 ? prefixBytes : []
                candidate.append(contentsOf: bytes[boundaries[startIndex]..<boundaries[endIndex]])
                if let id = idByBytes[candidate] {
                    found = Token(id: id, value: String(decoding: candidate, as: UTF8.self))
                    break
                }
                endIndex -= 1
            }
            guard let piece = found else { return [Token(id: unknownTokenID, value: unknownToken)] }
            pieces.append(piece)
            startIndex = endIndex
        }
        return pieces
    }
}

/// The WordPiece decoder (`"type": "WordPiece"` under `decoder`): pieces that start with
/// the prefix are glued to the previous one, others are joined with a space; with
/// `cleanup`, the library's English clean-up (" ." → ".", " n't" → "n't", …) follows.
public struct WordPieceDecoder: TokenizerDecoder {
    /// The prefix that marks a continuing piece, e.g. "##".
    public let prefix: String
    /// Whether to undo tokenization spaces before punctuation and in English contractions.
    public let cleanup: Bool

    /// Makes the decoder.
    public init(prefix: String = "##", cleanup: Bool = true) {
        self.prefix = prefix
        self.cleanup = cleanup
    }

    /// Reads the `decoder` section: `prefix` (default "##"), `cleanup` (default true).
    public init(json: TokenizerJSONNode) throws(TokenizerError) {
        self.prefix = try json.optionalField("prefix")?.string() ?? "##"
        self.cleanup = try json.optionalField("cleanup")?.bool() ?? true
    }

    public func decode(_ tokens: [String]) -> String {
        var text = ""
        for (index, token) in tokens.enumerated() {
            var piece = token
            if index != 0 {
                if !prefix.isEmpty && piece.utf8.starts(with: prefix.utf8) {
                    piece = String(decoding: Array(piece.utf8.dropFirst(prefix.utf8.count)), as: UTF8.self)
                } else {
                    piece = " " + piece
                }
            }
            if cleanup { piece = Self.cleanUp(piece) }
            text += piece
        }
        return text
    }

    /// The library's tokenization clean-up, applied to each piece in this order, on bytes
    /// (a plain substring replace, blind to combining marks, as the library does it).
    static func cleanUp(_ text: String) -> String {
        let replacements: [(String, String)] = [
            (" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
            (" 'm", "'m"), (" do not", " don't"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re"),
        ]
        var bytes = Array(text.utf8)
        for (from, to) in replacements {
            bytes = replacingBytes(in: bytes, of: Array(from.utf8), with: Array(to.utf8))
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Replaces every non-overlapping occurrence of `pattern`, left to right.
    static func replacingBytes(in bytes: [UInt8], of pattern: [UInt8], with replacement: [UInt8]) -> [UInt8] {
        guard !pattern.isEmpty, bytes.count >= pattern.count else { return bytes }
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == pattern[0], bytes.count - index >= pattern.count,
                bytes[index..<index + pattern.count].elementsEqual(pattern)
            {
                result.append(contentsOf: replacement)
                index += pattern.count
            } else {
                result.append(bytes[index])
                index += 1
            }
        }
        return result
    }
}
