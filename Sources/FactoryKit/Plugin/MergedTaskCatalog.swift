// MergedTaskCatalog: every task this factory knows, from every catalog — the built-in
// catalog.json, the catalogs of plugins compiled into the running executable (a plugin
// package's own executable adds its catalog), and the external catalogs (FACTORY_CATALOG,
// then the user catalog) whose tasks run in their plugin's executable. Conflicts (the same
// id twice) keep the first and report the others; broken entries are reported, never fatal
// for the other tasks. Not here: reading one file (TaskCatalog, ExternalCatalogFile),
// running an external task (FactoryCLI).

import Foundation

/// Who runs a task.
public enum TaskProvider: Sendable, Equatable {
    /// A plugin built into factory (the built-in catalog).
    case builtIn
    /// A plugin compiled into the running executable by its host (a plugin package's executable).
    case plugin
    /// A plugin executable outside this process.
    case external(ExternalTask)

    /// `built-in`, `plugin` or `external`, for listings.
    public var name: String {
        switch self {
        case .builtIn: "built-in"
        case .plugin: "plugin"
        case .external: "external"
        }
    }
}

/// The tasks of every catalog, merged.
public struct MergedTaskCatalog: Sendable {
    /// A usable task and who runs it.
    public struct Entry: Sendable, Equatable {
        public var descriptor: TaskDescriptor
        public var provider: TaskProvider
        /// The catalog file that lists it.
        public var file: URL?
    }

    /// Usable tasks: built-in, then compiled-in plugins, then runnable external ones.
    public private(set) var entries: [Entry] = []
    /// The in-process catalogs (built-in first), for sample folders.
    public private(set) var inProcessCatalogs: [TaskCatalog] = []
    /// Every external task read, runnable or not, with its status.
    public private(set) var externalTasks: [ExternalTask] = []
    /// Everything wrong: bad files and entries, unusable tasks, conflicts.
    public private(set) var problems: [CatalogProblem] = []

    /// Merges catalogs.
    /// - Parameters:
    ///   - builtIn: factory's own catalog.
    ///   - added: catalogs of plugins the running executable compiles in.
    ///   - externalFiles: external catalogs in order of precedence.
    ///   - currentExecutable: the running executable: an external entry whose command is this
    ///     executable names a task it already runs in process, and is skipped silently.
    public init(builtIn: TaskCatalog, added: [TaskCatalog] = [], externalFiles: [URL], currentExecutable: URL? = nil) {
        inProcessCatalogs = [builtIn] + added
        var owner: [String: String] = [:]   // id -> who defines it, for conflict messages
        for (index, catalog) in inProcessCatalogs.enumerated() {
            let file = catalog.source?.path ?? "catalog.json"
            for task in catalog.tasks {
                if let first = owner[task.id] {
                    problems.append(CatalogProblem(file: file, entry: "task \(task.id)", taskID: task.id,
                                                   message: "conflicts with the task of the same id in \(first), which is used; rename one"))
                    continue
                }
                owner[task.id] = index == 0 ? "the built-in catalog (\(file))" : file
                entries.append(Entry(descriptor: task, provider: index == 0 ? .builtIn : .plugin, file: catalog.source))
            }
        }
        for url in externalFiles {
            let (tasks, fileProblems) = ExternalCatalogFile.read(url)
            problems += fileProblems
            for var task in tasks {
                let id = task.descriptor.id
                if let currentExecutable, task.isCommand(of: currentExecutable), inProcessIDs.contains(id) {
                    continue
                }
                if let first = owner[id] {
                    task.status = .shadowed(by: first)
                } else if task.status == .ok {
                    owner[id] = url.path
                    entries.append(Entry(descriptor: task.descriptor, provider: .external(task), file: url))
                }
                if let problem = task.problem {
                    problems.append(CatalogProblem(file: url.path, taskID: id, message: problem))
                }
                externalTasks.append(task)
            }
        }
    }

    private var inProcessIDs: Set<String> { Set(entries.filter { $0.provider == .builtIn || $0.provider == .plugin }.map(\.descriptor.id)) }

    /// The usable tasks' descriptors, in order.
    public var tasks: [TaskDescriptor] { entries.map(\.descriptor) }

    /// The usable task `id`, or `nil`.
    public func entry(_ id: String) -> Entry? { entries.first { $0.descriptor.id == id } }

    /// The problems concerning task `id` (why it is not usable, when it is not).
    public func problems(for id: String) -> [CatalogProblem] { problems.filter { $0.taskID == id } }

    /// The folder of an in-process task's sample, resolved against the catalog that lists it.
    public func sampleFolder(of id: String) -> URL? {
        for catalog in inProcessCatalogs { if let task = catalog.task(id) { return catalog.sampleFolder(of: task) } }
        return nil
    }

    /// Usable tasks matching every word of `query` (see ``TaskCatalog/search(_:)``).
    public func search(_ query: String) -> [Entry] {
        let found = Set(TaskCatalog(tasks: tasks).search(query).map(\.id))
        return entries.filter { found.contains($0.descriptor.id) }
    }

    /// Why `id` cannot be used: its problems, or the closest known ids.
    public func unavailableMessage(_ id: String) -> String {
        let own = problems(for: id)
        if !own.isEmpty { return own.map(\.description).joined(separator: "\n") }
        let ids = tasks.map(\.id)
        let closest = NameSuggestions.closest(to: id, in: ids)
        return "unknown task \"\(id)\"" + (closest.isEmpty ? "" : "; did you mean \(closest.joined(separator: ", "))?")
            + " Known tasks: \(ids.joined(separator: ", ")) (`factory catalog list`)."
    }
}
