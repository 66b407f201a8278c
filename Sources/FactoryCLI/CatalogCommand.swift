// `factory catalog list|show|search`: the task plugins of catalog.json — a table, one task
// in full with an example configuration, or the tasks matching words — each with --json.
// Not here: reading the catalog (FactoryKit's TaskCatalog).

import ArgumentParser
import FactoryKit
import Foundation

struct CatalogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catalog", abstract: "Browse the task plugins and their backbones.",
        subcommands: [List.self, Show.self, Search.self, Verify.self])

    static func table(_ tasks: [TaskDescriptor]) -> String {
        formatTable([["ID", "NAME", "BACKBONES", "INPUT", "SUMMARY"]]
                    + tasks.map { [$0.id, $0.name, $0.backbones.joined(separator: ","), $0.inputFormats.joined(separator: ","), $0.summary] })
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every task.")
        @Flag(help: "JSON output.") var json = false

        func run() throws {
            try reportingProjectErrors {
                let catalog = try TaskCatalog.loadDefault()
                if json { try printJSON(catalog.tasks) } else { print(CatalogCommand.table(catalog.tasks)) }
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Everything about one task, with an example configuration.")
        @Argument(help: "The task id.") var id: String
        @Flag(help: "JSON output.") var json = false

        func run() throws {
            try reportingProjectErrors {
                let catalog = try TaskCatalog.loadDefault()
                let registry = try BuiltInPlugins.registry()
                guard let task = catalog.task(id) else {
                    let closest = NameSuggestions.closest(to: id, in: catalog.tasks.map(\.id))
                    throw PluginError("no task \"\(id)\" in the catalog" + (closest.isEmpty ? "" : "; did you mean \(closest.joined(separator: ", "))?"))
                }
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
                let found = try TaskCatalog.loadDefault().search(words.joined(separator: " "))
                if json { try printJSON(found); return }
                if found.isEmpty { print("no task matches \"\(words.joined(separator: " "))\"") } else { print(CatalogCommand.table(found)) }
            }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that every catalog task has a plugin in this factory and every plugin a catalog entry that agrees with it.")

        func run() throws {
            try reportingProjectErrors {
                let catalog = try TaskCatalog.loadDefault()
                let registry = try BuiltInPlugins.registry()
                var problems: [String] = []
                for task in catalog.tasks {
                    guard let plugin = try? registry.plugin(task.id) else {
                        problems.append("catalog task \(task.id) has no plugin in this factory")
                        continue
                    }
                    if plugin.descriptor != task { problems.append("catalog entry \(task.id) differs from what its plugin (\(plugin.descriptor.type)) says") }
                    if let sample = catalog.sampleFolder(of: task), !FileManager.default.fileExists(atPath: sample.path) {
                        problems.append("the sample of \(task.id) is missing at \(sample.path)")
                    }
                }
                for plugin in registry.plugins where catalog.task(plugin.descriptor.id) == nil {
                    problems.append("plugin \(plugin.descriptor.id) (\(plugin.descriptor.type)) has no catalog entry")
                }
                guard problems.isEmpty else { throw PluginError(problems.joined(separator: "\n")) }
                print("catalog and plugins agree: \(catalog.tasks.map(\.id).joined(separator: ", "))")
            }
        }
    }
}
