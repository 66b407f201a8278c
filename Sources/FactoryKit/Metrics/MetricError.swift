// MetricError: everything that can be wrong with the data handed to a metric. Each case names
// the metric and the offending position, and says what to do.
// NOT for programmer errors inside the metrics themselves (there are none to report).

/// The input of a metric is unusable, or the metric is undefined for it.
public enum MetricError: Error, CustomStringConvertible, Equatable, Sendable {
    /// There are no samples.
    case emptyInput(metric: String)
    /// The ground truth and the predictions (scores, probabilities, targets) differ in length.
    case lengthMismatch(metric: String, truthCount: Int, predictionCount: Int)
    /// A label is not a class index `0..<classCount`.
    case labelOutOfRange(metric: String, index: Int, label: Int, classCount: Int)
    /// A binary metric received a label other than 0 or 1.
    case nonBinaryLabel(metric: String, index: Int, label: Int)
    /// A score or a value is not finite, or a probability is outside `[0, 1]`.
    case invalidValue(metric: String, index: Int, value: Double, requirement: String)
    /// A probability row has the wrong width, a value outside `[0, 1]`, or does not sum to 1.
    case invalidProbabilityRow(metric: String, row: Int, detail: String)
    /// The metric is not defined for this data (for example ROC-AUC when one class is absent).
    case undefined(metric: String, reason: String)
    /// An argument other than the data is out of range (k, a bin count, class names).
    case invalidArgument(metric: String, detail: String)

    /// The user-facing message: what went wrong, where, and what to do.
    public var description: String {
        switch self {
        case let .emptyInput(metric):
            return "\(metric): there are no samples. Evaluate on a non-empty data set (check the split sizes)."
        case let .lengthMismatch(metric, truthCount, predictionCount):
            return "\(metric): \(truthCount) ground-truth values but \(predictionCount) predictions. "
                + "Pass one prediction per sample, in the same order."
        case let .labelOutOfRange(metric, index, label, classCount):
            return "\(metric): label \(label) at position \(index) is not a class index 0..<\(classCount). "
                + "Check the label mapping against the model's classes."
        case let .nonBinaryLabel(metric, index, label):
            return "\(metric): label \(label) at position \(index) is not 0 or 1. "
                + "Binary metrics need 0 (negative) and 1 (positive); use the multiclass form for more classes."
        case let .invalidValue(metric, index, value, requirement):
            return "\(metric): value \(value) at position \(index) is invalid (\(requirement)). "
                + "Check the model's outputs for NaN or unnormalised values."
        case let .invalidProbabilityRow(metric, row, detail):
            return "\(metric): probability row \(row) \(detail). "
                + "Pass softmax outputs: one row per sample, one column per class, each row summing to 1."
        case let .undefined(metric, reason):
            return "\(metric) is undefined here: \(reason). Evaluate on data that holds every class."
        case let .invalidArgument(metric, detail):
            return "\(metric): \(detail)."
        }
    }
}
