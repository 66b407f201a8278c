// PluginScaffold+Plugin: the templates of a new plugin's code — a keyword-based text
// classifier that fills in every TaskPlugin requirement: catalog identity and options, data
// reading (CSV/TSV with file:line errors), the model (hashed keyword features, a hidden
// layer, a ClassificationHead), loss, metrics, predictions and the sample project. Small
// enough to read in one sitting and to train in seconds; real enough to replace piece by piece.
// Not here: the package frame (PluginScaffold+Package), the test (PluginScaffold+Tests).

extension PluginScaffold {
    var pluginSource: String {
        fill(#"""
        // {{TYPE}}: the {{ID}} task — short texts in, one of a few labels out, learned from their
        // keywords with a small model trained from scratch (no pretrained backbone to download).
        // It implements FactoryKit's TaskPlugin exactly as factory's built-in plugins do; the
        // fine-tuning core does the rest (splits, batching, optimisation, checkpoints, reports).

        import FactoryKit
        import Foundation

        /// Keyword-based text classification.
        public struct {{TYPE}}: TaskPlugin {
            public init() {}

            /// Catalog identity: must equal this package's catalog.json entry (the test checks it).
            public var descriptor: TaskDescriptor {
                TaskDescriptor(
                    id: "{{ID}}", name: "{{TITLE}}",
                    summary: "Classify short texts by their keywords with a small bag-of-words model trained from scratch",
                    version: "0.1.0", type: "{{MODULE}}.{{TYPE}}", inputFormats: ["csv", "tsv"],
                    outputs: ["label", "probabilities"], backbones: ["bag-of-words"],
                    metrics: ["accuracy", "macro_f1", "weighted_f1", "macro_precision", "macro_recall", "log_loss", "ece"],
                    sample: "Samples/{{ID}}", tags: ["text", "keywords", "classification", "example"])
            }

            /// Early stopping and the best checkpoint watch the validation loss: on a small
            /// validation split macro-F1 reaches 1.0 within two epochs and would keep an
            /// under-trained, under-confident checkpoint.
            public var primaryMetric: (name: String, higherIsBetter: Bool) { ("loss", false) }

            /// The task's options in factory.yaml; the core's options come on top. An option with
            /// a core key (train.*) changes that option's default for this task.
            public var configOptions: [ConfigOption] {
                [
                    ConfigOption("data.path", .string, default: .string("data/tickets.csv"), summary: "the labelled texts, CSV or TSV (relative to the project folder)"),
                    ConfigOption("data.text_column", .string, default: .string("text"), summary: "column holding the text"),
                    ConfigOption("data.label_column", .string, default: .string("label"), summary: "column holding the label"),
                    ConfigOption("model.buckets", .integer(16...1 << 20), default: .integer(4096),
                                 summary: "hashed keyword features (words and word pairs share this many buckets)"),
                    ConfigOption("model.hidden", .integer(1...4096), default: .integer(32), summary: "units of the hidden layer"),
                    ConfigOption("model.word_pairs", .boolean, default: .boolean(true), summary: "also use pairs of neighbouring words as keywords"),
                    // A small model trained from scratch wants a larger rate and more epochs than fine-tuning.
                    ConfigOption("train.epochs", .integer(1...10_000), default: .integer(25), summary: "passes over the training split"),
                    ConfigOption("train.batch_size", .integer(1...4096), default: .integer(8), summary: "examples per batch"),
                    ConfigOption("train.learning_rate", .number(0...10), default: .number(0.01), summary: "peak learning rate"),
                    ConfigOption("early_stopping.patience", .integer(0...10_000), default: .integer(8),
                                 summary: "stop after this many epochs without improvement (0 = never stop early)"),
                ]
            }

            // MARK: data

            public func loadData(_ context: TaskContext) throws -> TaskData<{{MODULE}}Example> {
                try {{MODULE}}Data.load(context)
            }

            public func writeSample(into projectFolder: URL, from sample: URL) throws -> [String: ConfigValue] {
                let data = projectFolder.appendingPathComponent("data")
                try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
                try FileManager.default.copyItem(at: sample.appendingPathComponent("tickets.csv"), to: data.appendingPathComponent("tickets.csv"))
                return ["data.path": .string("data/tickets.csv")]
            }

            // MARK: head

            public func makeModel(_ context: TaskContext, info: TaskModelInfo) throws -> {{MODULE}}Model {
                let config = context.config
                let backbone = config.string("model.backbone")
                guard backbone == "bag-of-words" else {
                    throw {{MODULE}}DataError("\(config.file?.path ?? "factory.yaml"): model.backbone is \"\(backbone)\"; this task trains its own bag-of-words model, so use bag-of-words")
                }
                return {{MODULE}}Model(
                    features: KeywordFeatures(buckets: config.integer("model.buckets"), wordPairs: config.boolean("model.word_pairs")),
                    hidden: config.integer("model.hidden"), classes: info.labelNames.count,
                    dropout: Float(config.number("model.head_dropout")), seed: UInt64(config.integer("seed")))
            }

            // MARK: loss and metrics

            public func forward(_ model: {{MODULE}}Model, examples: [{{MODULE}}Example], context: TaskContext) throws -> TaskForward<[Float]> {
                let logits = model.logits(examples.map(\.text))
                let outputs = Classification.probabilities(logits)
                let labels = examples.compactMap(\.label)
                guard labels.count == examples.count else { return TaskForward(loss: nil, outputs: outputs) }
                return TaskForward(loss: Tensor.crossEntropy(logits: logits, targets: labels), outputs: outputs)
            }

            public func evaluate(outputs: [[Float]], examples: [{{MODULE}}Example], info: TaskModelInfo, context: TaskContext) throws -> TaskEvaluation {
                try ClassificationEvaluation.evaluate(probabilities: outputs, labels: examples.compactMap(\.label), labelNames: info.labelNames)
            }

            // MARK: predict

            public func predictionExamples(from inputs: [String], context: TaskContext) throws -> [{{MODULE}}Example] {
                try inputs.enumerated().map { index, text in
                    guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                        throw {{MODULE}}DataError("input \(index + 1) is empty; give a text to classify")
                    }
                    return {{MODULE}}Example(text: text, label: nil, source: "input \(index + 1)")
                }
            }

            public func prediction(for output: [Float], input: String, info: TaskModelInfo) -> TaskPrediction {
                ClassificationEvaluation.prediction(probabilities: output, input: input, labelNames: info.labelNames)
            }
        }

        """#)
    }

    var dataSource: String {
        fill(#"""
        // {{MODULE}}Data: the examples of {{ID}} — a text and its label — read from a CSV or TSV
        // file with configurable columns; the label set is every label in the data, sorted.
        // Every bad record is an error naming the file and line. Not here: features (the model).

        import FactoryKit
        import Foundation

        /// A problem with the {{ID}} data or settings.
        public struct {{MODULE}}DataError: Error, CustomStringConvertible, Equatable {
            public let message: String
            public init(_ message: String) { self.message = message }
            public var description: String { message }
        }

        /// One text to classify.
        public struct {{MODULE}}Example: TaskExample, Equatable {
            /// The text.
            public var text: String
            /// The class index, or `nil` for prediction inputs.
            public var label: Int?
            /// `file:line` of the record, for messages.
            public var source: String

            public init(text: String, label: Int?, source: String) {
                self.text = text
                self.label = label
                self.source = source
            }

            /// Splits are stratified by label.
            public var stratum: Int? { label }
            /// Repeated texts are removed before splitting.
            public var deduplicationKey: String? { text }
        }

        enum {{MODULE}}Data {
            static func load(_ context: TaskContext) throws -> TaskData<{{MODULE}}Example> {
                let config = context.config
                let url = context.resolve(config.string("data.path"))
                guard FileManager.default.fileExists(atPath: url.path) else {
                    throw {{MODULE}}DataError("\(url.path): no such file; set data.path in factory.yaml to your CSV or TSV file")
                }
                let format: DelimitedTextFormat = url.pathExtension.lowercased() == "tsv" ? .tsv : .csv
                let (columns, records) = try DelimitedTextReader.readAll(url: url, format: format)
                let textIndex = try columns.index(of: config.string("data.text_column"))
                let labelIndex = try columns.index(of: config.string("data.label_column"))
                var rows: [(text: String, label: String, source: String)] = []
                for record in records {
                    let source = "\(url.lastPathComponent):\(record.line)"
                    let text = record[textIndex], label = record[labelIndex].trimmingCharacters(in: .whitespaces)
                    guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                        throw {{MODULE}}DataError("\(source): the text is empty; remove the record or fill it in (file \(url.path))")
                    }
                    guard !label.isEmpty else {
                        throw {{MODULE}}DataError("\(source): the label is empty; give every record a label (file \(url.path))")
                    }
                    rows.append((text, label, source))
                }
                guard !rows.isEmpty else { throw {{MODULE}}DataError("\(url.path): the file has no records; add labelled texts") }
                let labelNames = Array(Set(rows.map(\.label))).sorted()
                guard labelNames.count >= 2 else {
                    throw {{MODULE}}DataError("\(url.path): the data has one label (\(labelNames[0])); a classifier needs at least two")
                }
                let index = Dictionary(uniqueKeysWithValues: labelNames.enumerated().map { ($1, $0) })
                return TaskData(examples: rows.map { {{MODULE}}Example(text: $0.text, label: index[$0.label], source: $0.source) }, labelNames: labelNames)
            }
        }

        """#)
    }

    var modelSource: String {
        fill(#"""
        // {{MODULE}}Model: keyword features and the model on top of them. A text's keywords (its
        // lower-cased words, and pairs of neighbouring words) are hashed into a fixed number of
        // buckets (FNV-1a, the same on every machine and run); a hidden layer with ReLU plays
        // the "backbone" and FactoryKit's ClassificationHead gives one logit per label.
        // Keys: `backbone.keywords.*` and `head.*`. Not here: training (the core).

        import FactoryKit
        import Foundation

        /// Hashed keyword features of texts.
        public struct KeywordFeatures: Sendable, Equatable {
            /// How many buckets the keywords are hashed into.
            public var buckets: Int
            /// Whether pairs of neighbouring words count as keywords too.
            public var wordPairs: Bool

            public init(buckets: Int, wordPairs: Bool) {
                self.buckets = buckets
                self.wordPairs = wordPairs
            }

            /// The lower-cased words of `text` (letters and digits; everything else separates).
            public static func words(_ text: String) -> [String] {
                text.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init)
            }

            /// The buckets of `text`'s keywords, each once, sorted.
            public func buckets(of text: String) -> [Int] {
                let words = Self.words(text)
                var keywords = words
                if wordPairs && words.count > 1 { keywords += zip(words, words.dropFirst()).map { "\($0) \($1)" } }
                return Set(keywords.map { Int(Self.fnv1a($0) % UInt64(buckets)) }).sorted()
            }

            /// `[B, buckets]` features: 1 where a keyword falls, scaled so each row has unit length.
            public func matrix(_ texts: [String]) -> Tensor {
                var values = [Float](repeating: 0, count: texts.count * buckets)
                for (row, text) in texts.enumerated() {
                    let hits = buckets(of: text)
                    let weight = hits.isEmpty ? 0 : 1 / Float(hits.count).squareRoot()
                    for bucket in hits { values[row * buckets + bucket] = weight }
                }
                return Tensor(values, shape: [texts.count, buckets])
            }

            /// The 64-bit FNV-1a hash of `text`'s UTF-8 bytes.
            static func fnv1a(_ text: String) -> UInt64 {
                var hash: UInt64 = 0xcbf2_9ce4_8422_2325
                for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
                return hash
            }
        }

        /// Keyword features, a hidden layer and a classification head.
        public final class {{MODULE}}Model: Module, FineTunableModel {
            /// How texts become features.
            public let features: KeywordFeatures
            /// Features to hidden units.
            public let keywords: Linear
            /// Hidden units to logits.
            public let head: ClassificationHead

            /// Creates an untrained model (the core loads trained weights for eval and predict).
            public init(features: KeywordFeatures, hidden: Int, classes: Int, dropout: Float, seed: UInt64) {
                self.features = features
                var generator = SeededGenerator(seed: seed)
                keywords = Linear(inputFeatures: features.buckets, outputFeatures: hidden, generator: &generator)
                head = ClassificationHead(features: hidden, classes: classes, dropout: dropout, seed: generator.next())
                super.init()
            }

            override public var children: [(key: String, module: Module)] { [("backbone.keywords", keywords), ("head", head)] }

            /// The core freezes and assigns layer-wise learning rates by these prefixes.
            public var backboneBlockKeyPrefixes: [String] { ["backbone.keywords"] }
            public var headKeyPrefixes: [String] { ["head"] }

            /// Logits `[B, classes]` for texts.
            public func logits(_ texts: [String]) -> Tensor {
                head(keywords(features.matrix(texts)).relu())
            }
        }

        """#)
    }
}
