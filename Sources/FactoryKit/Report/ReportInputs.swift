// ReportInputs: everything `factory report` draws, gathered from a project's run files —
// eval.json (metrics, per-class table, confusion matrix, gallery), predictions.jsonl,
// metrics.jsonl, splits.json, tune/trials.json — and from the project (task, configuration,
// the checkpoint's run state). Each part is optional: the report leaves out what is missing,
// with a note. Tests build it by hand. Not here: drawing (RunReport).

import Foundation

/// The data of one report.
public struct ReportInputs: Sendable {
    /// The task.
    public var task: TaskDescriptor
    /// The project folder's name (the report's subtitle) and folder (to resolve image paths).
    public var projectName: String
    public var projectFolder: URL?
    /// The configuration values, by key (for the model card).
    public var configuration: [String: ConfigValue]
    /// Class names by index.
    public var labelNames: [String]
    /// Training examples per class.
    public var trainingClassCounts: [Int]
    /// Examples per split (train, validation, test), when known.
    public var splitSizes: (train: Int, validation: Int, test: Int)?
    /// Epochs trained and the best one.
    public var epochsCompleted: Int?
    public var bestEpoch: Int?
    /// Optimizer steps the run took: 0 for a task fitted without gradients (no optimizer,
    /// learning rate or epochs applied), `nil` when unknown.
    public var optimizerSteps: Int?
    /// The evaluated split, its size, and the checkpoint used.
    public var evaluatedSplit: String
    public var evaluatedExamples: Int?
    public var checkpoint: String?
    /// Metrics of the evaluated split (eval.json), by name.
    public var metrics: [String: Double]
    /// The task's primary metric and the monitored one.
    public var primaryMetric: String
    public var monitoredMetric: String
    /// Per-class rows of eval.json (`class`, `precision`, `recall`, `f1`, `support`).
    public var perClass: [ClassificationReport.ClassRow]
    /// The confusion matrix of eval.json (`counts[true][predicted]`).
    public var confusionCounts: [[Int]]?
    /// eval.json's gallery entries.
    public var gallery: [JSONValue]
    /// Notes of the evaluation (metrics left out, and why).
    public var evaluationNotes: [String]
    /// The per-example predictions, when the task wrote them.
    public var predictions: [PredictionRecord]?
    /// The learning curves.
    public var epochs: [EpochRecord]
    /// The hyperparameter search, when there was one.
    public var trials: TuningTrials?
    /// When the report was made.
    public var date: Date

    /// Inputs with nothing but the task (tests fill in the rest).
    public init(task: TaskDescriptor, projectName: String = "project") {
        self.task = task
        self.projectName = projectName
        configuration = [:]
        labelNames = []
        trainingClassCounts = []
        evaluatedSplit = "test"
        metrics = [:]
        primaryMetric = "loss"
        monitoredMetric = "loss"
        perClass = []
        gallery = []
        evaluationNotes = []
        epochs = []
        date = Date()
    }

    /// Reads the inputs of a project's run from its files.
    /// - Parameters:
    ///   - files: the run's output files.
    ///   - context: the project.
    ///   - plugin: the task.
    ///   - state: the run state of the evaluated checkpoint.
    /// - Throws: when eval.json is missing or unreadable, or another present file is malformed.
    public static func load(files: RunFiles, context: TaskContext, plugin: any TaskPlugin, state: RunState?) throws -> ReportInputs {
        var inputs = ReportInputs(task: plugin.descriptor, projectName: context.projectFolder.lastPathComponent)
        inputs.projectFolder = context.projectFolder
        inputs.configuration = state?.configuration.values ?? context.config.values
        inputs.primaryMetric = plugin.primaryMetric.name
        inputs.monitoredMetric = context.config.string("early_stopping.metric")
        if let state {
            inputs.labelNames = state.modelInfo.labelNames
            inputs.trainingClassCounts = state.modelInfo.trainingClassCounts
            inputs.epochsCompleted = state.epochsCompleted
            inputs.bestEpoch = state.bestEpoch
            inputs.optimizerSteps = state.optimizerSteps
        }
        guard let evalData = FileManager.default.contents(atPath: files.evaluation.path) else {
            throw TrainingError("\(files.evaluation.path): no evaluation yet; run `factory eval` first")
        }
        let evaluation: JSONValue
        do { evaluation = try JSONParser.parse([UInt8](evalData)) } catch {
            throw TrainingError("\(files.evaluation.path): not valid JSON (\(error)); run `factory eval` again")
        }
        inputs.evaluatedSplit = evaluation["split"]?.stringValue ?? "test"
        inputs.evaluatedExamples = evaluation["examples"]?.integerValue
        inputs.checkpoint = evaluation["checkpoint"]?.stringValue
        for member in evaluation["metrics"]?.objectValue?.members ?? [] {
            if let value = member.value.doubleValue { inputs.metrics[member.key] = value }
        }
        inputs.perClass = (evaluation["per_class"]?.arrayValue ?? []).compactMap { row in
            guard let name = row["class"]?.stringValue else { return nil }
            return ClassificationReport.ClassRow(name: name, precision: row["precision"]?.doubleValue ?? .nan, recall: row["recall"]?.doubleValue ?? .nan,
                                                 f1: row["f1"]?.doubleValue ?? .nan, support: row["support"]?.integerValue ?? 0)
        }
        if let matrix = evaluation["confusion_matrix"], let rows = matrix["counts"]?.arrayValue {
            let counts = rows.map { ($0.arrayValue ?? []).map { $0.integerValue ?? 0 } }
            if counts.allSatisfy({ $0.count == counts.count }) && !counts.isEmpty { inputs.confusionCounts = counts }
            if let names = matrix["labels"]?.arrayValue?.compactMap(\.stringValue), names.count == counts.count { inputs.labelNames = names }
        }
        inputs.gallery = evaluation["gallery"]?.arrayValue ?? []
        inputs.evaluationNotes = (evaluation["notes"]?.arrayValue ?? []).compactMap(\.stringValue)
        if FileManager.default.fileExists(atPath: files.predictions.path) {
            inputs.predictions = try PredictionsFile.read(files.predictions)
        }
        inputs.epochs = try MetricsLog.read(files.metricsLog)
        if FileManager.default.fileExists(atPath: files.tuningTrials.path) {
            inputs.trials = try TuningTrials.read(files.tuningTrials)
        }
        if let data = FileManager.default.contents(atPath: files.splits.path), let splits = try? JSONDecoder().decode(DataSplits.self, from: data) {
            inputs.splitSizes = (splits.train.count, splits.validation.count, splits.test.count)
        }
        return inputs
    }
}
