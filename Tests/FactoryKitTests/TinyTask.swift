// TinyTask: a task plugin small enough to train in milliseconds — two-feature points in two
// classes, a "backbone" of two Linear blocks and a new head — for testing the core's
// training loop (resume, freezing, layer-wise rates, early stopping) without a real backbone.

import FactoryKit
import Foundation

struct TinyExample: TaskExample {
    var features: [Float]
    var label: Int?
    var stratum: Int? { label }
    var deduplicationKey: String? { features.map { String($0) }.joined(separator: ",") }
}

final class TinyModel: Module, FineTunableModel {
    let embed: Linear, block: Linear, head: ClassificationHead
    init(seed: UInt64, dropout: Float, backboneSeed: UInt64 = 1234) {
        var generator = SeededGenerator(seed: backboneSeed)   // the "pretrained" backbone (always the same unless a test says otherwise)
        embed = Linear(inputFeatures: 2, outputFeatures: 8, generator: &generator)
        block = Linear(inputFeatures: 8, outputFeatures: 8, generator: &generator)
        head = ClassificationHead(features: 8, classes: 2, dropout: dropout, seed: seed)
        super.init()
    }
    override var children: [(key: String, module: Module)] {
        [("backbone.embed", embed), ("backbone.block", block), ("head", head)]
    }
    var backboneBlockKeyPrefixes: [String] { ["backbone.embed", "backbone.block"] }
    var headKeyPrefixes: [String] { ["head"] }
    /// What a test declares never trains (none by default).
    var fixedPrefixes: [String] = []
    var fixedKeyPrefixes: [String] { fixedPrefixes }
}

struct TinyPlugin: TaskPlugin {
    /// Examples; the plugin is told where its data is by `data.count`.
    var descriptor: TaskDescriptor {
        TaskDescriptor(id: "tiny", name: "Tiny", summary: "test task", version: "0.0.1", type: "TinyPlugin",
                       inputFormats: [], outputs: ["label"], backbones: ["none"], metrics: ["accuracy"], sample: "none", tags: [])
    }
    var primaryMetric: (name: String, higherIsBetter: Bool) { ("accuracy", true) }
    var configOptions: [ConfigOption] {
        [ConfigOption("data.count", .integer(4...100_000), default: .integer(200), summary: "examples to generate"),
         ConfigOption("data.noise", .number(0...10), default: .number(0.3), summary: "label noise scale")]
    }

    func loadData(_ context: TaskContext) throws -> TaskData<TinyExample> {
        var generator = SeededGenerator(seed: 7)
        let noise = Float(context.config.number("data.noise"))
        let examples = (0..<context.config.integer("data.count")).map { _ -> TinyExample in
            let x = generator.nextUnitFloat() * 2 - 1, y = generator.nextUnitFloat() * 2 - 1
            let label = x + y + noise * generator.nextNormal() > 0 ? 1 : 0
            return TinyExample(features: [x, y], label: label)
        }
        return TaskData(examples: examples, labelNames: ["below", "above"])
    }

    func makeModel(_ context: TaskContext, info: TaskModelInfo) throws -> TinyModel {
        TinyModel(seed: UInt64(context.config.integer("seed")), dropout: Float(context.config.number("model.head_dropout")))
    }

    func forward(_ model: TinyModel, examples: [TinyExample], context: TaskContext) throws -> TaskForward<[Float]> {
        let input = Tensor(examples.flatMap(\.features), shape: [examples.count, 2])
        let logits = model.head(model.block(model.embed(input).relu()).relu())
        let labels = examples.compactMap(\.label)
        let loss = labels.count == examples.count ? Tensor.crossEntropy(logits: logits, targets: labels) : nil
        return TaskForward(loss: loss, outputs: Classification.probabilities(logits))
    }

    func evaluate(outputs: [[Float]], examples: [TinyExample], info: TaskModelInfo, context: TaskContext) throws -> TaskEvaluation {
        try ClassificationEvaluation.evaluate(probabilities: outputs, labels: examples.compactMap(\.label), labelNames: info.labelNames)
    }

    func predictionExamples(from inputs: [String], context: TaskContext) throws -> [TinyExample] {
        inputs.map { TinyExample(features: $0.split(separator: ",").map { Float($0) ?? 0 }, label: nil) }
    }

    func prediction(for output: [Float], input: String, info: TaskModelInfo) -> TaskPrediction {
        ClassificationEvaluation.prediction(probabilities: output, input: input, labelNames: info.labelNames)
    }

    func average(_ outputs: [[[Float]]]) -> [[Float]]? { Classification.averageProbabilities(outputs) }

    func writeSample(into projectFolder: URL, from sample: URL) throws -> [String: ConfigValue] { [:] }
}

/// A throwaway project folder for the tiny task with `settings` in factory.yaml.
func makeTinyProject(_ settings: [String: ConfigValue] = [:]) throws -> (folder: URL, plugin: TinyPlugin, context: TaskContext) {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("factory-tiny-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let plugin = TinyPlugin()
    var registry = PluginRegistry()
    try registry.register(plugin)
    var values: [String: ConfigValue] = ["task": .string("tiny"), "train.epochs": .integer(4), "train.batch_size": .integer(16),
                                         "train.learning_rate": .number(0.05), "train.warmup": .number(0)]
    values.merge(settings) { $1 }
    try ConfigWriter.write(schema: Project.schema(for: plugin), values: values, header: "tiny test project",
                           to: folder.appendingPathComponent(Project.configFileName))
    let store = try ModelStore.standard(environment: ["FACTORY_CACHE_DIR": folder.appendingPathComponent("cache").path])
    let opened = try Project.open(folder, registry: registry, modelStore: store) { _ in }
    return (folder, plugin, opened.context)
}

/// A reporter that prints nothing.
let silentProgress = ProgressReporter(isTerminal: false) { _ in }
