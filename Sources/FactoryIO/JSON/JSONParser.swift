// JSONParser: a strict RFC 8259 parser from UTF-8 bytes to JSONValue, for tokenizer.json
// and JSON Lines. It reports the line and column of the first problem, rejects duplicate
// object keys (a tokenizer vocabulary with a key twice is ambiguous), invalid UTF-8, lone
// surrogate escapes and nesting deeper than `maximumDepth` (so hostile input cannot
// overflow the stack). It is NOT a streaming parser and NOT lenient: no comments, no
// trailing commas, no NaN. A UTF-8 byte order mark before the document is skipped.

/// What is wrong with a JSON text, and where (1-based line and column, in bytes).
public struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 1-based line of the problem.
    public let line: Int
    /// 1-based column (byte offset in the line plus one) of the problem.
    public let column: Int
    /// What is wrong, e.g. "expected ',' or '}' after an object member".
    public let reason: String

    public var description: String { "line \(line), column \(column): \(reason)" }
}

/// Parses JSON text into ``JSONValue``.
public enum JSONParser {
    /// The deepest nesting of arrays and objects accepted.
    public static let maximumDepth = 512

    /// Parses one JSON document that fills all of `bytes` (whitespace around it allowed).
    /// - Parameter bytes: UTF-8 text.
    /// - Throws: ``JSONSyntaxError`` naming the line and column of the first problem.
    public static func parse(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSONValue {
        var cursor = Cursor(bytes: bytes)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { cursor.position = 3 }
        cursor.skipWhitespace()
        if cursor.atEnd { throw cursor.error("the document is empty; expected a JSON value") }
        let value = try cursor.parseValue(depth: 0)
        cursor.skipWhitespace()
        if !cursor.atEnd { throw cursor.error("unexpected \(cursor.describeCurrent()) after the end of the JSON value") }
        return value
    }

    /// Parses one JSON document from a Swift string.
    public static func parse(_ text: String) throws(JSONSyntaxError) -> JSONValue {
        try parse(Array(text.utf8))
    }
}

private struct Cursor {
    let bytes: [UInt8]
    var position = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { position >= bytes.count }
    var current: UInt8 { bytes[position] }

    func error(_ reason: String, at offset: Int? = nil) -> JSONSyntaxError {
        let target = min(offset ?? position, bytes.count)
        var line = 1
        var lineStart = 0
        for index in 0..<target where bytes[index] == UInt8(ascii: "\n") {
            line += 1
            lineStart = index + 1
        }
        return JSONSyntaxError(line: line, column: target - lineStart + 1, reason: reason)
    }

    func describeCurrent() -> String {
        guard !atEnd else { return "end of input" }
        let byte = current
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x\(String(byte, radix: 16, uppercase: true))"
    }

    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    mutating func parseValue(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        guard !atEnd else { throw error("unexpected end of input; expected a JSON value") }
        switch current {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw error("unexpected \(describeCurrent()); expected a JSON value")
        }
    }

    mutating func expectLiteral(_ literal: StaticString) throws(JSONSyntaxError) {
        let start = position
        let expected = literal.withUTF8Buffer { Array($0) }
        guard bytes.count - position >= expected.count,
            Array(bytes[position..<position + expected.count]) == expected
        else { throw error("invalid literal; expected '\(literal)'", at: start) }
        position += expected.count
    }

    mutating func parseObject(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        if depth > JSONParser.maximumDepth { throw error("nesting deeper than \(JSONParser.maximumDepth) levels") }
        position += 1  // {
        var members: [(key: String, value: JSONValue)] = []
        var seen: Set<[UInt8]> = []
        skipWhitespace()
        if !atEnd && current == UInt8(ascii: "}") {
            position += 1
            return .object(JSONObject(members: members))
        }
        while true {
            skipWhitespace()
            guard !atEnd, current == UInt8(ascii: "\"") else {
                throw error("unexpected \(describeCurrent()); expected a string key in an object")
            }
            let keyStart = position
            let key = try parseString()
            if !seen.insert(Array(key.utf8)).inserted {
                throw error("duplicate key \"\(key)\" in the same object", at: keyStart)
            }
            skipWhitespace()
            guard !atEnd, current == UInt8(ascii: ":") else {
                throw error("unexpected \(describeCurrent()); expected ':' after the key \"\(key)\"")
            }
            position += 1
            skipWhitespace()
            let value = try parseValue(depth: depth)
            members.append((key, value))
            skipWhitespace()
            guard !atEnd else { throw error("unexpected end of input inside an object; expected ',' or '}'") }
            if current == UInt8(ascii: ",") {
                position += 1
                continue
            }
            if current == UInt8(ascii: "}") {
                position += 1
                return .object(JSONObject(members: members))
            }
            throw error("unexpected \(describeCurrent()); expected ',' or '}' after an object member")
        }
    }

    mutating func parseArray(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        if depth > JSONParser.maximumDepth { throw error("nesting deeper than \(JSONParser.maximumDepth) levels") }
        position += 1  // [
        var elements: [JSONValue] = []
        skipWhitespace()
        if !atEnd && current == UInt8(ascii: "]") {
            position += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            guard !atEnd else { throw error("unexpected end of input inside an array; expected ',' or ']'") }
            if current == UInt8(ascii: ",") {
                position += 1
                continue
            }
            if current == UInt8(ascii: "]") {
                position += 1
                return .array(elements)
            }
            throw error("unexpected \(describeCurrent()); expected ',' or ']' after an array element")
        }
    }

    mutating func parseNumber() throws(JSONSyntaxError) -> JSONValue {
        let start = position
        var isInteger = true
        if current == UInt8(ascii: "-") { position += 1 }
        guard !atEnd, isDigit(current) else { throw error("invalid number: expected a digit", at: position) }
        if current == UInt8(ascii: "0") {
            position += 1
            if !atEnd && isDigit(current) { throw error("invalid number: leading zeros are not allowed", at: start) }
        } else {
            while !atEnd && isDigit(current) { position += 1 }
        }
        if !atEnd && current == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            guard !atEnd, isDigit(current) else { throw error("invalid number: expected a digit after '.'") }
            while !atEnd && isDigit(current) { position += 1 }
        }
        if !atEnd && (current == UInt8(ascii: "e") || current == UInt8(ascii: "E")) {
            isInteger = false
            position += 1
            if !atEnd && (current == UInt8(ascii: "+") || current == UInt8(ascii: "-")) { position += 1 }
            guard !atEnd, isDigit(current) else { throw error("invalid number: expected a digit in the exponent") }
            while !atEnd && isDigit(current) { position += 1 }
        }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        if isInteger, let integer = Int(text) { return .integer(integer) }
        guard let double = Double(text), double.isFinite else {
            throw error("number \(text) is out of range", at: start)
        }
        return .double(double)
    }

    func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    mutating func parseString() throws(JSONSyntaxError) -> String {
        let start = position
        position += 1  // opening quote
        var utf8: [UInt8] = []
        while true {
            guard !atEnd else { throw error("unterminated string (missing closing '\"')", at: start) }
            let byte = current
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                guard let text = String(validating: utf8, as: UTF8.self) else {
                    throw error("invalid UTF-8 in a string; save the file as UTF-8", at: start)
                }
                return text
            case UInt8(ascii: "\\"):
                position += 1
                try parseEscape(into: &utf8)
            case 0x00..<0x20:
                throw error("control character 0x\(String(byte, radix: 16)) inside a string; escape it (e.g. \\n)")
            default:
                utf8.append(byte)
                position += 1
            }
        }
    }

    mutating func parseEscape(into utf8: inout [UInt8]) throws(JSONSyntaxError) {
        guard !atEnd else { throw error("unterminated escape sequence") }
        let byte = current
        position += 1
        switch byte {
        case UInt8(ascii: "\""): utf8.append(0x22)
        case UInt8(ascii: "\\"): utf8.append(0x5C)
        case UInt8(ascii: "/"): utf8.append(0x2F)
        case UInt8(ascii: "b"): utf8.append(0x08)
        case UInt8(ascii: "f"): utf8.append(0x0C)
        case UInt8(ascii: "n"): utf8.append(0x0A)
        case UInt8(ascii: "r"): utf8.append(0x0D)
        case UInt8(ascii: "t"): utf8.append(0x09)
        case UInt8(ascii: "u"):
            var codePoint = try parseHex4()
            if (0xD800...0xDBFF).contains(codePoint) {
                guard bytes.count - position >= 6, bytes[position] == UInt8(ascii: "\\"),
                    bytes[position + 1] == UInt8(ascii: "u")
                else { throw error("lone high surrogate \\u\(String(codePoint, radix: 16)) without its low half") }
                position += 2
                let low = try parseHex4()
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw error("high surrogate followed by \\u\(String(low, radix: 16)), not a low surrogate")
                }
                codePoint = 0x10000 + ((codePoint - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(codePoint) {
                throw error("lone low surrogate \\u\(String(codePoint, radix: 16))")
            }
            guard let scalar = Unicode.Scalar(codePoint) else { throw error("invalid code point in \\u escape") }
            utf8.append(contentsOf: Array(String(Character(scalar)).utf8))
        default:
            throw error("invalid escape '\\\(Character(Unicode.Scalar(byte)))'", at: position - 2)
        }
    }

    mutating func parseHex4() throws(JSONSyntaxError) -> UInt32 {
        guard bytes.count - position >= 4 else { throw error("incomplete \\u escape: expected 4 hex digits") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = current
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw error("invalid hex digit in \\u escape")
            }
            value = value * 16 + digit
            position += 1
        }
        return value
    }
}
