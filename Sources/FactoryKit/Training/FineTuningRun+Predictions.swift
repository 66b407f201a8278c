// FineTuningRun+Predictions: evaluating a split and writing its per-example predictions
// (output/predictions.jsonl, atomically) from the plugin's `predictionRecord`. A task that
// gives no records leaves no file (a stale one is removed). Not here: eval.json (evaluate).

import Foundation

extension FineTuningRun {
    /// The evaluation of `examples`, with their predictions written to predictions.jsonl.
    func evaluateWritingPredictions(model: Plugin.Model, examples: [Plugin.Example], info: TaskModelInfo) throws -> TaskEvaluation {
        let (outputs, loss) = try outputs(model: model, examples: examples)
        var evaluation = try plugin.evaluate(outputs: outputs, examples: examples, info: info, context: context)
        if let loss { evaluation.metrics["loss"] = loss }
        let records = zip(outputs, examples).compactMap { plugin.predictionRecord(for: $0, example: $1, info: info) }
        try FileManager.default.createDirectory(at: files.folder, withIntermediateDirectories: true)
        if records.count == examples.count {
            try PredictionsFile.write(records, labelNames: info.labelNames, to: files.predictions)
        } else if FileManager.default.fileExists(atPath: files.predictions.path) {
            try FileManager.default.removeItem(at: files.predictions)
        }
        return evaluation
    }
}
