// The feature cache of the fine-tuning core, on a cacheable variant of the tiny task: used
// (built, then reused) when the backbone is frozen; not used — with the reason in the log —
// with LoRA, an unfrozen backbone, augmentation, `train.feature_cache: off` or a plugin
// without features; rebuilt when the data, the backbone's weights or a preprocessing option
// change; and training on it gives the head the uncached run's weights (to 1e-5), while the
// backbone stays bit-identical.

import FactoryKit
import Foundation
import Testing
import TestSupport

/// The tiny task with cacheable features (the two backbone blocks' output), a backbone whose
/// "pretrained" weights are chosen by the plugin value (not the config), a preprocessing
/// option (`model.input_scale`); augmentation comes from the core's `augmentation.*` options.
struct CacheableTinyPlugin: TaskPlugin {
    var tiny = TinyPlugin()
    var backboneSeed: UInt64 = 1234
    var providesFeatures = true

    var descriptor: TaskDescriptor { tiny.descriptor }
    var primaryMetric: (name: String, higherIsBetter: Bool) { tiny.primaryMetric }
    var configOptions: [ConfigOption] {
        tiny.configOptions + [
            ConfigOption("model.input_scale", .number(0...10), default: .number(1), summary: "multiplies the inputs (preprocessing)"),
        ]
    }
    func loadData(_ context: TaskContext) throws -> TaskData<TinyExample> { try tiny.loadData(context) }
    func makeModel(_ context: TaskContext, info: TaskModelInfo) throws -> TinyModel {
        TinyModel(seed: UInt64(context.config.integer("seed")), dropout: Float(context.config.number("model.head_dropout")), backboneSeed: backboneSeed)
    }
    func input(_ examples: [TinyExample], _ context: TaskContext) -> Tensor {
        Tensor(examples.flatMap(\.features), shape: [examples.count, 2]) * Float(context.config.number("model.input_scale"))
    }
    func forward(_ model: TinyModel, examples: [TinyExample], context: TaskContext) throws -> TaskForward<[Float]> {
        try headForward(model, features: model.block(model.embed(input(examples, context)).relu()).relu(), examples: examples, context: context)
    }
    func features(_ model: TinyModel, examples: [TinyExample], context: TaskContext) throws -> Tensor? {
        providesFeatures ? model.block(model.embed(input(examples, context)).relu()).relu() : nil
    }
    func headForward(_ model: TinyModel, features: Tensor, examples: [TinyExample], context: TaskContext) throws -> TaskForward<[Float]> {
        let logits = model.head(features)
        let labels = examples.compactMap(\.label)
        let loss = labels.count == examples.count ? Tensor.crossEntropy(logits: logits, targets: labels) : nil
        return TaskForward(loss: loss, outputs: Classification.probabilities(logits))
    }
    func evaluate(outputs: [[Float]], examples: [TinyExample], info: TaskModelInfo, context: TaskContext) throws -> TaskEvaluation {
        try tiny.evaluate(outputs: outputs, examples: examples, info: info, context: context)
    }
    func predictionExamples(from inputs: [String], context: TaskContext) throws -> [TinyExample] { try tiny.predictionExamples(from: inputs, context: context) }
    func prediction(for output: [Float], input: String, info: TaskModelInfo) -> TaskPrediction { tiny.prediction(for: output, input: input, info: info) }
    func writeSample(into projectFolder: URL, from sample: URL) throws -> [String: ConfigValue] { [:] }
}

@Suite("Feature cache", .serialized)
struct FeatureCacheTests {
    /// A project for `plugin` in `folder` (created if needed) with `settings`, and a run on it that logs into `log`.
    func makeRun(_ plugin: CacheableTinyPlugin, folder: URL, _ settings: [String: ConfigValue] = [:], log: LogLines) throws -> FineTuningRun<CacheableTinyPlugin> {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var values: [String: ConfigValue] = ["task": .string("tiny"), "train.epochs": .integer(3), "train.batch_size": .integer(16),
                                             "train.learning_rate": .number(0.05), "train.warmup": .number(0), "model.freeze": .string("backbone"),
                                             "early_stopping.patience": .integer(0), "model.head_dropout": .number(0.2)]
        values.merge(settings) { $1 }
        try ConfigWriter.write(schema: Project.schema(for: plugin), values: values, header: "cache test project",
                               to: folder.appendingPathComponent(Project.configFileName))
        var registry = PluginRegistry()
        try registry.register(plugin)
        let store = try ModelStore.standard(environment: ["FACTORY_CACHE_DIR": folder.appendingPathComponent("cache").path])
        let opened = try Project.open(folder, registry: registry, modelStore: store) { _ in }
        return try FineTuningRun(plugin: plugin, context: opened.context, progress: log.reporter)
    }

    func temporaryFolder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("factory-cache-\(UUID().uuidString)")
    }

    func weights(_ url: URL) throws -> [String: [Float]] {
        let file = try SafetensorsFile(contentsOf: url)
        var result: [String: [Float]] = [:]
        for name in file.tensorNames where !name.hasPrefix("optimizer.") { result[name] = try file.tensor(named: name).scalars }
        return result
    }

    @Test func cachedTrainingMatchesUncachedTraining() throws {
        let cachedFolder = temporaryFolder(), uncachedFolder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: cachedFolder); try? FileManager.default.removeItem(at: uncachedFolder) }
        let cachedLog = LogLines(), uncachedLog = LogLines()
        let cached = try makeRun(CacheableTinyPlugin(), folder: cachedFolder, log: cachedLog)
        _ = try cached.train()
        // 200 examples, 1 duplicate removed, 21 held out for the test: 158 + 21 are cached.
        #expect(cachedLog.text.contains("feature cache: built for 179 examples"), "\(cachedLog.text)")
        #expect(cachedLog.text.contains("feature cache: used"))
        let uncached = try makeRun(CacheableTinyPlugin(), folder: uncachedFolder, ["train.feature_cache": .string("off")], log: uncachedLog)
        _ = try uncached.train()
        #expect(uncachedLog.text.contains("feature cache: not used: train.feature_cache is off"), "\(uncachedLog.text)")
        let a = try weights(cached.files.lastCheckpoint), b = try weights(uncached.files.lastCheckpoint)
        #expect(a.keys.sorted() == b.keys.sorted())
        let initial = TinyModel(seed: 42, dropout: 0.2).stateDictionary().mapValues(\.scalars)
        for key in a.keys.sorted() {
            if key.hasPrefix("backbone.") {
                #expect(a[key] == initial[key] && b[key] == initial[key], "\(key) stays bit-identical")
            } else {
                // Same batches, same dropout masks; only the backbone's batch composition differs
                // (evaluation batches of 64 against training batches of 16), which may change the
                // last bits of a matrix product: 1e-5 absolute on weights of size ~0.1-1.
                #expect(TestData.maximumDifference(a[key]!, b[key]!) < 1e-5, "\(key)")
                #expect(a[key] != initial[key], "\(key) trained")
            }
        }
        let metricsA = try MetricsLog.read(cached.files.metricsLog), metricsB = try MetricsLog.read(uncached.files.metricsLog)
        for (x, y) in zip(metricsA, metricsB) {
            #expect(abs(x.trainLoss - y.trainLoss) < 1e-5 && abs(x.validationLoss! - y.validationLoss!) < 1e-5)
        }
    }

    @Test func reusedUntilTheDataBackboneOrPreprocessingChange() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        func train(_ plugin: CacheableTinyPlugin = CacheableTinyPlugin(), _ settings: [String: ConfigValue] = [:]) throws -> String {
            let log = LogLines()
            _ = try makeRun(plugin, folder: folder, settings, log: log).train()
            return log.text
        }
        #expect(try train().contains("feature cache: built"))
        let reused = try train(CacheableTinyPlugin(), ["train.learning_rate": .number(0.01), "model.head_dropout": .number(0.5)])
        #expect(reused.contains("feature cache: reused"), "head options do not touch the features: \(reused)")
        let rebuilt = "feature cache: the data, backbone or preprocessing changed; rebuilt"
        #expect(try train(CacheableTinyPlugin(), ["data.count": .integer(150)]).contains(rebuilt), "other data")
        #expect(try train(CacheableTinyPlugin(), ["data.count": .integer(150)]).contains("feature cache: reused"))
        #expect(try train(CacheableTinyPlugin(backboneSeed: 99), ["data.count": .integer(150)]).contains(rebuilt), "other backbone weights, same options")
        #expect(try train(CacheableTinyPlugin(backboneSeed: 99), ["data.count": .integer(150), "model.input_scale": .number(2)]).contains(rebuilt),
                "a preprocessing option")
        // A damaged cache file is rebuilt, not trusted.
        let run = try makeRun(CacheableTinyPlugin(), folder: folder, log: LogLines())
        try Data("not a cache".utf8).write(to: run.files.featureCache)
        #expect(try train().contains(rebuilt))
    }

    @Test func notUsedWhenTheBackboneOrItsInputsChange() throws {
        let cases: [(CacheableTinyPlugin, [String: ConfigValue], String)] = [
            (CacheableTinyPlugin(), ["model.freeze": .string("none")], "not used: the backbone trains (model.freeze: none)"),
            (CacheableTinyPlugin(), ["model.freeze": .string("gradual")], "not used: the backbone trains (model.freeze: gradual)"),
            (CacheableTinyPlugin(), ["model.freeze": .string("first-1")], "not used: the backbone trains (model.freeze: first-1)"),
            (CacheableTinyPlugin(), ["lora.enabled": .boolean(true), "lora.targets": .strings(["block"])], "not used: LoRA adapters train inside the backbone"),
            (CacheableTinyPlugin(), ["augmentation.text.token_dropout": .number(0.1)], "not used: augmentation is on (augmentation.text.token_dropout 0.1)"),
            (CacheableTinyPlugin(), ["augmentation.image.horizontal_flip": .number(0.5)], "not used: augmentation is on (image transforms)"),
            (CacheableTinyPlugin(providesFeatures: false), [:], "not used: task tiny does not provide cacheable features"),
        ]
        for (plugin, settings, reason) in cases {
            let folder = temporaryFolder()
            defer { try? FileManager.default.removeItem(at: folder) }
            let log = LogLines()
            let run = try makeRun(plugin, folder: folder, settings.merging(["train.epochs": .integer(1)]) { $1 }, log: log)
            _ = try run.train()
            #expect(log.text.contains("feature cache: \(reason)"), "\(settings): \(log.text)")
            #expect(!log.text.contains("feature cache: used"))
            #expect(!FileManager.default.fileExists(atPath: run.files.featureCache.path))
        }
        // first-N covering every block freezes the whole backbone: cached.
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let log = LogLines()
        _ = try makeRun(CacheableTinyPlugin(), folder: folder, ["model.freeze": .string("first-2"), "train.epochs": .integer(1)], log: log).train()
        #expect(log.text.contains("feature cache: used"), "\(log.text)")
    }
}
