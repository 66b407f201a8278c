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

    func run() throws {
        try reportingProjectErrors {
            let progress = ProgressReporter()
            let (plugin, context) = try options.open(progress: progress)
            try train(plugin, context: context, progress: progress)
        }
    }

    func train(_ plugin: some TaskPlugin, context: TaskContext, progress: ProgressReporter) throws {
        let run = try FineTuningRun(plugin: plugin, context: context, progress: progress)
        let summary = try run.train(resume: resume)
        let best = summary.bestValue.map { String(format: "%.4f", $0) } ?? "-"
        print("trained \(summary.epochsCompleted) epoch(s)\(summary.stoppedEarly ? " (stopped early)" : ""); best \(run.settings.monitorMetric) \(best) at epoch \(summary.bestEpoch ?? 0)")
        print("model: \(run.files.bestCheckpoint.path)")
    }
}
