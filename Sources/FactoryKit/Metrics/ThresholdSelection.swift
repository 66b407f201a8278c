// ThresholdSelection: choosing the decision threshold of a binary score (anomaly score,
// defect probability) on held-out data — the threshold of best F1, or the one that keeps
// the false-reject rate (good items scored as bad) at or below a target — and the binary
// counts at a threshold. A score at or above the threshold means "positive". Not here:
// ROC curves (ROCCurve.swift).

import Foundation

/// A chosen threshold and what it gives on the data it was chosen on.
public struct ThresholdChoice: Sendable, Equatable {
    /// Scores `>= threshold` are positive.
    public var threshold: Double
    /// F1 of the positive class at the threshold.
    public var f1: Double
    /// The share of negatives scored positive (false rejects of good items).
    public var falsePositiveRate: Double
    /// The share of positives scored positive.
    public var truePositiveRate: Double
}

extension Metrics {
    /// Binary counts (tp, fp, tn, fn) of `scores >= threshold` against 0/1 `labels`.
    public static func binaryCounts(labels: [Int], scores: [Double], threshold: Double) -> (tp: Int, fp: Int, tn: Int, fn: Int) {
        var counts = (tp: 0, fp: 0, tn: 0, fn: 0)
        for (label, score) in zip(labels, scores) {
            switch (label == 1, score >= threshold) {
            case (true, true): counts.tp += 1
            case (false, true): counts.fp += 1
            case (false, false): counts.tn += 1
            case (true, false): counts.fn += 1
            }
        }
        return counts
    }

    /// The threshold of best F1 for the positive class. Candidates lie halfway between
    /// consecutive distinct scores (and just below the lowest); among equal F1 the higher
    /// threshold wins (fewer false rejects).
    /// - Throws: ``MetricError`` for empty or mismatched input, non-binary labels or
    ///   non-finite scores, or no positive example.
    public static func bestF1Threshold(labels: [Int], scores: [Double]) throws(MetricError) -> ThresholdChoice {
        try checkBinary(labels: labels, scores: scores, metric: "best_f1_threshold")
        let positives = labels.filter { $0 == 1 }.count
        guard positives > 0 else { throw .undefined(metric: "best_f1_threshold", reason: "there is no positive (defect) example") }
        let negatives = labels.count - positives
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var tp = 0, fp = 0
        var best: ThresholdChoice?
        var position = 0
        while position < order.count {
            let score = scores[order[position]]
            while position < order.count && scores[order[position]] == score {
                if labels[order[position]] == 1 { tp += 1 } else { fp += 1 }
                position += 1
            }
            // Everything scored >= score is positive; the threshold sits below `score`.
            let next = position < order.count ? scores[order[position]] : score - Swift.max(1e-6, abs(score) * 1e-6)
            let threshold = (score + next) / 2
            let f1 = 2 * Double(tp) / Double(2 * tp + fp + (positives - tp))
            if best == nil || f1 > best!.f1 {
                best = ThresholdChoice(threshold: threshold, f1: f1, falsePositiveRate: negatives > 0 ? Double(fp) / Double(negatives) : 0,
                                       truePositiveRate: Double(tp) / Double(positives))
            }
        }
        return best!
    }

    /// The lowest threshold whose false-positive rate on `negativeScores` is at most `rate`
    /// (the most sensitive threshold that rejects at most that share of good items).
    /// - Parameters:
    ///   - negativeScores: scores of negative (good) examples.
    ///   - rate: the largest acceptable share of negatives at or above the threshold (0...1).
    /// - Returns: a threshold just above the highest negative score that must be accepted.
    /// - Throws: ``MetricError`` when there are no scores, a score is not finite or the
    ///   rate is outside 0...1.
    public static func falsePositiveRateThreshold(negativeScores: [Double], rate: Double) throws(MetricError) -> Double {
        guard !negativeScores.isEmpty else { throw .emptyInput(metric: "false_reject_threshold") }
        guard rate >= 0 && rate <= 1 else { throw .invalidArgument(metric: "false_reject_threshold", detail: "the rate \(rate) is not in 0...1") }
        if let bad = negativeScores.firstIndex(where: { !$0.isFinite }) {
            throw .invalidValue(metric: "false_reject_threshold", index: bad, value: negativeScores[bad], requirement: "scores must be finite")
        }
        let sorted = negativeScores.sorted(by: >)
        let allowed = Int((rate * Double(sorted.count)).rounded(.down))
        if allowed >= sorted.count { return sorted.last!.nextDown }
        // Accept sorted[allowed] and everything below it; reject at most `allowed` scores.
        return sorted[allowed].nextUp
    }

    static func checkBinary(labels: [Int], scores: [Double], metric: String) throws(MetricError) {
        guard !labels.isEmpty else { throw .emptyInput(metric: metric) }
        guard labels.count == scores.count else { throw .lengthMismatch(metric: metric, truthCount: labels.count, predictionCount: scores.count) }
        if let bad = labels.firstIndex(where: { $0 != 0 && $0 != 1 }) { throw .nonBinaryLabel(metric: metric, index: bad, label: labels[bad]) }
        if let bad = scores.firstIndex(where: { !$0.isFinite }) {
            throw .invalidValue(metric: metric, index: bad, value: scores[bad], requirement: "scores must be finite")
        }
    }
}
