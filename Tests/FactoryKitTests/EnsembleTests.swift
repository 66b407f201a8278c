// Ensembles: averaging class probabilities is the hand-computed mean; an ensemble of one
// model twice predicts and evaluates exactly as that model; eval with an ensemble writes
// eval.json; `--ensemble` paths resolve (manifest, folder with a manifest, run folders) or
// give clear errors; a task that cannot average says so.

import FactoryKit
import Foundation
import Testing

/// The tiny task without `average`: a plugin that cannot ensemble.
struct NonAveragingTinyPlugin: TaskPlugin {
    let base = TinyPlugin()
    var descriptor: TaskDescriptor { base.descriptor }
    var configOptions: [ConfigOption] { base.configOptions }
    func loadData(_ context: TaskContext) throws -> TaskData<TinyExample> { try base.loadData(context) }
    func makeModel(_ context: TaskContext, info: TaskModelInfo) throws -> TinyModel { try base.makeModel(context, info: info) }
    func forward(_ model: TinyModel, examples: [TinyExample], context: TaskContext) throws -> TaskForward<[Float]> {
        try base.forward(model, examples: examples, context: context)
    }
    func evaluate(outputs: [[Float]], examples: [TinyExample], info: TaskModelInfo, context: TaskContext) throws -> TaskEvaluation {
        try base.evaluate(outputs: outputs, examples: examples, info: info, context: context)
    }
    func predictionExamples(from inputs: [String], context: TaskContext) throws -> [TinyExample] { try base.predictionExamples(from: inputs, context: context) }
    func prediction(for output: [Float], input: String, info: TaskModelInfo) -> TaskPrediction { base.prediction(for: output, input: input, info: info) }
    func writeSample(into projectFolder: URL, from sample: URL) throws -> [String: ConfigValue] { [:] }
}

@Suite("Ensembles", .serialized)
struct EnsembleTests {
    @Test func averagingIsTheMeanPerClass() throws {
        // Two models, two examples, two classes: (0.2+0.4)/2 = 0.3, (0.8+0.6)/2 = 0.7; (0.6+1.0)/2 = 0.8, (0.4+0)/2 = 0.2.
        let averaged = try #require(Classification.averageProbabilities([[[0.2, 0.8], [0.6, 0.4]], [[0.4, 0.6], [1.0, 0.0]]]))
        #expect(averaged.count == 2)
        for (row, expected) in zip(averaged, [[0.3, 0.7], [0.8, 0.2]] as [[Float]]) {
            for (value, want) in zip(row, expected) { #expect(abs(value - want) < 1e-6, "\(averaged)") }
        }
        // Three models: (0.1 + 0.5 + 0.9) / 3 = 0.5.
        #expect(Classification.averageProbabilities([[[0.1, 0.9]], [[0.5, 0.5]], [[0.9, 0.1]]]) == [[0.5, 0.5]])
        #expect(Classification.averageProbabilities([]) == nil)
    }

    @Test func anEnsembleOfOneModelTwicePredictsAndEvaluatesAsTheModel() throws {
        let (folder, plugin, context) = try makeTinyProject(["train.epochs": .integer(2)])
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try FineTuningRun(plugin: plugin, context: context, progress: silentProgress)
        _ = try run.train()
        let inputs = ["0.9,0.8", "-0.9,-0.7", "0.1,-0.05"]
        let single = try run.predict(inputs)
        let ensemble = Ensemble(members: [run.files.folder, run.files.folder])
        let averaged = try run.predict(inputs, ensemble: ensemble)
        #expect(averaged.map { $0.fields["probabilities"] } == single.map { $0.fields["probabilities"] })
        #expect(averaged.map(\.summary) == single.map(\.summary))

        let singleEvaluation = try run.evaluate(split: "test")
        try FileManager.default.removeItem(at: run.files.evaluation)
        let ensembleEvaluation = try run.evaluate(ensemble: ensemble, split: "test")
        var withoutLoss = singleEvaluation.metrics
        withoutLoss["loss"] = nil
        #expect(ensembleEvaluation.metrics == withoutLoss)
        let written = try JSONParser.parse([UInt8](Data(contentsOf: run.files.evaluation)))
        #expect(written["checkpoint"]?.stringValue == "ensemble")
        #expect(written["ensemble"]?.arrayValue?.count == 2)
        #expect(written["metrics"]?["accuracy"]?.doubleValue == singleEvaluation.metrics["accuracy"])
    }

    @Test func differentModelsAverageTheirProbabilities() throws {
        let (folder, plugin, context) = try makeTinyProject(["train.epochs": .integer(1)])
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = try FineTuningRun(plugin: plugin, context: context, progress: silentProgress)
        first.files = RunFiles(folder: folder.appendingPathComponent("a"))
        _ = try first.train()
        let secondContext = TaskContext(projectFolder: folder, config: try context.config.setting("seed", to: .integer(7)),
                                        modelStore: context.modelStore, log: context.log)
        let second = try FineTuningRun(plugin: plugin, context: secondContext, progress: silentProgress)
        second.files = RunFiles(folder: folder.appendingPathComponent("b"))
        _ = try second.train()
        let inputs = ["0.3,0.2", "-0.4,0.1"]
        let a = try first.predict(inputs), b = try second.predict(inputs)
        let both = try first.predict(inputs, ensemble: Ensemble.resolve(["a", "b"], relativeTo: folder))
        for index in inputs.indices {
            let pa = a[index].fields["probabilities"]!["above"]!.doubleValue!, pb = b[index].fields["probabilities"]!["above"]!.doubleValue!
            let pe = both[index].fields["probabilities"]!["above"]!.doubleValue!
            #expect(pa != pb, "two different models")
            #expect(abs(pe - (pa + pb) / 2) < 1e-6)
        }
    }

    @Test func ensemblePathsResolveOrGiveClearErrors() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("factory-ensemble-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        for run in ["folds/fold-1", "folds/fold-2", "other"] {
            try FileManager.default.createDirectory(at: folder.appendingPathComponent("\(run)/checkpoints"), withIntermediateDirectories: true)
        }
        try EnsembleManifest(task: "tiny", source: "cross-validation", members: ["fold-1", "fold-2"])
            .write(to: folder.appendingPathComponent("folds/ensemble.json"))
        let fromFile = try Ensemble.resolve(["folds/ensemble.json"], relativeTo: folder)
        #expect(fromFile.members.map(\.lastPathComponent) == ["fold-1", "fold-2"])
        #expect(try Ensemble.resolve(["folds"], relativeTo: folder).members == fromFile.members)
        #expect(try Ensemble.resolve(["other", folder.appendingPathComponent("folds/fold-2").path], relativeTo: folder).members.map(\.lastPathComponent) == ["other", "fold-2"])
        for (paths, fragment) in [(["missing"], "no such file"), (["."], "neither an ensemble.json nor a trained run folder")] {
            do {
                _ = try Ensemble.resolve(paths, relativeTo: folder)
                Issue.record("\(paths): no error")
            } catch let error as TrainingError {
                #expect(error.message.contains(fragment), "\(error)")
            }
        }
        try Data("{\"members\": 3}".utf8).write(to: folder.appendingPathComponent("bad.json"))
        #expect(throws: TrainingError.self) { try Ensemble.resolve(["bad.json"], relativeTo: folder) }
    }

    @Test func aTaskThatCannotAverageSaysSo() throws {
        let (folder, _, context) = try makeTinyProject(["train.epochs": .integer(1)])
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try FineTuningRun(plugin: NonAveragingTinyPlugin(), context: context, progress: silentProgress)
        _ = try run.train()
        do {
            _ = try run.predict(["0.1,0.2"], ensemble: Ensemble(members: [run.files.folder, run.files.folder]))
            Issue.record("no error")
        } catch let error as TrainingError {
            #expect(error.message.contains("cannot combine several models"), "\(error)")
        }
    }
}
