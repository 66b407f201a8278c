// Accuracy: the fraction of samples whose predicted class is the true class, and top-k
// accuracy (the true class among the k highest scores), as sklearn's `accuracy_score` and
// `top_k_accuracy_score`.
// NOT balanced accuracy, and NOT subset accuracy for multi-label data.

extension Metrics {
    /// The fraction of samples where `predictions[i] == labels[i]`.
    /// - Parameters:
    ///   - labels: the true class of each sample.
    ///   - predictions: the predicted class of each sample, same length.
    public static func accuracy(labels: [Int], predictions: [Int]) throws(MetricError) -> Double {
        try MetricInputChecks.requireSameNonEmptyLength(
            truth: labels.count, predictions: predictions.count, metric: "accuracy")
        var correct = 0
        for (label, prediction) in zip(labels, predictions) where label == prediction { correct += 1 }
        return Double(correct) / Double(labels.count)
    }

    /// The fraction of samples whose true class is among the `k` highest-scored classes.
    ///
    /// Ties are broken as sklearn does (a stable ascending sort, reversed): among equal scores
    /// the class with the higher index ranks first. With `k >= classCount` every sample counts.
    /// - Parameters:
    ///   - labels: the true class of each sample, `0..<classCount`.
    ///   - scores: one row per sample, one finite score (or probability) per class.
    ///   - k: how many top classes count as a hit, at least 1.
    public static func topKAccuracy(labels: [Int], scores: [[Double]], k: Int) throws(MetricError) -> Double {
        let metric = "top-\(k) accuracy"
        if k < 1 { throw .invalidArgument(metric: metric, detail: "k must be at least 1, got \(k)") }
        try MetricInputChecks.requireSameNonEmptyLength(truth: labels.count, predictions: scores.count, metric: metric)
        let classCount = try MetricInputChecks.requireScoreRows(scores, metric: metric)
        try MetricInputChecks.requireClassLabels(labels, classCount: classCount, metric: metric)
        var hits = 0
        for (label, row) in zip(labels, scores) {
            let own = row[label]
            // Classes ranked above the true one: a higher score, or an equal score and a higher index.
            var rankedAbove = 0
            for column in 0..<classCount where row[column] > own || (row[column] == own && column > label) {
                rankedAbove += 1
            }
            if rankedAbove < k { hits += 1 }
        }
        return Double(hits) / Double(labels.count)
    }
}
