// ProjectConfig: a loaded, validated project configuration — a value for every option of its
// schema — with typed accessors for the core and the plugins, checked changes, and a snapshot
// (Codable) that a checkpoint stores and compares on resume. Not here: reading or writing
// YAML (ConfigLoader, ConfigWriter).

import Foundation

/// A validated configuration: every option of `schema` has a value (from `--set`, else from
/// the file, else the option's default), and every value fits its option's kind.
///
/// The typed accessors trap only on programmer error (a key the schema does not define, or
/// the wrong accessor for the option's kind); a user's mistakes are all caught on loading.
public struct ProjectConfig: Sendable {
    /// The file the values were read from; nil when built in code.
    public let file: URL?
    /// The options these values are for.
    public let schema: ConfigSchema
    /// A value for every option key of `schema`.
    public let values: [String: ConfigValue]

    /// Every option at its default.
    /// - Parameters:
    ///   - schema: The options.
    ///   - file: The file these values belong to, if any.
    public init(schema: ConfigSchema, file: URL? = nil) {
        self.init(
            schema: schema, file: file,
            values: Dictionary(uniqueKeysWithValues: schema.options.map { ($0.key, $0.defaultValue) }))
    }

    /// Values already complete and checked (ConfigLoader, `setting`).
    init(schema: ConfigSchema, file: URL?, values: [String: ConfigValue]) {
        self.schema = schema
        self.file = file
        self.values = values
    }

    /// The value of the option `key`; traps when the schema has no such option.
    public subscript(key: String) -> ConfigValue {
        guard let value = values[key] else {
            preconditionFailure("ProjectConfig: no option \(key) in the schema (a plugin must declare its options)")
        }
        return value
    }

    /// The value of an integer option.
    public func integer(_ key: String) -> Int {
        if case .integer(let value) = typed(key, as: "integer", where: { if case .integer = $0 { true } else { false } }) {
            return value
        }
        preconditionFailure("unreachable: \(key) was checked to be an integer")
    }

    /// The value of a number option.
    public func number(_ key: String) -> Double {
        if case .number(let value) = typed(key, as: "number", where: { if case .number = $0 { true } else { false } }) {
            return value
        }
        preconditionFailure("unreachable: \(key) was checked to be a number")
    }

    /// The value of a string or choice option.
    public func string(_ key: String) -> String {
        if case .string(let value) = typed(key, as: "string", where: Self.isText) { return value }
        preconditionFailure("unreachable: \(key) was checked to be a string")
    }

    /// The value of a boolean option.
    public func boolean(_ key: String) -> Bool {
        if case .boolean(let value) = typed(key, as: "boolean", where: { $0 == .boolean }) { return value }
        preconditionFailure("unreachable: \(key) was checked to be a boolean")
    }

    /// The value of a list-of-strings option.
    public func strings(_ key: String) -> [String] {
        if case .strings(let value) = typed(key, as: "strings", where: { $0 == .strings }) { return value }
        preconditionFailure("unreachable: \(key) was checked to be a list of strings")
    }

    /// The value of an optional string or choice option; nil when it is `null`.
    public func optionalString(_ key: String) -> String? {
        switch typed(key, as: "optional string", where: { kind in
            if case .optional(let inner) = kind { return Self.isText(inner) }
            return false
        }) {
        case .string(let value): return value
        default: return nil
        }
    }

    /// The value of an optional integer option; nil when it is `null`.
    public func optionalInteger(_ key: String) -> Int? {
        switch typed(key, as: "optional integer", where: { if case .optional(.integer) = $0 { true } else { false } }) {
        case .integer(let value): return value
        default: return nil
        }
    }

    /// The value of an optional number option; nil when it is `null`.
    public func optionalNumber(_ key: String) -> Double? {
        switch typed(key, as: "optional number", where: { if case .optional(.number) = $0 { true } else { false } }) {
        case .number(let value): return value
        default: return nil
        }
    }

    private static func isText(_ kind: ConfigValueKind) -> Bool {
        switch kind {
        case .string, .choice: return true
        default: return false
        }
    }

    /// The value of `key` after checking that its option's kind is the one the accessor reads.
    private func typed(_ key: String, as accessor: String, where matches: (ConfigValueKind) -> Bool) -> ConfigValue {
        guard let option = schema.option(key) else {
            preconditionFailure("ProjectConfig: no option \(key) in the schema (a plugin must declare its options)")
        }
        precondition(
            matches(option.kind),
            "ProjectConfig: \(key) is \(option.kind.expectation), read it with the matching accessor, not \(accessor)")
        return self[key]
    }

    /// A copy with the option `key` set to `value` (an integer is accepted for a number).
    /// - Throws: `ConfigError` when there is no such option or the value does not fit it.
    public func setting(_ key: String, to value: ConfigValue) throws(ConfigError) -> ProjectConfig {
        guard let option = schema.option(key) else {
            throw ConfigError(key: key, message: schema.unknownKeyMessage(key))
        }
        let accepted: ConfigValue
        do {
            accepted = try option.kind.accept(value)
        } catch {
            throw ConfigError(key: key, message: error.message)
        }
        var values = values
        values[key] = accepted
        return ProjectConfig(schema: schema, file: file, values: values)
    }

    // MARK: Snapshots (stored with a run, compared on resume)

    /// The values alone, in a stable Codable form, for a checkpoint to store.
    ///
    /// As JSON (with sorted keys) it reads
    /// `{"values":{"seed":{"integer":42},"train.learning_rate":{"number":0.0001}}}`: each value
    /// tagged by its case, so a number that happens to be whole stays a number.
    public struct Snapshot: Sendable, Equatable, Codable {
        /// The value of every option, by dotted key.
        public var values: [String: ConfigValue]

        /// Creates a snapshot of these values.
        public init(values: [String: ConfigValue]) {
            self.values = values
        }
    }

    /// This configuration's values as a snapshot.
    public var snapshot: Snapshot { Snapshot(values: values) }

    /// A configuration from a stored snapshot, checked against `schema`; options the snapshot
    /// does not have (added since) take their defaults.
    /// - Throws: `ConfigError` for a stored key the schema no longer has or a value that no
    ///   longer fits its option.
    public init(snapshot: Snapshot, schema: ConfigSchema, file: URL? = nil) throws(ConfigError) {
        var config = ProjectConfig(schema: schema, file: file)
        for key in snapshot.values.keys.sorted() {
            do {
                config = try config.setting(key, to: snapshot.values[key]!)
            } catch {
                throw ConfigError(key: key, message: "in the stored configuration: \(error.message)")
            }
        }
        self = config
    }

    /// The differences from a stored snapshot, one line per key in key order:
    /// `train.epochs: 5 (was 3)`. Empty when nothing changed.
    public func changes(since snapshot: Snapshot) -> [String] {
        let keys = Set(values.keys).union(snapshot.values.keys).sorted()
        return keys.compactMap { key in
            let now = values[key]
            let then = snapshot.values[key]
            guard now != then else { return nil }
            switch (now, then) {
            case (let now?, let then?): return "\(key): \(now) (was \(then))"
            case (let now?, nil): return "\(key): \(now) (not in the stored configuration)"
            case (nil, let then?): return "\(key): no longer an option (was \(then))"
            case (nil, nil): return nil
            }
        }
    }
}
