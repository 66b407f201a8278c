// `factory catalog list|show|search|verify`: the task plugins of every catalog (built-in,
// compiled-in plugins, external plugins) — a table, one task in full with an example
// configuration (an external task's own executable shows it), or the tasks matching words —
// each with --json. Broken external entries are warnings, never fatal for the others.
// Not here: reading and merging the catalogs (FactoryKit's MergedTaskCatalog).

import ArgumentParser
import FactoryKit
import Foundation

struct CatalogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catalog", abstract: "Browse the task plugins and their backbones.",
        subcommands: [List.self, Show.self, Search.self, Verify.self])

    static func table(_ entries: [MergedTaskCatalog.Entry]) -> String {
        formatTable([["ID", "NAME", "BACKBONES", "INPUT", "FROM", "SUMMARY"]]
                    + entries.map { entry in
                        let task = entry.descriptor
                        return [task.id, task.name, task.backbones.joined(separator: ","), task.inputFormats.joined(separator: ","), entry.provider.name, task.summary]
                    })
    }

    /// A listed task in JSON: the descriptor's fields, `provider`, and `command` for an external one.
    struct ListedTask: Encodable {
        let entry: MergedTaskCatalog.Entry
        enum Key: String, CodingKey { case provider, command }
        func encode(to encoder: any Encoder) throws {
            try entry.descriptor.encode(to: encoder)
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(entry.provider.name, forKey: .provider)
            if case .external(let task) = entry.provider { try container.encode(task.command, forKey: .command) }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every task.")
        @Flag(help: "JSON output.") var json = false

        func run() throws {
            try reportingProjectErrors {
                let catalog = try CommandCatalog.load()
                CommandCatalog.warn(catalog)
                if json { try printJSON(catalog.entries.map(ListedTask.init)) } else { print(CatalogCommand.table(catalog.entries)) }
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Everything about one task, with an example configuration.")
        @Argument(help: "The task id.") var id: String
        @Flag(help: "JSON output.") var json = false

        func run() throws {
            try reportingProjectErrors {
                let catalog = try CommandCatalog.load()
                let registry = try BuiltInPlugins.registry()
                guard let entry = catalog.entry(id) else { throw PluginError(catalog.unavailableMessage(id)) }
                if case .external(let external) = entry.provider { try ExternalPlugin.run(external) }
                let task = entry.descriptor
                let plugin = try registry.plugin(id)
                let example = ConfigWriter.render(schema: Project.schema(for: plugin), values: ["task": .string(id)],
                                                  header: "factory.yaml for \(id) (what `factory new --task \(id)` writes)")
                if json {
                    struct Entry: Encodable { var task: TaskDescriptor; var exampleConfig: String }
                    try printJSON(Entry(task: task, exampleConfig: example))
                    return
                }
                print("""
                    \(task.name) (\(task.id), version \(task.version), plugin API \(task.apiVersion))
                    \(task.summary)

                    type:      \(task.type)
                    input:     \(task.inputFormats.joined(separator: ", "))
                    outputs:   \(task.outputs.joined(separator: ", "))
                    backbones: \(task.backbones.joined(separator: ", "))
                    metrics:   \(task.metrics.joined(separator: ", "))
                    sample:    \(task.sample)
                    tags:      \(task.tags.joined(separator: ", "))

                    Example configuration:
                    """)
                print(example)
            }
        }
    }

    struct Search: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Tasks whose id, name, summary or tags contain every word.")
        @Argument(help: "Words to look for.") var words: [String]
        @Flag(help: "JSON output.") var json = false

        func run() throws {
            try reportingProjectErrors {
                let catalog = try CommandCatalog.load()
                CommandCatalog.warn(catalog)
                let found = catalog.search(words.joined(separator: " "))
                if json { try printJSON(found.map(ListedTask.init)); return }
                if found.isEmpty { print("no task matches \"\(words.joined(separator: " "))\"") } else { print(CatalogCommand.table(found)) }
            }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that every catalog task has a plugin in this factory and every plugin a catalog entry that agrees with it, and that every external plugin can be run.")

        func run() throws {
            try reportingProjectErrors {
                let merged = try CommandCatalog.load()
                let inProcess = merged.entries.filter { $0.provider == .builtIn || $0.provider == .plugin }.map(\.descriptor)
                let catalog = TaskCatalog(tasks: inProcess)
                let registry = try BuiltInPlugins.registry()
                var problems: [String] = merged.problems.map(\.description)
                for task in catalog.tasks {
                    guard let plugin = try? registry.plugin(task.id) else {
                        problems.append("catalog task \(task.id) has no plugin in this factory")
                        continue
                    }
                    if plugin.descriptor != task { problems.append("catalog entry \(task.id) differs from what its plugin (\(plugin.descriptor.type)) says") }
                    if let sample = merged.sampleFolder(of: task.id), !FileManager.default.fileExists(atPath: sample.path) {
                        problems.append("the sample of \(task.id) is missing at \(sample.path)")
                    }
                }
                for plugin in registry.plugins where catalog.task(plugin.descriptor.id) == nil {
                    problems.append("plugin \(plugin.descriptor.id) (\(plugin.descriptor.type)) has no catalog entry")
                }
                guard problems.isEmpty else { throw PluginError(problems.joined(separator: "\n")) }
                print("catalog and plugins agree: \(merged.tasks.map(\.id).joined(separator: ", "))")
            }
        }
    }
}
