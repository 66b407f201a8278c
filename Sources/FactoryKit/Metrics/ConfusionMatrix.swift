// ConfusionMatrix: counts of (true class, predicted class) pairs over a fixed set of classes,
// as sklearn's `confusion_matrix(labels=range(classCount))`: rows are true classes, columns
// predicted classes. The per-class scores (precision, recall, F1) are read from it.
// NOT normalised (divide by row or column sums where a plot needs rates).

/// A square matrix of counts: `counts[trueClass][predictedClass]`.
public struct ConfusionMatrix: Sendable, Equatable {
    /// `counts[t][p]` is the number of samples of true class `t` predicted as class `p`.
    public let counts: [[Int]]

    /// The number of classes (rows and columns).
    public var classCount: Int { counts.count }

    /// The number of samples counted.
    public var total: Int { counts.reduce(0) { $0 + $1.reduce(0, +) } }

    /// Counts the pairs of true and predicted classes.
    /// - Parameters:
    ///   - labels: the true class of each sample, `0..<classCount`.
    ///   - predictions: the predicted class of each sample, `0..<classCount`, same length.
    ///   - classCount: the number of classes, at least 1; classes that never occur get zero rows
    ///     and columns.
    public init(labels: [Int], predictions: [Int], classCount: Int) throws(MetricError) {
        let metric = "confusion matrix"
        if classCount < 1 {
            throw .invalidArgument(metric: metric, detail: "the class count must be at least 1, got \(classCount)")
        }
        try MetricInputChecks.requireSameNonEmptyLength(
            truth: labels.count, predictions: predictions.count, metric: metric)
        try MetricInputChecks.requireClassLabels(labels, classCount: classCount, metric: metric)
        try MetricInputChecks.requireClassLabels(predictions, classCount: classCount, metric: metric + " (predictions)")
        var counts = [[Int]](repeating: [Int](repeating: 0, count: classCount), count: classCount)
        for (label, prediction) in zip(labels, predictions) { counts[label][prediction] += 1 }
        self.counts = counts
    }

    /// A matrix from counts already tallied (for example read back from a report).
    /// - Parameter counts: a square, non-empty matrix of non-negative counts.
    public init(counts: [[Int]]) throws(MetricError) {
        let metric = "confusion matrix"
        if counts.isEmpty { throw .emptyInput(metric: metric) }
        for (row, values) in counts.enumerated() {
            if values.count != counts.count {
                throw .invalidArgument(metric: metric, detail: "row \(row) has \(values.count) counts, expected \(counts.count) (square)")
            }
            if let negative = values.first(where: { $0 < 0 }) {
                throw .invalidArgument(metric: metric, detail: "row \(row) holds the negative count \(negative)")
            }
        }
        self.counts = counts
    }

    /// Samples of `classIndex` predicted as `classIndex`; `classIndex` in `0..<classCount`.
    public func truePositives(_ classIndex: Int) -> Int { counts[classIndex][classIndex] }

    /// Samples whose true class is `classIndex` (the row sum): the class's support;
    /// `classIndex` in `0..<classCount`.
    public func support(_ classIndex: Int) -> Int { counts[classIndex].reduce(0, +) }

    /// Samples predicted as `classIndex` (the column sum); `classIndex` in `0..<classCount`.
    public func predictedCount(_ classIndex: Int) -> Int { counts.reduce(0) { $0 + $1[classIndex] } }
}

extension ConfusionMatrix: Codable {
    private enum CodingKeys: String, CodingKey { case counts }

    /// Decodes `{"counts": [[…]]}` and checks the matrix is square with non-negative counts.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let counts = try container.decode([[Int]].self, forKey: .counts)
        let matrix: ConfusionMatrix
        do throws(MetricError) {
            matrix = try ConfusionMatrix(counts: counts)
        } catch {
            throw DecodingError.dataCorruptedError(forKey: .counts, in: container, debugDescription: error.description)
        }
        self = matrix
    }

    /// Encodes `{"counts": [[…]]}`, rows = true class.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(counts, forKey: .counts)
    }
}
