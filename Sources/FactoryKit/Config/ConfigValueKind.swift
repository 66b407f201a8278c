// ConfigValueKind: what values one option accepts (an integer in a range, a number, a string,
// one of some choices, a list, or any of these or null) and the check of a value against it,
// with the message a user reads when it fails. Not here: YAML syntax (ConfigLoader) or the
// options themselves (ConfigOption).

/// What values an option accepts.
public indirect enum ConfigValueKind: Sendable, Equatable {
    /// A whole number, within the range when there is one. `.integer(1...Int.max)`: at least 1.
    case integer(ClosedRange<Int>?)
    /// A finite number, within the range when there is one; integers are accepted (`1` is 1.0).
    case number(ClosedRange<Double>?)
    /// Any text.
    case string
    /// `true` or `false`.
    case boolean
    /// One of the listed strings (`sgd`, `adam`, `adamw`).
    case choice([String])
    /// A list of strings (`[negative, positive]`).
    case strings
    /// The inner kind, or `null` for "not set".
    case optional(ConfigValueKind)

    /// A string that may be `null`.
    public static var optionalString: ConfigValueKind { .optional(.string) }

    /// An integer of at least `minimum`.
    public static func integer(atLeast minimum: Int) -> ConfigValueKind { .integer(minimum...Int.max) }

    /// A number of at least `minimum`.
    public static func number(atLeast minimum: Double) -> ConfigValueKind { .number(minimum...Double.infinity) }

    /// The kind without its `optional` wrapper.
    var base: ConfigValueKind {
        if case .optional(let inner) = self { return inner.base }
        return self
    }

    /// Whether `null` is accepted.
    public var isOptional: Bool {
        if case .optional = self { return true }
        return false
    }

    /// What an error message says is expected: "an integer", "one of sgd, adam, adamw".
    public var expectation: String {
        switch self {
        case .integer: return "an integer"
        case .number: return "a number"
        case .string: return "a string"
        case .boolean: return "true or false"
        case .choice(let choices): return "one of " + choices.joined(separator: ", ")
        case .strings: return "a list of strings, like [a, b]"
        case .optional(let inner): return inner.expectation + " or null"
        }
    }

    /// The allowed values as a generated comment shows them after the summary:
    /// "integer, at least 1", "choices: sgd, adam, adamw"; nil for a plain string.
    public var allowedValues: String? {
        switch self {
        case .integer(let range): return "integer" + (range.map { ", " + Self.describe($0) } ?? "")
        case .number(let range): return "number" + (range.map { ", " + Self.describe($0) } ?? "")
        case .string: return nil
        case .boolean: return "true or false"
        case .choice(let choices): return "choices: " + choices.joined(separator: ", ")
        case .strings: return "list of strings"
        case .optional(let inner): return inner.allowedValues.map { $0 + ", or null" } ?? "may be null"
        }
    }

    /// Checks `value` against this kind and returns it as stored: an integer given for a
    /// number becomes a number; everything else is returned as is.
    /// - Throws: `ConfigValueProblem` saying what was expected and what was found.
    func accept(_ value: ConfigValue) throws(ConfigValueProblem) -> ConfigValue {
        switch (self, value) {
        case (.optional, .null):
            return .null
        case (.optional(let inner), _):
            do {
                return try inner.accept(value)
            } catch {
                // A wrong type names null as allowed too; a range or choice problem stays as is.
                throw error.isTypeMismatch ? ConfigValueProblem(expected: expectation, found: value) : error
            }
        case (.integer(let range), .integer(let integer)):
            if let range, !range.contains(integer) {
                throw ConfigValueProblem("must be \(Self.describe(range)), found \(integer)")
            }
            return value
        case (.number(let range), .integer(let integer)):
            return try Self.number(Double(integer), in: range)
        case (.number(let range), .number(let number)):
            return try Self.number(number, in: range)
        case (.string, .string), (.boolean, .boolean), (.strings, .strings):
            return value
        case (.choice(let choices), .string(let text)):
            guard choices.contains(text) else {
                let suggestions = NameSuggestions.closest(to: text, in: choices, limit: 1)
                throw ConfigValueProblem(
                    "expected \(expectation), found \(text.debugDescription)"
                        + (suggestions.first.map { "; did you mean \($0)?" } ?? ""))
            }
            return value
        default:
            throw ConfigValueProblem(expected: expectation, found: value)
        }
    }

    private static func number(_ number: Double, in range: ClosedRange<Double>?) throws(ConfigValueProblem) -> ConfigValue {
        guard number.isFinite else { throw ConfigValueProblem("expected a finite number, found \(number)") }
        if let range, !range.contains(number) {
            throw ConfigValueProblem("must be \(describe(range)), found \(number)")
        }
        return .number(number)
    }

    /// "at least 1", "at most 5", "from 0 to 1".
    static func describe(_ range: ClosedRange<Int>) -> String {
        if range.upperBound == Int.max { return "at least \(range.lowerBound)" }
        if range.lowerBound == Int.min { return "at most \(range.upperBound)" }
        return "from \(range.lowerBound) to \(range.upperBound)"
    }

    /// "at least 0", "at most 1", "from 0 to 1" (unbounded ends are infinite or the largest finite).
    static func describe(_ range: ClosedRange<Double>) -> String {
        if range.upperBound >= Double.greatestFiniteMagnitude { return "at least \(range.lowerBound)" }
        if range.lowerBound <= -Double.greatestFiniteMagnitude { return "at most \(range.upperBound)" }
        return "from \(range.lowerBound) to \(range.upperBound)"
    }
}

/// Why a value does not fit its option, before the file, line and key are known; ConfigLoader
/// and ProjectConfig wrap it into a `ConfigError`.
struct ConfigValueProblem: Error, Equatable {
    /// The message: "expected an integer, found the string \"three\"".
    let message: String
    /// Whether the value had the wrong type (rather than a bad range or choice).
    let isTypeMismatch: Bool

    init(_ message: String) {
        self.message = message
        self.isTypeMismatch = false
    }

    init(expected: String, found value: ConfigValue) {
        self.message = "expected \(expected), found \(value.foundDescription)"
        self.isTypeMismatch = true
    }

    init(expected: String, foundText: String) {
        self.message = "expected \(expected), found \(foundText)"
        self.isTypeMismatch = true
    }
}
