// ConfigDocumentReader: walks a YAML tree composed by Yams (Node, with line marks) against a
// schema — sections as nested mappings, options as scalars or flow/block lists — and turns
// every problem into a ConfigError with its line and key; also turns Yams's own errors
// (syntax, duplicate keys) into ConfigErrors. Not here: files, overrides (ConfigLoader).

import Foundation
import Yams

/// Reads the values of one composed YAML document.
struct ConfigDocumentReader {
    let schema: ConfigSchema
    /// The file name errors show.
    let fileName: String?
    /// The values read so far (by key).
    private(set) var values: [String: ConfigValue] = [:]
    /// The line where each key was set, to report a key given twice.
    private var lines: [String: Int] = [:]

    init(schema: ConfigSchema, fileName: String?) {
        self.schema = schema
        self.fileName = fileName
    }

    private func error(_ line: Int?, _ key: String?, _ message: String) -> ConfigError {
        ConfigError(file: fileName, line: line, key: key, message: message)
    }

    /// Reads the top-level mapping.
    mutating func read(root: Node) throws(ConfigError) {
        guard case .mapping(let mapping) = root else {
            throw error(
                root.mark?.line, nil,
                "expected options at the top level (lines like `seed: 42` and sections like `train:`), found \(Self.describe(root))")
        }
        try read(mapping, section: nil)
    }

    /// Reads a mapping whose keys lie under `section` (nil at the top level). A key may itself
    /// be dotted (`train.epochs: 3`); it is then read as that full key.
    private mutating func read(_ mapping: Node.Mapping, section: String?) throws(ConfigError) {
        for (keyNode, valueNode) in mapping {
            let line = keyNode.mark?.line
            guard case .scalar(let keyScalar) = keyNode, !keyScalar.string.isEmpty else {
                throw error(line, section, "expected an option name as the key, found \(Self.describe(keyNode))")
            }
            let key = section.map { "\($0).\(keyScalar.string)" } ?? keyScalar.string

            if let option = schema.option(key) {
                if let firstLine = lines[key] {
                    throw error(line, key, "given twice (first at line \(firstLine)); keep one")
                }
                lines[key] = line ?? 0
                do {
                    values[key] = try Self.value(of: valueNode, for: option.kind)
                } catch {
                    throw self.error(line, key, error.message)
                }
            } else if schema.freeformSections.contains(key) {
                continue  // Read by its own reader (the tune search space).
            } else if schema.isSection(key) {
                switch valueNode {
                case .mapping(let inner):
                    try read(inner, section: key)
                case .scalar(let scalar) where ConfigValue.resolvePlainScalar(scalar.string) == .null && scalar.style == .plain:
                    break  // An empty section (all its options commented out): defaults.
                default:
                    let example = schema.options(inSection: key).first.map { " such as \($0.key)" } ?? ""
                    throw error(
                        line, key,
                        "expected a section (options\(example), indented below it), found \(Self.describe(valueNode))")
                }
            } else {
                throw error(line, key, schema.unknownKeyMessage(key))
            }
        }
    }

    /// The value a YAML node gives an option of `kind`. Plain scalars are resolved by YAML 1.2
    /// core rules (`ConfigValue.resolvePlainScalar`), quoted ones are strings; for string and
    /// choice options any scalar but null is taken as written (`name: 3` is the string "3").
    static func value(of node: Node, for kind: ConfigValueKind) throws(ConfigValueProblem) -> ConfigValue {
        switch node {
        case .scalar(let scalar):
            let written = scalar.style == .plain ? ConfigValue.resolvePlainScalar(scalar.string) : .string(scalar.string)
            switch (written, kind.base) {
            case (.null, _): return try kind.accept(.null)
            case (_, .string), (_, .choice): return try kind.accept(.string(scalar.string))
            default: return try kind.accept(written)
            }
        case .sequence(let sequence):
            guard kind.base == .strings else { throw ConfigValueProblem(expected: kind.expectation, foundText: describe(node)) }
            var strings: [String] = []
            for element in sequence {
                guard case .scalar(let scalar) = element,
                    scalar.style != .plain || ConfigValue.resolvePlainScalar(scalar.string) != .null
                else {
                    throw ConfigValueProblem(
                        expected: kind.expectation, foundText: "a list with \(describe(element)) as item \(strings.count + 1)")
                }
                strings.append(scalar.string)
            }
            return try kind.accept(.strings(strings))
        case .mapping, .alias:
            throw ConfigValueProblem(expected: kind.expectation, foundText: describe(node))
        }
    }

    /// How an error message names a node: `the integer 3`, `a list`, `a mapping`.
    static func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar):
            return (scalar.style == .plain ? ConfigValue.resolvePlainScalar(scalar.string) : .string(scalar.string)).foundDescription
        case .sequence: return "a list"
        case .mapping: return "a mapping (indented name: value lines)"
        case .alias: return "an alias"
        }
    }

    // MARK: Yams errors

    /// Composes `yaml` into a tree with Yams; nil for a document with no content.
    static func compose(_ yaml: String, fileName: String?) throws(ConfigError) -> Node? {
        do {
            return try Yams.compose(yaml: yaml)
        } catch let yamlError as YamlError {
            throw translate(yamlError, yaml: yaml, fileName: fileName)
        } catch {
            throw ConfigError(file: fileName, message: "cannot read the YAML: \(error)")
        }
    }

    /// A Yams error as a ConfigError with the line it points at.
    private static func translate(_ yamlError: YamlError, yaml: String, fileName: String?) -> ConfigError {
        func syntax(_ problem: String, _ mark: Mark, _ context: YamlError.Context?) -> ConfigError {
            let during = context.map { " (\($0.text) that starts at line \($0.mark.line))" } ?? ""
            return ConfigError(
                file: fileName, line: mark.line,
                message: "not valid YAML: \(problem)\(during); check the indentation, the `:` after each name, and quote values with special characters")
        }
        switch yamlError {
        case .composer(_, let problem, let mark, _) where problem.contains("another document"):
            return ConfigError(
                file: fileName, line: mark.line,
                message: "a second YAML document (after `---`); a factory.yaml holds one, so remove the `---` line and merge the options")
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            return syntax(problem, mark, context)
        case .reader(let problem, let offset, _, _):
            let line = offset.map { offset in yaml.utf8.prefix(offset).filter { $0 == UInt8(ascii: "\n") }.count + 1 }
            return ConfigError(file: fileName, line: line, message: "not readable as YAML text: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let name = duplicates.first ?? ""
            if let located = locateDuplicate(named: name, at: context.mark, in: yaml) {
                return ConfigError(
                    file: fileName, line: located.repeatLine, key: located.key,
                    message: "given twice (first at line \(located.firstLine)); keep one")
            }
            return ConfigError(
                file: fileName, line: context.mark.line, key: name, message: "given twice in the same section; keep one")
        default:
            return ConfigError(file: fileName, message: "cannot read the YAML: \(yamlError)")
        }
    }

    /// Yams names a duplicate key by its last part and one occurrence's position, not by its
    /// full key. To name it `train.epochs` and give its lines, this renames the occurrence at
    /// `mark` (a numbered marker inserted at its line and column) and composes again, renaming
    /// each further occurrence Yams reports the same way, until the text composes; then finds
    /// the first renamed key in the tree: its section, and the lines of its namesakes beside it.
    private static func locateDuplicate(named name: String, at mark: Mark, in yaml: String)
        -> (key: String, firstLine: Int, repeatLine: Int)?
    {
        func marker(_ number: Int) -> String { "factory-duplicate-\(number)-" }
        var lines = yaml.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var mark = mark
        var root: Node?
        for attempt in 0..<16 {
            guard mark.line >= 1, mark.line <= lines.count else { return nil }
            var scalars = Array(lines[mark.line - 1].unicodeScalars)
            guard mark.column >= 1, mark.column - 1 <= scalars.count else { return nil }
            scalars.insert(contentsOf: marker(attempt).unicodeScalars, at: mark.column - 1)
            lines[mark.line - 1] = String(String.UnicodeScalarView(scalars))
            do {
                root = try Yams.compose(yaml: lines.joined(separator: "\n"))
                break
            } catch YamlError.duplicatedKeysInMapping(_, let context) {
                mark = context.mark
            } catch {
                return nil
            }
        }
        guard let root else { return nil }

        /// The key's name with any marker taken off.
        func unmarked(_ key: Node) -> String? {
            key.scalar.map { $0.string.replacing(#/^factory-duplicate-[0-9]+-/#, with: "") }
        }
        func search(_ node: Node, section: String?) -> (key: String, firstLine: Int, repeatLine: Int)? {
            guard case .mapping(let mapping) = node else { return nil }
            if mapping.keys.contains(where: { $0.scalar?.string.hasPrefix(marker(0)) == true }) {
                let lines = mapping.keys.filter { unmarked($0) == name }.compactMap { $0.mark?.line }.sorted()
                guard lines.count >= 2 else { return nil }
                return (section.map { "\($0).\(name)" } ?? name, lines[0], lines[1])
            }
            for (key, value) in mapping {
                guard let keyText = unmarked(key) else { continue }
                if let found = search(value, section: section.map { "\($0).\(keyText)" } ?? keyText) { return found }
            }
            return nil
        }
        return search(root, section: nil)
    }
}
