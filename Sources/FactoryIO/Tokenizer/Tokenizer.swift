// Tokenizer: a Hugging Face tokenizer read from tokenizer.json, encoding text to model
// inputs and decoding ids back to text. The steps follow the `tokenizers` library:
//   added tokens cut out → normalize → pre-tokenize → model → truncate → post-process
//   (special tokens, type ids) → pad.
// `truncation` and `padding` start as the file says and can be changed before encoding
// (e.g. `tokenizer.padding = PaddingSettings(strategy: .batchLongest)`). It does NOT
// return character offsets or overflowing pieces.

import Foundation

/// A text tokenizer for a pretrained model, read from a Hugging Face tokenizer.json.
public struct Tokenizer: Sendable {
    /// Stage 1, or nil when the file has none.
    public let normalizer: (any TextNormalizer)?
    /// Stage 2, or nil (the whole normalized text is then one word).
    public let preTokenizer: (any PreTokenizer)?
    /// Stage 3.
    public let model: any TokenizerModel
    /// Stage 4, or nil (the sequences are then simply joined).
    public let postProcessor: (any TokenizerPostProcessor)?
    /// ids → text, or nil (tokens are then joined with spaces).
    public let decoder: (any TokenizerDecoder)?
    /// The added and special tokens, matched whole in the input.
    public let addedVocabulary: AddedVocabulary
    /// Truncation applied by every encode call; nil for none.
    public var truncation: TruncationSettings?
    /// Padding applied by every encode call; nil for none. `.batchLongest` pads a batch
    /// to its longest row; `.fixed(n)` pads every row to n.
    public var padding: PaddingSettings?

    /// Assembles a tokenizer from its stages (``TokenizerLoader`` does this from a file).
    public init(
        normalizer: (any TextNormalizer)?, preTokenizer: (any PreTokenizer)?, model: any TokenizerModel,
        postProcessor: (any TokenizerPostProcessor)?, decoder: (any TokenizerDecoder)?,
        addedVocabulary: AddedVocabulary, truncation: TruncationSettings? = nil, padding: PaddingSettings? = nil
    ) {
        self.normalizer = normalizer
        self.preTokenizer = preTokenizer
        self.model = model
        self.postProcessor = postProcessor
        self.decoder = decoder
        self.addedVocabulary = addedVocabulary
        self.truncation = truncation
        self.padding = padding
    }

    /// Reads a tokenizer.json with the standard (BERT family) stages.
    /// - Parameter url: the tokenizer.json file.
    /// - Throws: ``TokenizerError`` naming the file and JSON path of any problem.
    public static func load(contentsOf url: URL) throws(TokenizerError) -> Tokenizer {
        try TokenizerLoader.standard.load(contentsOf: url)
    }

    // MARK: Encoding

    /// The tokens of one text, before truncation and special tokens.
    /// - Parameters:
    ///   - text: the raw text.
    ///   - typeID: the token type id to give every token.
    public func tokenize(_ text: String, typeID: Int = 0) -> TokenEncoding {
        var tokens: [Token] = []
        for segment in addedVocabulary.segments(of: text, normalizer: normalizer) {
            switch segment {
            case .addedToken(let token):
                tokens.append(token)
            case .text(let piece):
                let words = preTokenizer?.preTokenize(piece) ?? (piece.isEmpty ? [] : [piece])
                for word in words { tokens.append(contentsOf: model.tokenize(word)) }
            }
        }
        return TokenEncoding(tokens: tokens, typeID: typeID)
    }

    /// Encodes one text, or a text pair, into model inputs.
    /// - Parameters:
    ///   - text: the (first) text.
    ///   - pair: the second text, for sentence-pair tasks; its tokens get type id 1.
    ///   - addSpecialTokens: add [CLS]/[SEP] (or whatever the post-processor adds).
    /// - Throws: ``TokenizerError/truncationFailed(reason:)`` when `OnlyFirst`/`OnlySecond`
    ///   truncation cannot fit the input.
    public func encode(_ text: String, pair: String? = nil, addSpecialTokens: Bool = true) throws(TokenizerError) -> TokenEncoding {
        var encodings = [try encodeUnpadded(text, pair: pair, addSpecialTokens: addSpecialTokens)]
        padding?.pad(&encodings)
        return encodings[0]
    }

    /// Encodes a batch of texts; with ``padding`` set, all rows get one length T and
    /// ``TokenBatch/tensors()`` gives the [B, T] arrays.
    public func encodeBatch(_ texts: [String], addSpecialTokens: Bool = true) throws(TokenizerError) -> TokenBatch {
        var encodings: [TokenEncoding] = []
        encodings.reserveCapacity(texts.count)
        for text in texts { encodings.append(try encodeUnpadded(text, pair: nil, addSpecialTokens: addSpecialTokens)) }
        padding?.pad(&encodings)
        return TokenBatch(encodings: encodings)
    }

    /// Encodes a batch of text pairs (first text type id 0, second type id 1).
    public func encodeBatch(pairs: [(first: String, second: String)], addSpecialTokens: Bool = true) throws(TokenizerError) -> TokenBatch {
        var encodings: [TokenEncoding] = []
        encodings.reserveCapacity(pairs.count)
        for pair in pairs {
            encodings.append(try encodeUnpadded(pair.first, pair: pair.second, addSpecialTokens: addSpecialTokens))
        }
        padding?.pad(&encodings)
        return TokenBatch(encodings: encodings)
    }

    private func encodeUnpadded(_ text: String, pair: String?, addSpecialTokens: Bool) throws(TokenizerError) -> TokenEncoding {
        var first = tokenize(text, typeID: 0)
        var second = pair.map { tokenize($0, typeID: 1) }
        if let truncation {
            let added = addSpecialTokens ? (postProcessor?.addedTokenCount(isPair: second != nil) ?? 0) : 0
            try truncation.truncate(&first, &second, limit: max(0, truncation.maximumLength - added))
        }
        if let postProcessor {
            return postProcessor.process(first, pair: second, addSpecialTokens: addSpecialTokens)
        }
        if let second { first.append(second) }
        return first
    }

    // MARK: Vocabulary and decoding

    /// The id of a token (added tokens first, then the model's vocabulary), or nil.
    public func id(forToken token: String) -> Int? {
        addedVocabulary.token(forContent: token)?.id ?? model.id(forToken: token)
    }

    /// The text of an id (added tokens first, then the model's vocabulary), or nil.
    public func token(forID id: Int) -> String? {
        addedVocabulary.token(forID: id)?.content ?? model.token(forID: id)
    }

    /// Turns ids back into text: unknown ids are skipped, special tokens dropped when
    /// asked, then the decoder joins the pieces (WordPiece merges `##` continuations).
    /// - Parameters:
    ///   - ids: vocabulary ids, e.g. a model's output or an encoding's ``TokenEncoding/ids``.
    ///   - skipSpecialTokens: drop [CLS], [SEP], [PAD] and other special added tokens.
    public func decode(_ ids: [Int], skipSpecialTokens: Bool = true) -> String {
        var tokens: [String] = []
        for id in ids {
            if let added = addedVocabulary.token(forID: id) {
                if skipSpecialTokens && added.special { continue }
                tokens.append(added.content)
            } else if let token = model.token(forID: id) {
                tokens.append(token)
            }
        }
        return decoder?.decode(tokens) ?? tokens.joined(separator: " ")
    }
}
