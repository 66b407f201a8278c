// MetricInputChecks: the validation every metric runs on its input before computing, so that
// bad user data becomes a MetricError instead of a trap or a silent NaN.
// NOT public: the rules are documented on `Metrics` and on each metric.

enum MetricInputChecks {
    /// Throws unless there is at least one sample and both sides have the same length.
    static func requireSameNonEmptyLength(
        truth truthCount: Int, predictions predictionCount: Int, metric: String
    ) throws(MetricError) {
        if truthCount != predictionCount {
            throw .lengthMismatch(metric: metric, truthCount: truthCount, predictionCount: predictionCount)
        }
        if truthCount == 0 { throw .emptyInput(metric: metric) }
    }

    /// Throws unless every label is a class index `0..<classCount`.
    static func requireClassLabels(_ labels: [Int], classCount: Int, metric: String) throws(MetricError) {
        for (index, label) in labels.enumerated() where label < 0 || label >= classCount {
            throw .labelOutOfRange(metric: metric, index: index, label: label, classCount: classCount)
        }
    }

    /// Throws unless every label is 0 or 1.
    static func requireBinaryLabels(_ labels: [Int], metric: String) throws(MetricError) {
        for (index, label) in labels.enumerated() where label != 0 && label != 1 {
            throw .nonBinaryLabel(metric: metric, index: index, label: label)
        }
    }

    /// Throws unless every value is finite.
    static func requireFinite(_ values: [Double], metric: String) throws(MetricError) {
        for (index, value) in values.enumerated() where !value.isFinite {
            throw .invalidValue(metric: metric, index: index, value: value, requirement: "must be finite")
        }
    }

    /// Throws unless every value is a probability: finite and within `[0, 1]`.
    static func requireProbabilities(_ values: [Double], metric: String) throws(MetricError) {
        for (index, value) in values.enumerated() where !(value >= 0 && value <= 1) {
            throw .invalidValue(metric: metric, index: index, value: value, requirement: "must be a probability in [0, 1]")
        }
    }

    /// Throws unless every row has the same width (at least 2) and the rows are probability
    /// distributions: values within `[0, 1]` summing to 1 within `Metrics.probabilitySumTolerance`.
    /// - Returns: the class count (the row width).
    @discardableResult
    static func requireProbabilityRows(_ rows: [[Double]], metric: String) throws(MetricError) -> Int {
        guard let classCount = rows.first?.count else { throw .emptyInput(metric: metric) }
        if classCount < 2 {
            throw .invalidProbabilityRow(metric: metric, row: 0, detail: "has \(classCount) column; at least 2 classes are needed")
        }
        for (rowIndex, row) in rows.enumerated() {
            if row.count != classCount {
                throw .invalidProbabilityRow(
                    metric: metric, row: rowIndex, detail: "has \(row.count) values but row 0 has \(classCount)")
            }
            var sum = 0.0
            for (column, value) in row.enumerated() {
                if !(value >= 0 && value <= 1) {
                    throw .invalidProbabilityRow(
                        metric: metric, row: rowIndex, detail: "holds \(value) in column \(column), outside [0, 1]")
                }
                sum += value
            }
            if abs(sum - 1) > Metrics.probabilitySumTolerance {
                throw .invalidProbabilityRow(
                    metric: metric, row: rowIndex,
                    detail: "sums to \(sum), not 1 (tolerance \(Metrics.probabilitySumTolerance))")
            }
        }
        return classCount
    }

    /// Throws unless every row has the same width (at least 2) and finite values; the rows
    /// need not be probabilities (used by top-k accuracy, which only ranks).
    @discardableResult
    static func requireScoreRows(_ rows: [[Double]], metric: String) throws(MetricError) -> Int {
        guard let classCount = rows.first?.count else { throw .emptyInput(metric: metric) }
        if classCount < 2 {
            throw .invalidProbabilityRow(metric: metric, row: 0, detail: "has \(classCount) column; at least 2 classes are needed")
        }
        for (rowIndex, row) in rows.enumerated() {
            if row.count != classCount {
                throw .invalidProbabilityRow(
                    metric: metric, row: rowIndex, detail: "has \(row.count) values but row 0 has \(classCount)")
            }
            for (column, value) in row.enumerated() where !value.isFinite {
                throw .invalidProbabilityRow(metric: metric, row: rowIndex, detail: "holds \(value) in column \(column)")
            }
        }
        return classCount
    }
}
