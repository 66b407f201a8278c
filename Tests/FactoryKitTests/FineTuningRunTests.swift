// The fine-tuning core on the tiny task: training learns; a run killed after epoch 2 and
// resumed ends with exactly the weights of an uninterrupted run; frozen parameters do not
// change; layer-wise rates reach the optimizer groups; early stopping stops; evaluation and
// prediction use the best checkpoint; the files are written.

import FactoryKit
import Foundation
import Testing
import TestSupport

@Suite("Fine-tuning core", .serialized)
struct FineTuningRunTests {
    func weights(_ url: URL) throws -> [String: [Float]] {
        let file = try SafetensorsFile(contentsOf: url)
        var result: [String: [Float]] = [:]
        for name in file.tensorNames where !name.hasPrefix("optimizer.") { result[name] = try file.tensor(named: name).scalars }
        return result
    }

    @Test func trainsEvaluatesAndPredicts() throws {
        let (folder, plugin, context) = try makeTinyProject(["early_stopping.patience": .integer(0)])
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try FineTuningRun(plugin: plugin, context: context, progress: silentProgress)
        let summary = try run.train()
        #expect(summary.epochsCompleted == 4)
        #expect(summary.splitSizes.train + summary.splitSizes.validation + summary.splitSizes.test == 200)
        let records = try MetricsLog.read(run.files.metricsLog)
        #expect(records.map(\.epoch) == [1, 2, 3, 4])
        #expect(records.last!.trainLoss < records.first!.trainLoss, "the loss goes down")
        let evaluation = try run.evaluate(split: "test")
        // The classes are separable up to the label noise: far above the 50% of guessing.
        #expect(evaluation.metrics["accuracy"]! > 0.75, "\(evaluation.metrics)")
        let written = try JSONParser.parse([UInt8](Data(contentsOf: run.files.evaluation)))
        #expect(written["metrics"]?["accuracy"]?.doubleValue == evaluation.metrics["accuracy"])
        let answers = try run.predict(["0.9,0.8", "-0.9,-0.7"])
        #expect(answers.map { $0.fields["label"]?.stringValue } == ["above", "below"])
        #expect(FileManager.default.fileExists(atPath: run.files.learningCurve.path))
        #expect(try String(contentsOf: run.files.learningCurve, encoding: .utf8).hasPrefix("<svg"))
    }

    @Test func resumeAfterAKillGivesTheUninterruptedWeights() throws {
        let settings: [String: ConfigValue] = ["early_stopping.patience": .integer(0), "model.head_dropout": .number(0.2)]
        let (whole, plugin, wholeContext) = try makeTinyProject(settings)
        defer { try? FileManager.default.removeItem(at: whole) }
        let uninterrupted = try FineTuningRun(plugin: plugin, context: wholeContext, progress: silentProgress)
        _ = try uninterrupted.train()

        let (killed, _, killedContext) = try makeTinyProject(settings)
        defer { try? FileManager.default.removeItem(at: killed) }
        struct Killed: Error {}
        let first = try FineTuningRun(plugin: plugin, context: killedContext, progress: silentProgress)
        first.afterEpoch = { if $0 == 2 { throw Killed() } }
        #expect(throws: Killed.self) { try first.train() }
        #expect(try RunCheckpoint.readState(first.files.lastCheckpoint).epochsCompleted == 2)
        let resumed = try FineTuningRun(plugin: plugin, context: killedContext, progress: silentProgress)
        let summary = try resumed.train(resume: true)
        #expect(summary.epochsCompleted == 4)
        // Same seed, same batches, same dropout masks, same optimizer state: bit-identical.
        #expect(try weights(resumed.files.lastCheckpoint) == weights(uninterrupted.files.lastCheckpoint))
        #expect(try MetricsLog.read(resumed.files.metricsLog).map(\.trainLoss) == MetricsLog.read(uninterrupted.files.metricsLog).map(\.trainLoss))
    }

    @Test func resumeRefusesAChangedConfiguration() throws {
        let (folder, plugin, context) = try makeTinyProject(["train.epochs": .integer(2)])
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try FineTuningRun(plugin: plugin, context: context, progress: silentProgress).train()
        let changed = try context.config.setting("train.learning_rate", to: .number(0.01))
        let run = try FineTuningRun(plugin: plugin, context: TaskContext(projectFolder: folder, config: changed, modelStore: context.modelStore, log: { _ in }),
                                    progress: silentProgress)
        #expect { try run.train(resume: true) } throws: { "\($0)".contains("train.learning_rate") }
    }

    @Test func frozenBackboneDoesNotChange() throws {
        let (folder, plugin, context) = try makeTinyProject(["model.freeze": .string("backbone"), "train.epochs": .integer(2)])
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try FineTuningRun(plugin: plugin, context: context, progress: silentProgress)
        _ = try run.train()
        let initial = TinyModel(seed: 42, dropout: 0.1).stateDictionary()
        let trained = try weights(run.files.lastCheckpoint)
        for key in ["backbone.embed.weight", "backbone.embed.bias", "backbone.block.weight"] {
            #expect(trained[key] == initial[key]!.scalars, "\(key) is frozen")
        }
        #expect(trained["head.classifier.weight"] != initial["head.classifier.weight"]!.scalars, "the head trains")
        // Frozen parameters get no optimizer state.
        let file = try SafetensorsFile(contentsOf: run.files.lastCheckpoint)
        #expect(!file.tensorNames.contains { $0.hasPrefix("optimizer.backbone.") })
        #expect(file.tensorNames.contains("optimizer.head.classifier.weight.firstMoment"))
    }

    @Test func firstNFreezingAndGradualUnfreezing() throws {
        let model = TinyModel(seed: 1, dropout: 0)
        ParameterGrouping.applyFreezing(.firstBlocks(1), to: model, epoch: 0)
        #expect(model.trainableParameters().map(\.key).sorted() == ["backbone.block.bias", "backbone.block.weight", "head.classifier.bias", "head.classifier.weight"])
        ParameterGrouping.applyFreezing(.gradual, to: model, epoch: 0)
        #expect(model.trainableParameters().map(\.key).allSatisfy { $0.hasPrefix("head") })
        ParameterGrouping.applyFreezing(.gradual, to: model, epoch: 1)
        #expect(model.trainableParameters().map(\.key).contains("backbone.block.weight"))
        #expect(!model.trainableParameters().map(\.key).contains("backbone.embed.weight"))
        ParameterGrouping.applyFreezing(.gradual, to: model, epoch: 2)
        #expect(model.trainableParameters().count == model.parameters().count)
    }

    @Test func fixedParametersNeverTrainAndStayOutOfTheGroups() {
        let model = TinyModel(seed: 1, dropout: 0)
        model.fixedPrefixes = ["backbone.embed"]
        let policies: [(FreezingPolicy, epoch: Int)] = [(.none, 0), (.gradual, 5), (.firstBlocks(0), 0), (.backbone, 0)]
        for (policy, epoch) in policies {
            let count = ParameterGrouping.applyFreezing(policy, to: model, epoch: epoch)
            let trainable = model.trainableParameters()
            #expect(!trainable.contains { $0.key.hasPrefix("backbone.embed") }, "\(policy)")
            #expect(count == trainable.reduce(0) { $0 + $1.tensor.count }, "\(policy): the count is of what trains")
        }
        // With nothing frozen by the policy, the other block and the head train: 8x8+8 and 8x2+2.
        #expect(ParameterGrouping.applyFreezing(.none, to: model, epoch: 0) == 72 + 18)
        let groups = ParameterGrouping.groups(for: model, learningRate: 1e-3, layerDecay: 0.5, weightDecay: 0.01)
        let grouped = groups.flatMap(\.parameters)
        #expect(!grouped.contains { $0 === model.embed.weight || $0 === model.embed.bias! })
        #expect(grouped.count == model.parameters().count - 2)
    }

    @Test func layerwiseRatesAndNoDecayOnBiases() {
        let model = TinyModel(seed: 1, dropout: 0)
        let groups = ParameterGrouping.groups(for: model, learningRate: 1e-3, layerDecay: 0.5, weightDecay: 0.01)
        func group(of parameter: Tensor) -> ParameterGroup? { groups.first { $0.parameters.contains { $0 === parameter } } }
        // Head and top block: the base rate; each block below: x 0.5.
        #expect(group(of: model.head.classifier.weight)?.learningRate == 1e-3)
        #expect(group(of: model.block.weight)?.learningRate == 1e-3)
        #expect(group(of: model.embed.weight)?.learningRate == 5e-4)
        #expect(group(of: model.embed.weight)?.weightDecay == 0.01)
        #expect(group(of: model.embed.bias!)?.weightDecay == 0, "biases are not decayed")
        #expect(group(of: model.head.classifier.bias!)?.weightDecay == 0)
        #expect(groups.reduce(0) { $0 + $1.parameters.count } == model.parameters().count)
    }

    @Test func earlyStoppingStops() throws {
        // Pure label noise: validation accuracy cannot keep improving.
        let (folder, plugin, context) = try makeTinyProject(["data.noise": .number(10), "train.epochs": .integer(30),
                                                             "early_stopping.patience": .integer(2), "train.learning_rate": .number(0.2)])
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try FineTuningRun(plugin: plugin, context: context, progress: silentProgress)
        let summary = try run.train()
        #expect(summary.stoppedEarly)
        #expect(summary.epochsCompleted < 30)
        #expect(summary.epochsCompleted == summary.bestEpoch! + 2, "stops exactly `patience` epochs after the best")
        let best = try RunCheckpoint.readState(run.files.bestCheckpoint)
        #expect(best.epochsCompleted == summary.bestEpoch)
    }

    @Test func unknownMonitoredMetricIsAClearError() throws {
        let (folder, plugin, context) = try makeTinyProject(["early_stopping.metric": .string("acuracy"), "train.epochs": .integer(1)])
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try FineTuningRun(plugin: plugin, context: context, progress: silentProgress)
        #expect { try run.train() } throws: { "\($0)".contains("acuracy") && "\($0)".contains("accuracy") }
    }
}
