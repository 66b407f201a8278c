// JSONLinesReader: streams a JSON Lines file (one JSON object per line), skipping blank
// lines. Each record keeps its line number; a line that is not valid UTF-8, not valid JSON,
// or not an object is a TableError naming the file and line. Values are looked up by key,
// with an error listing the record's keys when one is missing. It is NOT a reader of JSON
// arrays or of pretty-printed objects spanning lines.

import Foundation

/// One record of a JSON Lines file.
public struct JSONLinesRecord: Sendable, Equatable {
    /// The record's line (1-based).
    public let line: Int
    /// The object on that line.
    public let object: JSONObject
    /// The file, for error messages.
    public let file: String

    /// The value for `key`.
    /// - Throws: ``TableError/missingKey(file:line:key:available:)`` listing the record's keys.
    public func value(named key: String) throws(TableError) -> JSONValue {
        guard let value = object[key] else { throw .missingKey(file: file, line: line, key: key, available: object.keys) }
        return value
    }

    /// The string value for `key`.
    /// - Throws: a missing-key or wrong-type ``TableError``.
    public func string(named key: String) throws(TableError) -> String {
        let value = try value(named: key)
        guard let text = value.stringValue else {
            throw .wrongValueType(file: file, line: line, key: key, expected: "a string", found: value.typeName)
        }
        return text
    }
}

/// Reads a JSON Lines file one record at a time.
public final class JSONLinesReader {
    /// The file being read.
    public let url: URL
    private let lines: TextLineReader

    /// Opens `url`.
    /// - Parameters:
    ///   - url: the .jsonl file.
    ///   - maximumLineBytes: the longest line accepted.
    public init(url: URL, maximumLineBytes: Int = 64 << 20) throws(TableError) {
        self.url = url
        self.lines = try TextLineReader(url: url, maximumLineBytes: maximumLineBytes)
    }

    /// Reads a whole file into memory.
    public static func readAll(url: URL) throws(TableError) -> [JSONLinesRecord] {
        try JSONLinesReader(url: url).readAll()
    }

    /// The remaining records.
    public func readAll() throws(TableError) -> [JSONLinesRecord] {
        var records: [JSONLinesRecord] = []
        while let record = try next() { records.append(record) }
        return records
    }

    /// The next record, or nil at the end of the file.
    public func next() throws(TableError) -> JSONLinesRecord? {
        while let line = try lines.nextLine() {
            let isBlank = line.content.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
            if isBlank { continue }
            guard String(validating: line.content, as: UTF8.self) != nil else {
                throw .invalidUTF8(file: lines.file, line: line.number)
            }
            let value: JSONValue
            do {
                value = try JSONParser.parse(line.content)
            } catch {
                throw .invalidJSON(file: lines.file, line: line.number, error: error)
            }
            guard let object = value.objectValue else {
                throw .notAnObject(file: lines.file, line: line.number, found: value.typeName)
            }
            return JSONLinesRecord(line: line.number, object: object, file: lines.file)
        }
        return nil
    }
}
