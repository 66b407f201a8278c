// ConfigWriter: renders a schema and its values as a commented factory.yaml — every option
// present, each under its summary and allowed values, sections as nested mappings separated
// by blank lines — and writes it atomically. What it renders reads back through ConfigLoader
// to the same values. Not here: reading (ConfigLoader).

import Foundation

/// Writes `factory.yaml` files that document every option.
///
/// ```yaml
/// # How the model is trained
/// train:
///   # Passes over the training data (integer, at least 1)
///   epochs: 3
///   # Optimizer (choices: sgd, adam, adamw)
///   optimizer: adamw
/// ```
public enum ConfigWriter {
    /// Comment lines are wrapped to this many columns.
    static let width = 92

    /// The YAML text of a configuration: a comment header, then every option of `schema`
    /// with its value, preceded by its summary, allowed values and help as comments.
    /// - Parameters:
    ///   - schema: The options, in order.
    ///   - values: Values by key; options not listed are written with their defaults. A key the
    ///     schema lacks or a value that does not fit is a programmer error and traps.
    ///   - header: Text for the comment at the top of the file (may be several lines).
    public static func render(schema: ConfigSchema, values: [String: ConfigValue] = [:], header: String) -> String {
        for (key, value) in values {
            guard let option = schema.option(key) else { preconditionFailure("ConfigWriter: no option \(key) in the schema") }
            do {
                _ = try option.kind.accept(value)
            } catch {
                preconditionFailure("ConfigWriter: the value \(value) of \(key) does not fit: \(error.message)")
            }
        }
        var lines: [String] = []
        if !header.isEmpty {
            lines += header.split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? "#" : "# \($0)" }
        }
        for entry in entries(schema.options, depth: 0, section: nil) {
            if !lines.isEmpty { lines.append("") }
            render(entry, indent: "", schema: schema, values: values, into: &lines)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The YAML text of a configuration's current values (see `render(schema:values:header:)`).
    public static func render(_ config: ProjectConfig, header: String) -> String {
        render(schema: config.schema, values: config.values, header: header)
    }

    /// Renders a configuration and writes it to `url` atomically (temporary file + rename).
    /// - Throws: `ConfigError` naming the file when it cannot be written.
    public static func write(schema: ConfigSchema, values: [String: ConfigValue] = [:], header: String, to url: URL) throws(ConfigError) {
        let text = render(schema: schema, values: values, header: header)
        do {
            try AtomicFile.write(Data(text.utf8), to: url)
        } catch {
            throw ConfigError(file: ConfigLoader.displayName(url), message: "cannot write the file: \(error.reason)")
        }
    }

    /// Writes a configuration's current values to `url` atomically.
    /// - Throws: `ConfigError` naming the file when it cannot be written.
    public static func write(_ config: ProjectConfig, header: String, to url: URL) throws(ConfigError) {
        try write(schema: config.schema, values: config.values, header: header, to: url)
    }

    // MARK: Layout

    /// An option, or a section with its entries.
    private indirect enum Entry {
        case option(ConfigOption)
        case section(path: String, entries: [Entry])
    }

    /// `options` (all under `section`) grouped by their key part at `depth`, in order of first
    /// appearance: a part that ends a key is an option, one that does not is a subsection.
    private static func entries(_ options: [ConfigOption], depth: Int, section: String?) -> [Entry] {
        var names: [String] = []
        var members: [String: [ConfigOption]] = [:]
        for option in options {
            let name = option.path[depth]
            if members[name] == nil { names.append(name) }
            members[name, default: []].append(option)
        }
        return names.map { name in
            let group = members[name]!
            if group.count == 1, group[0].path.count == depth + 1 { return .option(group[0]) }
            let path = section.map { "\($0).\(name)" } ?? name
            return .section(path: path, entries: entries(group, depth: depth + 1, section: path))
        }
    }

    private static func render(
        _ entry: Entry, indent: String, schema: ConfigSchema, values: [String: ConfigValue], into lines: inout [String]
    ) {
        switch entry {
        case .option(let option):
            let allowed = option.kind.allowedValues.map { " (\($0))" } ?? ""
            lines += comment(option.summary + allowed, indent: indent)
            if let help = option.help { lines += comment(help, indent: indent) }
            let value = values[option.key].flatMap { try? option.kind.accept($0) } ?? option.defaultValue
            lines.append("\(indent)\(option.path.last!): \(value)")
        case .section(let path, let entries):
            if let summary = schema.sectionSummaries[path] { lines += comment(summary, indent: indent) }
            lines.append("\(indent)\(path.split(separator: ".").last!):")
            for child in entries {
                render(child, indent: indent + "  ", schema: schema, values: values, into: &lines)
            }
        }
    }

    /// `text` as `# ` comment lines at `indent`, its lines wrapped at word boundaries.
    private static func comment(_ text: String, indent: String) -> [String] {
        let prefix = indent + "# "
        var lines: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = ""
            for word in paragraph.split(separator: " ") {
                if !line.isEmpty, prefix.count + line.count + 1 + word.count > width {
                    lines.append(prefix + line)
                    line = ""
                }
                line += (line.isEmpty ? "" : " ") + word
            }
            lines.append(line.isEmpty ? indent + "#" : prefix + line)
        }
        return lines
    }
}
