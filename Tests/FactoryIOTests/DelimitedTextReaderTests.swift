// CSV and TSV reading on hand-written files in a temporary folder: quoting, line ends,
// BOM, headers, column lookup, every error with its line, streaming across buffer
// boundaries, and a seeded fuzz loop over mutated CSV.

import FactoryTensor
import Foundation
import FactoryIO
import Testing
import TestSupport

/// Writes test files into a fresh temporary folder.
final class TemporaryFiles {
    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("factory-io-tables-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: folder) }

    func write(_ text: String, name: String = "data.csv") throws -> URL {
        try write(Array(text.utf8), name: name)
    }

    func write(_ bytes: [UInt8], name: String = "data.csv") throws -> URL {
        let url = folder.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }
}

@Suite("CSV and TSV reader")
struct DelimitedTextReaderTests {
    let files: TemporaryFiles

    init() throws { files = try TemporaryFiles() }

    private func read(_ text: String, format: DelimitedTextFormat = .csv) throws -> (columns: TableColumns, records: [TableRecord]) {
        try DelimitedTextReader.readAll(url: try files.write(text), format: format)
    }

    private func readError(_ text: String, format: DelimitedTextFormat = .csv) throws -> TableError? {
        let url = try files.write(text)
        do {
            _ = try DelimitedTextReader.readAll(url: url, format: format)
            return nil
        } catch {
            return error
        }
    }

    private var path: String { files.folder.appendingPathComponent("data.csv").path }

    @Test func readsHeaderRecordsAndLineNumbers() throws {
        let table = try read("id,text,label\n1,good movie,pos\n2,bad movie,neg\n")
        #expect(table.columns.names == ["id", "text", "label"])
        #expect(table.records.map(\.values) == [["1", "good movie", "pos"], ["2", "bad movie", "neg"]])
        #expect(table.records.map(\.line) == [2, 3])
        #expect(try table.records[1].value(named: "label") == "neg")
        #expect(table.records[0][1] == "good movie")
    }

    @Test func quotedFieldsHoldCommasQuotesAndNewlines() throws {
        let table = try read("a,b\n\"x, y\",\"say \"\"hi\"\"\"\n\"line one\nline two\",z\n\"\",last\n")
        #expect(table.records.map(\.values) == [["x, y", "say \"hi\""], ["line one\nline two", "z"], ["", "last"]])
        #expect(table.records.map(\.line) == [2, 3, 5])
    }

    @Test func crlfLineEndsAndCrlfInsideQuotes() throws {
        let table = try read("a,b\r\n1,2\r\n\"p\r\nq\",3\r\n4,5")
        #expect(table.records.map(\.values) == [["1", "2"], ["p\r\nq", "3"], ["4", "5"]])
        #expect(table.records.map(\.line) == [2, 3, 5])
    }

    @Test func byteOrderMarkIsStripped() throws {
        let table = try DelimitedTextReader.readAll(url: try files.write([0xEF, 0xBB, 0xBF] + Array("id,text\n1,a\n".utf8)))
        #expect(table.columns.names == ["id", "text"])
        #expect(try table.records[0].value(named: "id") == "1")
    }

    @Test func emptyFileNeedsAHeader() throws {
        #expect(try readError("") == .missingHeader(file: path))
        #expect(try readError("\n\n") == .missingHeader(file: path))
        var headerless = DelimitedTextFormat.csv
        headerless.hasHeader = false
        #expect(try read("", format: headerless).records.isEmpty)
    }

    @Test func headerOnlyHasColumnsAndNoRecords() throws {
        let table = try read("id,text\n")
        #expect(table.columns.names == ["id", "text"])
        #expect(table.records.isEmpty)
    }

    @Test func withoutHeaderColumnsAreNumbered() throws {
        var headerless = DelimitedTextFormat.csv
        headerless.hasHeader = false
        let table = try read("1,a\n2,b\n", format: headerless)
        #expect(table.columns.names == ["column1", "column2"])
        #expect(table.records.map(\.line) == [1, 2])
        #expect(try table.records[1].value(named: "column2") == "b")
    }

    @Test func missingColumnListsTheAvailableOnes() throws {
        let table = try read("id,review,label\n1,great,pos\n")
        #expect(throws: TableError.missingColumn(file: path, name: "text", available: ["id", "review", "label"])) {
            try table.records[0].value(named: "text")
        }
        let message = TableError.missingColumn(file: path, name: "text", available: ["id", "review", "label"]).description
        #expect(message.contains("available columns: id, review, label"))
        #expect(throws: TableError.duplicateColumn(file: path, name: "a")) { try read("a,b,a\n") }
    }

    @Test func unterminatedQuoteAtTheEndNamesTheStartLine() throws {
        #expect(try readError("a,b\n1,2\n3,\"never closed\n4,5\n") == .unterminatedQuote(file: path, line: 3))
        #expect(try readError("a,b\n1,\"x") == .unterminatedQuote(file: path, line: 2))
    }

    @Test func cellCountsMustMatchTheHeader() throws {
        #expect(try readError("a,b,c\n1,2\n") == .wrongCellCount(file: path, line: 2, expected: 3, found: 2))
        #expect(try readError("a,b\n1,2\n1,2,3\n") == .wrongCellCount(file: path, line: 3, expected: 2, found: 3))
        var lenient = DelimitedTextFormat.csv
        lenient.missingCells = .fillWithEmpty
        #expect(try read("a,b,c\n1\n1,2,\n", format: lenient).records.map(\.values) == [["1", "", ""], ["1", "2", ""]])
        #expect(try readError("a,b\n1,2,3\n", format: lenient) == .wrongCellCount(file: path, line: 2, expected: 2, found: 3))
    }

    @Test func quoteRules() throws {
        #expect(try readError("a,b\n\"x\"y,2\n") == .textAfterClosingQuote(file: path, line: 2))
        // A quote inside an unquoted field is kept as written.
        #expect(try read("a,b\n5'11\",x\n").records[0].values == ["5'11\"", "x"])
    }

    @Test func invalidUTF8NamesTheLine() throws {
        let url = try files.write(Array("a,b\n1,2\n3,".utf8) + [0xC3, 0x28] + Array("\n".utf8))
        #expect(throws: TableError.invalidUTF8(file: url.path, line: 3)) { try DelimitedTextReader.readAll(url: url) }
    }

    @Test func blankLinesAreSkipped() throws {
        let table = try read("a,b\n\n1,2\r\n\r\n3,4\n\n")
        #expect(table.records.map(\.values) == [["1", "2"], ["3", "4"]])
        #expect(table.records.map(\.line) == [3, 5])
    }

    @Test func tsvHasNoQuotingByDefault() throws {
        let table = try read("id\ttext\n1\tshe said \"hi\", twice\n", format: .tsv)
        #expect(table.records[0].values == ["1", "she said \"hi\", twice"])
        var quoted = DelimitedTextFormat.tsv
        quoted.usesQuotes = true
        #expect(try read("id\ttext\n1\t\"a\tb\"\n", format: quoted).records[0].values == ["1", "a\tb"])
        #expect(try readError("a\tb\n1\t2\t3\n", format: .tsv) == .wrongCellCount(file: path, line: 2, expected: 2, found: 3))
    }

    @Test func missingAndFolderPathsAreUnreadable() {
        let missing = files.folder.appendingPathComponent("nope.csv")
        #expect(throws: TableError.unreadableFile(file: missing.path, reason: "no such file")) { try DelimitedTextReader(url: missing) }
        #expect(throws: TableError.self) { try DelimitedTextReader(url: files.folder) }
    }

    @Test func streamsRecordsAcrossBufferBoundaries() throws {
        // 20,000 records (well over one 64 KiB buffer) and a 100 KB quoted cell with newlines.
        var text = "n,text\n"
        for index in 0..<20_000 { text += "\(index),row \(index)\n" }
        let big = String(repeating: "x,\n", count: 33_000)
        text += "20000,\"\(big)\"\n20001,end\n"
        let reader = try DelimitedTextReader(url: try files.write(text))
        var count = 0
        var lastLine = 0
        while let record = try reader.next() {
            #expect(record.values[0] == String(count))
            lastLine = record.line
            count += 1
        }
        #expect(count == 20_002)
        #expect(lastLine == 20_003 + 33_000)
    }

    @Test func recordsLongerThanTheLimitAreErrors() throws {
        var small = DelimitedTextFormat.csv
        small.maximumRecordBytes = 100
        let url = try files.write("a,b\n1,\"" + String(repeating: "y\n", count: 200) + "\"\n")
        #expect(throws: TableError.recordTooLong(file: url.path, line: 2, limit: 100)) {
            try DelimitedTextReader.readAll(url: url, format: small)
        }
        let oneLongLine = try files.write("a\n" + String(repeating: "z", count: 300_000) + "\n", name: "long.csv")
        #expect(throws: TableError.self) { try DelimitedTextReader.readAll(url: oneLongLine, format: small) }
    }

    @Test(arguments: 0..<300)
    func mutatedCSVGivesRecordsOrTypedErrors(seed: Int) throws {
        var generator = SeededGenerator(seed: UInt64(seed))
        var bytes = Array("id,text,label\r\n1,\"a, \"\"quoted\"\" text\",pos\n2,\"multi\nline\",neg\n3,plain,pos\n".utf8)
        let alphabet: [UInt8] = [0x22, 0x2C, 0x0A, 0x0D, 0x61, 0xC3, 0xFF, 0x09, 0x00]
        ByteMutation.mutate(&bytes, alphabet: alphabet, using: &generator)
        let url = try files.write(bytes, name: "fuzz-\(seed).csv")
        do {
            let table = try DelimitedTextReader.readAll(url: url)
            for record in table.records {
                #expect(record.values.count == table.columns.count)
                #expect(record.line >= 2)
            }
        } catch {
            #expect(error.description.contains(url.path))
        }
    }
}
