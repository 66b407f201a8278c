// ExternalPlugin: running a task whose plugin lives in its own executable (an external
// catalog entry's `command`): `factory` replaces itself (execv) with that executable and the
// very same arguments, so its output, input and exit status are the plugin's. Used by
// `new --task X`, `catalog show X` and every project command (train, eval, predict, ...)
// when the project's task is external. One hop only: a forwarded process never forwards
// again. Not here: which tasks are external (MergedTaskCatalog).

import FactoryKit
import Foundation

enum ExternalPlugin {
    /// Set in a forwarded process's environment to the task id; stops a second hop.
    static let forwardedVariable = "FACTORY_FORWARDED_TASK"

    /// The running executable (symbolic links resolved).
    static func currentExecutable() -> URL {
        #if os(Linux)
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return URL(fileURLWithPath: path)
        }
        #endif
        return (Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])).resolvingSymlinksInPath()
    }

    /// Replaces this process with `task`'s executable, run with this process's arguments.
    /// - Throws: ``PluginError`` when the task cannot be run (missing executable, a second hop,
    ///   exec failing); on success it does not return.
    static func run(_ task: ExternalTask, arguments: [String] = Array(CommandLine.arguments.dropFirst())) throws -> Never {
        let id = task.descriptor.id
        if let problem = task.problem { throw PluginError(problem) }
        guard FileManager.default.isExecutableFile(atPath: task.command) else {
            throw PluginError("task \(id): its plugin executable \(task.command) is missing; rebuild it with `factory plugin add \(task.package ?? "PACKAGE")`")
        }
        if let from = ProcessInfo.processInfo.environment[forwardedVariable] {
            throw PluginError("task \(id) was forwarded to \(currentExecutable().path) for task \(from), which does not run it either; check the catalogs (`factory plugin list`)")
        }
        setenv(forwardedVariable, id, 1)
        fflush(nil)   // what `print` buffered goes out before the process image is replaced
        let argv = ([task.command] + arguments).map { strdup($0) } + [nil]
        execv(task.command, argv)
        let reason = String(cString: strerror(errno))
        throw PluginError("task \(id): cannot run its plugin executable \(task.command) (\(reason))")
    }

    /// Runs the project command in `folder` in the plugin executable of its task when that
    /// task is external (does not return then). Returns when the task runs in this process,
    /// or when there is no readable project (the command then reports that itself).
    /// - Throws: ``ConfigError`` naming factory.yaml when the task is neither here nor usable.
    static func forwardProjectCommandIfExternal(folder: URL) throws {
        let file = folder.appendingPathComponent(Project.configFileName)
        guard FileManager.default.fileExists(atPath: file.path), let taskID = try? ConfigLoader.peek("task", in: file) else { return }
        if (try? BuiltInPlugins.registry().plugin(taskID)) != nil { return }
        let catalog = try CommandCatalog.load()
        guard let entry = catalog.entry(taskID) else {
            throw ConfigError(file: file.path, key: "task", message: catalog.unavailableMessage(taskID))
        }
        guard case .external(let task) = entry.provider else { return }
        try run(task)
    }
}
