// The core hands `context.augmentation` to training batches only: on the tiny task, every
// training batch of every epoch gets it (with the epoch and the examples' training-split
// indices, covering the split once per epoch), while validation, evaluation and prediction
// batches get nil; a run with augmentation resumes bit-exactly; the options are off by
// default and only the task's modalities appear in factory.yaml.

import FactoryKit
import Foundation
import Testing

/// What the recording plugin saw, one entry per `forward` call.
final class ForwardLog: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [(augmentation: BatchAugmentation?, count: Int)] = []
    func append(_ augmentation: BatchAugmentation?, count: Int) { lock.withLock { entries.append((augmentation, count)) } }
    var all: [(augmentation: BatchAugmentation?, count: Int)] { lock.withLock { entries } }
    func clear() { lock.withLock { entries.removeAll() } }
}

/// The tiny task, recording the augmentation of each batch and using its generator.
struct RecordingTinyPlugin: TaskPlugin {
    let base = TinyPlugin()
    let log: ForwardLog
    /// Training batches get Gaussian noise of this scale on their features, from the
    /// per-example generators (0: the examples go through unchanged).
    var jitter: Float = 0
    var descriptor: TaskDescriptor { base.descriptor }
    var primaryMetric: (name: String, higherIsBetter: Bool) { base.primaryMetric }
    var configOptions: [ConfigOption] { base.configOptions }
    func loadData(_ context: TaskContext) throws -> TaskData<TinyExample> { try base.loadData(context) }
    func makeModel(_ context: TaskContext, info: TaskModelInfo) throws -> TinyModel { try base.makeModel(context, info: info) }
    func forward(_ model: TinyModel, examples: [TinyExample], context: TaskContext) throws -> TaskForward<[Float]> {
        log.append(context.augmentation, count: examples.count)
        guard let augmentation = context.augmentation, jitter > 0 else { return try base.forward(model, examples: examples, context: context) }
        let jittered = examples.enumerated().map { position, example -> TinyExample in
            var generator = augmentation.generator(exampleIndex: position)
            return TinyExample(features: example.features.map { $0 + jitter * generator.nextNormal() }, label: example.label)
        }
        return try base.forward(model, examples: jittered, context: context)
    }
    func evaluate(outputs: [[Float]], examples: [TinyExample], info: TaskModelInfo, context: TaskContext) throws -> TaskEvaluation {
        try base.evaluate(outputs: outputs, examples: examples, info: info, context: context)
    }
    func predictionExamples(from inputs: [String], context: TaskContext) throws -> [TinyExample] { try base.predictionExamples(from: inputs, context: context) }
    func prediction(for output: [Float], input: String, info: TaskModelInfo) -> TaskPrediction { base.prediction(for: output, input: input, info: info) }
    func writeSample(into projectFolder: URL, from sample: URL) throws -> [String: ConfigValue] { [:] }
}

@Suite("Augmentation in the core", .serialized)
struct AugmentationTrainingTests {
    @Test func onlyTrainingBatchesAreAugmented() throws {
        let (folder, _, context) = try makeTinyProject(["train.epochs": .integer(2), "early_stopping.patience": .integer(0),
                                                        "augmentation.text.token_dropout": .number(0.1)])
        defer { try? FileManager.default.removeItem(at: folder) }
        let log = ForwardLog()
        let run = try FineTuningRun(plugin: RecordingTinyPlugin(log: log), context: context, progress: silentProgress)
        let summary = try run.train()
        let trainCount = summary.splitSizes.train
        let entries = log.all
        let training = entries.compactMap(\.augmentation)
        let batchesPerEpoch = (trainCount + 15) / 16
        #expect(training.count == 2 * batchesPerEpoch, "every training batch, and nothing else, is augmented")
        for epoch in 0..<2 {
            let batches = training.filter { $0.epoch == epoch }
            #expect(batches.count == batchesPerEpoch)
            #expect(batches.flatMap(\.exampleIndices).sorted() == Array(0..<trainCount), "epoch \(epoch) covers the training split once")
            #expect(batches.allSatisfy { $0.seed == 42 && $0.settings.tokenDropout == 0.1 })
        }
        // Validation batches (one per epoch, 20 examples at eval_batch_size 64) have none.
        let plain = entries.filter { $0.augmentation == nil }
        #expect(plain.count == 2 && plain.allSatisfy { $0.count == summary.splitSizes.validation })

        log.clear()
        _ = try run.evaluate(split: "test")
        _ = try run.predict(["0.5,0.5"])
        #expect(!log.all.isEmpty && log.all.allSatisfy { $0.augmentation == nil }, "evaluation and prediction are never augmented")
    }

    @Test func augmentedRunsResumeExactly() throws {
        struct Killed: Error {}
        let settings: [String: ConfigValue] = ["early_stopping.patience": .integer(0), "train.epochs": .integer(3)]
        func weights(_ url: URL) throws -> [String: [Float]] {
            let file = try SafetensorsFile(contentsOf: url)
            return try Dictionary(uniqueKeysWithValues: file.tensorNames.filter { !$0.hasPrefix("optimizer.") }.map { ($0, try file.tensor(named: $0).scalars) })
        }
        let plugin = RecordingTinyPlugin(log: ForwardLog(), jitter: 0.3)
        let (whole, _, wholeContext) = try makeTinyProject(settings)
        defer { try? FileManager.default.removeItem(at: whole) }
        let uninterrupted = try FineTuningRun(plugin: plugin, context: wholeContext, progress: silentProgress)
        _ = try uninterrupted.train()
        let (killed, _, killedContext) = try makeTinyProject(settings)
        defer { try? FileManager.default.removeItem(at: killed) }
        let first = try FineTuningRun(plugin: plugin, context: killedContext, progress: silentProgress)
        first.afterEpoch = { if $0 == 1 { throw Killed() } }
        #expect(throws: Killed.self) { try first.train() }
        _ = try FineTuningRun(plugin: plugin, context: killedContext, progress: silentProgress).train(resume: true)
        // The augmentation of epochs 2 and 3 depends on (seed, epoch, example) only: bit-identical.
        #expect(try weights(first.files.lastCheckpoint) == weights(uninterrupted.files.lastCheckpoint))
        // And it did change training: without the jitter the weights differ.
        let (plain, _, plainContext) = try makeTinyProject(settings)
        defer { try? FileManager.default.removeItem(at: plain) }
        let unaugmented = try FineTuningRun(plugin: RecordingTinyPlugin(log: ForwardLog()), context: plainContext, progress: silentProgress)
        _ = try unaugmented.train()
        #expect(try weights(unaugmented.files.lastCheckpoint) != weights(uninterrupted.files.lastCheckpoint))
    }

    @Test func optionsAreOffByDefaultAndFollowTheTaskModalities() throws {
        let text = TaskDescriptor(id: "t", name: "T", summary: "s", version: "1", type: "T", inputFormats: [], outputs: [], backbones: [],
                                  metrics: [], sample: "none", tags: ["text", "reviews"])
        let keys = AugmentationOptions.options(for: text).map(\.key)
        #expect(keys == ["augmentation.text.token_dropout"])
        var image = text
        image.tags = ["vision", "defects"]
        #expect(AugmentationOptions.options(for: image).map(\.key).allSatisfy { $0.hasPrefix("augmentation.image.") })
        var untagged = text
        untagged.tags = []
        let all = AugmentationOptions.options(for: untagged)
        #expect(Set(all.map { $0.key.split(separator: ".")[1] }) == ["image", "audio", "text"])
        // Every default is neutral: settings read from defaults turn nothing on.
        let (folder, _, context) = try makeTinyProject()
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(context.config.values.keys.contains("augmentation.image.horizontal_flip"), "the tiny task has no tags: every option")
        #expect(!AugmentationSettings(context.config).isEnabled)
        #expect(AugmentationSettings(context.config) == AugmentationSettings())
    }
}
