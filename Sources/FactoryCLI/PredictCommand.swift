// `factory predict`: answers for inputs given as arguments, or one per line on stdin, with
// the trained model; `--json` prints one JSON object per input. Not here: what an answer is
// (the plugin).

import ArgumentParser
import FactoryKit
import Foundation

struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict", abstract: "Predict with the trained model.",
        discussion: "Inputs are texts or file paths, depending on the task; with none, each line of stdin is one input. With --model DIR, an exported model (`factory export`) answers, and no project is needed.")

    @OptionGroup var options: ProjectOptions

    @Option(help: ArgumentHelp("Use several trained models as one, averaging their outputs: an ensemble.json (from train --folds K --keep-ensemble or tune) or run folders (repeatable).", valueName: "path"))
    var ensemble: [String] = []

    @Option(name: .long, help: "An exported model folder (`factory export`) to predict with instead of a project's trained model.")
    var model: String?

    @Flag(help: "One JSON object per input.")
    var json = false

    @Argument(help: "The inputs (texts or files).")
    var inputs: [String] = []

    func run() throws {
        // An external task's executable reads stdin itself: hand over before reading it.
        try reportingProjectErrors { try ExternalPlugin.forwardProjectCommandIfExternal(folder: options.folder) }
        var all = inputs
        if all.isEmpty {
            while let line = readLine() {
                if !line.trimmingCharacters(in: .whitespaces).isEmpty { all.append(line) }
            }
        }
        guard !all.isEmpty else { throw ValidationError("give inputs as arguments or one per line on stdin") }
        try reportingProjectErrors {
            let progress = ProgressReporter()
            if let model {
                let folder = URL(fileURLWithPath: (model as NSString).expandingTildeInPath).standardizedFileURL
                let manifest = try ModelExport.readManifest(folder)
                try predictExported(try BuiltInPlugins.registry().plugin(manifest.task), folder: folder, inputs: all, progress: progress)
                return
            }
            let (plugin, context) = try options.open(progress: progress)
            try predict(plugin, context: context, inputs: all, progress: progress)
        }
    }

    func predict(_ plugin: some TaskPlugin, context: TaskContext, inputs: [String], progress: ProgressReporter) throws {
        let run = try FineTuningRun(plugin: plugin, context: context, progress: progress)
        printAnswers(try ensemble.isEmpty
            ? run.predict(inputs)
            : run.predict(inputs, ensemble: Ensemble.resolve(ensemble, relativeTo: options.folder)))
    }

    func predictExported(_ plugin: some TaskPlugin, folder: URL, inputs: [String], progress: ProgressReporter) throws {
        let loaded = try ModelExport.loadModel(plugin: plugin, folder: folder, modelStore: try ModelStore.standard()) { progress.log($0) }
        let run = try FineTuningRun(plugin: plugin, context: loaded.context, progress: progress)
        printAnswers(try run.predict(inputs, model: loaded.model, info: loaded.info))
    }

    func printAnswers(_ predictions: [TaskPrediction]) {
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
