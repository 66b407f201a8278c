// ConfigSchema: every option a project accepts, in the order the generated file lists them,
// grouped by section (`train`, `data`, ...) with a comment per section; the core's schema
// merged with a task plugin's. Not here: values (ProjectConfig) or YAML (ConfigLoader,
// ConfigWriter).

/// The options of `factory.yaml`: the fine-tuning core's, merged with a task plugin's.
///
/// Options are listed flat with dotted keys; the sections are the key prefixes (`train` for
/// `train.epochs`). The generated file groups options by section, sections in order of first
/// appearance, options in the order given.
///
/// ```swift
/// let core = ConfigSchema(
///     options: [
///         ConfigOption("seed", .integer(atLeast: 0), default: 42, summary: "Seed for splits and initialization"),
///         ConfigOption("train.epochs", .integer(atLeast: 1), default: 3, summary: "Passes over the training data"),
///     ],
///     sectionSummaries: ["train": "How the model is trained"])
/// let schema = core.merging(sentimentPlugin.configSchema)
/// ```
public struct ConfigSchema: Sendable {
    /// Every option, in the order the generated file lists them within their sections.
    public let options: [ConfigOption]
    /// The comment of each section that has one, by section path (`train`, `train.schedule`).
    public let sectionSummaries: [String: String]
    /// Option index by key.
    private let indexByKey: [String: Int]
    /// Every section path: the proper prefixes of the keys (`train` for `train.epochs`).
    private let sectionPaths: Set<String>
    /// Sections whose contents the schema does not check: their own readers do
    /// (`tune.space`, the search space of `factory tune`, read by SearchSpace).
    public let freeformSections: Set<String>

    /// A schema with no options.
    public static let empty = ConfigSchema(options: [])

    /// Creates a schema. Two options with the same key, a key that is also the section of
    /// another key (`train` and `train.epochs`), or a summary for a section with no options
    /// is a programmer error and traps, naming the key.
    /// - Parameters:
    ///   - options: The options, in the order the generated file lists them.
    ///   - sectionSummaries: One-line comments for sections, by section path.
    ///   - freeformSections: Section paths whose contents are not options (read elsewhere).
    public init(options: [ConfigOption], sectionSummaries: [String: String] = [:], freeformSections: Set<String> = []) {
        var indexByKey: [String: Int] = [:]
        var sectionPaths: Set<String> = []
        for (index, option) in options.enumerated() {
            precondition(indexByKey[option.key] == nil, "ConfigSchema: the option \(option.key) is defined twice")
            indexByKey[option.key] = index
            let path = option.path
            for length in 1..<path.count { sectionPaths.insert(path[..<length].joined(separator: ".")) }
        }
        for key in indexByKey.keys {
            precondition(!sectionPaths.contains(key), "ConfigSchema: \(key) is both an option and a section of other options")
        }
        for (section, summary) in sectionSummaries {
            precondition(sectionPaths.contains(section), "ConfigSchema: a summary for the section \(section), which has no options")
            precondition(!summary.isEmpty && !summary.contains("\n"), "ConfigSchema: the summary of \(section) is one non-empty line")
        }
        for section in freeformSections {
            precondition(indexByKey[section] == nil && !sectionPaths.contains(section), "ConfigSchema: the free-form section \(section) holds options")
            let path = section.split(separator: ".").map(String.init)
            for length in 1..<path.count { sectionPaths.insert(path[..<length].joined(separator: ".")) }
        }
        self.options = options
        self.sectionSummaries = sectionSummaries
        self.freeformSections = freeformSections
        self.indexByKey = indexByKey
        self.sectionPaths = sectionPaths
    }

    /// Every option key, in order.
    public var keys: [String] { options.map(\.key) }

    /// The top-level names (`task`, `seed`, `data`, `train`, ...), in order of first appearance.
    public var topLevelNames: [String] {
        var seen: Set<String> = []
        return options.compactMap { option in
            let name = option.path[0]
            return seen.insert(name).inserted ? name : nil
        }
    }

    /// The option with this key, if there is one.
    public func option(_ key: String) -> ConfigOption? {
        indexByKey[key].map { options[$0] }
    }

    /// Whether `path` is a section (a prefix of some option's key) rather than an option.
    public func isSection(_ path: String) -> Bool {
        sectionPaths.contains(path)
    }

    /// The options whose keys lie under the section `path`, in order.
    public func options(inSection path: String) -> [ConfigOption] {
        options.filter { $0.key.hasPrefix(path + ".") }
    }

    /// This schema followed by `other`'s options (a plugin's), which the generated file lists
    /// in their sections after this schema's. Section summaries of this schema win; `other`'s
    /// fill in sections this one does not describe. A key defined in both is a programmer
    /// error and traps, naming the key.
    public func merging(_ other: ConfigSchema) -> ConfigSchema {
        for option in other.options {
            precondition(
                indexByKey[option.key] == nil,
                "ConfigSchema.merging: the option \(option.key) is defined by both schemas")
        }
        return ConfigSchema(
            options: options + other.options,
            sectionSummaries: sectionSummaries.merging(other.sectionSummaries) { mine, _ in mine },
            freeformSections: freeformSections.union(other.freeformSections))
    }

    /// The keys and section paths nearest to a misspelt `path`, for "did you mean".
    func suggestions(for path: String) -> [String] {
        NameSuggestions.closest(to: path, in: keys + sectionPaths.sorted(), limit: 3)
    }

    /// What to tell a user who named `path`, which is neither an option nor a section: the
    /// nearest keys, or else the names that do exist where `path` points.
    func unknownKeyMessage(_ path: String) -> String {
        let suggestions = suggestions(for: path)
        if !suggestions.isEmpty {
            return "no such option; did you mean " + Self.alternatives(suggestions) + "?"
        }
        let parts = path.split(separator: ".").map(String.init)
        let parent = parts.dropLast().joined(separator: ".")
        if parts.count > 1, isSection(parent) {
            let names = options(inSection: parent).map { String($0.key.dropFirst(parent.count + 1)) }
            return "no such option; the options of \(parent) are " + Self.list(names)
        }
        return "no such option; the top-level names are " + Self.list(topLevelNames)
    }

    /// "a", "a or b", "a, b or c".
    static func alternatives(_ names: [String]) -> String {
        guard names.count > 1 else { return names.first ?? "" }
        return names.dropLast().joined(separator: ", ") + " or " + names[names.count - 1]
    }

    /// "a, b, c", cut after 12 names.
    private static func list(_ names: [String]) -> String {
        names.count <= 12 ? names.joined(separator: ", ") : names.prefix(12).joined(separator: ", ") + ", ..."
    }
}
