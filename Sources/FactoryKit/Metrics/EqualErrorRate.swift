// EqualErrorRate: the verification operating point where false acceptances and false
// rejections are equally likely, from genuine (same-identity) and impostor (different-identity)
// similarity scores. Method (the reference fixture's): on sklearn's default ROC curve
// (genuine = positive, intermediate collinear points dropped), take the point where
// |FNR − FPR| is smallest (the first one on a tie); EER = (FNR + FPR) / 2 there.
// NOT an interpolated crossing (no linear interpolation between ROC points), and NOT minDCF.

/// The equal-error operating point of a verification system.
public struct EqualErrorRate: Sendable, Equatable {
    /// (FNR + FPR) / 2 at the chosen point.
    public let rate: Double
    /// The score threshold of that point: pairs with `score >= threshold` are accepted.
    /// `+infinity` when the point is "accept nothing".
    public let threshold: Double
    /// The false-positive (false acceptance) rate there: impostors accepted.
    public let falsePositiveRate: Double
    /// The false-negative (false rejection) rate there: genuine pairs rejected.
    public let falseNegativeRate: Double
}

extension Metrics {
    /// The equal error rate of genuine and impostor scores.
    /// - Parameters:
    ///   - genuine: finite similarity scores of same-identity pairs (higher = more similar), non-empty.
    ///   - impostor: finite similarity scores of different-identity pairs, non-empty.
    public static func equalErrorRate(genuine: [Double], impostor: [Double]) throws(MetricError) -> EqualErrorRate {
        let metric = "equal error rate"
        if genuine.isEmpty || impostor.isEmpty {
            throw .undefined(metric: metric, reason: "it needs both genuine and impostor scores "
                + "(got \(genuine.count) genuine and \(impostor.count) impostor)")
        }
        let labels = [Int](repeating: 1, count: genuine.count) + [Int](repeating: 0, count: impostor.count)
        let counts = try BinaryThresholdCounts(labels: labels, scores: genuine + impostor, metric: metric)
        let curve = try rocCurve(counts, dropIntermediate: true, metric: metric)
        var best = 0
        var bestGap = Double.infinity
        for index in curve.thresholds.indices {
            let falseNegativeRate = 1 - curve.truePositiveRates[index]
            let gap = abs(falseNegativeRate - curve.falsePositiveRates[index])
            if gap < bestGap {
                best = index
                bestGap = gap
            }
        }
        let falseNegativeRate = 1 - curve.truePositiveRates[best]
        let falsePositiveRate = curve.falsePositiveRates[best]
        return EqualErrorRate(
            rate: (falseNegativeRate + falsePositiveRate) / 2, threshold: curve.thresholds[best],
            falsePositiveRate: falsePositiveRate, falseNegativeRate: falseNegativeRate)
    }
}
