// ClassificationReport: the standard evaluation of a classifier, computed once from the true
// labels and the predicted class probabilities: headline metrics by snake_case name, a
// per-class table and the confusion matrix. It is what `factory eval` prints (see
// ClassificationReport+Text.swift) and what the evaluation report stores as JSON.
// NOT a plotting or file-writing type, and NOT for multi-label or regression tasks.

import Foundation

/// Headline metrics, per-class scores and the confusion matrix of a classifier.
///
/// Predictions are the argmax of each probability row (the first class on a tie). The
/// metrics dictionary holds, where they apply:
/// - `accuracy`; `top5_accuracy` (only with more than 5 classes);
/// - `macro_f1`, `micro_f1`, `weighted_f1`, `macro_precision`, `macro_recall` (averages over
///   the classes that occur in the labels or the predictions; zero division gives 0);
/// - `roc_auc`, `average_precision`: binary (class 1 against class 0) with 2 classes,
///   one-vs-rest macro averages with more; left out, with a note, when a class has no sample;
/// - `log_loss` (clipping ε = ``Metrics/logLossEpsilon``), `brier` (binary mean (y − p)² with
///   2 classes, the multiclass sum over classes with more), `ece` (15 equal-width bins).
public struct ClassificationReport: Codable, Sendable, Equatable {
    /// The names of the headline metrics, as they appear in ``metrics``.
    public enum MetricName: String, CaseIterable, Codable, Sendable {
        case accuracy
        case top5Accuracy = "top5_accuracy"
        case macroF1 = "macro_f1"
        case microF1 = "micro_f1"
        case weightedF1 = "weighted_f1"
        case macroPrecision = "macro_precision"
        case macroRecall = "macro_recall"
        case rocAUC = "roc_auc"
        case averagePrecision = "average_precision"
        case logLoss = "log_loss"
        case brier
        case ece
    }

    /// One row of the per-class table.
    public struct ClassRow: Codable, Sendable, Equatable {
        /// The class's name.
        public let name: String
        /// tp / (tp + fp); 0 when the class is never predicted.
        public let precision: Double
        /// tp / (tp + fn); 0 when the class has no sample.
        public let recall: Double
        /// 2·tp / (2·tp + fp + fn); 0 when that is 0 / 0.
        public let f1: Double
        /// The number of samples of this class.
        public let support: Int

        /// A row as given.
        public init(name: String, precision: Double, recall: Double, f1: Double, support: Int) {
            self.name = name
            self.precision = precision
            self.recall = recall
            self.f1 = f1
            self.support = support
        }
    }

    /// The class names, in class-index order.
    public let classNames: [String]
    /// The number of samples evaluated.
    public let sampleCount: Int
    /// Headline metrics by snake_case name (see ``MetricName``).
    public let metrics: [String: Double]
    /// Precision, recall, F1 and support of every class, in class-index order.
    public let classes: [ClassRow]
    /// Counts of (true class, predicted class); rows are true classes.
    public let confusionMatrix: ConfusionMatrix
    /// Why a metric that would normally be reported was left out (for example ROC-AUC when a
    /// class has no sample).
    public let notes: [String]

    private enum CodingKeys: String, CodingKey {
        case classNames = "class_names"
        case sampleCount = "sample_count"
        case metrics, classes
        case confusionMatrix = "confusion_matrix"
        case notes
    }

    /// Evaluates class probabilities against true labels.
    /// - Parameters:
    ///   - labels: the true class of each sample, `0..<classCount`.
    ///   - probabilities: one row per sample, one column per class (at least 2), each row a
    ///     probability distribution (sums to 1 within ``Metrics/probabilitySumTolerance``).
    ///   - classNames: one distinct name per class; `nil` names the classes "0", "1", ….
    /// - Throws: ``MetricError`` for empty or mismatched input, a label outside the classes,
    ///   an invalid probability row, or class names that do not fit.
    public init(labels: [Int], probabilities: [[Double]], classNames: [String]? = nil) throws(MetricError) {
        let metric = "classification report"
        try MetricInputChecks.requireSameNonEmptyLength(truth: labels.count, predictions: probabilities.count, metric: metric)
        let classCount = try MetricInputChecks.requireProbabilityRows(probabilities, metric: metric)
        try MetricInputChecks.requireClassLabels(labels, classCount: classCount, metric: metric)
        let names = classNames ?? (0..<classCount).map(String.init)
        if names.count != classCount {
            throw .invalidArgument(metric: metric, detail: "\(names.count) class names for \(classCount) probability columns")
        }
        if Set(names).count != names.count {
            throw .invalidArgument(metric: metric, detail: "the class names are not distinct: \(names)")
        }

        let predictions = try Metrics.predictedClasses(probabilities: probabilities)
        let confusion = try ConfusionMatrix(labels: labels, predictions: predictions, classCount: classCount)
        var values: [MetricName: Double] = [:]
        var notes: [String] = []

        values[.accuracy] = try Metrics.accuracy(labels: labels, predictions: predictions)
        if classCount > 5 {
            values[.top5Accuracy] = try Metrics.topKAccuracy(labels: labels, scores: probabilities, k: 5)
        }
        let macro = confusion.averageScores(.macro)
        values[.macroF1] = macro.f1
        values[.macroPrecision] = macro.precision
        values[.macroRecall] = macro.recall
        values[.microF1] = confusion.averageScores(.micro).f1
        values[.weightedF1] = confusion.averageScores(.weighted).f1

        let isBinary = classCount == 2
        let positiveScores = probabilities.map { $0[1] }
        do throws(MetricError) {
            if isBinary {
                values[.rocAUC] = try Metrics.rocAUC(labels: labels, scores: positiveScores)
            } else {
                values[.rocAUC] = try Metrics.rocAUC(labels: labels, probabilities: probabilities, average: .macro)
            }
        } catch {
            guard case let .undefined(_, reason) = error else { throw error }
            notes.append("\(MetricName.rocAUC.rawValue) left out: \(reason).")
        }
        do throws(MetricError) {
            if isBinary {
                values[.averagePrecision] = try Metrics.averagePrecision(labels: labels, scores: positiveScores)
            } else {
                values[.averagePrecision] = try Metrics.averagePrecision(
                    labels: labels, probabilities: probabilities, average: .macro)
            }
        } catch {
            guard case let .undefined(_, reason) = error else { throw error }
            notes.append("\(MetricName.averagePrecision.rawValue) left out: \(reason).")
        }
        values[.logLoss] = try Metrics.logLoss(labels: labels, probabilities: probabilities)
        if isBinary {
            values[.brier] = try Metrics.brierScore(labels: labels, scores: positiveScores)
        } else {
            values[.brier] = try Metrics.brierScore(labels: labels, probabilities: probabilities)
        }
        values[.ece] = try Metrics.expectedCalibrationError(labels: labels, probabilities: probabilities)

        self.classNames = names
        self.sampleCount = labels.count
        self.metrics = Dictionary(uniqueKeysWithValues: values.map { ($0.key.rawValue, $0.value) })
        self.classes = zip(names, confusion.classScores()).map { name, scores in
            ClassRow(name: name, precision: scores.precision, recall: scores.recall, f1: scores.f1, support: scores.support)
        }
        self.confusionMatrix = confusion
        self.notes = notes
    }

    /// The value of a headline metric, or nil when it does not apply to this evaluation.
    public subscript(name: MetricName) -> Double? { metrics[name.rawValue] }

    /// The report as pretty-printed JSON with sorted keys (snake_case names throughout).
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
}
