// AdapterFile: a LoRA run's small weights file — every adapter tensor (`…lora_A.weight`,
// `…lora_B.weight`) and the task's head, in safetensors, with the LoRA settings, task and
// backbone in its metadata — and loading one into a model that has the same adapters
// attached. The backbone itself is not in it: the file is useful beside the backbone it was
// trained on. Not here: training (FineTuningRun+LoRA), the adapter layers (FactoryNN).

import Foundation

/// Writing and reading LoRA adapter files.
public enum AdapterFile {
    /// Metadata keys of an adapter file.
    static let formatKey = "format", formatValue = "factory-lora-adapters-1"

    /// Writes the adapter and head tensors of `stateDictionary` to `url`, atomically.
    /// - Parameters:
    ///   - stateDictionary: a model's tensors by key (a checkpoint's).
    ///   - headKeyPrefixes: the head's key prefixes (its tensors are written too).
    ///   - lora: the settings the adapters were trained with (written as metadata).
    ///   - task: the task id; `backbone`: the backbone they adapt.
    /// - Returns: the number of tensors written.
    @discardableResult
    public static func write(stateDictionary: [String: Tensor], headKeyPrefixes: [String], lora: LoRASettings,
                             task: String, backbone: String, to url: URL) throws -> Int {
        let selected = stateDictionary.filter { key, _ in
            Module.isLoRAKey(key) || headKeyPrefixes.contains { ParameterGrouping.key(key, isUnder: $0) }
        }.sorted { $0.key < $1.key }
        guard selected.contains(where: { Module.isLoRAKey($0.key) }) else {
            throw TrainingError("\(url.path): the model has no LoRA adapters to write; set lora.enabled: true and train")
        }
        let metadata = [
            formatKey: formatValue, "task": task, "backbone": backbone,
            "lora.rank": String(lora.configuration.rank), "lora.alpha": String(lora.configuration.alpha),
            "lora.dropout": String(lora.configuration.dropout), "lora.targets": lora.configuration.targets.joined(separator: ","),
        ]
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try SafetensorsWriter.write(selected.map { ($0.key, $0.value) }, metadata: metadata, to: url)
        return selected.count
    }

    /// Loads an adapter file into `model`, whose adapters must already be attached with the
    /// same settings: every adapter tensor of the model must be in the file, with its shape.
    /// - Throws: ``CheckpointError`` naming the file and the missing or mis-shaped keys.
    public static func load(_ url: URL, into model: Module) throws {
        let file: SafetensorsFile
        do { file = try SafetensorsFile(contentsOf: url) } catch {
            throw CheckpointError(file: url.path, message: "cannot be read (\(error)); train again with lora.enabled: true")
        }
        guard file.metadata[formatKey] == formatValue else {
            throw CheckpointError(file: url.path, message: "is not a factory LoRA adapter file (no \(formatKey): \(formatValue) in its metadata)")
        }
        var tensors: [String: Tensor] = [:]
        for name in file.tensorNames { tensors[name] = try file.tensor(named: name) }
        let modelAdapterKeys = model.loraParameters().map(\.key)
        let missing = modelAdapterKeys.filter { tensors[$0] == nil }
        guard !modelAdapterKeys.isEmpty, missing.isEmpty else {
            throw CheckpointError(file: url.path, message: modelAdapterKeys.isEmpty
                ? "the model has no LoRA adapters attached; attach them with the settings in the file's metadata first"
                : "lacks adapter tensors the model has: \(missing.prefix(4).joined(separator: ", ")); it was trained with other lora.targets or rank")
        }
        do {
            let skipped = try model.load(stateDictionary: tensors, strict: false)
            if !skipped.unexpectedKeys.isEmpty {
                throw CheckpointError(file: url.path, message: "has tensors the model lacks: \(skipped.unexpectedKeys.prefix(4).joined(separator: ", "))")
            }
        } catch let error as ModuleLoadError {
            throw CheckpointError(file: url.path, message: "does not fit the model: \(error)")
        }
    }
}
