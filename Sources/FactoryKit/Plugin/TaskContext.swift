// TaskContext: what the core hands a plugin on every call — the project folder, the loaded
// configuration, the model store for backbones, and where to log. Not here: any training
// state (the Trainer keeps it).

import Foundation

/// The project a plugin is working on.
public struct TaskContext: Sendable {
    /// The project folder (where `factory.yaml` is).
    public let projectFolder: URL
    /// The validated configuration (core and plugin options, defaults filled in).
    public let config: ProjectConfig
    /// Where backbones are installed.
    public let modelStore: ModelStore
    /// Writes one progress or information line (to stderr, or the run log).
    public let log: @Sendable (String) -> Void
    /// Set by the core for training batches only (`nil` when validating, evaluating and
    /// predicting): the augmentation settings and per-example seeded generators.
    public var augmentation: BatchAugmentation? = nil

    /// Creates a context.
    public init(projectFolder: URL, config: ProjectConfig, modelStore: ModelStore, log: @escaping @Sendable (String) -> Void) {
        self.projectFolder = projectFolder
        self.config = config
        self.modelStore = modelStore
        self.log = log
    }

    /// A path from the configuration, relative to the project folder unless absolute.
    public func resolve(_ path: String) -> URL {
        let expanded = (path as NSString).expandingTildeInPath
        if expanded.hasPrefix("/") { return URL(fileURLWithPath: expanded) }
        return projectFolder.appendingPathComponent(expanded)
    }

    /// The installed folder of backbone `nameOrPath` (a catalog name or a model folder),
    /// installing a catalog backbone on first use with progress in the log.
    public func backboneFolder(_ nameOrPath: String) throws -> URL {
        let store = modelStore
        if (try? store.resolve(nameOrPath)) == nil, store.catalog.backbones.contains(where: { $0.name == nameOrPath }) {
            try store.install(nameOrPath) { [log] message in log(message) }
        }
        return try store.resolve(nameOrPath).folder
    }
}
