// PluginScaffold: `factory plugin new NAME` — a complete task-plugin package in its own
// folder: Package.swift depending on these factory sources by path, a working keyword
// classifier plugin (every TaskPlugin requirement filled in), its executable (factory's
// command line with the plugin added), its catalog.json and sample data, a README and a test
// target that trains it end to end. Written in a hidden sibling folder and renamed into
// place, so a failure leaves nothing. Not here: the files' text (the PluginScaffold+*
// templates), building and registering (PluginAddCommand).

import FactoryKit
import Foundation

/// The names a new plugin package uses, all derived from its task id.
struct PluginScaffold {
    /// The task id and executable name (`acme-keywords`).
    let id: String
    /// The plugin's Swift module (`AcmeKeywords`).
    let module: String
    /// The factory source folder the package builds against.
    let factoryPath: URL

    /// The plugin type (`AcmeKeywordsPlugin`).
    var typeName: String { module + "Plugin" }
    /// A human name (`Acme keywords`).
    var title: String {
        let words = id.split(separator: "-").map(String.init)
        return ([words[0].prefix(1).uppercased() + words[0].dropFirst()] + words.dropFirst()).joined(separator: " ")
    }
    /// The package identity SwiftPM gives the path dependency: its folder name, lower-cased.
    var factoryPackage: String { factoryPath.lastPathComponent.lowercased() }

    /// The environment variable that overrides the factory sources a new plugin builds against.
    static let factorySourceVariable = "FACTORY_SOURCE_DIR"

    /// The factory sources this executable was compiled from (this file is
    /// `Sources/FactoryCLI/PluginScaffold/PluginScaffold.swift`).
    static let compiledFactoryPath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Checks `name` and the factory sources.
    /// - Throws: ``PluginError`` for a bad or taken name, or a folder that is not factory's sources.
    /// - Parameters:
    ///   - name: the task id: lower-case letters, digits and single dashes, starting with a letter.
    ///   - factoryPath: the factory source folder (`--factory-path`, else `$FACTORY_SOURCE_DIR`,
    ///     else the sources this factory was built from).
    ///   - takenIDs: task ids already in use (built in).
    ///   - takenModules: Swift module names of the factory package (a plugin module must differ).
    init(name: String, factoryPath: URL, takenIDs: [String], takenModules: Set<String>) throws {
        guard ExternalTask.isValidID(name) else {
            throw PluginError("\"\(name)\" is not a valid plugin name: use lower-case letters, digits and single dashes, starting with a letter (for example acme-keywords)")
        }
        guard !takenIDs.contains(name) else {
            throw PluginError("\"\(name)\" is already a task of factory (\(takenIDs.joined(separator: ", "))); choose another name, for example acme-\(name)")
        }
        let module = name.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        guard !module.hasPrefix("Factory"), !takenModules.contains(module) else {
            throw PluginError("\"\(name)\" would make a Swift module \(module), which factory itself uses; choose another name, for example acme-\(name)")
        }
        let manifest = factoryPath.appendingPathComponent("Package.swift"), api = factoryPath.appendingPathComponent("Sources/FactoryKit/Plugin/TaskPlugin.swift")
        guard FileManager.default.fileExists(atPath: manifest.path), FileManager.default.fileExists(atPath: api.path) else {
            throw PluginError("\(factoryPath.path) is not the factory source folder (no Package.swift with Sources/FactoryKit); pass --factory-path DIR or set \(Self.factorySourceVariable)")
        }
        self.id = name
        self.module = module
        self.factoryPath = factoryPath.standardizedFileURL
    }

    /// Every file of the package: path relative to the package folder, and contents.
    var files: [(path: String, contents: String)] {
        [
            ("Package.swift", packageManifest),
            ("catalog.json", catalog),
            ("README.md", readme),
            (".gitignore", ".build/\n.swiftpm/\nPackage.resolved\n"),
            ("Samples/\(id)/tickets.csv", Self.sampleTickets),
            ("Sources/\(module)/\(typeName).swift", pluginSource),
            ("Sources/\(module)/\(module)Data.swift", dataSource),
            ("Sources/\(module)/\(module)Model.swift", modelSource),
            ("Sources/\(module)Main/main.swift", mainSource),
            ("Tests/\(module)Tests/\(module)Tests.swift", testSource),
        ]
    }

    /// Fills a template's `{{ID}}`, `{{MODULE}}`, `{{TYPE}}`, `{{TITLE}}`, `{{API}}`,
    /// `{{FACTORY_PATH}}` and `{{FACTORY_PACKAGE}}`.
    func fill(_ template: String) -> String {
        [("{{ID}}", id), ("{{MODULE}}", module), ("{{TYPE}}", typeName), ("{{TITLE}}", title), ("{{API}}", String(PluginAPI.version)),
         ("{{FACTORY_PATH}}", factoryPath.path), ("{{FACTORY_PACKAGE}}", factoryPackage)]
            .reduce(template) { text, pair in text.replacingOccurrences(of: pair.0, with: pair.1) }
    }

    /// Writes the package into `folder` (which must not exist, or be empty).
    func create(at folder: URL) throws {
        let fileManager = FileManager.default
        var isFolder: ObjCBool = false
        if fileManager.fileExists(atPath: folder.path, isDirectory: &isFolder) {
            guard isFolder.boolValue, (try? fileManager.contentsOfDirectory(atPath: folder.path))?.isEmpty == true else {
                throw PluginError("\(folder.path) already exists and is not an empty folder; choose a new folder (factory plugin new never overwrites files)")
            }
        }
        let parent = folder.deletingLastPathComponent()
        try fileManager.createDirectory(at: parent, withIntermediateDirectories: true)
        let staging = parent.appendingPathComponent(".factory-plugin-new-\(UUID().uuidString)")
        do {
            for file in files {
                let url = staging.appendingPathComponent(file.path)
                try fileManager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try AtomicFile.write(Data(file.contents.utf8), to: url)
            }
            if fileManager.fileExists(atPath: folder.path) { try fileManager.removeItem(at: folder) }
            try fileManager.moveItem(at: staging, to: folder)
        } catch {
            try? fileManager.removeItem(at: staging)
            throw error
        }
    }
}
