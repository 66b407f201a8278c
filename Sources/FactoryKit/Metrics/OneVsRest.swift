// OneVsRest: multiclass ROC-AUC and average precision by binarising each class against the
// rest and averaging, as sklearn's `roc_auc_score(multi_class="ovr")` and
// `average_precision_score` on multiclass labels.
// NOT one-vs-one (Hand & Till) AUC.

extension Metrics {
    /// Multiclass ROC-AUC, one class against the rest (sklearn's
    /// `roc_auc_score(y, P, multi_class="ovr", average=…)`).
    /// - Parameters:
    ///   - labels: the true class of each sample, `0..<classCount`; every class must occur.
    ///   - probabilities: one probability row per sample (rows sum to 1, as sklearn requires).
    ///   - average: `.macro` (the mean of the per-class AUCs, sklearn's default), `.weighted`
    ///     (weighted by class prevalence) or `.micro` (one AUC over all binarised cells).
    /// - Throws: ``MetricError/undefined(metric:reason:)`` when a class has no sample, as
    ///   sklearn raises.
    public static func rocAUC(labels: [Int], probabilities: [[Double]], average: MetricAverage = .macro) throws(MetricError) -> Double {
        try oneVsRest(labels: labels, probabilities: probabilities, average: average, metric: "one-vs-rest ROC-AUC") {
            (counts: BinaryThresholdCounts, metric: String) throws(MetricError) -> Double in
            try rocCurve(counts, dropIntermediate: true, metric: metric).area
        }
    }

    /// Multiclass average precision, one class against the rest (sklearn's
    /// `average_precision_score(y, P, average=…)` on multiclass labels).
    /// - Parameters:
    ///   - labels: the true class of each sample, `0..<classCount`; every class must occur.
    ///   - probabilities: one probability row per sample.
    ///   - average: `.macro` (sklearn's default), `.weighted` or `.micro`.
    /// - Throws: ``MetricError/undefined(metric:reason:)`` when a class has no sample.
    public static func averagePrecision(
        labels: [Int], probabilities: [[Double]], average: MetricAverage = .macro
    ) throws(MetricError) -> Double {
        try oneVsRest(labels: labels, probabilities: probabilities, average: average, metric: "one-vs-rest average precision") {
            (counts: BinaryThresholdCounts, metric: String) throws(MetricError) -> Double in
            try averagePrecision(counts, metric: metric)
        }
    }

    private static func oneVsRest(
        labels: [Int], probabilities: [[Double]], average: MetricAverage, metric: String,
        binaryScore: (BinaryThresholdCounts, String) throws(MetricError) -> Double
    ) throws(MetricError) -> Double {
        try MetricInputChecks.requireSameNonEmptyLength(truth: labels.count, predictions: probabilities.count, metric: metric)
        let classCount = try MetricInputChecks.requireProbabilityRows(probabilities, metric: metric)
        try MetricInputChecks.requireClassLabels(labels, classCount: classCount, metric: metric)
        var prevalence = [Int](repeating: 0, count: classCount)
        for label in labels { prevalence[label] += 1 }
        if let absent = prevalence.firstIndex(of: 0) {
            throw .undefined(metric: metric, reason: "class \(absent) has no sample among the \(labels.count) labels")
        }
        if average == .micro {
            var binaryLabels: [Int] = []
            var scores: [Double] = []
            binaryLabels.reserveCapacity(labels.count * classCount)
            scores.reserveCapacity(labels.count * classCount)
            for (label, row) in zip(labels, probabilities) {
                for column in 0..<classCount {
                    binaryLabels.append(column == label ? 1 : 0)
                    scores.append(row[column])
                }
            }
            return try binaryScore(BinaryThresholdCounts(labels: binaryLabels, scores: scores, metric: metric), metric)
        }
        var sum = 0.0
        var weightSum = 0.0
        for classIndex in 0..<classCount {
            let binaryLabels = labels.map { $0 == classIndex ? 1 : 0 }
            let scores = probabilities.map { $0[classIndex] }
            let score = try binaryScore(
                BinaryThresholdCounts(labels: binaryLabels, scores: scores, metric: metric), "\(metric), class \(classIndex)")
            let weight = average == .weighted ? Double(prevalence[classIndex]) : 1
            sum += weight * score
            weightSum += weight
        }
        return sum / weightSum
    }
}
