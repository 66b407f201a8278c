// ConfigLoader: reads a project's factory.yaml against a schema, applies `--set key=value`
// overrides, and returns a ProjectConfig with every option set — or a ConfigError with the
// file, line and key. Not here: walking the YAML tree (ConfigDocumentReader) or writing the
// file (ConfigWriter).

import Foundation
import Yams

/// Loads `factory.yaml` into a validated `ProjectConfig`.
///
/// Each option's value comes from a `--set` override if there is one, else from the file,
/// else from the option's default.
public enum ConfigLoader {
    /// The name of a project's configuration file.
    public static let fileName = "factory.yaml"

    /// What to do when there is no configuration to read.
    static let createProjectAdvice =
        "run `factory new --task <task> <folder>` to create a project, or pass --project <folder> to use an existing one"

    /// Reads and checks a project's configuration file.
    /// - Parameters:
    ///   - url: The `factory.yaml` file, or the project folder that holds it.
    ///   - schema: The options (the core's merged with the task plugin's).
    ///   - overrides: `key=value` strings from `--set`, applied over the file's values.
    /// - Throws: `ConfigError` for a missing, empty or unreadable file, bad YAML, an unknown
    ///   option, a value that does not fit its option, or a bad override.
    public static func load(_ url: URL, schema: ConfigSchema, overrides: [String] = []) throws(ConfigError) -> ProjectConfig {
        let file = configurationFile(url)
        let yaml = try readText(file)
        return try parse(yaml: yaml, file: file, schema: schema, overrides: overrides)
    }

    /// Checks configuration text, as `load` does a file.
    /// - Parameters:
    ///   - yaml: The text of a `factory.yaml`.
    ///   - file: Where the text came from; errors name it. Nil for text from elsewhere.
    ///   - schema: The options.
    ///   - overrides: `key=value` strings from `--set`, applied over the text's values.
    /// - Throws: `ConfigError`, as `load` does.
    public static func parse(yaml: String, file: URL? = nil, schema: ConfigSchema, overrides: [String] = []) throws(ConfigError)
        -> ProjectConfig
    {
        let fileName = file.map(displayName)
        guard let root = try ConfigDocumentReader.compose(yaml, fileName: fileName), !isEmptyDocument(root) else {
            throw ConfigError(file: fileName, message: "the configuration is empty; \(createProjectAdvice)")
        }
        var reader = ConfigDocumentReader(schema: schema, fileName: fileName)
        try reader.read(root: root)

        var values = ProjectConfig(schema: schema).values
        values.merge(reader.values) { _, fromFile in fromFile }
        var config = ProjectConfig(schema: schema, file: file, values: values)
        for text in overrides {
            let (key, value) = try parseOverride(text, schema: schema)
            config = try config.setting(key, to: value)
        }
        return config
    }

    /// Reads one `--set` override: `key=value`, the value being a YAML scalar (`3`, `1e-4`,
    /// `adamw`, `"quoted text"`, `null`) or a flow list (`[a, b]`), checked against the option.
    /// - Throws: `ConfigError` when there is no `=`, no such option, or the value does not fit.
    public static func parseOverride(_ text: String, schema: ConfigSchema) throws(ConfigError) -> (key: String, value: ConfigValue) {
        let malformed = ConfigError(message: "--set \(text.debugDescription): expected key=value, for example --set train.epochs=3")
        guard let equals = text.firstIndex(of: "=") else { throw malformed }
        let key = text[..<equals].trimmingCharacters(in: .whitespaces)
        guard !key.isEmpty else { throw malformed }
        let valueText = text[text.index(after: equals)...].trimmingCharacters(in: .whitespaces)
        let source = "in --set \(text)"
        guard let option = schema.option(key) else {
            if schema.isSection(key) {
                let example = schema.options(inSection: key).first.map { ", for example \($0.key)" } ?? ""
                throw ConfigError(key: key, message: "a section, not an option; set one of its options\(example) (\(source))")
            }
            throw ConfigError(key: key, message: "\(schema.unknownKeyMessage(key)) (\(source))")
        }
        let node: Node
        do {
            node = try Yams.compose(yaml: valueText) ?? Node("", .implicit, .plain)
        } catch {
            throw ConfigError(
                key: key, message: "cannot read the value \(valueText.debugDescription) as YAML; quote it (\(source))")
        }
        do {
            return (key, try ConfigDocumentReader.value(of: node, for: option.kind))
        } catch {
            throw ConfigError(key: key, message: "\(error.message) (\(source))")
        }
    }

    /// The text of the scalar at `key` in a configuration file, without checking the rest:
    /// how the command line learns the `task` (hence the plugin, hence the full schema)
    /// before it can load the file. Nil when the key is absent, null, or not a scalar.
    /// - Throws: `ConfigError` for a missing, empty or unreadable file or bad YAML.
    public static func peek(_ key: String, in url: URL) throws(ConfigError) -> String? {
        let file = configurationFile(url)
        let yaml = try readText(file)
        guard var node = try ConfigDocumentReader.compose(yaml, fileName: displayName(file)) else { return nil }
        for part in key.split(separator: ".") {
            guard case .mapping(let mapping) = node, let child = mapping[String(part)] else { return nil }
            node = child
        }
        guard case .scalar(let scalar) = node else { return nil }
        if scalar.style == .plain, ConfigValue.resolvePlainScalar(scalar.string) == .null { return nil }
        return scalar.string
    }

    // MARK: Files

    /// `url` itself, or `url/factory.yaml` when `url` is a folder.
    static func configurationFile(_ url: URL) -> URL {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder), isFolder.boolValue {
            return url.appendingPathComponent(fileName)
        }
        return url
    }

    /// The file as errors name it: the path as the user gave it.
    static func displayName(_ file: URL) -> String {
        file.relativePath
    }

    /// The file's text; a missing, unreadable or non-UTF-8 file is a ConfigError.
    private static func readText(_ file: URL) throws(ConfigError) -> String {
        let name = displayName(file)
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw ConfigError(file: name, message: "no such file; \(createProjectAdvice)")
        }
        let data: Data
        do {
            data = try Data(contentsOf: file)
        } catch {
            throw ConfigError(file: name, message: "cannot read the file (\(error.localizedDescription)); check its permissions")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: name, message: "not UTF-8 text; save it as UTF-8")
        }
        return text
    }

    /// A document with nothing but `---` or comments composes to one empty plain scalar.
    private static func isEmptyDocument(_ root: Node) -> Bool {
        guard case .scalar(let scalar) = root else { return false }
        return scalar.style == .plain && scalar.string.isEmpty
    }
}
