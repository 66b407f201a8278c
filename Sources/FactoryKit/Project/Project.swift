// Project: a project folder — `factory.yaml` plus the task's data — created from a task's
// sample (`factory new`) and opened for train / eval / predict (configuration loaded and
// checked against the core's and the plugin's options, with `--set` overrides). Creating
// builds the project in a hidden sibling folder and renames it into place, so a failure
// leaves nothing behind. Not here: the commands' output (FactoryCLI), training (FineTuningRun).

import Foundation

/// Creating and opening project folders.
public enum Project {
    /// The configuration file of a project.
    public static let configFileName = "factory.yaml"

    /// The full option schema for a task: the core's options, then the plugin's.
    public static func schema(for plugin: any TaskPlugin) -> ConfigSchema {
        let core = CoreOptions.options(for: plugin.descriptor, primaryMetric: plugin.primaryMetric.name)
        let coreKeys = Set(core.map(\.key))
        // A plugin may redefine a core option's default (same key): its entry wins.
        let pluginOptions = plugin.configOptions
        let pluginKeys = Set(pluginOptions.map(\.key))
        let options = core.filter { !pluginKeys.contains($0.key) } + pluginOptions.filter { !coreKeys.contains($0.key) || pluginKeys.contains($0.key) }
            + TuneOptions.options.filter { !pluginKeys.contains($0.key) }
        return ConfigSchema(options: options, sectionSummaries: [
            "data": "where the examples come from and how they are split",
            "model": "the pretrained backbone and the new head",
            "train": "optimisation",
            "early_stopping": "when to stop and which checkpoint is best",
            "tune": "hyperparameter search (`factory tune`)",
            "augmentation": "random changes to training examples (never to validation, test or predictions); all off by default",
            "lora": "low-rank adapters (LoRA): train small adapters instead of the backbone",
        ], freeformSections: [TuneOptions.spaceSection])
    }

    /// Creates a project for `plugin` in `folder` (which must not exist or be empty): the
    /// sample data, `factory.yaml` with every option documented, and a README.
    /// - Parameters:
    ///   - folder: the new project's folder.
    ///   - plugin: the task.
    ///   - sample: the task's sample folder.
    public static func create(at folder: URL, plugin: any TaskPlugin, sample: URL) throws {
        let fileManager = FileManager.default
        var isFolder: ObjCBool = false
        if fileManager.fileExists(atPath: folder.path, isDirectory: &isFolder) {
            guard isFolder.boolValue else { throw PluginError("\(folder.path) is a file; choose a new folder name") }
            let contents = (try? fileManager.contentsOfDirectory(atPath: folder.path)) ?? []
            guard contents.isEmpty else {
                throw PluginError("\(folder.path) is not empty; choose a new folder (factory new never overwrites files)")
            }
        }
        guard fileManager.fileExists(atPath: sample.path) else {
            throw PluginError("the sample of task \(plugin.descriptor.id) is missing at \(sample.path); reinstall factory, or for a plugin check `sample` in its catalog.json")
        }
        let parent = folder.deletingLastPathComponent()
        try fileManager.createDirectory(at: parent, withIntermediateDirectories: true)
        let staging = parent.appendingPathComponent(".factory-new-\(UUID().uuidString)")
        try fileManager.createDirectory(at: staging, withIntermediateDirectories: false)
        do {
            let values = try plugin.writeSample(into: staging, from: sample)
            let descriptor = plugin.descriptor
            let header = """
                factory project: \(descriptor.name) (task \(descriptor.id), plugin \(descriptor.version))
                Every option is listed with its default. Change what you need, or override one run:
                  factory train --set train.epochs=3
                """
            try ConfigWriter.write(schema: schema(for: plugin), values: values.merging(["task": .string(descriptor.id)]) { $1 },
                                   header: header, to: staging.appendingPathComponent(configFileName))
            try AtomicFile.write(Data(readme(for: descriptor).utf8), to: staging.appendingPathComponent("README.md"))
            if fileManager.fileExists(atPath: folder.path) { try fileManager.removeItem(at: folder) }
            try fileManager.moveItem(at: staging, to: folder)
        } catch {
            try? fileManager.removeItem(at: staging)
            throw error
        }
    }

    /// The README of a new project.
    static func readme(for task: TaskDescriptor) -> String {
        """
        # \(task.name) project

        \(task.summary).

        Created by `factory new --task \(task.id)`. The sample data is in `data/`; point
        `data.path` in `factory.yaml` at your own (\(task.inputFormats.joined(separator: ", "))).

        ```sh
        factory train                      # fine-tune; progress on stderr, results in output/
        factory train --resume             # continue a run that was stopped
        factory eval                       # metrics on the test split, written to output/eval.json
        factory predict "some input"       # answers (--json for machine-readable output)
        factory report                     # output/report.html: curves, confusion matrix, mistakes, model card
        factory train --set train.epochs=2 # override any option for one run
        ```

        Outputs (`output/`): `checkpoints/best.safetensors` and `last.safetensors` (weights and
        run state), `metrics.jsonl` (one line per epoch), `learning_curve.svg`, `splits.json`,
        `eval.json`. Metrics reported: \(task.metrics.joined(separator: ", ")).

        """
    }

    /// Opens the project in `folder`: finds its task in `registry`, loads and checks
    /// `factory.yaml` with `overrides` (`key=value`).
    /// - Returns: the plugin and the context to run it with.
    public static func open(
        _ folder: URL, registry: PluginRegistry, overrides: [String] = [], modelStore: ModelStore,
        log: @escaping @Sendable (String) -> Void
    ) throws -> (plugin: any TaskPlugin, context: TaskContext) {
        let file = folder.appendingPathComponent(configFileName)
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw ConfigError(file: file.path, message: "no such file; run this inside a project folder, pass --project DIR, or create one with `factory new --task ID DIR`")
        }
        guard let taskID = try ConfigLoader.peek("task", in: file) else {
            throw ConfigError(file: file.path, key: "task", message: "the file does not say which task it is for; add `task: ID` (`factory catalog list` shows the ids)")
        }
        let plugin: any TaskPlugin
        do { plugin = try registry.plugin(taskID) } catch {
            throw ConfigError(file: file.path, key: "task", message: "\(error)")
        }
        let config = try ConfigLoader.load(file, schema: schema(for: plugin), overrides: overrides)
        return (plugin, TaskContext(projectFolder: folder, config: config, modelStore: modelStore, log: log))
    }
}
