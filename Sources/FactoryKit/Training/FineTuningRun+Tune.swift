// FineTuningRun+Tune: `factory tune` — reads the search space and the `tune.*` options,
// draws the trials (grid or seeded random), and runs them under successive halving: each
// trial is an ordinary run in output/tune/trial-N/ with its full epoch budget, paused at a
// rung (its checkpoint written) and resumed exactly when it is kept, so a completed trial
// equals an uninterrupted run. Writes output/tune/trials.json (best first), the best
// configuration as factory.best.yaml next to factory.yaml, and output/tune/ensemble.json
// with the best completed trials. Not here: the schedule (SuccessiveHalving), drawing
// trials (HyperparameterSearch), the command's table (FactoryCLI).

import Foundation

/// One trial of a search, as it ended.
public struct TuneTrial: Sendable {
    /// The trial's number (1-based, the N of trial-N).
    public var number: Int
    /// The searched options' values.
    public var parameters: [ParameterValue]
    /// The best monitored validation value (nil: the trial failed).
    public var value: Double?
    /// Epochs trained.
    public var epochs: Int
    /// Whether it trained its full budget (else successive halving stopped it, or it failed).
    public var completed: Bool
    /// Why it failed, when it did.
    public var failure: String?
    /// Its run folder.
    public var folder: URL
    /// Its full configuration.
    public var config: ProjectConfig

    /// `completed` or `stopped`, as trials.json writes it.
    public var status: String { completed ? "completed" : "stopped" }
}

/// What `factory tune` found.
public struct TuneResult: Sendable {
    /// The monitored metric and its direction.
    public var metric: String
    public var higherIsBetter: Bool
    /// The epochs of each rung.
    public var rungs: [Int]
    /// Every trial, best first.
    public var trials: [TuneTrial]
    /// The files written.
    public var trialsFile: URL
    public var bestConfigFile: URL
    public var ensembleManifest: URL?
    /// The `--set` values that turn factory.yaml as written into the best trial's
    /// configuration (the searched values and this command's own `--set`s, no `tune.*`).
    public var bestOverrides: [ParameterValue]

    /// `factory train --set key=value ...` for the best configuration.
    public var bestTrainCommand: String {
        (["factory train"] + bestOverrides.map { "--set \($0.key)=\($0.value)" }).joined(separator: " ")
    }

    /// The contents of trials.json: `{"metric", "higher_is_better", "trials": [{"trial",
    /// "parameters", "value", "epochs", "status"}]}`, trials best first.
    public var json: JSONValue {
        .object(JSONObject(members: [
            (key: "metric", value: .string(metric)),
            (key: "higher_is_better", value: .bool(higherIsBetter)),
            (key: "trials", value: .array(trials.map { trial -> JSONValue in
                JSONValue.object(JSONObject(members: [
                    (key: "trial", value: .integer(trial.number)),
                    (key: "parameters", value: .object(JSONObject(members: trial.parameters.map { (key: $0.key, value: $0.value.json) }))),
                    (key: "value", value: trial.value.map { JSONValue.double($0) } ?? JSONValue.null),
                    (key: "epochs", value: .integer(trial.epochs)),
                    (key: "status", value: .string(trial.status)),
                ]))
            })),
        ]))
    }
}

extension RunFiles {
    /// `output/tune`: one run folder per trial, trials.json, ensemble.json.
    public var tuneFolder: URL { folder.appendingPathComponent("tune") }
    /// `output/tune/trial-N` (1-based).
    public func trialFolder(_ trial: Int) -> URL { tuneFolder.appendingPathComponent("trial-\(trial)") }
    /// `output/tune/trials.json`.
    public var trials: URL { tuneFolder.appendingPathComponent("trials.json") }
}

/// Thrown by a trial's `afterEpoch` to pause it at the end of its rung.
private struct RungReached: Error {}

extension FineTuningRun {
    /// The name of the best configuration's file, next to factory.yaml.
    public static var bestConfigFileName: String { "factory.best.yaml" }

    /// Runs the hyperparameter search the project's `tune` options and `tune.space`
    /// describe (see the file comment). A trial whose training fails (a diverging loss) is
    /// recorded as stopped with no value; the search goes on.
    /// - Throws: ``ConfigError`` for a missing or bad search space, ``TrainingError`` when
    ///   every trial fails.
    public func tune() throws -> TuneResult {
        let config = context.config
        let fileName = config.file.map(ConfigLoader.displayName)
        guard let file = config.file else { throw TrainingError("factory tune needs the project's factory.yaml") }
        let space = try SearchSpace.read(file, schema: config.schema)
        guard !space.parameters.isEmpty else {
            throw ConfigError(file: fileName, key: TuneOptions.spaceSection,
                              message: "nothing to search; add a section `space:` under `tune:` listing options, such as `train.learning_rate: {log_uniform: [1e-5, 1e-3]}` and `train.batch_size: [8, 16]`")
        }
        let tuning = TuneOptions.Settings(config)
        let assignments = try tuning.method == "grid"
            ? HyperparameterSearch.grid(space, fileName: fileName)
            : HyperparameterSearch.random(space, count: tuning.trials, seed: settings.seed)
        var configs: [ProjectConfig] = []
        for (index, values) in assignments.enumerated() {
            configs.append(try HyperparameterSearch.configuration(config, trial: index + 1, values: values))
        }
        let trialEpochs = configs.map { $0.integer("train.epochs") }
        let monitor = monitorDirection()
        let halving = SuccessiveHalving(
            rungs: SuccessiveHalving.rungs(maximumEpochs: trialEpochs.max()!, minimumEpochs: tuning.minimumEpochs, eta: tuning.eta),
            eta: tuning.eta, higherIsBetter: monitor.higherIsBetter)
        progress.log("tune: \(tuning.method) search, \(assignments.count) trial(s) of \(space.parameters.map(\.key).joined(separator: ", ")); rungs of \(halving.rungs.map(String.init).joined(separator: ", ")) epoch(s), keeping the best 1/\(tuning.eta); watching \(monitor.name) (\(monitor.higherIsBetter ? "higher" : "lower") is better)")
        try? FileManager.default.removeItem(at: files.tuneFolder)
        try FileManager.default.createDirectory(at: files.tuneFolder, withIntermediateDirectories: true)

        var failures: [Int: String] = [:]
        let outcomes = try halving.run(trials: assignments.count) { trial, budget in
            let trialFiles = RunFiles(folder: files.trialFolder(trial + 1))
            let started = FileManager.default.fileExists(atPath: trialFiles.lastCheckpoint.path)
            let target = Swift.min(budget, trialEpochs[trial])
            progress.log("trial \(trial + 1)/\(assignments.count), to epoch \(target): " + assignments[trial].map { "\($0.key)=\($0.value)" }.joined(separator: " "))
            let trialContext = TaskContext(projectFolder: context.projectFolder, config: configs[trial], modelStore: context.modelStore, log: context.log)
            let trialRun = try FineTuningRun(plugin: plugin, context: trialContext, progress: progress)
            trialRun.files = trialFiles
            trialRun.afterEpoch = { epochs in
                if epochs >= target && epochs < trialEpochs[trial] { throw RungReached() }
            }
            do {
                _ = try trialRun.train(resume: started)
            } catch is RungReached {
            } catch let error as TrainingError {
                progress.log("trial \(trial + 1) failed: \(error.message)")
                failures[trial] = error.message
                return SuccessiveHalving.Progress(value: nil, epochs: (try? RunCheckpoint.readState(trialFiles.lastCheckpoint).epochsCompleted) ?? 0)
            }
            let state = try RunCheckpoint.readState(trialFiles.lastCheckpoint)
            return SuccessiveHalving.Progress(value: state.bestValue, epochs: state.epochsCompleted)
        }
        guard outcomes.contains(where: { $0.value != nil }) else {
            throw TrainingError("every trial failed; the first: \(failures.sorted { $0.key < $1.key }.first?.value ?? "unknown")")
        }

        let ranked = outcomes.sorted { a, b in
            if a.value == b.value, a.completed != b.completed { return a.completed }
            return halving.isBetter(a, than: b)
        }
        let trials = ranked.map { outcome in
            TuneTrial(number: outcome.trial + 1, parameters: assignments[outcome.trial], value: outcome.value, epochs: outcome.epochs,
                      completed: outcome.completed, failure: failures[outcome.trial], folder: files.trialFolder(outcome.trial + 1),
                      config: configs[outcome.trial])
        }
        let best = trials[0]
        let asWritten = try ConfigLoader.load(file, schema: config.schema)
        let bestOverrides = config.schema.keys.filter { !$0.hasPrefix("tune.") && asWritten.values[$0] != best.config.values[$0] }
            .map { ParameterValue(key: $0, value: best.config[$0]) }
        let bestFile = file.deletingLastPathComponent().appendingPathComponent(Self.bestConfigFileName)
        let header = """
            The best configuration `factory tune` found: trial \(best.number), \(monitor.name) \(best.value.map { String(format: "%.4f", $0) } ?? "-") after \(best.epochs) epoch(s).
            Its searched values: \(best.parameters.map { "\($0.key)=\($0.value)" }.joined(separator: " ")); all trials: output/tune/trials.json.
            Train with it: \((["factory train"] + bestOverrides.map { "--set \($0.key)=\($0.value)" }).joined(separator: " "))
            or make it the project's configuration: mv factory.best.yaml factory.yaml (the tune.space section is not copied).
            """
        try ConfigWriter.write(best.config, header: header, to: bestFile)
        var manifestURL: URL?
        let members = trials.filter(\.completed).prefix(tuning.ensembleSize)
        if !members.isEmpty {
            manifestURL = files.tuneFolder.appendingPathComponent(EnsembleManifest.fileName)
            try EnsembleManifest(task: plugin.descriptor.id, source: "tune", members: members.map { $0.folder.lastPathComponent }).write(to: manifestURL!)
        }
        let result = TuneResult(metric: monitor.name, higherIsBetter: monitor.higherIsBetter, rungs: halving.rungs, trials: trials,
                                trialsFile: files.trials, bestConfigFile: bestFile, ensembleManifest: manifestURL,
                                bestOverrides: bestOverrides)
        try AtomicFile.write(Data(result.json.serialized(pretty: true).utf8), to: files.trials)
        return result
    }
}
