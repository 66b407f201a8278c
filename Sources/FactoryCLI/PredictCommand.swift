// `factory predict`: answers for inputs given as arguments, or one per line on stdin, with
// the trained model; `--json` prints one JSON object per input. Not here: what an answer is
// (the plugin).

import ArgumentParser
import FactoryKit
import Foundation

struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict", abstract: "Predict with the trained model.",
        discussion: "Inputs are texts or file paths, depending on the task; with none, each line of stdin is one input.")

    @OptionGroup var options: ProjectOptions

    @Option(help: ArgumentHelp("Use several trained models as one, averaging their outputs: an ensemble.json (from train --folds K --keep-ensemble or tune) or run folders (repeatable).", valueName: "path"))
    var ensemble: [String] = []

    @Flag(help: "One JSON object per input.")
    var json = false

    @Argument(help: "The inputs (texts or files).")
    var inputs: [String] = []

    func run() throws {
        var all = inputs
        if all.isEmpty {
            while let line = readLine() {
                if !line.trimmingCharacters(in: .whitespaces).isEmpty { all.append(line) }
            }
        }
        guard !all.isEmpty else { throw ValidationError("give inputs as arguments or one per line on stdin") }
        try reportingProjectErrors {
            let progress = ProgressReporter()
            let (plugin, context) = try options.open(progress: progress)
            try predict(plugin, context: context, inputs: all, progress: progress)
        }
    }

    func predict(_ plugin: some TaskPlugin, context: TaskContext, inputs: [String], progress: ProgressReporter) throws {
        let run = try FineTuningRun(plugin: plugin, context: context, progress: progress)
        let predictions = try ensemble.isEmpty
            ? run.predict(inputs)
            : run.predict(inputs, ensemble: Ensemble.resolve(ensemble, relativeTo: options.folder))
        for prediction in predictions {
            if json {
                var fields = prediction.fields
                fields["input"] = .string(prediction.input)
                print(JSONValue.object(JSONObject(members: fields.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) })).serialized())
            } else {
                print("\(prediction.summary)\t\(prediction.input)")
            }
        }
    }
}
