// `factory new --task ID [DIR]`: creates a project folder from the task's sample — data,
// factory.yaml with every option documented, README — that trains as it is. Refuses a
// non-empty folder; an unknown task lists the closest ids; an external plugin's task is
// created by its own executable. Not here: the files' contents (Project and the plugin).

import ArgumentParser
import FactoryKit
import Foundation

struct NewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new", abstract: "Create a project for a task from its sample.",
        discussion: "Example: factory new --task sentiment my-reviews")

    @Option(help: "The task id (`factory catalog list`).")
    var task: String

    @Argument(help: "The new project folder (default: the task id).")
    var folder: String?

    func run() throws {
        try reportingProjectErrors {
            let registry = try BuiltInPlugins.registry()
            let catalog = try CommandCatalog.load()
            if (try? registry.plugin(task)) == nil {
                // Not in this executable: an external plugin's executable creates the project.
                guard let entry = catalog.entry(task), case .external(let external) = entry.provider else {
                    throw PluginError(catalog.unavailableMessage(task))
                }
                try ExternalPlugin.run(external)
            }
            let plugin = try registry.plugin(task)
            guard let sample = catalog.sampleFolder(of: task) else {
                throw PluginError("task \(task) has no entry in its catalog.json; every plugin needs one")
            }
            let destination = URL(fileURLWithPath: ((folder ?? task) as NSString).expandingTildeInPath).standardizedFileURL
            try Project.create(at: destination, plugin: plugin, sample: sample)
            print("created \(destination.path)")
            print("next: cd \(folder ?? task) && factory train && factory eval && factory predict \"...\"")
        }
    }
}
