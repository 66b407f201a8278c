// PredictionRecord: one evaluated example as `factory eval` writes it to
// output/predictions.jsonl and `factory report` reads it — the input (a text, or the path of
// an image or audio file), the true class, the class probabilities and the predicted class.
// A plugin provides it through `TaskPlugin.predictionRecord(for:example:info:)`; classification
// tasks with probability outputs get one by default. Not here: writing or reading the file
// (PredictionsFile), the report.

/// What an example's input was, for error analysis in the report.
public enum ExampleInput: Sendable, Equatable {
    /// A text (shown as is, escaped).
    case text(String)
    /// An image file (shown as a thumbnail).
    case image(path: String)
    /// An audio file (shown as its path).
    case audio(path: String)
    /// Anything else, described in one line.
    case other(String)

    /// The kind as written in predictions.jsonl: `text`, `image`, `audio` or `other`.
    public var kind: String {
        switch self {
        case .text: "text"
        case .image: "image"
        case .audio: "audio"
        case .other: "other"
        }
    }

    /// The text, or the path.
    public var value: String {
        switch self {
        case .text(let text), .other(let text): text
        case .image(let path), .audio(let path): path
        }
    }

    /// An input from the two fields of predictions.jsonl.
    public init(kind: String, value: String) {
        switch kind {
        case "text": self = .text(value)
        case "image": self = .image(path: value)
        case "audio": self = .audio(path: value)
        default: self = .other(value)
        }
    }
}

/// One evaluated example: its input, true class and predicted class probabilities.
public struct PredictionRecord: Sendable, Equatable {
    /// The input, when the task can show it.
    public var input: ExampleInput?
    /// The true class index (`nil`: unlabelled).
    public var label: Int?
    /// One probability per class, in class-index order (empty for tasks without classes).
    public var probabilities: [Double]
    /// A task-specific score (an anomaly score, a regression value), when there is one.
    public var score: Double?

    /// Creates a record.
    public init(input: ExampleInput?, label: Int?, probabilities: [Double], score: Double? = nil) {
        self.input = input
        self.label = label
        self.probabilities = probabilities
        self.score = score
    }

    /// The predicted class: the most probable (the first on a tie); `nil` without probabilities.
    public var predicted: Int? {
        guard !probabilities.isEmpty else { return nil }
        return probabilities.indices.max { probabilities[$0] < probabilities[$1] || (probabilities[$0] == probabilities[$1] && $0 > $1) }
    }

    /// The predicted class's probability.
    public var confidence: Double? { predicted.map { probabilities[$0] } }

    /// Whether the prediction is wrong (`nil` when there is no label or prediction).
    public var isMistake: Bool? {
        guard let label, let predicted else { return nil }
        return label != predicted
    }

    /// A classification record from the model's class probabilities.
    /// - Parameters:
    ///   - probabilities: one probability per class.
    ///   - label: the true class, when known.
    ///   - input: what the example was.
    public static func classification(probabilities: [Float], label: Int?, input: ExampleInput?) -> PredictionRecord {
        PredictionRecord(input: input, label: label, probabilities: probabilities.map(Double.init))
    }
}

extension TaskPlugin {
    /// No per-example records, by default (tasks whose outputs are not class probabilities).
    public func predictionRecord(for output: Output, example: Example, info: TaskModelInfo) -> PredictionRecord? { nil }
}

extension TaskPlugin where Output == [Float] {
    /// For tasks whose output is one probability per class (as ``Classification/probabilities(_:)``
    /// gives): a classification record with the example's stratum as its true class and no
    /// input. Outputs that are not a probability row over the task's classes give `nil`.
    /// Override it to show the input (see the Sentiment plugin).
    public func predictionRecord(for output: [Float], example: Example, info: TaskModelInfo) -> PredictionRecord? {
        guard output.count == info.labelNames.count, output.count >= 2, output.allSatisfy({ $0 >= 0 && $0 <= 1 }),
              abs(output.reduce(0, +) - 1) < 1e-3 else { return nil }
        return .classification(probabilities: output, label: example.stratum, input: nil)
    }
}
