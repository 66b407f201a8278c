// ROCCurve: the receiver operating characteristic of binary scores and the area under it, as
// sklearn's `roc_curve` and `roc_auc_score` (binary). Points sit at distinct score values, so
// tied scores make one diagonal step; the area is the trapezoid rule over those points.
// NOT the multiclass (one-vs-rest) average: see OneVsRest.swift. NOT partial AUC.

/// The points of a ROC curve, from (0, 0) to (1, 1).
public struct ROCCurve: Sendable, Equatable {
    /// False-positive rate at each point, increasing.
    public let falsePositiveRates: [Double]
    /// True-positive rate at each point, increasing.
    public let truePositiveRates: [Double]
    /// The threshold of each point: samples with `score >= threshold` are predicted positive.
    /// Decreasing; the first is `+infinity` (nothing predicted positive), as sklearn ≥ 1.3.
    public let thresholds: [Double]

    /// The area under the curve by the trapezoid rule.
    public var area: Double { Metrics.trapezoidArea(x: falsePositiveRates, y: truePositiveRates) }
}

extension Metrics {
    /// The ROC curve of binary scores.
    /// - Parameters:
    ///   - labels: 1 for positive samples, 0 for negative ones; both must occur.
    ///   - scores: a finite score per sample (higher = more positive), same length.
    ///   - dropIntermediate: leave out points on a straight segment between their neighbours
    ///     (sklearn's default `drop_intermediate=True`); the area is unchanged.
    /// - Throws: ``MetricError/undefined(metric:reason:)`` when only one class occurs (sklearn
    ///   returns NaN rates with a warning there).
    public static func rocCurve(labels: [Int], scores: [Double], dropIntermediate: Bool = true) throws(MetricError) -> ROCCurve {
        let counts = try BinaryThresholdCounts(labels: labels, scores: scores, metric: "ROC curve")
        return try rocCurve(counts, dropIntermediate: dropIntermediate, metric: "ROC curve")
    }

    /// The area under the ROC curve of binary scores (sklearn's `roc_auc_score`): the chance
    /// that a random positive scores above a random negative, ties counting one half.
    /// - Parameters:
    ///   - labels: 1 for positive samples, 0 for negative ones; both must occur.
    ///   - scores: a finite score per sample, same length.
    /// - Throws: ``MetricError/undefined(metric:reason:)`` when only one class occurs, as
    ///   sklearn raises ("Only one class present in y_true").
    public static func rocAUC(labels: [Int], scores: [Double]) throws(MetricError) -> Double {
        let counts = try BinaryThresholdCounts(labels: labels, scores: scores, metric: "ROC-AUC")
        return try rocCurve(counts, dropIntermediate: true, metric: "ROC-AUC").area
    }

    /// The area under a piecewise-linear curve by the trapezoid rule (sklearn's `auc`), for
    /// `x` sorted in increasing order and as many `y` values (internal: called on curves built
    /// here, never on user arrays).
    static func trapezoidArea(x: [Double], y: [Double]) -> Double {
        precondition(x.count == y.count, "trapezoidArea: x has \(x.count) points but y has \(y.count)")
        var area = 0.0
        for index in x.indices.dropFirst() {
            area += (x[index] - x[index - 1]) * (y[index] + y[index - 1]) / 2
        }
        return area
    }

    static func rocCurve(_ counts: BinaryThresholdCounts, dropIntermediate: Bool, metric: String) throws(MetricError) -> ROCCurve {
        if counts.positiveCount == 0 {
            throw .undefined(metric: metric, reason: "there are no positive samples (label 1), so the true-positive rate is undefined")
        }
        if counts.negativeCount == 0 {
            throw .undefined(metric: metric, reason: "there are no negative samples (label 0), so the false-positive rate is undefined")
        }
        var kept = Array(counts.thresholds.indices)
        if dropIntermediate && counts.thresholds.count > 2 {
            // Keep the ends and every point where the curve changes direction (a non-zero
            // second difference of either count), as sklearn does.
            let fp = counts.falsePositives
            let tp = counts.truePositives
            kept = kept.filter { index in
                index == 0 || index == fp.count - 1
                    || fp[index + 1] - 2 * fp[index] + fp[index - 1] != 0
                    || tp[index + 1] - 2 * tp[index] + tp[index - 1] != 0
            }
        }
        let negatives = Double(counts.negativeCount)
        let positives = Double(counts.positiveCount)
        return ROCCurve(
            falsePositiveRates: [0] + kept.map { Double(counts.falsePositives[$0]) / negatives },
            truePositiveRates: [0] + kept.map { Double(counts.truePositives[$0]) / positives },
            thresholds: [.infinity] + kept.map { counts.thresholds[$0] })
    }
}
