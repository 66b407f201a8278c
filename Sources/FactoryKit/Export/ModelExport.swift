// ModelExport: `factory export` and `factory predict --model` — the trained (best) model as a
// self-contained folder: `model.safetensors` (every weight, the new head included, LoRA
// adapters fused into the base weights by default), the plugin's extra files (for BERT-family
// tasks a Hugging Face config.json with id2label / label2id and the tokenizer), and
// `factory-model.json`, the manifest the core needs to rebuild the model without the project
// (task, plugin version, label names, the run's configuration, renamed tensors). The folder is
// built next to its destination and renamed into place, so a failure leaves nothing half
// written. Not here: the command line (FactoryCLI), a plugin's naming (its exportLayout).

import Foundation

/// The manifest of an exported model (`factory-model.json`).
public struct ExportManifest: Sendable, Equatable, Codable {
    /// The format of the folder.
    public var format: String
    /// The task id and the plugin version that trained the model.
    public var task: String
    public var pluginVersion: String
    /// Label names and what else the plugin needs to rebuild the model.
    public var modelInfo: TaskModelInfo
    /// The run's configuration (with `lora.enabled` off when the adapters were fused).
    public var configuration: ProjectConfig.Snapshot
    /// The weights file, relative to the folder.
    public var weights: String
    /// Model keys by exported tensor name, for the tensors the plugin renamed.
    public var modelKeys: [String: String]
    /// Whether the folder is its own backbone (no installed backbone needed).
    public var backboneInFolder: Bool
    /// Whether LoRA adapters were fused into the weights.
    public var adaptersFused: Bool
}

/// Writing and loading exported models.
public enum ModelExport {
    /// The manifest's file name.
    public static let manifestFileName = "factory-model.json"
    /// The weights' file name.
    public static let weightsFileName = "model.safetensors"
    static let formatValue = "factory-model-1"

    /// Exports the trained model of `run` (its best checkpoint) to `folder`.
    /// - Parameters:
    ///   - run: the project's run.
    ///   - folder: the destination: absent, empty, or an earlier export (replaced).
    ///   - fuseAdapters: fold LoRA adapters into the base weights (default); otherwise they
    ///     are written as separate tensors and re-attached when the export is loaded.
    /// - Returns: the manifest written.
    @discardableResult
    public static func export<Plugin: TaskPlugin>(_ run: FineTuningRun<Plugin>, to folder: URL, fuseAdapters: Bool = true) throws -> ExportManifest {
        let (model, state, checkpoint) = try run.loadTrainedModel()
        model.train(false)
        var configuration = state.configuration
        var fused = false
        if fuseAdapters, !model.fuseLoRA().isEmpty {
            fused = true
            configuration.values["lora.enabled"] = .boolean(false)
        }
        // The plugin sees the configuration the model was trained with (its backbone), not
        // factory.yaml as it may have been edited since.
        let trainedConfig = try ProjectConfig(snapshot: state.configuration, schema: Project.schema(for: run.plugin))
        let trainedContext = TaskContext(projectFolder: run.context.projectFolder, config: trainedConfig,
                                         modelStore: run.context.modelStore, log: run.context.log)
        let layout = try run.plugin.exportLayout(model, info: state.modelInfo, context: trainedContext)
        var tensors: [(name: String, tensor: Tensor)] = []
        var modelKeys: [String: String] = [:]
        for (key, tensor) in model.stateDictionary().sorted(by: { $0.key < $1.key }) {
            let name = layout.tensorNames[key] ?? key
            if name != key { modelKeys[name] = key }
            tensors.append((name, tensor))
        }
        let names = tensors.map(\.name)
        guard Set(names).count == names.count else {
            throw PluginError("task \(run.plugin.descriptor.id): its export layout gives two tensors the same name; fix exportLayout")
        }
        guard layout.files[weightsFileName] == nil, layout.files[manifestFileName] == nil else {
            throw PluginError("task \(run.plugin.descriptor.id): its export layout would overwrite \(weightsFileName) or \(manifestFileName)")
        }
        let manifest = ExportManifest(
            format: formatValue, task: run.plugin.descriptor.id, pluginVersion: run.plugin.descriptor.version, modelInfo: state.modelInfo,
            configuration: configuration, weights: weightsFileName, modelKeys: modelKeys,
            backboneInFolder: layout.isBackboneFolder, adaptersFused: fused)
        try writeFolder(folder) { staging in
            try SafetensorsWriter.write(tensors, metadata: ["format": "pt", "factory.task": manifest.task], to: staging.appendingPathComponent(weightsFileName))
            for (name, data) in layout.files.sorted(by: { $0.key < $1.key }) {
                try AtomicFile.write(data, to: staging.appendingPathComponent(name))
            }
            try AtomicFile.write(try JSONEncoder.sorted.encode(manifest), to: staging.appendingPathComponent(manifestFileName))
        }
        run.progress.log("exported \(checkpoint.lastPathComponent) (\(tensors.count) tensors\(fused ? ", LoRA adapters fused" : "")) to \(folder.path)")
        return manifest
    }

    /// Builds the folder in a hidden sibling and renames it into place.
    static func writeFolder(_ folder: URL, _ fill: (URL) throws -> Void) throws {
        let fileManager = FileManager.default
        var isFolder: ObjCBool = false
        if fileManager.fileExists(atPath: folder.path, isDirectory: &isFolder) {
            guard isFolder.boolValue else { throw PluginError("\(folder.path) is a file; choose another --output folder") }
            let contents = (try? fileManager.contentsOfDirectory(atPath: folder.path)) ?? []
            guard contents.isEmpty || contents.contains(manifestFileName) else {
                throw PluginError("\(folder.path) is not empty and not an earlier export; choose another --output folder (export never overwrites other files)")
            }
        }
        let parent = folder.deletingLastPathComponent()
        try fileManager.createDirectory(at: parent, withIntermediateDirectories: true)
        let staging = parent.appendingPathComponent(".factory-export-\(UUID().uuidString)")
        try fileManager.createDirectory(at: staging, withIntermediateDirectories: false)
        do {
            try fill(staging)
            if fileManager.fileExists(atPath: folder.path) { try fileManager.removeItem(at: folder) }
            try fileManager.moveItem(at: staging, to: folder)
        } catch {
            try? fileManager.removeItem(at: staging)
            throw error
        }
    }

    /// Reads the manifest of an exported model folder.
    /// - Throws: ``PluginError`` naming the folder when it is not an export.
    public static func readManifest(_ folder: URL) throws -> ExportManifest {
        let url = folder.appendingPathComponent(manifestFileName)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw PluginError("\(folder.path): no \(manifestFileName); pass a folder written by `factory export`")
        }
        do {
            let manifest = try JSONDecoder().decode(ExportManifest.self, from: Data(contentsOf: url))
            guard manifest.format == formatValue else {
                throw PluginError("\(url.path): unknown export format \"\(manifest.format)\"; export the model again with this version of factory")
            }
            return manifest
        } catch let error as PluginError {
            throw error
        } catch {
            throw PluginError("\(url.path): unreadable manifest (\(error)); export the model again")
        }
    }

    /// Rebuilds an exported model: the configuration from the manifest (the folder as its own
    /// backbone when it is one), the plugin's model, any unfused adapters, then every weight.
    /// - Returns: the model (in inference mode), its information and the context it runs in.
    public static func loadModel<Plugin: TaskPlugin>(
        plugin: Plugin, folder: URL, modelStore: ModelStore, log: @escaping @Sendable (String) -> Void
    ) throws -> (model: Plugin.Model, info: TaskModelInfo, context: TaskContext) {
        let manifest = try readManifest(folder)
        guard manifest.task == plugin.descriptor.id else {
            throw PluginError("\(folder.path) holds a model for task \(manifest.task), not \(plugin.descriptor.id)")
        }
        var config = try ProjectConfig(snapshot: manifest.configuration, schema: Project.schema(for: plugin))
        if manifest.backboneInFolder { config = try config.setting("model.backbone", to: .string(folder.path)) }
        let context = TaskContext(projectFolder: folder, config: config, modelStore: modelStore, log: log)
        let model = try plugin.makeModel(context, info: manifest.modelInfo)
        let lora = LoRASettings(config)
        if lora.enabled {
            do { try model.attachLoRA(lora.configuration, excludingKeyPrefixes: model.headKeyPrefixes) } catch {
                throw PluginError("\(folder.path): \(error.message)")
            }
        }
        let weightsURL = folder.appendingPathComponent(manifest.weights)
        let file: SafetensorsFile
        do { file = try SafetensorsFile(contentsOf: weightsURL) } catch {
            throw CheckpointError(file: weightsURL.path, message: "cannot be read (\(error)); export the model again")
        }
        var state: [String: Tensor] = [:]
        for name in file.tensorNames { state[manifest.modelKeys[name] ?? name] = try file.tensor(named: name) }
        do { try model.load(stateDictionary: state, strict: true) } catch {
            throw CheckpointError(file: weightsURL.path, message: "does not fit the model its manifest describes: \(error)")
        }
        model.train(false)
        return (model, manifest.modelInfo, context)
    }
}

extension FineTuningRun {
    /// Predicts answers for `inputs` with a given model (an exported one) instead of the
    /// project's best checkpoint.
    public func predict(_ inputs: [String], model: Plugin.Model, info: TaskModelInfo) throws -> [TaskPrediction] {
        let examples = try plugin.predictionExamples(from: inputs, context: context)
        guard examples.count == inputs.count else {
            throw TrainingError("the task made \(examples.count) example(s) from \(inputs.count) input(s)")
        }
        let (outputs, _) = try outputs(model: model, examples: examples)
        return zip(outputs, inputs).map { plugin.prediction(for: $0, input: $1, info: info) }
    }
}
