// CalibrationError: the reliability bins of top-class confidence and the expected calibration
// error (ECE) read from them. Binning: `binCount` equal-width bins over [0, 1], each the
// half-open interval (lo, hi] (a confidence of exactly 0 goes to the first bin); confidence
// is the largest probability of a row, and a sample is correct when that class (the first
// one on a tie) is the true class. ECE = Σ_b (n_b / N) · |accuracy_b − confidence_b| over
// non-empty bins. This is the definition the reference fixture uses, with 15 bins.
// NOT classwise or adaptive (equal-mass) calibration error, and NOT a calibration method.

/// One bin of a reliability diagram.
public struct CalibrationBin: Codable, Sendable, Equatable {
    /// The bin's lower edge, excluded (except 0 for the first bin).
    public let lowerBound: Double
    /// The bin's upper edge, included.
    public let upperBound: Double
    /// Samples whose confidence falls in the bin.
    public let count: Int
    /// The mean confidence of those samples; 0 when the bin is empty.
    public let meanConfidence: Double
    /// The fraction of those samples predicted correctly; 0 when the bin is empty.
    public let accuracy: Double
}

extension Metrics {
    /// The default number of calibration bins: 15.
    public static let calibrationBinCount = 15

    /// Reliability-diagram bins of top-class confidence (empty bins included).
    /// - Parameters:
    ///   - labels: the true class of each sample, `0..<classCount`.
    ///   - probabilities: one probability row per sample, summing to 1.
    ///   - binCount: the number of equal-width bins, at least 1.
    public static func calibrationBins(
        labels: [Int], probabilities: [[Double]], binCount: Int = calibrationBinCount
    ) throws(MetricError) -> [CalibrationBin] {
        let metric = "calibration bins"
        if binCount < 1 { throw .invalidArgument(metric: metric, detail: "the bin count must be at least 1, got \(binCount)") }
        try MetricInputChecks.requireSameNonEmptyLength(truth: labels.count, predictions: probabilities.count, metric: metric)
        let classCount = try MetricInputChecks.requireProbabilityRows(probabilities, metric: metric)
        try MetricInputChecks.requireClassLabels(labels, classCount: classCount, metric: metric)
        let predictions = try predictedClasses(probabilities: probabilities)
        var counts = [Int](repeating: 0, count: binCount)
        var confidenceSums = [Double](repeating: 0, count: binCount)
        var correctCounts = [Int](repeating: 0, count: binCount)
        for ((label, row), prediction) in zip(zip(labels, probabilities), predictions) {
            let confidence = row[prediction]
            let bin = binIndex(confidence, binCount: binCount)
            counts[bin] += 1
            confidenceSums[bin] += confidence
            if prediction == label { correctCounts[bin] += 1 }
        }
        return (0..<binCount).map { bin in
            let count = counts[bin]
            return CalibrationBin(
                lowerBound: Double(bin) / Double(binCount),
                upperBound: Double(bin + 1) / Double(binCount),
                count: count,
                meanConfidence: count > 0 ? confidenceSums[bin] / Double(count) : 0,
                accuracy: count > 0 ? Double(correctCounts[bin]) / Double(count) : 0)
        }
    }

    /// Expected calibration error of top-class confidence:
    /// Σ_b (n_b / N) · |accuracy_b − confidence_b| over equal-width bins (lo, hi].
    /// - Parameters:
    ///   - labels: the true class of each sample, `0..<classCount`.
    ///   - probabilities: one probability row per sample, summing to 1.
    ///   - binCount: the number of equal-width bins, at least 1; 15 by default.
    public static func expectedCalibrationError(
        labels: [Int], probabilities: [[Double]], binCount: Int = calibrationBinCount
    ) throws(MetricError) -> Double {
        let bins = try calibrationBins(labels: labels, probabilities: probabilities, binCount: binCount)
        var error = 0.0
        for bin in bins where bin.count > 0 {
            error += Double(bin.count) / Double(labels.count) * abs(bin.accuracy - bin.meanConfidence)
        }
        return error
    }

    /// The bin b with b/B < confidence <= (b+1)/B, comparing against the same edges the bins
    /// report (so a confidence exactly on an edge goes to the lower bin).
    private static func binIndex(_ confidence: Double, binCount: Int) -> Int {
        var bin = min(max(Int((confidence * Double(binCount)).rounded(.up)) - 1, 0), binCount - 1)
        while bin > 0 && confidence <= Double(bin) / Double(binCount) { bin -= 1 }
        while bin < binCount - 1 && confidence > Double(bin + 1) / Double(binCount) { bin += 1 }
        return bin
    }
}
