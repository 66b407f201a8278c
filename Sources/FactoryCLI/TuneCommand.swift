// `factory tune`: hyperparameter search over the options listed in factory.yaml's
// `tune.space` (grid or seeded random, with successive halving), trials in
// output/tune/trial-N; prints the trials best first and writes output/tune/trials.json and
// factory.best.yaml. Not here: the search itself (FactoryKit).

import ArgumentParser
import FactoryKit
import Foundation

struct TuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tune", abstract: "Search hyperparameters (the tune: section of factory.yaml).",
        discussion: """
            List the searched options under tune.space in factory.yaml, for example
              tune:
                method: random
                trials: 8
                space:
                  train.learning_rate: {log_uniform: [1e-5, 1e-3]}
                  train.batch_size: [8, 16, 32]
            Bad trials stop early (successive halving: tune.eta, tune.min_epochs). Writes
            output/tune/trials.json, output/tune/ensemble.json and factory.best.yaml.
            """)

    @OptionGroup var options: ProjectOptions

    func run() throws {
        try reportingProjectErrors {
            let progress = ProgressReporter()
            let (plugin, context) = try options.open(progress: progress)
            try tune(plugin, context: context, progress: progress)
        }
    }

    func tune(_ plugin: some TaskPlugin, context: TaskContext, progress: ProgressReporter) throws {
        let run = try FineTuningRun(plugin: plugin, context: context, progress: progress)
        let result = try run.tune()
        let keys = result.trials.first?.parameters.map(\.key) ?? []
        var rows = [["rank", "trial", result.metric, "epochs", "status"] + keys]
        for (rank, trial) in result.trials.enumerated() {
            rows.append([String(rank + 1), String(trial.number), trial.value.map { String(format: "%.4f", $0) } ?? "failed",
                         String(trial.epochs), trial.status] + trial.parameters.map { "\($0.value)" })
        }
        print("\(result.trials.count) trial(s), \(result.metric) (\(result.higherIsBetter ? "higher" : "lower") is better), rungs of \(result.rungs.map(String.init).joined(separator: ", ")) epoch(s)")
        print(formatTable(rows), terminator: "")
        print("written: \(result.trialsFile.path)")
        print("best configuration: \(result.bestConfigFile.path)")
        print("use it: \(result.bestTrainCommand)   (or: mv factory.best.yaml factory.yaml)")
        if let manifest = result.ensembleManifest {
            print("ensemble of the best completed trials: \(manifest.path) (factory predict --ensemble \(manifest.path) ...)")
        }
    }
}
