// PrecisionRecallF1: per-class precision, recall and F1 read from a confusion matrix, and
// their macro, micro and support-weighted averages, as sklearn's
// `precision_recall_fscore_support`.
// NOT F-beta for beta != 1, and NOT multi-label (samples-averaged) scores.
//
// Zero division (sklearn's `zero_division`): a precision with no predicted samples, a recall
// with no true samples, or an F1 with tp + fp + fn = 0 takes the value `zeroDivision`: 0 by
// default, which is what sklearn's default ("warn") returns. F1 is 2·tp / (2·tp + fp + fn),
// sklearn's formula since 1.3, so a class never predicted has precision `zeroDivision` but
// F1 0 when it has support.

/// Precision, recall, F1 and support of one class, or an average over classes.
public struct ClassScores: Codable, Sendable, Equatable {
    /// tp / (tp + fp).
    public let precision: Double
    /// tp / (tp + fn).
    public let recall: Double
    /// 2·tp / (2·tp + fp + fn), the harmonic mean of precision and recall.
    public let f1: Double
    /// The number of samples whose true class this is (for an average: all samples).
    public let support: Int

    /// Scores as given.
    public init(precision: Double, recall: Double, f1: Double, support: Int) {
        self.precision = precision
        self.recall = recall
        self.f1 = f1
        self.support = support
    }
}

/// How per-class scores are combined into one number.
public enum MetricAverage: String, Codable, Sendable, CaseIterable {
    /// The unweighted mean over classes: each class counts the same.
    case macro
    /// Pooled counts over classes (for single-label precision/recall/F1: accuracy).
    case micro
    /// The mean over classes weighted by support (true samples per class).
    case weighted
}

extension ConfusionMatrix {
    /// Precision, recall, F1 and support of every class, in class order.
    /// - Parameter zeroDivision: the value of a score whose denominator is 0: 0 (sklearn's
    ///   default), 1, or `.nan`.
    public func classScores(zeroDivision: Double = 0) -> [ClassScores] {
        (0..<classCount).map { classIndex in
            let truePositives = self.truePositives(classIndex)
            let predicted = self.predictedCount(classIndex)
            let support = self.support(classIndex)
            let falsePositives = predicted - truePositives
            let falseNegatives = support - truePositives
            return ClassScores(
                precision: Self.ratio(truePositives, predicted, zeroDivision: zeroDivision),
                recall: Self.ratio(truePositives, support, zeroDivision: zeroDivision),
                f1: Self.ratio(2 * truePositives, 2 * truePositives + falsePositives + falseNegatives, zeroDivision: zeroDivision),
                support: support)
        }
    }

    /// Classes that occur in the true labels or in the predictions: the classes sklearn
    /// averages over when no `labels` are given. A class absent from both has no bearing on
    /// the averages.
    public var occurringClasses: [Int] {
        (0..<classCount).filter { support($0) > 0 || predictedCount($0) > 0 }
    }

    /// Precision, recall and F1 averaged over the occurring classes; `support` is the total.
    ///
    /// Macro and weighted averages skip NaN entries (only possible with `zeroDivision: .nan`),
    /// as sklearn does.
    /// - Parameters:
    ///   - average: macro, micro or weighted.
    ///   - zeroDivision: as in ``classScores(zeroDivision:)``.
    public func averageScores(_ average: MetricAverage, zeroDivision: Double = 0) -> ClassScores {
        let classes = occurringClasses
        switch average {
        case .micro:
            let pooledTruePositives = classes.reduce(0) { $0 + self.truePositives($1) }
            let pooledPredicted = classes.reduce(0) { $0 + self.predictedCount($1) }
            let pooledSupport = classes.reduce(0) { $0 + self.support($1) }
            let errors = (pooledPredicted - pooledTruePositives) + (pooledSupport - pooledTruePositives)
            return ClassScores(
                precision: Self.ratio(pooledTruePositives, pooledPredicted, zeroDivision: zeroDivision),
                recall: Self.ratio(pooledTruePositives, pooledSupport, zeroDivision: zeroDivision),
                f1: Self.ratio(2 * pooledTruePositives, 2 * pooledTruePositives + errors, zeroDivision: zeroDivision),
                support: total)
        case .macro, .weighted:
            let scores = classScores(zeroDivision: zeroDivision)
            let weights = classes.map { average == .macro ? 1.0 : Double(support($0)) }
            func mean(_ value: (ClassScores) -> Double) -> Double {
                var sum = 0.0
                var weightSum = 0.0
                for (classIndex, weight) in zip(classes, weights) where !value(scores[classIndex]).isNaN {
                    sum += weight * value(scores[classIndex])
                    weightSum += weight
                }
                return weightSum > 0 ? sum / weightSum : zeroDivision
            }
            return ClassScores(precision: mean(\.precision), recall: mean(\.recall), f1: mean(\.f1), support: total)
        }
    }

    private static func ratio(_ numerator: Int, _ denominator: Int, zeroDivision: Double) -> Double {
        denominator == 0 ? zeroDivision : Double(numerator) / Double(denominator)
    }
}
