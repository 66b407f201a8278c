// SentimentPlugin: the sentiment-analysis task — labelled texts (CSV, TSV, JSONL) in, a
// fine-tuned MiniLM classifier out, evaluated with accuracy, macro-F1, a per-class report
// and a confusion matrix; predictions give the label and every class's probability. It uses
// only FactoryKit, as a third-party plugin would. Not here: the training loop (the core).

import FactoryKit
import Foundation

/// The built-in sentiment task.
public struct SentimentPlugin: TaskPlugin {
    public init() {}

    public var descriptor: TaskDescriptor {
        TaskDescriptor(
            id: "sentiment", name: "Sentiment analysis",
            summary: "Classify short texts (reviews, comments, messages) as negative, neutral or positive, or any labels of your own",
            version: "1.0.0", type: "Sentiment.SentimentPlugin", inputFormats: ["csv", "tsv", "jsonl"],
            outputs: ["label", "probabilities"], backbones: ["minilm-l6"],
            metrics: ["accuracy", "macro_f1", "weighted_f1", "macro_precision", "macro_recall", "log_loss", "ece"],
            sample: "Samples/sentiment", tags: ["text", "nlp", "classification", "reviews", "sentiment", "opinion", "bert", "minilm"])
    }

    public var primaryMetric: (name: String, higherIsBetter: Bool) { ("macro_f1", true) }

    public var configOptions: [ConfigOption] {
        [
            ConfigOption("data.path", .string, default: .string("data/reviews.csv"), summary: "the labelled texts (relative to the project folder)"),
            ConfigOption("data.format", .choice(["auto", "csv", "tsv", "jsonl"]), default: .string("auto"), summary: "file format (auto: from the file extension)"),
            ConfigOption("data.text_column", .string, default: .string("text"), summary: "column (or JSON key) holding the text"),
            ConfigOption("data.label_column", .string, default: .string("label"), summary: "column (or JSON key) holding the label"),
            ConfigOption("data.labels", .strings, default: .strings([]), summary: "the label set in order (empty: every label found in the data, sorted)"),
            ConfigOption("data.train_path", .optional(.string), default: .null, summary: "your own training file (then validation_path and test_path too; data.path is ignored)"),
            ConfigOption("data.validation_path", .optional(.string), default: .null, summary: "your own validation file"),
            ConfigOption("data.test_path", .optional(.string), default: .null, summary: "your own test file"),
            ConfigOption("model.pooling", .choice(["cls", "mean"]), default: .string("mean"),
                         summary: "text vector for the head: the mean of the tokens (how MiniLM was trained), or the [CLS] token"),
            ConfigOption("model.max_length", .integer(8...512), default: .integer(128), summary: "longest text in tokens; longer ones are truncated"),
            // Core options with defaults tuned on the sample (test accuracy 0.88 with seed 42).
            ConfigOption("train.epochs", .integer(1...10_000), default: .integer(5), summary: "passes over the training split"),
            ConfigOption("train.learning_rate", .number(0...10), default: .number(1e-4), summary: "peak learning rate of the head and the top block"),
            ConfigOption("train.layer_decay", .number(0.01...1), default: .number(0.85),
                         summary: "layer-wise learning-rate decay: each block below the top gets this factor more (1 = the same rate everywhere)"),
            ConfigOption("train.class_weights", .choice(["none", "balanced"]), default: .string("none"),
                         summary: "weight the loss by class (balanced: rare classes count more, for imbalanced data)"),
        ]
    }

    public func loadData(_ context: TaskContext) throws -> TaskData<SentimentExample> {
        try SentimentData.load(context)
    }

    public func makeModel(_ context: TaskContext, info: TaskModelInfo) throws -> SentimentModel {
        let folder = try context.backboneFolder(context.config.string("model.backbone"))
        let backbone = try BertModel.load(folder: folder)
        var tokenizer = try Tokenizer.load(contentsOf: folder.appendingPathComponent("tokenizer.json"))
        let padID = tokenizer.padding?.padID ?? 0
        tokenizer.padding = nil
        tokenizer.truncation = nil
        let head = ClassificationHead(features: backbone.configuration.hiddenSize, classes: info.labelNames.count,
                                      dropout: Float(context.config.number("model.head_dropout")),
                                      seed: UInt64(context.config.integer("seed")))
        let pooling: SentencePooling = context.config.string("model.pooling") == "mean" ? .maskedMean : .firstToken
        let model = SentimentModel(backbone: backbone, head: head, pooling: pooling, tokenizer: tokenizer,
                                   padID: padID, maximumLength: context.config.integer("model.max_length"))
        if context.config.string("train.class_weights") == "balanced", info.trainingClassCounts.count == info.labelNames.count {
            model.classWeights = Tensor(Classification.balancedWeights(classCounts: info.trainingClassCounts))
        }
        return model
    }

    public func forward(_ model: SentimentModel, examples: [SentimentExample], context: TaskContext) throws -> TaskForward<[Float]> {
        var tokenIDs: [[Int]] = []
        for (position, example) in examples.enumerated() {
            let encoding = try model.tokenizer.encode(example.text)
            // Training batches only: token dropout (augmentation.text.token_dropout), never [CLS]/[SEP].
            tokenIDs.append(context.augmentation?.augmentTokens(encoding.ids, exampleIndex: position,
                                                                isProtected: encoding.specialTokensMask.map { $0 != 0 }) ?? encoding.ids)
        }
        return try headForward(model, features: model.sentenceVectors(tokenIDs: tokenIDs), examples: examples, context: context)
    }

    /// The pooled sentence vectors: the head's input, cacheable when the backbone is frozen.
    public func features(_ model: SentimentModel, examples: [SentimentExample], context: TaskContext) throws -> Tensor? {
        try model.sentenceVectors(examples.map(\.text))
    }

    public func headForward(_ model: SentimentModel, features: Tensor, examples: [SentimentExample], context: TaskContext) throws -> TaskForward<[Float]> {
        let logits = model.head(features)
        let outputs = Classification.probabilities(logits)
        let labels = examples.compactMap(\.label)
        guard labels.count == examples.count else { return TaskForward(loss: nil, outputs: outputs) }
        return TaskForward(loss: Tensor.crossEntropy(logits: logits, targets: labels, classWeights: model.classWeights), outputs: outputs)
    }

    /// Hugging Face's layout for a BERT sequence classifier (SentimentExport.swift).
    public func exportLayout(_ model: SentimentModel, info: TaskModelInfo, context: TaskContext) throws -> ModelExportLayout {
        try SentimentExport.layout(model, info: info, context: context)
    }

    public func evaluate(outputs: [[Float]], examples: [SentimentExample], info: TaskModelInfo, context: TaskContext) throws -> TaskEvaluation {
        try ClassificationEvaluation.evaluate(probabilities: outputs, labels: examples.compactMap(\.label), labelNames: info.labelNames)
    }

    public func predictionExamples(from inputs: [String], context: TaskContext) throws -> [SentimentExample] {
        try inputs.enumerated().map { index, text in
            guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw SentimentDataError("input \(index + 1) is empty; give a text to classify")
            }
            return SentimentExample(text: text, label: nil, source: "input \(index + 1)")
        }
    }

    public func prediction(for output: [Float], input: String, info: TaskModelInfo) -> TaskPrediction {
        ClassificationEvaluation.prediction(probabilities: output, input: input, labelNames: info.labelNames)
    }

    public func average(_ outputs: [[[Float]]]) -> [[Float]]? {
        Classification.averageProbabilities(outputs)
    }

    public func predictionRecord(for output: [Float], example: SentimentExample, info: TaskModelInfo) -> PredictionRecord? {
        .classification(probabilities: output, label: example.label, input: .text(example.text))
    }

    public func writeSample(into projectFolder: URL, from sample: URL) throws -> [String: ConfigValue] {
        let data = projectFolder.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: sample.appendingPathComponent("reviews.csv"), to: data.appendingPathComponent("reviews.csv"))
        return ["data.path": .string("data/reviews.csv")]
    }
}
