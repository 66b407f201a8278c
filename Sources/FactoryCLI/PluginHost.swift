// PluginHost: the plugins and catalogs an executable adds to the built-in ones — a plugin
// package's executable calls `FactoryCommandLine.main(plugins:catalog:)`, and every command
// then sees its tasks as if they were built in — and the merged catalog every command reads
// (built-in + added + external catalogs), with its problems printed as warnings. Not here:
// the catalog logic (FactoryKit's MergedTaskCatalog), running external plugins (ExternalPlugin).

import FactoryKit
import Foundation

extension FactoryCommandLine {
    /// Runs the factory command line with `plugins` added to the built-in ones: what a
    /// third-party plugin package's executable calls (exits the process).
    /// - Parameters:
    ///   - plugins: the package's task plugins.
    ///   - catalog: the package's catalog.json listing them (their samples are relative to it).
    public static func main(plugins: [any TaskPlugin], catalog: URL) async {
        PluginHost.shared.add(plugins: plugins, catalog: catalog)
        await Factory.main()
    }
}

/// What the running executable adds to the built-in plugins (set once, before any command runs).
final class PluginHost: @unchecked Sendable {
    static let shared = PluginHost()

    private let lock = NSLock()
    private var addedPlugins: [any TaskPlugin] = []
    private var addedCatalogs: [URL] = []

    func add(plugins: [any TaskPlugin], catalog: URL) {
        lock.withLock {
            addedPlugins += plugins
            addedCatalogs.append(catalog)
        }
    }

    /// The added plugins.
    var plugins: [any TaskPlugin] { lock.withLock { addedPlugins } }
    /// The added catalogs.
    var catalogs: [URL] { lock.withLock { addedCatalogs } }

    /// Registers the added plugins after the built-in ones.
    func register(into registry: inout PluginRegistry) throws {
        for plugin in plugins { try registry.register(plugin) }
    }
}

/// The merged task catalog the commands read.
enum CommandCatalog {
    /// Built-in, added and external tasks.
    static func load(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> MergedTaskCatalog {
        let builtIn = try TaskCatalog.loadDefault(environment: environment)
        let added = try PluginHost.shared.catalogs.map { try TaskCatalog.load(from: $0) }
        return MergedTaskCatalog(builtIn: builtIn, added: added, externalFiles: CatalogLocations.externalCatalogs(environment: environment),
                                 currentExecutable: ExternalPlugin.currentExecutable())
    }

    /// Prints each problem of `catalog` as a `warning:` line on stderr.
    static func warn(_ catalog: MergedTaskCatalog) {
        for problem in catalog.problems {
            FileHandle.standardError.write(Data("warning: \(problem)\n".utf8))
        }
    }
}
