// ConfigOption: one documented project option — its dotted key, what it accepts, its default,
// and the summary that becomes its comment in the generated factory.yaml. Not here: grouping
// options into a schema (ConfigSchema) or reading values (ConfigLoader).

/// One documented option of `factory.yaml`.
///
/// ```swift
/// ConfigOption("train.epochs", .integer(atLeast: 1), default: 3,
///              summary: "Passes over the training data")
/// ```
public struct ConfigOption: Sendable, Equatable {
    /// The full dotted key, e.g. `train.epochs` (section `train`, name `epochs`).
    public let key: String
    /// What values the option accepts.
    public let kind: ConfigValueKind
    /// The value used when neither the file nor an override sets one.
    public let defaultValue: ConfigValue
    /// One line, without a trailing period; the option's comment in the generated file.
    public let summary: String
    /// Longer help, written as further comment lines under the summary.
    public let help: String?

    /// Creates an option. A malformed key, a multi-line summary or a default the kind does not
    /// accept is a programmer error and traps, naming the option.
    /// - Parameters:
    ///   - key: The full dotted key; each part is a name of letters, digits, `_` and `-`.
    ///   - kind: What values the option accepts.
    ///   - default: The default value; an integer given for a number kind is stored as a number.
    ///   - summary: One line; becomes the option's comment.
    ///   - help: Optional longer help, also written as comments.
    public init(_ key: String, _ kind: ConfigValueKind, default: ConfigValue, summary: String, help: String? = nil) {
        let parts = key.split(separator: ".", omittingEmptySubsequences: false)
        precondition(
            parts.allSatisfy { $0.wholeMatch(of: #/[A-Za-z_][A-Za-z0-9_\-]*/#) != nil },
            "ConfigOption \(key.debugDescription): each part of a key is a name of letters, digits, _ and -")
        precondition(!summary.isEmpty && !summary.contains("\n"), "ConfigOption \(key): the summary is one non-empty line")
        if case .optional(let inner) = kind {
            precondition(!inner.isOptional, "ConfigOption \(key): an optional kind inside an optional kind")
        }
        do {
            self.defaultValue = try kind.accept(`default`)
        } catch {
            preconditionFailure("ConfigOption \(key): the default \(`default`) does not fit: \(error.message)")
        }
        self.key = key
        self.kind = kind
        self.summary = summary
        self.help = help
    }

    /// The parts of the key: `["train", "epochs"]`.
    public var path: [String] { key.split(separator: ".").map(String.init) }
}
