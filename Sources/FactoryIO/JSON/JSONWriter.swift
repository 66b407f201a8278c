// JSONWriter: serialising a JSONValue back to JSON text — members in their order, strings
// escaped as RFC 8259 requires, numbers in the shortest form that reads back exactly
// (non-finite numbers, which JSON cannot hold, become null), optionally indented. Not here:
// parsing (JSONParser), Codable.

extension JSONValue {
    /// The JSON text of this value.
    /// - Parameter pretty: indent nested arrays and objects by two spaces per level.
    public func serialized(pretty: Bool = false) -> String {
        var output = ""
        JSONWriter.write(self, into: &output, pretty: pretty, depth: 0)
        return pretty ? output + "\n" : output
    }
}

enum JSONWriter {
    static func write(_ value: JSONValue, into output: inout String, pretty: Bool, depth: Int) {
        switch value {
        case .null: output += "null"
        case .bool(let flag): output += flag ? "true" : "false"
        case .integer(let number): output += String(number)
        case .double(let number):
            if !number.isFinite { output += "null" } else if number == number.rounded(), Swift.abs(number) < 1e15 {
                output += String(Int(number))
            } else {
                output += "\(number)"
            }
        case .string(let text): writeString(text, into: &output)
        case .array(let elements):
            if elements.isEmpty { output += "[]"; return }
            output += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { output += "," }
                if pretty { output += "\n" + String(repeating: "  ", count: depth + 1) }
                write(element, into: &output, pretty: pretty, depth: depth + 1)
            }
            if pretty { output += "\n" + String(repeating: "  ", count: depth) }
            output += "]"
        case .object(let object):
            if object.count == 0 { output += "{}"; return }
            output += "{"
            for (index, member) in object.members.enumerated() {
                if index > 0 { output += "," }
                if pretty { output += "\n" + String(repeating: "  ", count: depth + 1) }
                writeString(member.key, into: &output)
                output += pretty ? ": " : ":"
                write(member.value, into: &output, pretty: pretty, depth: depth + 1)
            }
            if pretty { output += "\n" + String(repeating: "  ", count: depth) }
            output += "}"
        }
    }

    static func writeString(_ text: String, into output: inout String) {
        output += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            default:
                if scalar.value < 0x20 {
                    output += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        output += "\""
    }
}
