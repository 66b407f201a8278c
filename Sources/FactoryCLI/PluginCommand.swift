// `factory plugin new|add|remove|list`: third-party task plugins, each in its own Swift
// package with its own executable — scaffold one, build and register one in the user
// catalog, unregister one, and list the registered ones with their status. Not here:
// building (PluginAddCommand), the templates (PluginScaffold/), the catalogs (FactoryKit).

import ArgumentParser
import FactoryKit
import Foundation

struct PluginCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugin", abstract: "Write, register and list third-party task plugins.",
        discussion: """
            A plugin is a Swift package with its own executable: factory's command line with the
            package's plugins added. `factory plugin add` builds it and registers its tasks in the
            user catalog ($XDG_CONFIG_HOME/factory/catalog.json, else ~/.config/factory/catalog.json);
            factory then runs that executable for them. FACTORY_CATALOG adds more catalogs
            (colon-separated paths). See Plugins/README.md.
            """,
        subcommands: [PluginNewCommand.self, PluginAddCommand.self, PluginRemoveCommand.self, PluginListCommand.self])
}

struct PluginNewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new", abstract: "Create a task-plugin package with a working example plugin.",
        discussion: "Example: factory plugin new acme-keywords && factory plugin add acme-keywords")

    @Argument(help: "The plugin's task id: lower-case letters, digits and dashes (acme-keywords).")
    var name: String

    @Argument(help: "The new package folder (default: the name).")
    var folder: String?

    @Option(help: ArgumentHelp("The factory source folder the plugin builds against (default: $FACTORY_SOURCE_DIR, else the sources this factory was built from).", valueName: "dir"))
    var factoryPath: String?

    func run() throws {
        try reportingProjectErrors {
            let environment = ProcessInfo.processInfo.environment
            let sources = factoryPath ?? environment[PluginScaffold.factorySourceVariable].flatMap { $0.isEmpty ? nil : $0 }
            let factory = sources.map { URL(fileURLWithPath: ($0 as NSString).expandingTildeInPath).standardizedFileURL } ?? PluginScaffold.compiledFactoryPath
            let registry = try BuiltInPlugins.registry()
            let builtIn = registry.plugins.map(\.descriptor)
            let modules = Set(builtIn.compactMap { $0.type.split(separator: ".").first.map(String.init) } + ["TestSupport"])
            let scaffold = try PluginScaffold(name: name, factoryPath: factory, takenIDs: builtIn.map(\.id), takenModules: modules)
            let destination = URL(fileURLWithPath: ((folder ?? name) as NSString).expandingTildeInPath).standardizedFileURL
            try scaffold.create(at: destination)
            print("created \(destination.path) (task \(name), builds against \(scaffold.factoryPath.path))")
            print("next: factory plugin add \(folder ?? name)   # builds it in release and registers task \(name)")
        }
    }
}

struct PluginRemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove", abstract: "Unregister a plugin's task from the user catalog (its package and build stay).")

    @Argument(help: "The task id.")
    var id: String

    func run() throws {
        try reportingProjectErrors {
            let user = UserTaskCatalog()
            guard try user.remove(id) == 0 else {
                print("removed task \(id) from \(user.file.path)")
                return
            }
            let registered = try user.rawEntries().compactMap { $0["id"]?.stringValue }
            let elsewhere = CatalogLocations.extraCatalogs().filter { url in
                ExternalCatalogFile.read(url).tasks.contains { $0.descriptor.id == id }
            }
            var message = "no task \"\(id)\" in the user catalog \(user.file.path)"
            message += registered.isEmpty ? " (it lists none)" : "; it lists \(registered.joined(separator: ", "))"
            if !elsewhere.isEmpty { message += ". \(id) comes from \(CatalogLocations.extraCatalogsVariable): \(elsewhere.map(\.path).joined(separator: ", ")); edit that" }
            throw PluginError(message)
        }
    }
}

struct PluginListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the external plugins' tasks: id, version, plugin API version, status and executable.")

    @Flag(help: "JSON output.") var json = false

    func run() throws {
        try reportingProjectErrors {
            let catalog = try CommandCatalog.load()
            let broken = catalog.problems.filter { problem in
                !catalog.externalTasks.contains { $0.descriptor.id == problem.taskID && $0.file.path == problem.file && $0.status != .ok }
            }
            if json {
                struct Row: Encodable { var id, version: String; var apiVersion: Int; var command, status, catalog: String; var package: String? }
                try printJSON(catalog.externalTasks.map {
                    Row(id: $0.descriptor.id, version: $0.descriptor.version, apiVersion: $0.descriptor.apiVersion, command: $0.command,
                        status: $0.status.description, catalog: $0.file.path, package: $0.package)
                })
            } else if catalog.externalTasks.isEmpty {
                print("no external plugins (add one with `factory plugin add PACKAGE`; write one with `factory plugin new NAME`)")
            } else {
                print(formatTable([["ID", "VERSION", "API", "STATUS", "COMMAND"]] + catalog.externalTasks.map {
                    [$0.descriptor.id, $0.descriptor.version, String($0.descriptor.apiVersion), $0.status.description, $0.command]
                }), terminator: "")
            }
            for problem in broken { FileHandle.standardError.write(Data("warning: \(problem)\n".utf8)) }
        }
    }
}
