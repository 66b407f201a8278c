// BinaryThresholdCounts: the cumulative true- and false-positive counts at every distinct
// score, highest score first (sklearn's `_binary_clf_curve`). ROC and precision-recall curves
// and their areas are all read from it; tied scores form one threshold, never several.
// NOT public, and NOT weighted (no sample weights).

struct BinaryThresholdCounts {
    /// The distinct scores, decreasing: sample i is predicted positive at threshold t when
    /// `score_i >= t`.
    let thresholds: [Double]
    /// Positives with a score at or above each threshold.
    let truePositives: [Int]
    /// Negatives with a score at or above each threshold.
    let falsePositives: [Int]

    /// The total number of positives (the last true-positive count).
    var positiveCount: Int { truePositives.last ?? 0 }
    /// The total number of negatives (the last false-positive count).
    var negativeCount: Int { falsePositives.last ?? 0 }

    /// Validates and counts.
    /// - Parameters:
    ///   - labels: 0 or 1 per sample.
    ///   - scores: a finite score per sample, same length, non-empty.
    init(labels: [Int], scores: [Double], metric: String) throws(MetricError) {
        try MetricInputChecks.requireSameNonEmptyLength(truth: labels.count, predictions: scores.count, metric: metric)
        try MetricInputChecks.requireBinaryLabels(labels, metric: metric)
        try MetricInputChecks.requireFinite(scores, metric: metric)
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var thresholds: [Double] = []
        var truePositives: [Int] = []
        var falsePositives: [Int] = []
        var positives = 0
        var negatives = 0
        for (rank, sample) in order.enumerated() {
            if labels[sample] == 1 { positives += 1 } else { negatives += 1 }
            // Close a threshold at the last sample of each run of equal scores.
            let isLastOfTie = rank == order.count - 1 || scores[order[rank + 1]] != scores[sample]
            if isLastOfTie {
                thresholds.append(scores[sample])
                truePositives.append(positives)
                falsePositives.append(negatives)
            }
        }
        self.thresholds = thresholds
        self.truePositives = truePositives
        self.falsePositives = falsePositives
    }
}
