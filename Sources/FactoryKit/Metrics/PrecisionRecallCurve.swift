// PrecisionRecallCurve: precision and recall of binary scores at every distinct threshold,
// and average precision, as sklearn's `precision_recall_curve` and `average_precision_score`.
// Average precision is the step-wise sum Σ (R_n − R_{n−1}) · P_n over thresholds, NOT the
// trapezoid area under the curve (which is optimistic).
// NOT the multiclass (one-vs-rest) average: see OneVsRest.swift.

/// The points of a precision-recall curve, in sklearn's order: increasing threshold, ending
/// with the point (recall 0, precision 1) that has no threshold.
public struct PrecisionRecallCurve: Sendable, Equatable {
    /// Precision at each threshold, then 1.
    public let precisions: [Double]
    /// Recall at each threshold (decreasing), then 0.
    public let recalls: [Double]
    /// The distinct scores, increasing; one fewer than the precisions and recalls.
    public let thresholds: [Double]
}

extension Metrics {
    /// The precision-recall curve of binary scores (sklearn's `precision_recall_curve`, every
    /// distinct threshold kept).
    /// - Parameters:
    ///   - labels: 1 for positive samples, 0 for negative ones; at least one positive.
    ///   - scores: a finite score per sample (higher = more positive), same length.
    /// - Throws: ``MetricError/undefined(metric:reason:)`` when there is no positive sample
    ///   (sklearn warns and sets recall to 1 there).
    public static func precisionRecallCurve(labels: [Int], scores: [Double]) throws(MetricError) -> PrecisionRecallCurve {
        let metric = "precision-recall curve"
        let counts = try BinaryThresholdCounts(labels: labels, scores: scores, metric: metric)
        let (precisions, recalls) = try precisionAndRecall(counts, metric: metric)
        return PrecisionRecallCurve(
            precisions: precisions.reversed() + [1],
            recalls: recalls.reversed() + [0],
            thresholds: counts.thresholds.reversed())
    }

    /// Average precision of binary scores (sklearn's `average_precision_score`):
    /// Σ (R_n − R_{n−1}) · P_n over the distinct thresholds from the highest score down, with
    /// R_{−1} = 0. Tied scores form one step.
    /// - Parameters:
    ///   - labels: 1 for positive samples, 0 for negative ones; at least one positive.
    ///   - scores: a finite score per sample, same length.
    /// - Throws: ``MetricError/undefined(metric:reason:)`` when there is no positive sample.
    public static func averagePrecision(labels: [Int], scores: [Double]) throws(MetricError) -> Double {
        let metric = "average precision"
        let counts = try BinaryThresholdCounts(labels: labels, scores: scores, metric: metric)
        return try averagePrecision(counts, metric: metric)
    }

    static func averagePrecision(_ counts: BinaryThresholdCounts, metric: String) throws(MetricError) -> Double {
        let (precisions, recalls) = try precisionAndRecall(counts, metric: metric)
        var sum = 0.0
        var previousRecall = 0.0
        for (precision, recall) in zip(precisions, recalls) {
            sum += (recall - previousRecall) * precision
            previousRecall = recall
        }
        return max(0, sum)
    }

    /// Precision and recall at each threshold, highest threshold first.
    private static func precisionAndRecall(
        _ counts: BinaryThresholdCounts, metric: String
    ) throws(MetricError) -> (precisions: [Double], recalls: [Double]) {
        if counts.positiveCount == 0 {
            throw .undefined(metric: metric, reason: "there are no positive samples (label 1), so recall is undefined")
        }
        let positives = Double(counts.positiveCount)
        var precisions: [Double] = []
        var recalls: [Double] = []
        for (truePositives, falsePositives) in zip(counts.truePositives, counts.falsePositives) {
            // Every threshold predicts at least one sample positive, so the sum is never 0.
            precisions.append(Double(truePositives) / Double(truePositives + falsePositives))
            recalls.append(Double(truePositives) / positives)
        }
        return (precisions, recalls)
    }
}
