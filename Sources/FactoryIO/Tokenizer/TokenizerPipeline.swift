// TokenizerPipeline: the four replaceable stages of a Hugging Face tokenizer, as protocols,
// in the order text flows through them:
//   TextNormalizer → PreTokenizer → TokenizerModel → TokenizerPostProcessor,
// plus TokenizerDecoder for ids → text. Each stage is chosen by the `type` field of its
// section in tokenizer.json (see TokenizerLoader), so BPE or Unigram models and ByteLevel or
// Metaspace pre-tokenizers can be added as new conforming types without touching the BERT
// ones. This file holds only the protocols and the Token value; no stage is implemented here.

/// A token the model produced: its vocabulary id and its text (e.g. `##ing`).
public struct Token: Sendable, Equatable, CustomStringConvertible {
    /// The vocabulary id.
    public let id: Int
    /// The token's text as in the vocabulary.
    public let value: String

    /// Makes a token.
    public init(id: Int, value: String) {
        self.id = id
        self.value = value
    }

    public var description: String { "\(value)(\(id))" }
}

/// Stage 1: rewrites raw text (clean up, lowercase, strip accents, Unicode normal forms).
public protocol TextNormalizer: Sendable {
    /// The normalized form of `text`.
    func normalize(_ text: String) -> String
}

/// Stage 2: splits normalized text into words; the model tokenizes each word on its own.
public protocol PreTokenizer: Sendable {
    /// The words of `text`, in order; no empty strings.
    func preTokenize(_ text: String) -> [String]
}

/// Stage 3: turns one word into vocabulary tokens (WordPiece, and later BPE or Unigram).
public protocol TokenizerModel: Sendable {
    /// The tokens of `word`, in order.
    func tokenize(_ word: String) -> [Token]
    /// The id of a vocabulary token, or nil when it is not in the vocabulary.
    func id(forToken token: String) -> Int?
    /// The text of a vocabulary id, or nil when no token has that id.
    func token(forID id: Int) -> String?
    /// The number of tokens in the vocabulary.
    var vocabularySize: Int { get }
}

/// Stage 4: adds special tokens ([CLS], [SEP]…) and sets token type ids for one sequence
/// or a pair.
public protocol TokenizerPostProcessor: Sendable {
    /// How many tokens `process` adds for a single sequence (`isPair` false) or a pair;
    /// truncation leaves room for them.
    func addedTokenCount(isPair: Bool) -> Int
    /// Joins `first` and the optional `pair` into the model's input.
    /// - Parameters:
    ///   - first: the tokens of the first sequence.
    ///   - pair: the tokens of the second sequence, for sentence-pair tasks.
    ///   - addSpecialTokens: when false, only the sequences (with their type ids) are kept.
    func process(_ first: TokenEncoding, pair: TokenEncoding?, addSpecialTokens: Bool) -> TokenEncoding
}

/// Turns a list of token strings back into text (e.g. merges WordPiece's `##` pieces).
public protocol TokenizerDecoder: Sendable {
    /// The text for `tokens` (special tokens already removed when asked).
    func decode(_ tokens: [String]) -> String
}

/// The pieces of a text after added tokens ([CLS], [MASK], user-added words) are cut out.
public enum TextSegment: Sendable, Equatable {
    /// Ordinary text: normalized (when the segment was produced after normalization)
    /// and still to be pre-tokenized and tokenized.
    case text(String)
    /// An added token, matched whole; it bypasses the model.
    case addedToken(Token)
}
