// Hostile tokenizer.json files: each must give a typed TokenizerError that names the file
// and the JSON path, never a crash. Variants are made by editing the tiny fixture's text.

import FactoryTensor
import Foundation
import FactoryIO
import Testing

@Suite("Tokenizer file errors")
struct TokenizerFileErrorTests {
    let fixtureText: String

    init() throws {
        fixtureText = try String(contentsOf: TinyTokenizer.url, encoding: .utf8)
    }

    /// Loads `text` as if it were the file "bad.json".
    private func load(_ text: String) throws(TokenizerError) -> Tokenizer {
        try TokenizerLoader.standard.load(bytes: Array(text.utf8), file: "bad.json")
    }

    /// The fixture with `old` replaced by `new` (which must occur).
    private func edited(_ old: String, _ new: String) throws -> String {
        #expect(fixtureText.contains(old), "fixture contains \(old)")
        return fixtureText.replacingOccurrences(of: old, with: new)
    }

    private func error(loading text: String) -> TokenizerError? {
        do {
            _ = try load(text)
            return nil
        } catch {
            return error
        }
    }

    @Test func invalidJSONNamesFileLineAndColumn() throws {
        let broken = try edited("\"version\": \"1.0\",", "\"version\": \"1.0\",,")
        let failure = try #require(error(loading: broken))
        guard case .invalidJSON(let file, let syntax) = failure else {
            Issue.record("expected invalidJSON, got \(failure)")
            return
        }
        #expect(file == "bad.json")
        #expect(syntax.line == 2)
        #expect(failure.description.contains("bad.json"))
        #expect(failure.description.contains("line 2"))
    }

    @Test func missingVocabularyNamesItsPath() throws {
        let broken = try edited("\"vocab\": {", "\"vocabulary\": {")
        #expect(error(loading: broken) == .missingField(file: "bad.json", path: "model.vocab"))
    }

    @Test func missingModelIsAnError() {
        #expect(error(loading: "{\"normalizer\": null}") == .missingField(file: "bad.json", path: "model"))
    }

    @Test func wrongTypesNameThePathAndBothTypes() throws {
        let unknownAsNumber = try edited("\"unk_token\": \"[UNK]\"", "\"unk_token\": 1")
        #expect(error(loading: unknownAsNumber) == .wrongType(file: "bad.json", path: "model.unk_token", expected: "a string", found: "integer"))
        let idAsString = try edited("\"hello\": 22", "\"hello\": \"22\"")
        #expect(error(loading: idAsString) == .wrongType(file: "bad.json", path: "model.vocab.hello", expected: "an integer", found: "string"))
        let typeIDAsBool = try edited("\"type_id\": 1", "\"type_id\": true")
        let failure = try #require(error(loading: typeIDAsBool))
        #expect(failure.description.contains("post_processor.pair[3].Sequence.type_id"))
        #expect(error(loading: "[1, 2]") == .wrongType(file: "bad.json", path: "(root)", expected: "an object", found: "array"))
    }

    @Test func unknownModelTypeIsNamed() throws {
        let broken = try edited("\"type\": \"WordPiece\",\n  \"unk_token\"", "\"type\": \"BPE\",\n  \"unk_token\"")
        let failure = try #require(error(loading: broken))
        guard case .unsupportedType(let file, let path, let stage, let type, let supported) = failure else {
            Issue.record("expected unsupportedType, got \(failure)")
            return
        }
        #expect(file == "bad.json")
        #expect(path == "model.type")
        #expect(stage == "model")
        #expect(type == "BPE")
        #expect(supported == ["WordPiece"])
        #expect(failure.description.contains("\"BPE\""))
        #expect(failure.description.contains("bad.json"))
    }

    @Test func unknownPreTokenizerTypeIsNamed() throws {
        let broken = try edited("\"BertPreTokenizer\"", "\"ByteLevel\"")
        let failure = try #require(error(loading: broken))
        #expect(failure.description.contains("pre_tokenizer.type"))
        #expect(failure.description.contains("\"ByteLevel\""))
    }

    @Test func aNewModelTypeCanBeRegisteredWithoutTouchingBERT() throws {
        struct WholeWordModel: TokenizerModel {
            func tokenize(_ word: String) -> [Token] { [Token(id: 7, value: word)] }
            func id(forToken token: String) -> Int? { nil }
            func token(forID id: Int) -> String? { nil }
            var vocabularySize: Int { 1 }
        }
        var loader = TokenizerLoader.standard
        loader.models["WholeWord"] = { _, _ in WholeWordModel() }
        let text = try edited("\"type\": \"WordPiece\",\n  \"unk_token\"", "\"type\": \"WholeWord\",\n  \"unk_token\"")
        let tokenizer = try loader.load(bytes: Array(text.utf8), file: "custom.json")
        #expect(try tokenizer.encode("hello world").ids == [2, 7, 7, 3])
    }

    @Test func duplicateVocabularyIDsAreRejected() throws {
        let broken = try edited("\"world\": 23", "\"world\": 22")
        #expect(error(loading: broken) == .duplicateVocabularyID(file: "bad.json", path: "model.vocab.world", id: 22, firstToken: "hello", secondToken: "world"))
    }

    @Test func duplicateJSONKeysAreRejected() throws {
        let broken = try edited("\"world\": 23", "\"hello\": 23")
        let failure = try #require(error(loading: broken))
        #expect(failure.description.contains("duplicate key \"hello\""))
    }

    @Test func unknownTokenMustBeInTheVocabulary() throws {
        let broken = try edited("\"unk_token\": \"[UNK]\"", "\"unk_token\": \"<unk>\"")
        let failure = try #require(error(loading: broken))
        #expect(failure.description.contains("model.unk_token"))
        #expect(failure.description.contains("<unk>"))
    }

    @Test func negativeIDsAndBadTemplatesAreRejected() throws {
        let negative = try edited("\"hello\": 22", "\"hello\": -22")
        #expect(error(loading: negative)?.description.contains("model.vocab.hello") == true)
        let undefinedSpecial = try edited("{\"SpecialToken\": {\"id\": \"[SEP]\", \"type_id\": 1}}", "{\"SpecialToken\": {\"id\": \"[END]\", \"type_id\": 1}}")
        let failure = try #require(error(loading: undefinedSpecial))
        #expect(failure.description.contains("post_processor.pair[4].SpecialToken.id"))
        let badPadding = try edited("\"strategy\": \"BatchLongest\"", "\"strategy\": \"Longest\"")
        #expect(error(loading: badPadding)?.description.contains("padding.strategy") == true)
    }

    @Test func unreadableAndEmptyFilesAreErrors() throws {
        let missing = URL(fileURLWithPath: "/nonexistent/tokenizer.json")
        #expect(throws: TokenizerError.self) { try Tokenizer.load(contentsOf: missing) }
        #expect(error(loading: "")?.description.contains("empty") == true)
        let notUTF8 = [UInt8]("{\"model\": \"".utf8) + [0xFF, 0xFE] + [UInt8]("\"}".utf8)
        #expect(throws: TokenizerError.self) { try TokenizerLoader.standard.load(bytes: notUTF8, file: "bad.json") }
    }

    @Test func deeplyNestedInputIsAnErrorNotACrash() {
        let deep = String(repeating: "[", count: 100_000)
        #expect(error(loading: deep)?.description.contains("nesting deeper") == true)
    }

    @Test(arguments: 0..<200)
    func truncatedFilesNeverCrash(seed: Int) throws {
        // Cut the file at a pseudo-random byte before its closing brace: always a typed error.
        var generator = SeededGenerator(seed: UInt64(seed))
        let bytes = Array(fixtureText.utf8)
        let closingBrace = try #require(bytes.lastIndex(of: UInt8(ascii: "}")))
        let cut = Int(generator.next() % UInt64(closingBrace))
        do {
            _ = try TokenizerLoader.standard.load(bytes: Array(bytes[..<cut]), file: "cut.json")
            Issue.record("a file cut at byte \(cut) of \(bytes.count) loaded")
        } catch {
            #expect(error.description.contains("cut.json"))
        }
    }
}
