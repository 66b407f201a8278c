// LoRA in the fine-tuning core, on the tiny task: only the adapters and the head train (every
// other parameter bit-identical after training); the adapters file holds exactly the adapters
// and the head and loads back; a fused model, and a fused export loaded without the project,
// predict what the adapted model predicts (to 1e-5); a killed and resumed LoRA run ends with
// the uninterrupted run's weights, bit for bit.

import FactoryKit
import Foundation
import Testing
import TestSupport

/// Collects log lines (tests read what the core said).
final class LogLines: @unchecked Sendable {
    private(set) var lines: [String] = []
    lazy var reporter = ProgressReporter(isTerminal: false) { [unowned self] in self.lines.append($0) }
    var text: String { lines.joined(separator: "\n") }
}

/// The probabilities of every answer, in order.
func probabilities(_ answers: [TaskPrediction]) -> [Double] {
    answers.flatMap { answer in answer.fields["probabilities"]?.objectValue?.members.map { $0.value.doubleValue ?? .nan } ?? [] }
}

@Suite("LoRA fine-tuning", .serialized)
struct LoRARunTests {
    static let settings: [String: ConfigValue] = [
        "lora.enabled": .boolean(true), "lora.targets": .strings(["embed", "block"]), "lora.rank": .integer(2),
        "lora.alpha": .number(4), "lora.learning_rate": .number(0.05), "early_stopping.patience": .integer(0),
        "model.head_dropout": .number(0.2),
    ]
    static let inputs = ["0.9,0.8", "-0.9,-0.7", "0.2,-0.1", "-0.3,0.35"]

    func weights(_ url: URL) throws -> [String: [Float]] {
        let file = try SafetensorsFile(contentsOf: url)
        var result: [String: [Float]] = [:]
        for name in file.tensorNames where !name.hasPrefix("optimizer.") { result[name] = try file.tensor(named: name).scalars }
        return result
    }

    @Test func onlyAdaptersAndHeadTrain() throws {
        let (folder, plugin, context) = try makeTinyProject(Self.settings)
        defer { try? FileManager.default.removeItem(at: folder) }
        let log = LogLines()
        let run = try FineTuningRun(plugin: plugin, context: context, progress: log.reporter)
        _ = try run.train()
        #expect(log.text.contains("LoRA: rank 2, alpha 4.0, adapters on 2 layer(s)"), "\(log.text)")
        #expect(log.text.contains("feature cache: not used: LoRA adapters train inside the backbone"), "\(log.text)")
        let trained = try weights(run.files.lastCheckpoint)
        let initial = TinyModel(seed: 42, dropout: 0.2).stateDictionary().mapValues(\.scalars)
        for key in ["backbone.embed.weight", "backbone.embed.bias", "backbone.block.weight", "backbone.block.bias"] {
            #expect(trained[key] == initial[key], "\(key) is frozen: bit-identical")
        }
        #expect(trained["head.classifier.weight"] != initial["head.classifier.weight"], "the head trains")
        let adapterKeys = trained.keys.filter { $0.contains("lora_") }.sorted()
        #expect(adapterKeys == ["backbone.block.lora_A.weight", "backbone.block.lora_B.weight",
                                "backbone.embed.lora_A.weight", "backbone.embed.lora_B.weight"])
        #expect(trained["backbone.block.lora_B.weight"]!.contains { $0 != 0 }, "B moved away from zero")
        let evaluation = try run.evaluate(split: "test")
        #expect(evaluation.metrics["accuracy"]! > 0.75, "\(evaluation.metrics)")

        // The adapters file: adapters and head of the best checkpoint, and nothing else.
        let adapterFile = try SafetensorsFile(contentsOf: run.files.adapters)
        #expect(adapterFile.tensorNames.sorted() == (adapterKeys + ["head.classifier.bias", "head.classifier.weight"]).sorted())
        #expect(adapterFile.metadata["lora.rank"] == "2")
        let fresh = TinyModel(seed: 42, dropout: 0.2)
        try fresh.attachLoRA(LoRASettings(context.config).configuration, excludingKeyPrefixes: ["head"])
        try AdapterFile.load(run.files.adapters, into: fresh)
        let best = try weights(run.files.bestCheckpoint)
        for (key, tensor) in fresh.stateDictionary() { #expect(tensor.scalars == best[key], "\(key) round-trips") }
        // A model without adapters attached is refused with a message.
        #expect(throws: CheckpointError.self) { try AdapterFile.load(run.files.adapters, into: TinyModel(seed: 42, dropout: 0.2)) }
    }

    @Test func fusedModelAndFusedExportPredictTheSame() throws {
        let (folder, plugin, context) = try makeTinyProject(Self.settings)
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try FineTuningRun(plugin: plugin, context: context, progress: silentProgress)
        _ = try run.train()
        let (model, state, _) = try run.loadTrainedModel()
        #expect(!model.loraParameters().isEmpty)
        let adapted = probabilities(try run.predict(Self.inputs, model: model, info: state.modelInfo))
        #expect(adapted == probabilities(try run.predict(Self.inputs)))
        model.fuseLoRA()
        #expect(model.loraParameters().isEmpty)
        let fused = probabilities(try run.predict(Self.inputs, model: model, info: state.modelInfo))
        #expect(TestData.maximumDifference(adapted.map(Float.init), fused.map(Float.init)) < 1e-5)

        let exportFolder = folder.appendingPathComponent("exported")
        let manifest = try ModelExport.export(run, to: exportFolder)
        #expect(manifest.adaptersFused && manifest.configuration.values["lora.enabled"] == .boolean(false))
        let exportedNames = try SafetensorsFile(contentsOf: exportFolder.appendingPathComponent("model.safetensors")).tensorNames
        #expect(!exportedNames.contains { $0.contains("lora") } && exportedNames.contains("head.classifier.weight"))
        // Loaded from the folder alone: another project folder, a fresh run, the same answers.
        let loaded = try ModelExport.loadModel(plugin: plugin, folder: exportFolder, modelStore: context.modelStore) { _ in }
        #expect(loaded.info.labelNames == ["below", "above"])
        let exportRun = try FineTuningRun(plugin: plugin, context: loaded.context, progress: silentProgress)
        let exported = probabilities(try exportRun.predict(Self.inputs, model: loaded.model, info: loaded.info))
        #expect(TestData.maximumDifference(adapted.map(Float.init), exported.map(Float.init)) < 1e-5)

        // Kept adapters: re-attached on load, same answers exactly.
        let keptFolder = folder.appendingPathComponent("kept")
        let kept = try ModelExport.export(run, to: keptFolder, fuseAdapters: false)
        #expect(!kept.adaptersFused)
        let reloaded = try ModelExport.loadModel(plugin: plugin, folder: keptFolder, modelStore: context.modelStore) { _ in }
        #expect(!reloaded.model.loraParameters().isEmpty)
        #expect(probabilities(try exportRun.predict(Self.inputs, model: reloaded.model, info: reloaded.info)) == adapted)
        // Export replaces an earlier export but never a folder of other files.
        try ModelExport.export(run, to: exportFolder)
        let other = folder.appendingPathComponent("other")
        try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: other.appendingPathComponent("notes.txt"))
        #expect(throws: PluginError.self) { try ModelExport.export(run, to: other) }
        #expect(FileManager.default.fileExists(atPath: other.appendingPathComponent("notes.txt").path))
    }

    @Test func resumedLoRARunMatchesTheUninterruptedOne() throws {
        let (whole, plugin, wholeContext) = try makeTinyProject(Self.settings)
        defer { try? FileManager.default.removeItem(at: whole) }
        let uninterrupted = try FineTuningRun(plugin: plugin, context: wholeContext, progress: silentProgress)
        _ = try uninterrupted.train()
        let (killed, _, killedContext) = try makeTinyProject(Self.settings)
        defer { try? FileManager.default.removeItem(at: killed) }
        struct Killed: Error {}
        let first = try FineTuningRun(plugin: plugin, context: killedContext, progress: silentProgress)
        first.afterEpoch = { if $0 == 2 { throw Killed() } }
        #expect(throws: Killed.self) { try first.train() }
        let resumed = try FineTuningRun(plugin: plugin, context: killedContext, progress: silentProgress)
        #expect(try resumed.train(resume: true).epochsCompleted == 4)
        #expect(try weights(resumed.files.lastCheckpoint) == weights(uninterrupted.files.lastCheckpoint))
        #expect(try weights(resumed.files.adapters) == weights(uninterrupted.files.adapters))
    }

    @Test func targetsThatMatchNothingAreAConfigurationError() throws {
        let (folder, plugin, context) = try makeTinyProject(["lora.enabled": .boolean(true)])   // BERT's default targets
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try FineTuningRun(plugin: plugin, context: context, progress: silentProgress)
        let error = #expect(throws: TrainingError.self) { try run.train() }
        #expect(error?.message.contains("\"attention.self.query\" matches no Linear layer") == true, "\(String(describing: error))")
        #expect(error?.message.contains("backbone.embed") == true)
    }
}
