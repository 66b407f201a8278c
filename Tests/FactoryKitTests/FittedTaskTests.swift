// The core's fit and calibrate hooks (TaskFitting) with a task that trains no weights: a
// nearest-centroid classifier over the tiny task's points whose centroids are a buffer
// filled by `fit` (its row count a model property), and whose decision margin is chosen by
// `calibrate`. Training runs no gradient epoch, writes best and last checkpoints and one
// metrics line; eval and predict rebuild the model at the fitted shape from the checkpoint.

import FactoryKit
import Foundation
import Testing

final class CentroidModel: Module, FineTunableModel {
    var centroids: Tensor
    var margin = Tensor([0])
    init(rows: Int) { centroids = Tensor.zeros([rows, 2]) }
    override var ownBuffers: [(key: String, tensor: Tensor)] { [("centroids", centroids), ("margin", margin)] }
    var backboneBlockKeyPrefixes: [String] { [] }
    var headKeyPrefixes: [String] { [] }
}

struct CentroidPlugin: TaskPlugin {
    var descriptor: TaskDescriptor {
        TaskDescriptor(id: "centroid", name: "Centroid", summary: "test task", version: "0.0.1", type: "CentroidPlugin",
                       inputFormats: [], outputs: ["label"], backbones: ["none"], metrics: ["accuracy"], sample: "none", tags: [])
    }
    var primaryMetric: (name: String, higherIsBetter: Bool) { ("accuracy", true) }
    var configOptions: [ConfigOption] { TinyPlugin().configOptions }
    /// Calls of `fit` (the class is shared by the copies the core holds).
    final class Calls: @unchecked Sendable { var fits = 0, calibrations = 0 }
    let calls = Calls()

    func loadData(_ context: TaskContext) throws -> TaskData<TinyExample> { try TinyPlugin().loadData(context) }

    func makeModel(_ context: TaskContext, info: TaskModelInfo) throws -> CentroidModel {
        CentroidModel(rows: Int(info.properties["classes"] ?? "") ?? 1)
    }

    /// Class probabilities from the distances to the centroids (softmax of -distance + margin on class 1).
    func forward(_ model: CentroidModel, examples: [TinyExample], context: TaskContext) throws -> TaskForward<[Float]> {
        let c = model.centroids.scalars, margin = model.margin.scalars[0]
        let outputs = examples.map { example -> [Float] in
            let distances = (0..<model.centroids.shape[0]).map { row -> Float in
                let dx: Float = example.features[0] - c[row * 2], dy: Float = example.features[1] - c[row * 2 + 1]
                return dx * dx + dy * dy
            }
            guard distances.count == 2 else { return [1, 0] }
            let logits = [-distances[0], -distances[1] + margin]
            let top = logits.max()!
            let exps = logits.map { Foundation.exp($0 - top) }
            return exps.map { $0 / exps.reduce(0, +) }
        }
        return TaskForward(loss: nil, outputs: outputs)
    }

    func fit(_ model: CentroidModel, training: [TinyExample], validation: [TinyExample], info: TaskModelInfo, context: TaskContext) throws -> TaskFit? {
        calls.fits += 1
        var sums = [Float](repeating: 0, count: 4), counts = [Float](repeating: 0, count: 2)
        for example in training {
            guard let label = example.label else { continue }
            sums[label * 2] += example.features[0]
            sums[label * 2 + 1] += example.features[1]
            counts[label] += 1
        }
        model.centroids = Tensor((0..<4).map { sums[$0] / Swift.max(counts[$0 / 2], 1) }, shape: [2, 2])
        return TaskFit(properties: ["classes": "2"], notes: ["centroids fitted"])
    }

    func calibrate(_ model: CentroidModel, validationOutputs: [[Float]], validation: [TinyExample], info: TaskModelInfo, context: TaskContext) throws -> Bool {
        calls.calibrations += 1
        model.margin = Tensor([0.25])
        return true
    }

    func evaluate(outputs: [[Float]], examples: [TinyExample], info: TaskModelInfo, context: TaskContext) throws -> TaskEvaluation {
        try ClassificationEvaluation.evaluate(probabilities: outputs, labels: examples.compactMap(\.label), labelNames: info.labelNames)
    }

    func predictionExamples(from inputs: [String], context: TaskContext) throws -> [TinyExample] { try TinyPlugin().predictionExamples(from: inputs, context: context) }
    func prediction(for output: [Float], input: String, info: TaskModelInfo) -> TaskPrediction {
        ClassificationEvaluation.prediction(probabilities: output, input: input, labelNames: info.labelNames)
    }
    func writeSample(into projectFolder: URL, from sample: URL) throws -> [String: ConfigValue] { [:] }
}

@Suite("Fitted tasks (fit and calibrate hooks)", .serialized)
struct FittedTaskTests {
    @Test func aFittedTaskTrainsWithoutEpochsAndReloadsAtTheFittedShape() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("factory-fitted-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let plugin = CentroidPlugin()
        var registry = PluginRegistry()
        try registry.register(plugin)
        try ConfigWriter.write(schema: Project.schema(for: plugin), values: ["task": .string("centroid"), "train.epochs": .integer(5)],
                               header: "fitted test project", to: folder.appendingPathComponent(Project.configFileName))
        let store = try ModelStore.standard(environment: ["FACTORY_CACHE_DIR": folder.appendingPathComponent("cache").path])
        let context = try Project.open(folder, registry: registry, modelStore: store) { _ in }.context
        let run = try FineTuningRun(plugin: plugin, context: context, progress: silentProgress)

        let summary = try run.train()
        #expect(summary.epochsCompleted == 1, "a fit is one pass, whatever train.epochs says")
        #expect(plugin.calls.fits == 1 && plugin.calls.calibrations == 1)
        for file in [run.files.bestCheckpoint, run.files.lastCheckpoint, run.files.metricsLog, run.files.learningCurve] {
            #expect(FileManager.default.fileExists(atPath: file.path), "\(file.lastPathComponent)")
        }
        #expect(try MetricsLog.read(run.files.metricsLog).count == 1)
        let state = try RunCheckpoint.readState(run.files.bestCheckpoint)
        #expect(state.modelInfo.properties["classes"] == "2")
        #expect(state.validationMetrics["accuracy"] != nil)

        // Eval rebuilds a [2, 2] bank from the properties and loads the fitted values.
        let (model, _, _) = try run.loadTrainedModel()
        #expect(model.centroids.shape == [2, 2])
        #expect(model.margin.scalars == [0.25], "the calibrated buffer is saved")
        let data = try run.prepareData()
        let training = data.splits.train.map { data.examples[$0] }.filter { $0.label == 1 }
        let meanX = training.map { $0.features[0] }.reduce(0, +) / Float(training.count)
        #expect(abs(model.centroids.scalars[2] - meanX) < 1e-5)
        let evaluation = try run.evaluate(split: "test")
        #expect(evaluation.metrics["accuracy"]! > 0.75, "\(evaluation.metrics)")
        let answers = try run.predict(["0.9,0.8", "-0.9,-0.7"])
        #expect(answers.map { $0.fields["label"]?.stringValue } == ["above", "below"])
    }
}
