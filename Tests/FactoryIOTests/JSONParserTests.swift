// JSONParser: values, escapes, exact-byte keys, and the errors (with line and column) for
// malformed input.

import FactoryIO
import Testing

@Suite("JSON parser")
struct JSONParserTests {
    @Test func parsesEveryKindOfValue() throws {
        let value = try JSONParser.parse(#"{"a": [1, -2.5, 3e2, true, false, null], "b": "x\"\\\/\n\u00e9\ud83d\ude00", "c": {}}"#)
        let object = try #require(value.objectValue)
        #expect(object.keys == ["a", "b", "c"])
        #expect(value["a"] == .array([.integer(1), .double(-2.5), .double(300), .bool(true), .bool(false), .null]))
        #expect(value["b"]?.stringValue == "x\"\\/\né😀")
        #expect(value["c"] == .object(JSONObject(members: [])))
        #expect(value["a"]?.arrayValue?[2].integerValue == 300)
        #expect(try JSONParser.parse("  42 ") == .integer(42))
        #expect(try JSONParser.parse("\u{FEFF}[]") == .array([]))
    }

    @Test func keysAreComparedByBytes() throws {
        let value = try JSONParser.parse("{\"é\": 1, \"e\u{301}\": 2}")
        #expect(value["é"] == .integer(1))
        #expect(value["e\u{301}"] == .integer(2))
        #expect(value.objectValue?.count == 2)
    }

    @Test(arguments: [
        ("", 1, 1, "empty"),
        ("{\"a\": 1,}", 1, 9, "expected a string key"),
        ("[1,\n 2,\n x]", 3, 2, "unexpected 'x'"),
        ("{\"a\" 1}", 1, 6, "expected ':'"),
        ("\"abc", 1, 1, "unterminated string"),
        ("01", 1, 1, "leading zeros"),
        ("[1] [2]", 1, 5, "after the end"),
        ("\"\\ud800\"", 1, 8, "lone high surrogate"),
        ("\"a\tb\"", 1, 3, "control character"),
        ("{\"a\": 1, \"a\": 2}", 1, 10, "duplicate key"),
        ("tru", 1, 1, "invalid literal"),
        ("1e999", 1, 1, "out of range"),
    ])
    func malformedInputGivesLineAndColumn(text: String, line: Int, column: Int, reason: String) {
        #expect {
            try JSONParser.parse(text)
        } throws: { error in
            guard let syntax = error as? JSONSyntaxError else { return false }
            return syntax.line == line && syntax.column == column && syntax.reason.contains(reason)
        }
    }

    @Test func invalidUTF8IsAnError() {
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse([0x22, 0xC3, 0x28, 0x22]) }
    }
}

@Suite struct JSONWriterTests {
    @Test func writesWhatTheParserReadsBack() throws {
        let text = #"{"a": [1, 2.5, -3e-7, true, null], "b\"q": "line\nnext\t\u0001 é", "c": {}, "d": []}"#
        let value = try JSONParser.parse(text)
        #expect(try JSONParser.parse(value.serialized()) == value)
        #expect(try JSONParser.parse(value.serialized(pretty: true)) == value)
        #expect(JSONValue.array([.double(2), .double(.nan), .string("\u{1F}")]).serialized() == #"[2,null,"\u001f"]"#)
    }
}
