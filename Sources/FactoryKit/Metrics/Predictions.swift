// Predictions: turning scores into predicted classes, the step between a model's output and
// the counting metrics (accuracy, confusion matrix, precision/recall/F1).
// NOT a decision policy (no per-class thresholds, no abstention).

extension Metrics {
    /// The predicted class of each row: the index of its largest value, the first one on a tie
    /// (as `numpy.argmax`).
    /// - Parameter probabilities: one row per sample, one column per class; finite values,
    ///   every row the same width. They need not sum to 1.
    public static func predictedClasses(probabilities: [[Double]]) throws(MetricError) -> [Int] {
        try MetricInputChecks.requireScoreRows(probabilities, metric: "predicted classes")
        return probabilities.map { row in
            var best = 0
            for column in 1..<row.count where row[column] > row[best] { best = column }
            return best
        }
    }

    /// Binary predictions: 1 where `score >= threshold`, else 0 (sklearn's convention for
    /// `predict` at a probability threshold).
    /// - Parameters:
    ///   - scores: one finite score per sample.
    ///   - threshold: the decision threshold; 0.5 for probabilities.
    public static func binaryPredictions(scores: [Double], threshold: Double = 0.5) throws(MetricError) -> [Int] {
        if scores.isEmpty { throw .emptyInput(metric: "binary predictions") }
        try MetricInputChecks.requireFinite(scores, metric: "binary predictions")
        if !threshold.isFinite {
            throw .invalidArgument(metric: "binary predictions", detail: "the threshold \(threshold) must be finite")
        }
        return scores.map { $0 >= threshold ? 1 : 0 }
    }
}
