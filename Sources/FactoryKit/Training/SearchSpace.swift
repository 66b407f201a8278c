// SearchSpace: the `tune.space` section of factory.yaml — which options `factory tune`
// varies and over what: a list of values (`train.batch_size: [8, 16, 32]`) or a range
// (`train.learning_rate: {log_uniform: [1e-5, 1e-3]}`, `{uniform: [low, high]}`). Any
// option of the schema can be searched (the core's, a plugin's, ones added later); every
// key and value is checked against the schema, and errors name the file, line and key.
// Not here: drawing trials (HyperparameterSearch), running them.

import Foundation
import Yams

/// One searched option and the values it may take.
public struct SearchParameter: Sendable, Equatable {
    /// What values a parameter takes.
    public enum Domain: Sendable, Equatable {
        /// These values (a grid tries each; random search picks one uniformly).
        case values([ConfigValue])
        /// Uniform on [low, high] (whole numbers for an integer option).
        case uniform(low: Double, high: Double)
        /// Log-uniform on [low, high], low > 0 (rounded for an integer option).
        case logUniform(low: Double, high: Double)
    }

    /// The option's dotted key (`train.learning_rate`).
    public var key: String
    /// Its values.
    public var domain: Domain
    /// Whether the option holds integers (ranges then draw whole numbers).
    public var isInteger: Bool
    /// The line of the key in the file, when known.
    public var line: Int?
}

/// The searched options, in file order.
public struct SearchSpace: Sendable, Equatable {
    /// The parameters, in the order the file lists them.
    public var parameters: [SearchParameter]

    /// Creates a space.
    public init(parameters: [SearchParameter]) { self.parameters = parameters }

    /// The distribution names a range mapping may use.
    static let rangeNames = ["uniform", "log_uniform"]

    /// Reads the `tune.space` section of a configuration file.
    /// - Throws: ``ConfigError`` naming file, line and key for anything that is not a valid space.
    public static func read(_ file: URL, schema: ConfigSchema) throws(ConfigError) -> SearchSpace {
        let name = ConfigLoader.displayName(file)
        let text: String
        do { text = try String(contentsOf: file, encoding: .utf8) } catch {
            throw ConfigError(file: name, message: "cannot read the file (\(error.localizedDescription))")
        }
        return try parse(yaml: text, fileName: name, schema: schema)
    }

    /// Reads the `tune.space` section of configuration text (empty space when there is none).
    public static func parse(yaml: String, fileName: String?, schema: ConfigSchema) throws(ConfigError) -> SearchSpace {
        guard let root = try ConfigDocumentReader.compose(yaml, fileName: fileName),
              let found = find(TuneOptions.spaceSection, in: root, prefix: nil) else { return SearchSpace(parameters: []) }
        let (node, line) = found
        var parameters: [SearchParameter] = []
        switch node {
        case .mapping(let mapping):
            try read(mapping, section: nil, schema: schema, fileName: fileName, into: &parameters)
        case .scalar(let scalar) where scalar.style == .plain && ConfigValue.resolvePlainScalar(scalar.string) == .null:
            break
        default:
            throw ConfigError(file: fileName, line: line, key: TuneOptions.spaceSection,
                              message: "expected the searched options, one per line (such as `train.batch_size: [8, 16, 32]`), found \(ConfigDocumentReader.describe(node))")
        }
        return SearchSpace(parameters: parameters)
    }

    /// The node at the dotted `path`, whether the file nests it (`tune:` / `space:`) or
    /// dots it (`tune.space:`), and the line of its key.
    private static func find(_ path: String, in node: Node, prefix: String?) -> (Node, Int?)? {
        guard case .mapping(let mapping) = node else { return nil }
        for (keyNode, value) in mapping {
            guard let name = keyNode.scalar?.string else { continue }
            let full = prefix.map { "\($0).\(name)" } ?? name
            if full == path { return (value, keyNode.mark?.line) }
            if path.hasPrefix(full + "."), let found = find(path, in: value, prefix: full) { return found }
        }
        return nil
    }

    /// Reads searched options from a mapping (keys may be dotted, or nested by section).
    private static func read(_ mapping: Node.Mapping, section: String?, schema: ConfigSchema, fileName: String?,
                             into parameters: inout [SearchParameter]) throws(ConfigError) {
        for (keyNode, valueNode) in mapping {
            let line = keyNode.mark?.line
            guard let name = keyNode.scalar?.string, !name.isEmpty else {
                throw ConfigError(file: fileName, line: line, key: TuneOptions.spaceSection, message: "expected an option name as the key")
            }
            let key = section.map { "\($0).\(name)" } ?? name
            let errorKey = "\(TuneOptions.spaceSection).\(key)"
            func problem(_ message: String) -> ConfigError { ConfigError(file: fileName, line: line, key: errorKey, message: message) }
            guard let option = schema.option(key) else {
                if schema.isSection(key), case .mapping(let inner) = valueNode, !isRange(inner) {
                    try read(inner, section: key, schema: schema, fileName: fileName, into: &parameters)
                    continue
                }
                throw problem("\(schema.unknownKeyMessage(key)); tune.space lists options of factory.yaml to search")
            }
            if key == "task" || key.hasPrefix("tune.") { throw problem("\(key) cannot be searched; search training options such as train.learning_rate") }
            if let first = parameters.first(where: { $0.key == key }) {
                throw problem("searched twice (first at line \(first.line ?? 0)); keep one")
            }
            let isInteger: Bool
            switch option.kind.base {
            case .integer: isInteger = true
            default: isInteger = false
            }
            let domain: SearchParameter.Domain
            switch valueNode {
            case .sequence(let sequence):
                guard !sequence.isEmpty else { throw problem("an empty list; give the values to try, such as [8, 16, 32]") }
                var values: [ConfigValue] = []
                for (position, element) in sequence.enumerated() {
                    do {
                        values.append(try ConfigDocumentReader.value(of: element, for: option.kind))
                    } catch {
                        throw problem("value \(position + 1) of the list: \(error.message)")
                    }
                }
                domain = .values(values)
            case .mapping(let inner) where isRange(inner):
                domain = try range(inner, option: option, isInteger: isInteger, problem: problem)
            default:
                throw problem("expected a list of values to try (such as [8, 16, 32]) or a range ({uniform: [low, high]} or {log_uniform: [low, high]}), found \(ConfigDocumentReader.describe(valueNode))")
            }
            parameters.append(SearchParameter(key: key, domain: domain, isInteger: isInteger, line: line))
        }
    }

    /// Whether a mapping is a range (`{uniform: ...}` / `{log_uniform: ...}`) rather than a section.
    private static func isRange(_ mapping: Node.Mapping) -> Bool {
        mapping.count == 1 && mapping.keys.contains { rangeNames.contains($0.scalar?.string ?? "") }
    }

    /// A `{uniform: [low, high]}` or `{log_uniform: [low, high]}` range, checked against the option.
    private static func range(_ mapping: Node.Mapping, option: ConfigOption, isInteger: Bool,
                              problem: (String) -> ConfigError) throws(ConfigError) -> SearchParameter.Domain {
        let (nameNode, boundsNode) = mapping.first!
        let name = nameNode.scalar!.string
        switch option.kind.base {
        case .integer, .number: break
        default: throw problem("\(name) needs a number option, and this one is \(option.kind.expectation); give a list of values instead")
        }
        guard case .sequence(let sequence) = boundsNode, sequence.count == 2,
              let low = number(sequence[0]), let high = number(sequence[1]) else {
            throw problem("expected {\(name): [low, high]} with two numbers, such as {\(name): [1e-5, 1e-3]}")
        }
        guard low < high else { throw problem("\(name): the low end \(low) must be below the high end \(high)") }
        if name == "log_uniform", low <= 0 { throw problem("log_uniform needs a positive low end, found \(low); use uniform for ranges that include 0") }
        for bound in [low, high] {
            let value: ConfigValue = isInteger ? .integer(Int(bound)) : .number(bound)
            if isInteger, bound != bound.rounded() { throw problem("\(name): \(bound) is not a whole number, and the option holds integers") }
            do { _ = try option.kind.accept(value) } catch { throw problem("\(name): \(bound) is out of range: \(error.message)") }
        }
        return name == "uniform" ? .uniform(low: low, high: high) : .logUniform(low: low, high: high)
    }

    /// A YAML scalar as a number (integer or floating point), or nil.
    private static func number(_ node: Node) -> Double? {
        guard case .scalar(let scalar) = node, scalar.style == .plain else { return nil }
        switch ConfigValue.resolvePlainScalar(scalar.string) {
        case .integer(let value): return Double(value)
        case .number(let value): return value.isFinite ? value : nil
        default: return nil
        }
    }
}
