// Tokenizer stage by stage on a tiny hand-made BERT tokenizer.json (50-token vocabulary,
// Fixtures/tokenizers/tiny-wordpiece.json), with expectations derived by hand from the
// rules of the `tokenizers` library: ids 0-4 are [PAD] [UNK] [CLS] [SEP] [MASK].

import Foundation
import FactoryIO
import Testing

enum TinyTokenizer {
    static let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/tokenizers/tiny-wordpiece.json")

    static func load() throws -> Tokenizer { try Tokenizer.load(contentsOf: url) }

    /// The fixture's ids of these vocabulary tokens.
    static func ids(_ tokens: [String], in tokenizer: Tokenizer) throws -> [Int] {
        try tokens.map { token in try #require(tokenizer.id(forToken: token), "\(token) is in the fixture vocabulary") }
    }
}

@Suite("Tokenizer stages on a tiny WordPiece tokenizer")
struct TokenizerTests {
    let tokenizer: Tokenizer

    init() throws { tokenizer = try TinyTokenizer.load() }

    private func tokens(_ text: String) throws -> [String] { try tokenizer.encode(text).tokens }

    @Test func loadsEveryStageFromTheFile() {
        #expect(tokenizer.model.vocabularySize == 50)
        #expect(tokenizer.normalizer is BertNormalizer)
        #expect(tokenizer.preTokenizer is BertPreTokenizer)
        #expect(tokenizer.model is WordPieceModel)
        #expect(tokenizer.postProcessor is TemplateProcessing)
        #expect(tokenizer.decoder is WordPieceDecoder)
        #expect(tokenizer.truncation == nil)
        #expect(tokenizer.padding == PaddingSettings(strategy: .batchLongest, padID: 0, padToken: "[PAD]"))
    }

    @Test func singleTextGetsClsAndSep() throws {
        let encoding = try tokenizer.encode("Hello, World!")
        #expect(encoding.tokens == ["[CLS]", "hello", ",", "world", "!", "[SEP]"])
        #expect(encoding.ids == [2, 22, 14, 23, 16, 3])
        #expect(encoding.typeIDs == [0, 0, 0, 0, 0, 0])
        #expect(encoding.attentionMask == [1, 1, 1, 1, 1, 1])
        #expect(encoding.specialTokensMask == [1, 0, 0, 0, 0, 1])
    }

    @Test func accentsAreStrippedBecauseLowercaseIsOn() throws {
        #expect(try tokens("Café NAÏVE résumé") == ["[CLS]", "cafe", "naive", "resume", "[SEP]"])
        // Decomposed input (e + U+0301) gives the same result.
        #expect(try tokens("Cafe\u{301}") == ["[CLS]", "cafe", "[SEP]"])
    }

    @Test func normalizerSteps() {
        let bert = BertNormalizer()
        // NUL, U+FFFD, BEL (Cc), U+200B (Cf) and U+E000 (Co) go; \t \n \r and NBSP become spaces.
        #expect(bert.normalize("ÀB\u{0}\u{FFFD}C\u{7}\u{200B}\u{E000}d\te\nf\r\u{A0}g") == "abcd e f  g")
        #expect(bert.normalize("x中y") == "x 中 y")
        #expect(bert.normalize("𠀀") == " 𠀀 ")  // U+20000, CJK Extension B
        #expect(bert.normalize("タ") == "タ")  // Katakana is not "Chinese"
        #expect(bert.normalize("İ") == "i")  // strip accents (I + U+0307 → I) runs before lowercase
        let cased = BertNormalizer(lowercase: false)
        #expect(cased.normalize("Café") == "Café")  // strip_accents null follows lowercase
        let stripOnly = BertNormalizer(stripAccents: true, lowercase: false)
        #expect(stripOnly.normalize("Café") == "Cafe")
    }

    @Test func chineseCharactersBecomeWordsOfTheirOwn() throws {
        #expect(try tokens("中文日") == ["[CLS]", "中", "文", "日", "[SEP]"])
        #expect(try tokens("x中x") == ["[CLS]", "x", "中", "x", "[SEP]"])
    }

    @Test func controlCharactersAreDroppedAndWhitespaceSplits() throws {
        #expect(try tokens("hel\u{7}lo\u{FFFD} wor\u{200B}ld\u{0}") == ["[CLS]", "hello", "world", "[SEP]"])
        #expect(try tokens("hello\u{A0}world\tthe\nis\r\ngood") == ["[CLS]", "hello", "world", "the", "is", "good", "[SEP]"])
    }

    @Test func everyPunctuationCharacterIsItsOwnWord() throws {
        // ASCII $ and ^ are punctuation for BERT although Unicode calls them symbols;
        // « » — are Unicode punctuation (Pi, Pf, Pd).
        #expect(
            try tokens("don't-playing$50^«x»—a?")
                == ["[CLS]", "don", "'", "t", "-", "play", "##ing", "$", "5", "##0", "^", "«", "x", "»", "—", "a", "?", "[SEP]"])
        #expect(BertPreTokenizer().preTokenize("  a,,b  ") == ["a", ",", ",", "b"])
    }

    @Test func wordPieceContinuesWithDoubleHash() throws {
        #expect(try tokens("unaffable plays") == ["[CLS]", "un", "##aff", "##able", "play", "##s", "[SEP]"])
        #expect(try tokens("abc") == ["[CLS]", "ab", "##c", "[SEP]"])
    }

    @Test func wordWithNoCompleteCutIsUnknown() throws {
        // "x" matches but "##y…" never does, so the whole word is [UNK], not "x [UNK]".
        #expect(try tokenizer.encode("this xyz movie").ids == [2, 32, 1, 31, 3])
    }

    @Test func wordsLongerThanTheLimitAreUnknown() throws {
        let ten = String(repeating: "a", count: 10)
        #expect(try tokens(ten) == ["[CLS]", "a"] + Array(repeating: "##a", count: 9) + ["[SEP]"])
        #expect(try tokens(ten + "a") == ["[CLS]", "[UNK]", "[SEP]"])
    }

    @Test func addedTokensAreMatchedInTheInput() throws {
        #expect(try tokenizer.encode("[CLS] hello").ids == [2, 2, 22, 3])
        #expect(try tokenizer.encode("hello[MASK]world").ids == [2, 22, 4, 23, 3])
        // "Foo Bar" is a normalized added token: it matches the lowercased text.
        #expect(try tokenizer.encode("i FOO BAR").ids == [2, 43, 50, 3])
        #expect(try tokenizer.encode("").ids == [2, 3])
    }

    @Test func pairsGetTypeIDsZeroAndOne() throws {
        let encoding = try tokenizer.encode("hello", pair: "world")
        #expect(encoding.ids == [2, 22, 3, 23, 3])
        #expect(encoding.typeIDs == [0, 0, 0, 1, 1])
        let bare = try tokenizer.encode("hello", pair: "world", addSpecialTokens: false)
        #expect(bare.ids == [22, 23])
        #expect(bare.typeIDs == [0, 1])
    }

    @Test func truncationLeavesRoomForSpecialTokens() throws {
        var truncating = tokenizer
        truncating.truncation = TruncationSettings(maximumLength: 5)
        #expect(try truncating.encode("hello world this is good").ids == [2, 22, 23, 32, 3])
        truncating.truncation?.removesFromStart = true
        #expect(try truncating.encode("hello world this is good").ids == [2, 32, 30, 28, 3])
    }

    @Test func longestFirstTruncatesTheLongerTextOfAPair() throws {
        var truncating = tokenizer
        truncating.truncation = TruncationSettings(maximumLength: 8)
        // 5 + 2 tokens, room for 5: the shorter keeps its 2, the longer gets 3.
        let shortSecond = try truncating.encode("hello world this is good", pair: "bad movie")
        #expect(shortSecond.ids == [2, 22, 23, 32, 3, 29, 31, 3])
        #expect(shortSecond.typeIDs == [0, 0, 0, 0, 0, 1, 1, 1])
        // 5 + 5 tokens, room for 6: both get 3.
        truncating.truncation = TruncationSettings(maximumLength: 9)
        let bothLong = try truncating.encode("hello world this is good", pair: "good bad movie is this")
        #expect(bothLong.ids == [2, 22, 23, 32, 3, 28, 29, 31, 3])
        // Room for 5 with 5 + 5: the first gets 2, the second 3.
        truncating.truncation = TruncationSettings(maximumLength: 8)
        #expect(try truncating.encode("hello world this is good", pair: "good bad movie is this").ids == [2, 22, 23, 3, 28, 29, 31, 3])
    }

    @Test func onlySecondTruncationNeedsAPair() throws {
        var truncating = tokenizer
        truncating.truncation = TruncationSettings(maximumLength: 5, strategy: .onlySecond)
        #expect(throws: TokenizerError.self) { try truncating.encode("hello world this is") }
        #expect(try truncating.encode("hello", pair: "world this").ids == [2, 22, 3, 23, 3])
        #expect(throws: TokenizerError.self) { try truncating.encode("hello world", pair: "this") }
    }

    @Test func batchIsPaddedToTheLongestWithMasks() throws {
        let batch = try tokenizer.encodeBatch(["hello", "hello world this"])
        #expect(batch.ids == [[2, 22, 3, 0, 0], [2, 22, 23, 32, 3]])
        #expect(batch.attentionMask == [[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]])
        #expect(batch.typeIDs == [[0, 0, 0, 0, 0], [0, 0, 0, 0, 0]])
        #expect(batch.encodings[0].tokens == ["[CLS]", "hello", "[SEP]", "[PAD]", "[PAD]"])
        let flat = try batch.flatIDs()
        #expect(flat.shape == [2, 5])
        #expect(flat.values == [2, 22, 3, 0, 0, 2, 22, 23, 32, 3])
        let tensors = try batch.tensors()
        #expect(tensors.attentionMask.shape == [2, 5])
        #expect(tensors.attentionMask.scalars == [1, 1, 1, 0, 0, 1, 1, 1, 1, 1])
    }

    @Test func fixedLeftAndMultiplePadding() throws {
        var padded = tokenizer
        padded.padding = PaddingSettings(strategy: .fixed(6), padOnLeft: true, padID: 0, padTypeID: 1)
        let single = try padded.encode("hello")
        #expect(single.ids == [0, 0, 0, 2, 22, 3])
        #expect(single.attentionMask == [0, 0, 0, 1, 1, 1])
        #expect(single.typeIDs == [1, 1, 1, 0, 0, 0])
        padded.padding = PaddingSettings(strategy: .batchLongest, padToMultipleOf: 4)
        #expect(try padded.encodeBatch(["hello world this"]).ids == [[2, 22, 23, 32, 3, 0, 0, 0]])
        // A fixed length shorter than a row leaves the row alone.
        padded.padding = PaddingSettings(strategy: .fixed(2))
        #expect(try padded.encode("hello").ids == [2, 22, 3])
    }

    @Test func pairBatchesAndUnpaddedBatchesAreRagged() throws {
        var unpadded = tokenizer
        unpadded.padding = nil
        let batch = try unpadded.encodeBatch(pairs: [("hello", "world"), ("this", "is good")])
        #expect(batch.typeIDs == [[0, 0, 0, 1, 1], [0, 0, 0, 1, 1, 1]])
        #expect(throws: TokenizerError.raggedBatch(lengths: [5, 6])) { try batch.flatIDs() }
    }

    @Test func decodeMergesPiecesAndDropsSpecialTokens() throws {
        let ids = try tokenizer.encode("Unaffable playing, don't.").ids + [0]
        #expect(tokenizer.decode(ids) == "unaffable playing, don ' t.")
        #expect(tokenizer.decode(ids, skipSpecialTokens: false) == "[CLS] unaffable playing, don ' t. [SEP] [PAD]")
        #expect(tokenizer.decode([22, 999, 50, 23]) == "hello Foo Bar world")  // unknown id 999 skipped
        #expect(tokenizer.decode([]) == "")
    }

    @Test func vocabularyLookups() {
        #expect(tokenizer.id(forToken: "##ing") == 12)
        #expect(tokenizer.id(forToken: "Foo Bar") == 50)
        #expect(tokenizer.token(forID: 49) == "日")
        #expect(tokenizer.token(forID: 50) == "Foo Bar")
        #expect(tokenizer.id(forToken: "missing") == nil)
        // Keys are compared by bytes: the decomposed form of a token is a different key.
        let model = WordPieceModel(vocabulary: [("[UNK]", 0), ("é", 1)])!
        #expect(model.id(forToken: "é") == 1)
        #expect(model.id(forToken: "e\u{301}") == nil)
    }
}
