// FineTuningRun+Report: `factory report` in the core — evaluates the split first when its
// eval.json and predictions.jsonl are missing, for another split, or older than the trained
// checkpoint; then gathers the run's files and writes output/report.html atomically. Not
// here: the report's content (Report/).

import Foundation

extension FineTuningRun {
    /// Whether `split` must be evaluated before a report: no eval.json or predictions.jsonl
    /// for it, or they predate the checkpoint.
    public func reportNeedsEvaluation(split: String) -> Bool {
        let checkpoint = FileManager.default.fileExists(atPath: files.bestCheckpoint.path) ? files.bestCheckpoint : files.lastCheckpoint
        func modified(_ url: URL) -> Date? {
            (try? FileManager.default.attributesOfItem(atPath: url.path))?[.modificationDate] as? Date
        }
        guard let evaluated = modified(files.evaluation), let predicted = modified(files.predictions) else { return true }
        if let trained = modified(checkpoint), evaluated < trained || predicted < trained { return true }
        guard let data = FileManager.default.contents(atPath: files.evaluation.path),
              let document = try? JSONParser.parse([UInt8](data)) else { return true }
        return document["split"]?.stringValue != split
    }

    /// Writes `output/report.html` for `split`, evaluating it first when needed.
    /// - Parameters:
    ///   - split: `test` (default), `validation` or `train`.
    ///   - date: the date the report shows.
    /// - Returns: the report file.
    /// - Throws: ``TrainingError`` when there is no trained model yet (run `factory train`).
    @discardableResult
    public func writeReport(split: String = "test", date: Date = Date()) throws -> URL {
        let checkpoint = FileManager.default.fileExists(atPath: files.bestCheckpoint.path) ? files.bestCheckpoint : files.lastCheckpoint
        guard FileManager.default.fileExists(atPath: checkpoint.path) else {
            throw TrainingError("\(files.folder.path): no trained model yet; run `factory train` first, then `factory report`")
        }
        if reportNeedsEvaluation(split: split) {
            progress.log("evaluating the \(split) split first (as `factory eval --split \(split)` does)")
            _ = try evaluate(split: split)
        }
        var inputs = try ReportInputs.load(files: files, context: context, plugin: plugin, state: try RunCheckpoint.readState(checkpoint))
        inputs.date = date
        try AtomicFile.write(Data(RunReport.html(inputs).utf8), to: files.report)
        return files.report
    }
}
