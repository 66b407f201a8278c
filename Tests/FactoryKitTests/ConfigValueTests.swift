// ConfigValue: how values are written in YAML (quoted only when a plain scalar would read
// back as something else), its tagged Codable form, and literals.

import FactoryKit
import Foundation
import Testing

@Suite struct ConfigValueTests {
    @Test(arguments: [
        (ConfigValue.integer(-3), "-3"),
        (.number(0.0001), "0.0001"),
        (.number(1e-5), "1e-05"),
        (.number(3), "3.0"),
        (.boolean(true), "true"),
        (.null, "null"),
        (.string("adamw"), "adamw"),
        (.string("data/train.csv"), "data/train.csv"),
        (.string("minilm-l6-h384"), "minilm-l6-h384"),
        (.string("yes"), #""yes""#),
        (.string("Null"), #""Null""#),
        (.string("3"), #""3""#),
        (.string("1e-4"), #""1e-4""#),
        (.string(""), #""""#),
        (.string("two words"), #""two words""#),
        (.string("say \"hi\"\n\\"), #""say \"hi\"\n\\""#),
        (.string("\u{1}"), #""\u0001""#),
        (.strings(["a", "b c", "no"]), #"[a, "b c", "no"]"#),
        (.strings([]), "[]"),
    ])
    func writtenAsYAML(value: ConfigValue, yaml: String) {
        #expect(value.description == yaml)
    }

    @Test(arguments: [
        ConfigValue.integer(Int.min), .number(-0.5), .number(2), .string("x\ny"), .boolean(false), .strings(["a"]), .null,
    ])
    func codableRoundTrip(value: ConfigValue) throws {
        let decoded = try JSONDecoder().decode(ConfigValue.self, from: JSONEncoder().encode(value))
        #expect(decoded == value)
    }

    @Test func decodingRejectsAnUntaggedValue() {
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(ConfigValue.self, from: Data("3".utf8)) }
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(ConfigValue.self, from: Data(#"{"integer":3,"string":"x"}"#.utf8))
        }
    }

    @Test func literals() {
        let values: [ConfigValue] = [3, 0.5, "x", true, ["a", "b"]]
        #expect(values == [.integer(3), .number(0.5), .string("x"), .boolean(true), .strings(["a", "b"])])
    }
}
