// JSON Lines reading on hand-written files: records with line numbers, blank lines, BOM,
// each error with its line, key lookup, and a seeded fuzz loop over mutated content.

import FactoryTensor
import Foundation
import FactoryIO
import Testing
import TestSupport

@Suite("JSON Lines reader")
struct JSONLinesReaderTests {
    let files: TemporaryFiles

    init() throws { files = try TemporaryFiles() }

    private func readError(_ text: String) throws -> TableError? {
        let url = try files.write(text, name: "data.jsonl")
        do {
            _ = try JSONLinesReader.readAll(url: url)
            return nil
        } catch {
            return error
        }
    }

    private var path: String { files.folder.appendingPathComponent("data.jsonl").path }

    @Test func readsObjectsSkippingBlankLines() throws {
        let url = try files.write("{\"text\": \"good\", \"label\": 1}\n\n   \r\n{\"text\": \"bad\", \"label\": 0}\r\n", name: "data.jsonl")
        let records = try JSONLinesReader.readAll(url: url)
        #expect(records.map(\.line) == [1, 4])
        #expect(try records.map { try $0.string(named: "text") } == ["good", "bad"])
        #expect(try records[1].value(named: "label") == .integer(0))
    }

    @Test func byteOrderMarkAndMissingFinalNewline() throws {
        let url = try files.write([0xEF, 0xBB, 0xBF] + Array("{\"a\": 1}\n{\"a\": 2}".utf8), name: "data.jsonl")
        #expect(try JSONLinesReader.readAll(url: url).map { try $0.value(named: "a") } == [.integer(1), .integer(2)])
    }

    @Test func emptyFileHasNoRecords() throws {
        #expect(try JSONLinesReader.readAll(url: try files.write("", name: "data.jsonl")).isEmpty)
    }

    @Test func invalidJSONNamesLineAndColumn() throws {
        let failure = try #require(try readError("{\"a\": 1}\n{\"a\": }\n"))
        guard case .invalidJSON(let file, let line, let syntax) = failure else {
            Issue.record("expected invalidJSON, got \(failure)")
            return
        }
        #expect(file == path)
        #expect(line == 2)
        #expect(syntax.column == 7)
        #expect(failure.description.contains("line 2"))
    }

    @Test func nonObjectsAreRejected() throws {
        #expect(try readError("{\"a\": 1}\n[1, 2]\n") == .notAnObject(file: path, line: 2, found: "array"))
        #expect(try readError("\"text\"\n") == .notAnObject(file: path, line: 1, found: "string"))
    }

    @Test func invalidUTF8NamesTheLine() throws {
        let url = try files.write(Array("{\"a\": 1}\n{\"a\": \"".utf8) + [0xFF] + Array("\"}\n".utf8), name: "data.jsonl")
        #expect(throws: TableError.invalidUTF8(file: url.path, line: 2)) { try JSONLinesReader.readAll(url: url) }
    }

    @Test func missingKeysListTheRecordsKeys() throws {
        let url = try files.write("{\"review\": \"fine\", \"stars\": 4}\n", name: "data.jsonl")
        let record = try #require(try JSONLinesReader.readAll(url: url).first)
        #expect(throws: TableError.missingKey(file: url.path, line: 1, key: "text", available: ["review", "stars"])) {
            try record.value(named: "text")
        }
        #expect(throws: TableError.wrongValueType(file: url.path, line: 1, key: "stars", expected: "a string", found: "integer")) {
            try record.string(named: "stars")
        }
    }

    @Test func streamsOneRecordAtATime() throws {
        var text = ""
        for index in 0..<5_000 { text += "{\"n\": \(index), \"pad\": \"\(String(repeating: "p", count: 40))\"}\n" }
        let reader = try JSONLinesReader(url: try files.write(text, name: "data.jsonl"))
        var expected = 0
        while let record = try reader.next() {
            #expect(try record.value(named: "n") == .integer(expected))
            expected += 1
        }
        #expect(expected == 5_000)
    }

    @Test(arguments: 0..<300)
    func mutatedJSONLinesGiveRecordsOrTypedErrors(seed: Int) throws {
        var generator = SeededGenerator(seed: UInt64(seed) &+ 10_000)
        var bytes = Array("{\"text\": \"caf\\u00e9 \\\"ok\\\"\", \"label\": [1, 2.5e3, null]}\n\n{\"text\": \"two\", \"nested\": {\"a\": true}}\n".utf8)
        let alphabet: [UInt8] = [0x22, 0x7B, 0x7D, 0x5B, 0x5D, 0x2C, 0x3A, 0x5C, 0x0A, 0x31, 0xE9, 0xFF]
        ByteMutation.mutate(&bytes, alphabet: alphabet, using: &generator)
        let url = try files.write(bytes, name: "fuzz-\(seed).jsonl")
        do {
            let records = try JSONLinesReader.readAll(url: url)
            #expect(records.count <= 5)
            #expect(records.allSatisfy { $0.line >= 1 && $0.line <= 7 })
        } catch {
            #expect(error.description.contains(url.path))
        }
    }
}
