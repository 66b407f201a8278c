// ConfigValue: the typed value of one project option (an integer, a number, a string, a
// boolean, a list of strings, or null), how it is written in YAML, and its stable JSON form
// for checkpoints. Not here: what values an option accepts (ConfigValueKind) or reading a
// YAML file (ConfigLoader).

import Foundation

/// The typed value of one project option.
///
/// Written in `factory.yaml` as a YAML scalar (`3`, `0.0001`, `adamw`, `true`, `null`) or a
/// flow list of strings (`[cat, dog]`). Literals work: `let epochs: ConfigValue = 3`.
public enum ConfigValue: Sendable, Equatable, Codable, CustomStringConvertible {
    /// A whole number (`train.epochs: 3`).
    case integer(Int)
    /// A finite floating-point number (`train.learning_rate: 1e-4`).
    case number(Double)
    /// Text (`train.optimizer: adamw`).
    case string(String)
    /// `true` or `false`.
    case boolean(Bool)
    /// A list of strings (`data.labels: [negative, positive]`).
    case strings([String])
    /// No value; allowed only where the option is optional.
    case null

    /// The value as it is written in `factory.yaml`: strings are quoted only when a plain
    /// scalar would read back as something else.
    public var description: String {
        switch self {
        case .integer(let value): return String(value)
        case .number(let value): return value.description
        case .string(let value): return ConfigValue.yamlScalar(value)
        case .boolean(let value): return value ? "true" : "false"
        case .strings(let values): return "[" + values.map(ConfigValue.yamlScalar).joined(separator: ", ") + "]"
        case .null: return "null"
        }
    }

    /// How an error message names this value: `the string "three"`, `the integer 3`.
    var foundDescription: String {
        switch self {
        case .integer(let value): return "the integer \(value)"
        case .number(let value): return "the number \(value)"
        case .string(let value): return "the string \(value.debugDescription)"
        case .boolean(let value): return "the boolean \(value)"
        case .strings: return "a list"
        case .null: return "nothing (null)"
        }
    }

    // MARK: YAML scalars

    /// Words that some YAML readers (1.1) take for booleans or null; written quoted.
    private static let reservedWords: Set<String> = ["null", "true", "false", "yes", "no", "on", "off", "y", "n"]

    /// `text` as a YAML scalar: plain when it is a simple name or path that reads back as the
    /// same string, double-quoted (with escapes) otherwise.
    static func yamlScalar(_ text: String) -> String {
        if text.wholeMatch(of: #/[A-Za-z_][A-Za-z0-9_.\-\/]*/#) != nil, !reservedWords.contains(text.lowercased()) {
            return text
        }
        var quoted = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case "\n": quoted += "\\n"
            case "\t": quoted += "\\t"
            case "\r": quoted += "\\r"
            case _ where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
                || [0x2028, 0x2029, 0xFEFF, 0xFFFE, 0xFFFF].contains(scalar.value):
                // Not printable in YAML, or a line break YAML would fold: escaped.
                quoted += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                    + String(scalar.value, radix: 16, uppercase: true)
            default: quoted.unicodeScalars.append(scalar)
            }
        }
        return quoted + "\""
    }

    /// What a plain (unquoted) YAML scalar means, by the YAML 1.2 core schema: null (`~`,
    /// `null`, empty), a boolean (`true`/`false` only: `yes`/`no`/`on`/`off` stay strings), an
    /// integer, a number (`1e-4`, `0.0001`, `.5`, `1.`), or else the text itself. Done here,
    /// not by Yams's resolver, whose YAML 1.1 rules differ.
    static func resolvePlainScalar(_ text: String) -> ConfigValue {
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .boolean(true)
        case "false", "False", "FALSE": return .boolean(false)
        default: break
        }
        if text.wholeMatch(of: #/[-+]?[0-9]+/#) != nil {
            if let integer = Int(text) { return .integer(integer) }
            // Too large for an integer: still a number.
        }
        if text.wholeMatch(of: #/[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?/#) != nil {
            // Swift's Double parser wants a digit after the point ("1." is YAML for 1.0).
            let normalized = text.replacing(#/\.(?![0-9])/#, with: ".0")
            if let number = Double(normalized) { return .number(number) }
        }
        return .string(text)
    }

    // MARK: Codable (tagged: {"integer": 3}, so 3 and 3.0 stay apart through JSON)

    private enum CodingKeys: String, CodingKey {
        case integer, number, string, boolean, strings, null
    }

    /// Encodes as a one-key object naming the case: `{"integer":3}`, `{"number":0.0001}`,
    /// `{"strings":["a","b"]}`, `{"null":true}`. The tag keeps `3` and `3.0` apart, which plain
    /// JSON numbers would not, so a value read back from a checkpoint compares equal.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .integer(let value): try container.encode(value, forKey: .integer)
        case .number(let value): try container.encode(value, forKey: .number)
        case .string(let value): try container.encode(value, forKey: .string)
        case .boolean(let value): try container.encode(value, forKey: .boolean)
        case .strings(let values): try container.encode(values, forKey: .strings)
        case .null: try container.encode(true, forKey: .null)
        }
    }

    /// Decodes the one-key form written by `encode(to:)`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        guard container.allKeys.count == 1, let key = container.allKeys.first else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "a config value is an object with exactly one of the keys integer, number, string, boolean, strings, null"))
        }
        switch key {
        case .integer: self = .integer(try container.decode(Int.self, forKey: key))
        case .number: self = .number(try container.decode(Double.self, forKey: key))
        case .string: self = .string(try container.decode(String.self, forKey: key))
        case .boolean: self = .boolean(try container.decode(Bool.self, forKey: key))
        case .strings: self = .strings(try container.decode([String].self, forKey: key))
        case .null: self = .null
        }
    }
}

extension ConfigValue: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByStringLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral
{
    /// `3` is `.integer(3)`.
    public init(integerLiteral value: Int) { self = .integer(value) }
    /// `1e-4` is `.number(0.0001)`.
    public init(floatLiteral value: Double) { self = .number(value) }
    /// `"adamw"` is `.string("adamw")`.
    public init(stringLiteral value: String) { self = .string(value) }
    /// `true` is `.boolean(true)`.
    public init(booleanLiteral value: Bool) { self = .boolean(value) }
    /// `["a", "b"]` is `.strings(["a", "b"])`.
    public init(arrayLiteral elements: String...) { self = .strings(elements) }
}
