// DelimitedTextReader: streams the records of a CSV (RFC 4180) or TSV file.
// CSV: fields separated by ',', optionally quoted with '"'; inside quotes a delimiter or a
// line break is data and "" is one quote; CRLF or LF line ends (a line break inside quotes is
// kept as written). A quote inside an unquoted field is kept as a literal character (as
// most CSV writers' readers do); text after a closing quote is an error.
// TSV: fields separated by a tab, with NO quoting by default (the usual TSV convention:
// cells cannot contain tabs or line breaks, and '"' is an ordinary character); turn on
// `usesQuotes` to read CSV-style quoting with tabs.
// Both: a header row names the columns (by default); blank lines are skipped; a leading
// UTF-8 byte order mark is dropped; every record must have the header's number of cells
// (too few: error or empty cells, by `missingCells`; too many: error). It is NOT a type
// converter: every cell is a String.

import Foundation

/// The dialect of a delimited text file.
public struct DelimitedTextFormat: Sendable, Equatable {
    /// What to do with a record that has fewer cells than the header.
    public enum MissingCellPolicy: Sendable, Equatable {
        /// Throw ``TableError/wrongCellCount(file:line:expected:found:)``.
        case error
        /// Fill the missing trailing cells with empty strings.
        case fillWithEmpty
    }

    /// The field separator, an ASCII byte (',' or '\t').
    public var delimiter: UInt8
    /// Whether '"' quotes fields (CSV) or is an ordinary character (plain TSV).
    public var usesQuotes: Bool
    /// Whether the first record names the columns; without one they are "column1", "column2"….
    public var hasHeader: Bool
    /// What to do with a record that has fewer cells than the header.
    public var missingCells: MissingCellPolicy
    /// The longest record accepted, in bytes (guards against unclosed quotes in huge files).
    public var maximumRecordBytes: Int

    /// Makes a format; see ``csv`` and ``tsv`` for the usual ones.
    public init(delimiter: UInt8, usesQuotes: Bool, hasHeader: Bool = true, missingCells: MissingCellPolicy = .error, maximumRecordBytes: Int = 64 << 20) {
        self.delimiter = delimiter
        self.usesQuotes = usesQuotes
        self.hasHeader = hasHeader
        self.missingCells = missingCells
        self.maximumRecordBytes = maximumRecordBytes
    }

    /// Comma-separated, RFC 4180 quoting, header row.
    public static let csv = DelimitedTextFormat(delimiter: UInt8(ascii: ","), usesQuotes: true)
    /// Tab-separated, no quoting, header row.
    public static let tsv = DelimitedTextFormat(delimiter: UInt8(ascii: "\t"), usesQuotes: false)
}

/// Reads a CSV or TSV file one record at a time.
public final class DelimitedTextReader {
    /// The file being read.
    public let url: URL
    /// The dialect.
    public let format: DelimitedTextFormat
    /// The columns (from the header row, or numbered).
    public let columns: TableColumns
    private let lines: TextLineReader
    private var pending: (line: Int, cells: [String])?

    /// Opens `url` and reads its header row.
    /// - Throws: ``TableError`` when the file cannot be read, is empty while a header is
    ///   expected, or its header is malformed.
    public init(url: URL, format: DelimitedTextFormat = .csv) throws(TableError) {
        self.url = url
        self.format = format
        let lines = try TextLineReader(url: url, maximumLineBytes: format.maximumRecordBytes)
        self.lines = lines
        let first = try Self.nextRawRecord(lines: lines, format: format)
        if format.hasHeader {
            guard let header = first else { throw .missingHeader(file: url.path) }
            columns = try TableColumns(names: header.cells, file: url.path)
        } else {
            columns = try TableColumns(names: (first?.cells ?? []).indices.map { "column\($0 + 1)" }, file: url.path)
            pending = first
        }
    }

    /// Reads a whole file into memory.
    public static func readAll(url: URL, format: DelimitedTextFormat = .csv) throws(TableError) -> (columns: TableColumns, records: [TableRecord]) {
        let reader = try DelimitedTextReader(url: url, format: format)
        return (reader.columns, try reader.readAll())
    }

    /// The remaining records.
    public func readAll() throws(TableError) -> [TableRecord] {
        var records: [TableRecord] = []
        while let record = try next() { records.append(record) }
        return records
    }

    /// The next record, or nil at the end of the file.
    public func next() throws(TableError) -> TableRecord? {
        let raw: (line: Int, cells: [String])
        if let pending {
            raw = pending
            self.pending = nil
        } else {
            guard let next = try Self.nextRawRecord(lines: lines, format: format) else { return nil }
            raw = next
        }
        var cells = raw.cells
        if cells.count > columns.count || (cells.count < columns.count && format.missingCells == .error) {
            throw .wrongCellCount(file: url.path, line: raw.line, expected: columns.count, found: cells.count)
        }
        if cells.count < columns.count { cells += Array(repeating: "", count: columns.count - cells.count) }
        return TableRecord(line: raw.line, values: cells, columns: columns)
    }

    /// Parses the next non-blank record into cells.
    private static func nextRawRecord(lines: TextLineReader, format: DelimitedTextFormat) throws(TableError) -> (line: Int, cells: [String])? {
        var line: TextLine
        repeat {
            guard let next = try lines.nextLine() else { return nil }
            line = next
        } while line.content.isEmpty

        let file = lines.file
        let startLine = line.number
        var cells: [String] = []
        var field: [UInt8] = []
        var recordBytes = 0

        func finishField() throws(TableError) {
            guard let text = String(validating: field, as: UTF8.self) else {
                throw .invalidUTF8(file: file, line: startLine)
            }
            cells.append(text)
            field.removeAll(keepingCapacity: true)
        }

        var bytes = line.content
        var index = 0
        while true {
            // At the start of a field.
            if format.usesQuotes && index < bytes.count && bytes[index] == UInt8(ascii: "\"") {
                index += 1
                // Quoted field: runs until a lone quote, possibly across lines.
                quoted: while true {
                    while index < bytes.count {
                        let byte = bytes[index]
                        if byte == UInt8(ascii: "\"") {
                            if index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "\"") {
                                field.append(byte)
                                index += 2
                                continue
                            }
                            index += 1
                            break quoted
                        }
                        field.append(byte)
                        index += 1
                    }
                    // The line ended inside quotes: the line break is data; continue on the next line.
                    guard !line.terminator.isEmpty, let next = try lines.nextLine() else {
                        throw .unterminatedQuote(file: file, line: startLine)
                    }
                    field.append(contentsOf: line.terminator)
                    recordBytes += bytes.count + line.terminator.count
                    if recordBytes > format.maximumRecordBytes {
                        throw .recordTooLong(file: file, line: startLine, limit: format.maximumRecordBytes)
                    }
                    line = next
                    bytes = next.content
                    index = 0
                }
                try finishField()
                if index == bytes.count { return (startLine, cells) }
                guard bytes[index] == format.delimiter else { throw .textAfterClosingQuote(file: file, line: line.number) }
                index += 1
            } else {
                // Unquoted field: runs to the next delimiter or the line end.
                let end = bytes[index...].firstIndex(of: format.delimiter) ?? bytes.count
                field.append(contentsOf: bytes[index..<end])
                try finishField()
                if end == bytes.count { return (startLine, cells) }
                index = end + 1
            }
        }
    }
}
