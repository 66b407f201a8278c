// TaskPlugin: the contract between a task plugin and the fine-tuning core — the whole plugin
// API. A plugin (built-in or third-party, in its own package) implements exactly this and
// imports only FactoryKit. The plugin supplies the task's data reading, model (backbone plus
// its new head), forward pass with loss, metrics, prediction answers and sample project;
// the core does everything else (splits, deduplication, batching order, freezing,
// layer-wise learning rates, optimisation, schedules, early stopping, checkpoints, resume,
// logs, reports). Not here: the core's implementation (Training/, Data/), the registry.

import Foundation

/// One example of a task, as the plugin reads it.
public protocol TaskExample: Sendable {
    /// The class index to stratify splits by (`nil`: not a labelled classification example).
    var stratum: Int? { get }
    /// The text that identifies duplicates (`nil`: never a duplicate). The core removes exact
    /// duplicates and duplicates after normalisation (case, spacing, punctuation).
    var deduplicationKey: String? { get }
    /// Everything the backbone's output for this example depends on, as text, for the
    /// feature cache's fingerprint. Default: `String(reflecting:)` of the example (all its
    /// stored properties); override when an example names a file whose content matters.
    var contentFingerprint: String { get }
}

/// A model a plugin builds: a module whose backbone blocks and head the core can find by key.
///
/// The core freezes and assigns learning rates by these prefixes: ``backboneBlockKeyPrefixes``
/// in input-to-output order (embeddings first, top layer last), ``headKeyPrefixes`` for
/// the new head (always trained, at the base learning rate), and ``fixedKeyPrefixes`` for
/// parameters that never train. Parameters under none of them train at the base rate.
public protocol FineTunableModel: Module {
    /// Key prefixes of the backbone's blocks, input side first (`backbone.embeddings`,
    /// `backbone.encoder.layer.0`, ...). Layer-wise decay gives the last one the highest rate.
    var backboneBlockKeyPrefixes: [String] { get }
    /// Key prefixes of the head the plugin added or replaced (`head`).
    var headKeyPrefixes: [String] { get }
    /// Key prefixes of parameters the model keeps but never trains, whatever the freezing
    /// policy: a pretrained classifier it does not run, or layers whose outputs a fitted
    /// structure depends on. The core keeps them frozen, leaves them out of the optimizer's
    /// groups and of the trainable count. Default: none.
    var fixedKeyPrefixes: [String] { get }
}

extension FineTunableModel {
    /// No fixed parameters.
    public var fixedKeyPrefixes: [String] { [] }

    /// Whether parameter `key` lies under one of ``fixedKeyPrefixes``.
    func isFixed(_ key: String) -> Bool {
        fixedKeyPrefixes.contains { ParameterGrouping.key(key, isUnder: $0) }
    }
}

/// What a plugin's data reading produced.
public struct TaskData<Example: TaskExample>: Sendable {
    /// Every example, in file order (the core splits them unless ``userSplits`` is set).
    public var examples: [Example]
    /// Class names by index, for classification tasks (empty otherwise).
    public var labelNames: [String]
    /// The user's own split, when the data came with one: indices into ``examples``.
    public var userSplits: DataSplits?

    /// Creates loaded data.
    public init(examples: [Example], labelNames: [String] = [], userSplits: DataSplits? = nil) {
        self.examples = examples
        self.labelNames = labelNames
        self.userSplits = userSplits
    }
}

/// What the core saves with a model so the plugin can rebuild it for eval and predict.
public struct TaskModelInfo: Sendable, Equatable, Codable {
    /// Class names by index (empty for tasks without classes).
    public var labelNames: [String]
    /// Examples per class in the training split (for class weights); empty without classes.
    public var trainingClassCounts: [Int]
    /// Anything else the plugin needs to rebuild the model (string values).
    public var properties: [String: String]

    /// Creates model information.
    public init(labelNames: [String] = [], trainingClassCounts: [Int] = [], properties: [String: String] = [:]) {
        self.labelNames = labelNames
        self.trainingClassCounts = trainingClassCounts
        self.properties = properties
    }
}

/// The result of running the model on a batch.
public struct TaskForward<Output: Sendable> {
    /// The mean loss over the batch (differentiable), or `nil` when the examples have no targets.
    public var loss: Tensor?
    /// One output per example (for metrics and predictions), not tracked by autodiff.
    public var outputs: [Output]

    /// Creates a forward result.
    public init(loss: Tensor?, outputs: [Output]) {
        self.loss = loss
        self.outputs = outputs
    }
}

/// The metrics of one split.
public struct TaskEvaluation: Sendable {
    /// Metric values by their shared snake_case names (`accuracy`, `macro_f1`, ...).
    public var metrics: [String: Double]
    /// A human-readable report (tables) printed by `factory eval`.
    public var report: String
    /// Extra JSON-able details written to eval.json (per-class tables, confusion matrix).
    public var details: [String: JSONValue]

    /// Creates an evaluation.
    public init(metrics: [String: Double], report: String = "", details: [String: JSONValue] = [:]) {
        self.metrics = metrics
        self.report = report
        self.details = details
    }
}

/// One answer of `factory predict`.
public struct TaskPrediction: Sendable {
    /// The input it answers (a file path or a line of text).
    public var input: String
    /// One line for a terminal ("positive (0.93)").
    public var summary: String
    /// The structured answer for `--json`.
    public var fields: [String: JSONValue]

    /// Creates an answer.
    public init(input: String, summary: String, fields: [String: JSONValue]) {
        self.input = input
        self.summary = summary
        self.fields = fields
    }
}

/// A task plugin: the task-specific half of fine-tuning.
public protocol TaskPlugin: Sendable {
    /// One example of the task.
    associatedtype Example: TaskExample
    /// What the model outputs for one example (class probabilities, a translation, ...).
    associatedtype Output: Sendable
    /// The model: a backbone with this task's head.
    associatedtype Model: FineTunableModel

    /// Catalog identity and metadata.
    var descriptor: TaskDescriptor { get }
    /// The task's own options (merged into `factory.yaml` with the core's).
    var configOptions: [ConfigOption] { get }
    /// The metric early stopping and "best" checkpoints watch by default, and its direction.
    var primaryMetric: (name: String, higherIsBetter: Bool) { get }

    /// Reads the project's data. Errors name the file and the record.
    func loadData(_ context: TaskContext) throws -> TaskData<Example>
    /// Builds the model for `info`: the pretrained backbone from the model store plus the
    /// task's new head. The core loads saved weights into it for eval and predict.
    func makeModel(_ context: TaskContext, info: TaskModelInfo) throws -> Model
    /// Runs the model on a batch (the plugin pads and masks, with the core's helpers) and,
    /// when the examples have targets, computes the mean loss.
    func forward(_ model: Model, examples: [Example], context: TaskContext) throws -> TaskForward<Output>
    /// The metrics of a whole split from its outputs.
    func evaluate(outputs: [Output], examples: [Example], info: TaskModelInfo, context: TaskContext) throws -> TaskEvaluation
    /// Turns `factory predict` inputs (file paths, or lines of text) into examples.
    func predictionExamples(from inputs: [String], context: TaskContext) throws -> [Example]
    /// The user-facing answer for one output.
    func prediction(for output: Output, input: String, info: TaskModelInfo) -> TaskPrediction
    /// One evaluated example for output/predictions.jsonl and `factory report` (input, true
    /// class, class probabilities), or `nil` when the task has none. Default: a classification
    /// record for `[Float]` probability outputs, else `nil` (see PredictionRecord.swift).
    func predictionRecord(for output: Output, example: Example, info: TaskModelInfo) -> PredictionRecord?
    /// Writes the sample data into a new project folder and returns the option values
    /// `factory.yaml` should start with (for example `data.path`).
    /// - Parameters:
    ///   - projectFolder: the new project's folder (exists, empty).
    ///   - sample: the task's sample folder (the catalog entry's `sample`, resolved).
    func writeSample(into projectFolder: URL, from sample: URL) throws -> [String: ConfigValue]
    /// The ensemble's output for each example: `outputs[m][i]` is model `m`'s output for
    /// example `i` (every model saw the same examples). Classification tasks average the
    /// class probabilities (``Classification/averageProbabilities(_:)``).
    /// - Returns: one output per example, or `nil` when the task cannot combine models (the
    ///   default), which `--ensemble` reports as an error.
    func average(_ outputs: [[Output]]) -> [Output]?

    // Optional parts, with defaults (TaskPlugin+Features.swift, TaskPlugin+Export.swift).

    /// The frozen backbone's output for a batch, one row per example (`[B, ...]`), that
    /// ``headForward(_:features:examples:context:)`` turns into the task's forward. The core
    /// caches it when nothing below the head trains. `nil` (the default): not cacheable.
    func features(_ model: Model, examples: [Example], context: TaskContext) throws -> Tensor?
    /// The forward pass from cached ``features(_:examples:context:)`` rows (`[B, ...]`): the
    /// head, the outputs and, when the examples have targets, the mean loss. Must equal
    /// ``forward(_:examples:context:)`` with the backbone in inference mode.
    func headForward(_ model: Model, features: Tensor, examples: [Example], context: TaskContext) throws -> TaskForward<Output>
    /// How `factory export` writes the model: tensor names, extra files (such as a Hugging
    /// Face config.json), and whether the folder can stand in for the backbone. Default:
    /// the model's own keys, no extra files.
    func exportLayout(_ model: Model, info: TaskModelInfo, context: TaskContext) throws -> ModelExportLayout
    /// Fits the model's state that is not learnt by gradients (a memory bank, statistics)
    /// before any gradient epoch; see TaskFitting.swift. The default fits nothing (`nil`).
    func fit(_ model: Model, training: [Example], validation: [Example], info: TaskModelInfo, context: TaskContext) throws -> TaskFit?
    /// Sets decision state (a threshold) from the validation outputs once training is done;
    /// returns whether the model changed. The default changes nothing.
    func calibrate(_ model: Model, validationOutputs: [Output], validation: [Example], info: TaskModelInfo, context: TaskContext) throws -> Bool
    /// Whether ``calibrate(_:validationOutputs:validation:info:context:)`` must also run after
    /// gradient epochs (on the best checkpoint). Default `false`: no extra validation pass.
    var calibratesAfterTraining: Bool { get }
}

extension TaskPlugin {
    /// By default, the validation loss (lower is better).
    public var primaryMetric: (name: String, higherIsBetter: Bool) { ("loss", false) }
    /// By default, a task cannot average several models' outputs.
    public func average(_ outputs: [[Output]]) -> [Output]? { nil }
}
