// ExternalTask: a task whose plugin lives outside this factory — in its own package, built
// into its own executable — as an external catalog lists it: the task's descriptor, the
// absolute path of the executable that runs it (`command`), the package it was built from,
// and whether it can be run (ok, executable missing, wrong plugin API version, shadowed by
// another task with the same id). Also the entry's JSON form, read and written field by
// field so a bad entry is named precisely. Not here: reading whole files
// (ExternalCatalogFile), running the executable (FactoryCLI).

import Foundation

/// Whether an external task can be run.
public enum ExternalTaskStatus: Sendable, Equatable, CustomStringConvertible {
    /// The executable is there and implements this factory's plugin API.
    case ok
    /// No executable file at `command`.
    case executableMissing
    /// The entry (or its file) is for another plugin API version.
    case wrongAPIVersion(Int)
    /// Another task with the same id is used instead (a built-in one, or an earlier catalog's).
    case shadowed(by: String)

    public var description: String {
        switch self {
        case .ok: "ok"
        case .executableMissing: "executable missing"
        case .wrongAPIVersion(let version): "wrong apiVersion (\(version); this factory: \(PluginAPI.version))"
        case .shadowed(let other): "conflict (\(other) is used)"
        }
    }
}

/// A task run by a plugin executable outside this factory.
public struct ExternalTask: Sendable, Equatable {
    /// What the task is (the plugin's own descriptor).
    public var descriptor: TaskDescriptor
    /// The absolute path of the plugin executable.
    public var command: String
    /// The plugin package's folder, when known (`factory plugin add` records it).
    public var package: String?
    /// The catalog that lists the task.
    public var file: URL
    /// Whether it can be run.
    public var status: ExternalTaskStatus

    /// Creates an external task.
    public init(descriptor: TaskDescriptor, command: String, package: String? = nil, file: URL, status: ExternalTaskStatus = .ok) {
        self.descriptor = descriptor
        self.command = command
        self.package = package
        self.file = file
        self.status = status
    }

    /// Whether `command` is the executable at `executable` (symbolic links resolved).
    public func isCommand(of executable: URL) -> Bool {
        URL(fileURLWithPath: command).resolvingSymlinksInPath().path == executable.resolvingSymlinksInPath().path
    }

    /// What is wrong, for a message: `nil` when the task can be run.
    public var problem: String? {
        let id = descriptor.id
        switch status {
        case .ok: return nil
        case .executableMissing:
            return "task \(id): its plugin executable \(command) is missing; rebuild it with `factory plugin add \(package ?? "PACKAGE")`, or `factory plugin remove \(id)`"
        case .wrongAPIVersion(let version):
            return "task \(id) is built for plugin API version \(version); this factory implements version \(PluginAPI.version). Rebuild the plugin against this factory (`factory plugin add \(package ?? "PACKAGE")`) or `factory plugin remove \(id)`"
        case .shadowed(let other):
            return "task \(id) is also defined by \(other), which is used; rename one of the tasks or remove this entry"
        }
    }
}

/// A catalog entry that is not what an external task entry must be.
public struct ExternalTaskEntryError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension ExternalTask {
    /// Whether `id` is a valid task id: lower-case letters and digits in words joined by
    /// single dashes, starting with a letter (`acme-keywords`).
    public static func isValidID(_ id: String) -> Bool {
        guard let first = id.unicodeScalars.first, ("a"..."z").contains(first), !id.hasSuffix("-"), !id.contains("--") else { return false }
        return id.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }

    /// Reads one entry of an external catalog: the ``TaskDescriptor`` fields plus `command`
    /// (required, an absolute path) and `package` (optional). `summary`, `type`, `sample`
    /// and the lists may be left out.
    /// - Throws: ``ExternalTaskEntryError`` naming the first bad or missing field.
    public init(entry: JSONValue, file: URL) throws(ExternalTaskEntryError) {
        guard let object = entry.objectValue else {
            throw ExternalTaskEntryError("the entry is a JSON \(entry.typeName), not an object with the task's fields")
        }
        func string(_ key: String, default fallback: String? = nil) throws(ExternalTaskEntryError) -> String {
            guard let value = object[key] else {
                if let fallback { return fallback }
                throw ExternalTaskEntryError("missing field \"\(key)\"")
            }
            guard let text = value.stringValue else { throw ExternalTaskEntryError("\"\(key)\" must be a string, found \(value.typeName)") }
            return text
        }
        func strings(_ key: String) throws(ExternalTaskEntryError) -> [String] {
            guard let value = object[key] else { return [] }
            guard let array = value.arrayValue else { throw ExternalTaskEntryError("\"\(key)\" must be an array of strings, found \(value.typeName)") }
            var texts: [String] = []
            for element in array {
                guard let text = element.stringValue else { throw ExternalTaskEntryError("\"\(key)\" must hold strings only, found \(element.typeName)") }
                texts.append(text)
            }
            return texts
        }
        let id = try string("id")
        guard Self.isValidID(id) else {
            throw ExternalTaskEntryError("id \"\(id)\" is not a task id (lower-case letters, digits and single dashes, starting with a letter)")
        }
        guard let versionValue = object["apiVersion"] else { throw ExternalTaskEntryError("missing field \"apiVersion\"") }
        guard let apiVersion = versionValue.integerValue else {
            throw ExternalTaskEntryError("\"apiVersion\" must be an integer, found \(versionValue.typeName)")
        }
        let command = try string("command", default: "")
        guard !command.isEmpty else {
            throw ExternalTaskEntryError("missing field \"command\": an external task needs the absolute path of its plugin executable (`factory plugin add PACKAGE` writes it)")
        }
        guard command.hasPrefix("/") else { throw ExternalTaskEntryError("\"command\" must be an absolute path, found \"\(command)\"") }
        var package: String?
        if object["package"] != nil { package = try string("package") }
        let descriptor = TaskDescriptor(
            id: id, name: try string("name", default: id), summary: try string("summary", default: ""), version: try string("version"),
            apiVersion: apiVersion, type: try string("type", default: ""), inputFormats: try strings("inputFormats"),
            outputs: try strings("outputs"), backbones: try strings("backbones"), metrics: try strings("metrics"),
            sample: try string("sample", default: ""), tags: try strings("tags"))
        self.init(descriptor: descriptor, command: command, package: package, file: file)
    }

    /// The entry as an external catalog stores it.
    public var entry: JSONValue {
        func list(_ values: [String]) -> JSONValue { .array(values.map { .string($0) }) }
        var members: [(key: String, value: JSONValue)] = [
            ("id", .string(descriptor.id)), ("name", .string(descriptor.name)), ("summary", .string(descriptor.summary)),
            ("version", .string(descriptor.version)), ("apiVersion", .integer(descriptor.apiVersion)), ("type", .string(descriptor.type)),
            ("inputFormats", list(descriptor.inputFormats)), ("outputs", list(descriptor.outputs)), ("backbones", list(descriptor.backbones)),
            ("metrics", list(descriptor.metrics)), ("sample", .string(descriptor.sample)), ("tags", list(descriptor.tags)),
            ("command", .string(command)),
        ]
        if let package { members.append(("package", .string(package))) }
        return .object(JSONObject(members: members))
    }
}
