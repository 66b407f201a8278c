// TaskCatalog: the task half of `catalog.json` — its `apiVersion` and the `tasks` entries
// (TaskDescriptor fields) — read and checked, plus search over id, name, summary and tags.
// The same file's `backbones` are read by FactoryModels' BackboneCatalog. Not here: which
// plugins are compiled in (PluginRegistry).

import Foundation

/// A catalog.json that cannot be used.
public struct CatalogFileError: Error, CustomStringConvertible, Equatable {
    public let file: String
    public let message: String
    public init(file: String, message: String) {
        self.file = file
        self.message = message
    }
    public var description: String { "\(file): \(message)" }
}

/// The tasks a catalog.json lists.
public struct TaskCatalog: Sendable {
    /// The tasks, in file order.
    public var tasks: [TaskDescriptor]
    /// The file they came from.
    public var source: URL?

    public init(tasks: [TaskDescriptor], source: URL? = nil) {
        self.tasks = tasks
        self.source = source
    }

    /// Reads `url`; its `apiVersion` must be ``PluginAPI/version`` and so must each task's.
    public static func load(from url: URL) throws -> TaskCatalog {
        struct File: Decodable {
            var apiVersion: Int
            var tasks: [TaskDescriptor]
        }
        let file: File
        do { file = try JSONDecoder().decode(File.self, from: Data(contentsOf: url)) } catch {
            throw CatalogFileError(file: url.path, message: "cannot be read as a catalog (\(error))")
        }
        guard file.apiVersion == PluginAPI.version else {
            throw CatalogFileError(file: url.path, message: "is for plugin API version \(file.apiVersion); this factory implements version \(PluginAPI.version). Use a catalog (and plugins) built for version \(PluginAPI.version).")
        }
        for task in file.tasks where task.apiVersion != PluginAPI.version {
            throw CatalogFileError(file: url.path, message: "task \(task.id) is built for plugin API version \(task.apiVersion); this factory implements version \(PluginAPI.version). Rebuild the plugin against this factory.")
        }
        return TaskCatalog(tasks: file.tasks, source: url)
    }

    /// The built-in catalog (the same file the backbones come from).
    public static func loadDefault(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> TaskCatalog {
        try load(from: BackboneCatalog.locate(environment: environment))
    }

    /// The task with id `id`.
    public func task(_ id: String) -> TaskDescriptor? { tasks.first { $0.id == id } }

    /// Tasks matching every word of `query` in their id, name, summary or tags (case-insensitive).
    public func search(_ query: String) -> [TaskDescriptor] {
        let words = query.lowercased().split(whereSeparator: { $0.isWhitespace }).map(String.init)
        return tasks.filter { task in
            let haystack = ([task.id, task.name, task.summary] + task.tags + task.inputFormats).joined(separator: " ").lowercased()
            return words.allSatisfy { haystack.contains($0) }
        }
    }

    /// The folder of a task's sample, relative to the catalog file.
    public func sampleFolder(of task: TaskDescriptor) -> URL? {
        source.map { $0.deletingLastPathComponent().appendingPathComponent(task.sample) }
    }
}
