// BrierScore: the mean squared distance between predicted probabilities and the one-hot
// truth, as sklearn's `brier_score_loss` with `scale_by_half="auto"`: binary scores give
// mean (y − p)² (range [0, 1]); a multiclass matrix gives mean Σ_k (y_k − p_k)² (range [0, 2]).
// NOT the Brier skill score (no reference forecast).

extension Metrics {
    /// Binary Brier score: mean of (y − p)².
    /// - Parameters:
    ///   - labels: 0 or 1 per sample.
    ///   - scores: the probability of class 1 per sample, in `[0, 1]`, same length.
    public static func brierScore(labels: [Int], scores: [Double]) throws(MetricError) -> Double {
        let metric = "Brier score"
        try MetricInputChecks.requireSameNonEmptyLength(truth: labels.count, predictions: scores.count, metric: metric)
        try MetricInputChecks.requireBinaryLabels(labels, metric: metric)
        try MetricInputChecks.requireProbabilities(scores, metric: metric)
        var sum = 0.0
        for (label, score) in zip(labels, scores) {
            let difference = Double(label) - score
            sum += difference * difference
        }
        return sum / Double(labels.count)
    }

    /// Multiclass Brier score: mean over samples of Σ_k (y_k − p_k)², y the one-hot truth
    /// (sklearn ≥ 1.7 on a probability matrix; twice the binary score when there are 2 classes).
    /// - Parameters:
    ///   - labels: the true class of each sample, `0..<classCount`.
    ///   - probabilities: one probability row per sample, summing to 1.
    public static func brierScore(labels: [Int], probabilities: [[Double]]) throws(MetricError) -> Double {
        let metric = "Brier score"
        try MetricInputChecks.requireSameNonEmptyLength(truth: labels.count, predictions: probabilities.count, metric: metric)
        let classCount = try MetricInputChecks.requireProbabilityRows(probabilities, metric: metric)
        try MetricInputChecks.requireClassLabels(labels, classCount: classCount, metric: metric)
        var sum = 0.0
        for (label, row) in zip(labels, probabilities) {
            for (column, probability) in row.enumerated() {
                let difference = (column == label ? 1 : 0) - probability
                sum += difference * difference
            }
        }
        return sum / Double(labels.count)
    }
}
