// TableError: everything that can be wrong in a CSV, TSV or JSON Lines data file. Each
// message names the file and the line (the line where the record starts) and says what to
// do. Readers throw these and never crash on bad data.

/// An error reading a CSV, TSV or JSON Lines file.
public enum TableError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be opened or read.
    case unreadableFile(file: String, reason: String)
    /// A record contains bytes that are not UTF-8.
    case invalidUTF8(file: String, line: Int)
    /// A quoted field is never closed before the end of the file.
    case unterminatedQuote(file: String, line: Int)
    /// A closing quote is followed by something other than a delimiter or the line end.
    case textAfterClosingQuote(file: String, line: Int)
    /// A record has a different number of cells than the header.
    case wrongCellCount(file: String, line: Int, expected: Int, found: Int)
    /// The file is empty but a header row was expected.
    case missingHeader(file: String)
    /// Two header cells have the same name, so lookup by name would be ambiguous.
    case duplicateColumn(file: String, name: String)
    /// A column asked for by name is not in the header.
    case missingColumn(file: String, name: String, available: [String])
    /// A JSON Lines record lacks a key asked for by name.
    case missingKey(file: String, line: Int, key: String, available: [String])
    /// A JSON Lines record has a value of the wrong JSON type.
    case wrongValueType(file: String, line: Int, key: String, expected: String, found: String)
    /// A JSON Lines line is not valid JSON.
    case invalidJSON(file: String, line: Int, error: JSONSyntaxError)
    /// A JSON Lines line is valid JSON but not an object.
    case notAnObject(file: String, line: Int, found: String)
    /// A record is longer than the reader's limit (often an unclosed quote or a binary file).
    case recordTooLong(file: String, line: Int, limit: Int)

    public var description: String {
        switch self {
        case .unreadableFile(let file, let reason):
            return "cannot read \(file): \(reason). Check the path and permissions."
        case .invalidUTF8(let file, let line):
            return "\(file), line \(line): the text is not valid UTF-8. Re-save the file as UTF-8."
        case .unterminatedQuote(let file, let line):
            return "\(file), line \(line): a quoted field opened here is never closed. Add the closing '\"' (write a quote inside a quoted field as \"\")."
        case .textAfterClosingQuote(let file, let line):
            return "\(file), line \(line): text follows a closing quote inside a field. Quote the whole field and double any quote inside it (\"\")."
        case .wrongCellCount(let file, let line, let expected, let found):
            return "\(file), line \(line): the record has \(found) cells but the header has \(expected). Fix the record (quote cells that contain the delimiter)."
        case .missingHeader(let file):
            return "\(file) is empty; expected a header row naming the columns. Add a header line."
        case .duplicateColumn(let file, let name):
            return "\(file): the header names the column \"\(name)\" twice. Give every column a unique name."
        case .missingColumn(let file, let name, let available):
            return "\(file) has no column \"\(name)\"; available columns: \(available.joined(separator: ", ")). Choose one of them in the configuration."
        case .missingKey(let file, let line, let key, let available):
            return "\(file), line \(line): the record has no key \"\(key)\"; its keys are: \(available.joined(separator: ", ")). Add the key or choose another one in the configuration."
        case .wrongValueType(let file, let line, let key, let expected, let found):
            return "\(file), line \(line): \"\(key)\" should be \(expected) but is \(found). Fix the record."
        case .invalidJSON(let file, let line, let error):
            return "\(file), line \(line): invalid JSON at column \(error.column): \(error.reason). Each line must be one complete JSON object."
        case .notAnObject(let file, let line, let found):
            return "\(file), line \(line): expected a JSON object ({...}) but found \(found). Each line must be one JSON object."
        case .recordTooLong(let file, let line, let limit):
            return "\(file), line \(line): the record is longer than \(limit) bytes. Check for an unclosed quote or a binary file."
        }
    }
}
