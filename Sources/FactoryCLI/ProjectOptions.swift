// ProjectOptions: the options every project command shares (`--project DIR`, `--set
// key=value`) and opening the project with them: registry, model store, configuration.
// Not here: what each command does with the project.

import ArgumentParser
import FactoryKit
import Foundation

struct ProjectOptions: ParsableArguments {
    @Option(name: .long, help: "The project folder (default: the current folder).")
    var project: String = "."

    @Option(name: .customLong("set"), help: ArgumentHelp("Override an option for this run, e.g. --set train.epochs=3 (repeatable).", valueName: "key=value"))
    var overrides: [String] = []

    var folder: URL { URL(fileURLWithPath: (project as NSString).expandingTildeInPath).standardizedFileURL }

    /// Opens the project.
    /// A project whose task is an external plugin's is handed to that plugin's executable
    /// (this process is replaced; see ExternalPlugin).
    func open(progress: ProgressReporter) throws -> (plugin: any TaskPlugin, context: TaskContext) {
        try ExternalPlugin.forwardProjectCommandIfExternal(folder: folder)
        let store = try ModelStore.standard()
        return try Project.open(folder, registry: BuiltInPlugins.registry(), overrides: overrides, modelStore: store) { message in
            progress.log(message)
        }
    }
}

/// Exit statuses scripts can rely on.
enum ExitStatus {
    /// The command failed (bad data, a failed run, a missing model).
    static let failure: Int32 = 1
    /// The project or its configuration is wrong (no factory.yaml, unknown option, unknown task).
    static let badProject: Int32 = 2
}

/// Runs `body`; errors print as `error: <message>` and exit with ``ExitStatus``.
func reportingProjectErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ExitCode {
        throw error
    } catch let error as ConfigError {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode(ExitStatus.badProject)
    } catch let error as PluginError {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode(ExitStatus.badProject)
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode(ExitStatus.failure)
    }
}
