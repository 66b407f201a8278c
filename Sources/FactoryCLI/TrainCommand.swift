// `factory train`: fine-tunes the project's model (progress on stderr, files in output/),
// or with --resume continues a stopped run. Not here: the training itself (FactoryKit).

import ArgumentParser
import FactoryKit
import Foundation

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Fine-tune the project's model.",
        discussion: "Writes output/checkpoints/{best,last}.safetensors, output/metrics.jsonl and output/learning_curve.svg.")

    @OptionGroup var options: ProjectOptions

    @Flag(help: "Continue the run in output/checkpoints/last.safetensors with the same settings.")
    var resume = false

    @Option(help: ArgumentHelp("Cross-validate instead: K stratified folds of the non-test data, runs in output/folds/fold-N, mean ± std in output/cross_validation.json.", valueName: "K"))
    var folds: Int?

    @Flag(help: "With --folds: keep the fold models and list them in output/folds/ensemble.json (for predict/eval --ensemble).")
    var keepEnsemble = false

    func validate() throws {
        if let folds, folds < 2 { throw ValidationError("--folds needs at least 2 folds") }
        if folds != nil && resume { throw ValidationError("--resume continues a single run; it does not combine with --folds") }
        if keepEnsemble && folds == nil { throw ValidationError("--keep-ensemble keeps the models of --folds K; add --folds") }
    }

    func run() throws {
        try reportingProjectErrors {
            let progress = ProgressReporter()
            let (plugin, context) = try options.open(progress: progress)
            try train(plugin, context: context, progress: progress)
        }
    }

    func train(_ plugin: some TaskPlugin, context: TaskContext, progress: ProgressReporter) throws {
        let run = try FineTuningRun(plugin: plugin, context: context, progress: progress)
        if let folds {
            try crossValidate(run, folds: folds)
            return
        }
        let summary = try run.train(resume: resume)
        let best = summary.bestValue.map { String(format: "%.4f", $0) } ?? "-"
        print("trained \(summary.epochsCompleted) epoch(s)\(summary.stoppedEarly ? " (stopped early)" : ""); best \(run.settings.monitorMetric) \(best) at epoch \(summary.bestEpoch ?? 0)")
        print("model: \(run.files.bestCheckpoint.path)")
    }

    func crossValidate<Plugin: TaskPlugin>(_ run: FineTuningRun<Plugin>, folds: Int) throws {
        let result = try run.crossValidate(folds: folds, keepEnsemble: keepEnsemble)
        print("\(folds)-fold cross-validation (each fold scored on its held-out examples; mean and sample std over the folds)")
        print(result.table(), terminator: "")
        print("written: \(run.files.crossValidation.path)")
        if let manifest = result.ensembleManifest {
            print("ensemble: \(manifest.path) (use it: factory predict --ensemble \(manifest.path) ...)")
        }
    }
}
