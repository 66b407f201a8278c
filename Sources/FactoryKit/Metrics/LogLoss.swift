// LogLoss: the mean negative log-likelihood of the true class (cross-entropy), as sklearn's
// `log_loss`: probabilities are clipped to [ε, 1 − ε] and NOT renormalised afterwards; rows
// must already sum to 1 (sklearn only warns; here it is an error).
// NOT a training loss (see Tensor+Losses.swift for the differentiable one).
//
// The clipping ε defaults to 1e-7, the value the reference fixture was computed with (its
// binary scores include exact 0s and 1s, which make ε visible). sklearn ≥ 1.5 uses the
// machine epsilon of the input's dtype: 2.2e-16 for Float64, 1.19e-7 for Float32; pass
// `Double.ulpOfOne` to reproduce sklearn on Float64 input.
import Foundation

extension Metrics {
    /// The default clipping ε of the log loss: 1e-7 (see ``logLoss(labels:scores:epsilon:)``).
    public static let logLossEpsilon = 1e-7

    /// Binary log loss: mean of −[y·log p + (1 − y)·log(1 − p)] with p clipped to [ε, 1 − ε].
    /// - Parameters:
    ///   - labels: 0 or 1 per sample.
    ///   - scores: the probability of class 1 per sample, in `[0, 1]`, same length.
    ///   - epsilon: the clipping ε, in `(0, 0.5)`; ``logLossEpsilon`` by default.
    public static func logLoss(labels: [Int], scores: [Double], epsilon: Double = logLossEpsilon) throws(MetricError) -> Double {
        let metric = "log loss"
        try MetricInputChecks.requireSameNonEmptyLength(truth: labels.count, predictions: scores.count, metric: metric)
        try MetricInputChecks.requireBinaryLabels(labels, metric: metric)
        try MetricInputChecks.requireProbabilities(scores, metric: metric)
        try requireLogLossEpsilon(epsilon)
        var sum = 0.0
        for (label, score) in zip(labels, scores) {
            let probability = min(max(score, epsilon), 1 - epsilon)
            sum -= label == 1 ? log(probability) : log(1 - probability)
        }
        return sum / Double(labels.count)
    }

    /// Multiclass log loss: mean of −log p[true class] with probabilities clipped to
    /// [ε, 1 − ε] (no renormalisation after clipping, as sklearn).
    /// - Parameters:
    ///   - labels: the true class of each sample, `0..<classCount`.
    ///   - probabilities: one probability row per sample, summing to 1.
    ///   - epsilon: the clipping ε, in `(0, 0.5)`; ``logLossEpsilon`` by default.
    public static func logLoss(labels: [Int], probabilities: [[Double]], epsilon: Double = logLossEpsilon) throws(MetricError) -> Double {
        let metric = "log loss"
        try MetricInputChecks.requireSameNonEmptyLength(truth: labels.count, predictions: probabilities.count, metric: metric)
        let classCount = try MetricInputChecks.requireProbabilityRows(probabilities, metric: metric)
        try MetricInputChecks.requireClassLabels(labels, classCount: classCount, metric: metric)
        try requireLogLossEpsilon(epsilon)
        var sum = 0.0
        for (label, row) in zip(labels, probabilities) {
            sum -= log(min(max(row[label], epsilon), 1 - epsilon))
        }
        return sum / Double(labels.count)
    }

    private static func requireLogLossEpsilon(_ epsilon: Double) throws(MetricError) {
        if !(epsilon > 0 && epsilon < 0.5) {
            throw .invalidArgument(metric: "log loss", detail: "the clipping epsilon must be in (0, 0.5), got \(epsilon)")
        }
    }
}
