// Successive halving: the rungs; with a deterministic fake objective, exactly the worst
// trials stop at each rung (re-ranked by their latest values, failed trials never go on);
// and a real search on the tiny task, where a learning rate too small to learn stops at the
// first rung, the best trial trains its full budget with exactly the weights of an
// uninterrupted run, and trials.json / factory.best.yaml / ensemble.json are written.

import FactoryKit
import Foundation
import Testing

@Suite("Successive halving")
struct SuccessiveHalvingTests {
    @Test func rungsDivideTheBudgetByEta() {
        #expect(SuccessiveHalving.rungs(maximumEpochs: 9, minimumEpochs: 1, eta: 3) == [1, 3, 9])
        #expect(SuccessiveHalving.rungs(maximumEpochs: 27, minimumEpochs: 2, eta: 3) == [3, 9, 27])
        #expect(SuccessiveHalving.rungs(maximumEpochs: 4, minimumEpochs: 1, eta: 3) == [1, 4])
        #expect(SuccessiveHalving.rungs(maximumEpochs: 4, minimumEpochs: 1, eta: 2) == [1, 2, 4])
        #expect(SuccessiveHalving.rungs(maximumEpochs: 2, minimumEpochs: 1, eta: 3) == [1, 2])
        #expect(SuccessiveHalving.rungs(maximumEpochs: 1, minimumEpochs: 1, eta: 3) == [1])
        #expect(SuccessiveHalving.rungs(maximumEpochs: 3, minimumEpochs: 5, eta: 3) == [3])
    }

    @Test func theWorstTrialsStopAtEachRung() {
        // Nine trials; trial t's value after e epochs is quality[t] * e, except trial 4, which
        // starts best but gets worse (it must lose its place at rung 2).
        let quality: [Double] = [0.1, 0.9, 0.5, 0.3, 1.0, 0.8, 0.2, 0.7, 0.4]
        func value(_ trial: Int, _ epochs: Int) -> Double { trial == 4 && epochs > 1 ? 0.05 : quality[trial] * Double(epochs) }
        let halving = SuccessiveHalving(rungs: [1, 3, 9], eta: 3, higherIsBetter: true)
        var calls: [[Int]] = []
        let outcomes = halving.run(trials: 9) { trial, epochs in
            calls.append([trial, epochs])
            return .init(value: value(trial, epochs), epochs: epochs)
        }
        // Rung 0: all nine to 1 epoch; the best third (4, 1, 5) go on to 3 epochs; then only
        // trial 1 (2.7 beats 5's 2.4 and 4's 0.05) trains its full 9.
        #expect(calls == (0..<9).map { [$0, 1] } + [[1, 3], [4, 3], [5, 3], [1, 9]])
        #expect(outcomes.filter(\.completed).map(\.trial) == [1])
        #expect(outcomes[1].value == quality[1] * 9 && outcomes[1].epochs == 9)
        #expect(outcomes[4].epochs == 3 && outcomes[4].rung == 1 && !outcomes[4].completed)
        #expect(outcomes[0].epochs == 1 && outcomes[0].rung == 0 && !outcomes[0].completed)
    }

    @Test func lowerIsBetterAndFailedTrialsNeverGoOn() {
        let halving = SuccessiveHalving(rungs: [1, 2], eta: 2, higherIsBetter: false)
        let losses: [Double?] = [0.5, nil, 0.2, 0.9]
        var promoted: [Int] = []
        let outcomes = halving.run(trials: 4) { trial, epochs in
            if epochs == 2 { promoted.append(trial) }
            return .init(value: losses[trial].map { $0 / Double(epochs) }, epochs: epochs)
        }
        #expect(promoted == [0, 2], "the two lowest losses; the failed trial is never promoted")
        #expect(outcomes.filter(\.completed).map(\.trial) == [0, 2])
        #expect(outcomes[1].value == nil && !outcomes[1].completed)
    }

    func weights(_ url: URL) throws -> [String: [Float]] {
        let file = try SafetensorsFile(contentsOf: url)
        var result: [String: [Float]] = [:]
        for name in file.tensorNames where !name.hasPrefix("optimizer.") { result[name] = try file.tensor(named: name).scalars }
        return result
    }

    @Test func aSearchOnTheTinyTaskStopsTheBadLearningRateFirst() throws {
        let settings: [String: ConfigValue] = ["early_stopping.patience": .integer(0), "early_stopping.metric": .string("loss"),
                                               "tune.method": .string("grid"), "tune.eta": .integer(2), "tune.ensemble_size": .integer(2)]
        let (folder, plugin, _) = try makeTinyProject(settings)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent(Project.configFileName)
        try (String(contentsOf: file, encoding: .utf8) + "\ntune.space:\n  train.learning_rate: [0.05, 1e-7, 0.1, 0.03]\n")
            .write(to: file, atomically: true, encoding: .utf8)
        var registry = PluginRegistry()
        try registry.register(plugin)
        let store = try ModelStore.standard(environment: ["FACTORY_CACHE_DIR": folder.appendingPathComponent("cache").path])
        let context = try Project.open(folder, registry: registry, modelStore: store) { _ in }.context
        let run = try FineTuningRun(plugin: plugin, context: context, progress: silentProgress)
        let result = try run.tune()

        #expect(result.rungs == [1, 2, 4])
        #expect(result.metric == "loss" && !result.higherIsBetter)
        let bad = try #require(result.trials.first { $0.number == 2 })
        #expect(bad.parameters == [ParameterValue(key: "train.learning_rate", value: .number(1e-7))])
        #expect(bad.status == "stopped" && bad.epochs == 1, "the learning rate that cannot learn stops at the first rung")
        #expect(result.trials.last?.number == 2, "and ranks last")
        let best = result.trials[0]
        #expect(best.status == "completed" && best.epochs == 4)
        #expect(result.trials.filter(\.completed).count == 1)
        let values = result.trials.compactMap(\.value)
        #expect(values == values.sorted(), "best (lowest loss) first")

        // trials.json, exactly as the report reads it.
        let json = try JSONParser.parse([UInt8](Data(contentsOf: run.files.trials)))
        #expect(json.objectValue?.keys == ["metric", "higher_is_better", "trials"])
        #expect(json["metric"]?.stringValue == "loss" && json["higher_is_better"]?.boolValue == false)
        let trials = try #require(json["trials"]?.arrayValue)
        #expect(trials.count == 4)
        #expect(trials[0].objectValue?.keys == ["trial", "parameters", "value", "epochs", "status"])
        #expect(trials.map { $0["trial"]?.integerValue } == result.trials.map(\.number))
        #expect(trials[0]["parameters"]?["train.learning_rate"]?.doubleValue == best.parameters[0].value.json.doubleValue)
        #expect(trials[0]["value"]?.doubleValue == best.value && trials[0]["status"]?.stringValue == "completed")

        // factory.best.yaml: the best trial's configuration, loadable as a project file.
        let bestConfig = try ConfigLoader.load(folder.appendingPathComponent("factory.best.yaml"), schema: context.config.schema)
        #expect(bestConfig.values == best.config.values)
        #expect(result.bestOverrides == best.parameters, "only the searched value differs from factory.yaml as written")
        #expect(try String(contentsOf: folder.appendingPathComponent("factory.best.yaml"), encoding: .utf8).contains(result.bestTrainCommand))
        let manifest = try EnsembleManifest.read(try #require(result.ensembleManifest))
        #expect(manifest.members == ["trial-\(best.number)"] && manifest.source == "tune")

        // The best trial, paused at each rung and resumed, equals a run trained straight through.
        let learningRate = try #require(best.parameters[0].value.json.doubleValue)
        let (straightFolder, _, straightContext) = try makeTinyProject(settings.merging(["train.learning_rate": .number(learningRate)]) { $1 })
        defer { try? FileManager.default.removeItem(at: straightFolder) }
        let straight = try FineTuningRun(plugin: plugin, context: straightContext, progress: silentProgress)
        _ = try straight.train()
        #expect(try weights(RunFiles(folder: best.folder).lastCheckpoint) == weights(straight.files.lastCheckpoint))
    }

    @Test func searchingNothingIsAClearError() throws {
        let (folder, plugin, context) = try makeTinyProject()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try FineTuningRun(plugin: plugin, context: context, progress: silentProgress)
        do {
            _ = try run.tune()
            Issue.record("no error")
        } catch let error as ConfigError {
            #expect(error.key == "tune.space" && error.message.contains("nothing to search"), "\(error)")
        }
    }
}
