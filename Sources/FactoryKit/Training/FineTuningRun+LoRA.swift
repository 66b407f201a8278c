// FineTuningRun+LoRA: what the fine-tuning core does differently when `lora.enabled` is on —
// attach adapters to the backbone's target layers right after the plugin builds the model
// (and again when eval / predict / export rebuild it, from the trained run's settings), train
// only the adapters and the head (every other parameter frozen, so bit-identical after
// training), at `lora.learning_rate`, and write `output/adapters.safetensors` from the best
// checkpoint at the end. Also: a fully frozen backbone runs in inference mode (its dropout
// off), so head-only training is the same computation whether features are cached or not.
// Not here: the adapter arithmetic (FactoryNN/LoRA.swift), the adapter file format
// (AdapterFile.swift).

import Foundation

extension RunFiles {
    /// The LoRA adapters and the head of the best model (`output/adapters.safetensors`).
    public var adapters: URL { folder.appendingPathComponent("adapters.safetensors") }
}

extension FineTuningRun {
    /// The LoRA options of this run's configuration.
    var lora: LoRASettings { LoRASettings(context.config) }

    /// The learning rate the head (and top block, or the adapters) gets: `lora.learning_rate`
    /// with LoRA, else `train.learning_rate`.
    var baseLearningRate: Float { lora.enabled ? lora.learningRate : settings.learningRate }

    /// Attaches LoRA adapters to `model` when `lora` says so (never to the head).
    /// - Throws: ``TrainingError`` naming factory.yaml when the targets match no layer.
    func attachAdapters(to model: Plugin.Model, lora: LoRASettings, announce: Bool) throws {
        guard lora.enabled else { return }
        let adapted: [String]
        do {
            adapted = try model.attachLoRA(lora.configuration, excludingKeyPrefixes: model.headKeyPrefixes)
        } catch {
            throw TrainingError("\(context.config.file?.path ?? Project.configFileName): \(error.message)")
        }
        guard announce else { return }
        let adapterCount = model.loraParameters().reduce(0) { $0 + $1.tensor.count }
        progress.log("LoRA: rank \(lora.configuration.rank), alpha \(lora.configuration.alpha), adapters on \(adapted.count) layer(s) "
            + "(\(adapted.prefix(2).joined(separator: ", "))\(adapted.count > 2 ? ", ..." : "")), \(adapterCount) adapter parameters, learning rate \(lora.learningRate)")
        if settings.freezing != FreezingPolicy.none {
            progress.log("LoRA: model.freeze (\(settings.freezing)) is ignored; with LoRA only the adapters and the head train")
        }
    }

    /// Attaches the adapters a trained run had, from its stored configuration (so a
    /// checkpoint with `…lora_A.weight` keys loads into the rebuilt model).
    func attachTrainedAdapters(to model: Plugin.Model, state: RunState) throws {
        let trained = try ProjectConfig(snapshot: state.configuration, schema: Project.schema(for: plugin))
        try attachAdapters(to: model, lora: LoRASettings(trained), announce: false)
    }

    /// Sets which parameters train in `epoch`: with LoRA, the adapters and the head only;
    /// otherwise the `model.freeze` policy.
    /// - Returns: the trainable element count and a description for the log.
    func applyTrainability(to model: Plugin.Model, epoch: Int) -> (count: Int, description: String) {
        guard lora.enabled else {
            return (ParameterGrouping.applyFreezing(settings.freezing, to: model, epoch: epoch), "freezing: \(settings.freezing)")
        }
        model.freeze()
        var count = 0
        for (key, tensor) in model.parameters()
        where !model.isFixed(key)
            && (Module.isLoRAKey(key) || model.headKeyPrefixes.contains(where: { ParameterGrouping.key(key, isUnder: $0) })) {
            tensor.requiresGradient = true
            count += tensor.count
        }
        return (count, "LoRA: adapters and head")
    }

    /// Whether every parameter of every backbone block is frozen (LoRA adapters count as
    /// parameters of their block, so an adapted backbone is not frozen).
    func backboneIsFrozen(_ model: Plugin.Model) -> Bool {
        let blocks = model.backboneBlockKeyPrefixes
        return model.parameters().allSatisfy { key, tensor in
            !tensor.requiresGradient || !blocks.contains { ParameterGrouping.key(key, isUnder: $0) }
        }
    }

    /// Training mode for the step loop: everything trains, except that a wholly frozen
    /// backbone runs in inference mode — its dropout is off, as a fixed feature extractor's
    /// should be, and the cached-feature path computes exactly the same thing.
    func setTrainingMode(_ model: Plugin.Model) {
        model.train(true)
        guard backboneIsFrozen(model) else { return }
        let blocks = model.backboneBlockKeyPrefixes
        for (key, module) in model.namedModules() where blocks.contains(where: { ParameterGrouping.key(key, isUnder: $0) }) {
            module.train(false)
        }
    }

    /// Writes `output/adapters.safetensors` (adapters + head of the best checkpoint) when
    /// this run used LoRA.
    func writeAdapterFileIfNeeded(model: Plugin.Model) throws {
        guard lora.enabled else { return }
        let source = FileManager.default.fileExists(atPath: files.bestCheckpoint.path) ? files.bestCheckpoint : files.lastCheckpoint
        let file = try SafetensorsFile(contentsOf: source)
        var tensors: [String: Tensor] = [:]
        for name in file.tensorNames where !name.hasPrefix(RunCheckpoint.optimizerPrefix) {
            tensors[name] = try file.tensor(named: name)
        }
        let written = try AdapterFile.write(stateDictionary: tensors, headKeyPrefixes: model.headKeyPrefixes, lora: lora,
                                            task: plugin.descriptor.id, backbone: context.config.string("model.backbone"), to: files.adapters)
        progress.log("LoRA: adapters and head written to \(files.adapters.path) (\(written) tensors)")
    }
}
