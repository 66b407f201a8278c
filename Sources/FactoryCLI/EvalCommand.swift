// `factory eval`: the trained model's metrics on a split (test by default), printed as a table
// and written to output/eval.json. Not here: computing metrics (the plugin and FactoryKit).

import ArgumentParser
import FactoryKit
import Foundation

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "eval", abstract: "Evaluate the trained model on a split.")

    @OptionGroup var options: ProjectOptions

    @Option(help: ArgumentHelp("Use several trained models as one, averaging their outputs: an ensemble.json (from train --folds K --keep-ensemble or tune) or run folders (repeatable).", valueName: "path"))
    var ensemble: [String] = []

    @Option(help: "The split: test, validation or train.")
    var split = "test"

    @Flag(help: "Print eval.json instead of the table.")
    var json = false

    func run() throws {
        try reportingProjectErrors {
            let progress = ProgressReporter()
            let (plugin, context) = try options.open(progress: progress)
            try evaluate(plugin, context: context, progress: progress)
        }
    }

    func evaluate(_ plugin: some TaskPlugin, context: TaskContext, progress: ProgressReporter) throws {
        let run = try FineTuningRun(plugin: plugin, context: context, progress: progress)
        let evaluation = try ensemble.isEmpty
            ? run.evaluate(split: split)
            : run.evaluate(ensemble: Ensemble.resolve(ensemble, relativeTo: options.folder), split: split)
        if json {
            print(try String(contentsOf: run.files.evaluation, encoding: .utf8), terminator: "")
            return
        }
        print("\(split) split")
        print(formatTable([["metric", "value"]] + evaluation.metrics.sorted { $0.key < $1.key }.map { [$0.key, String(format: "%.4f", $0.value)] }))
        if !evaluation.report.isEmpty { print("\n" + evaluation.report) }
        print("written: \(run.files.evaluation.path)")
        if FileManager.default.fileExists(atPath: run.files.predictions.path) { print("written: \(run.files.predictions.path)") }
    }
}
