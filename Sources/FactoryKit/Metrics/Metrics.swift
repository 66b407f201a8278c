// Metrics: the namespace of the evaluation metrics (classification, ranking, calibration,
// regression, verification) and the conventions they share. The reference is scikit-learn
// (../shared/fixtures/metrics/classification.json); each metric's documentation says where
// and why it departs from sklearn's defaults.
// NOT here: losses used for training (those are Tensor ops in FactoryTensor), and metrics
// over sequences (BLEU, chrF, TER).

/// Evaluation metrics computed in `Double` from labels, scores and class probabilities.
///
/// Conventions shared by every metric:
/// - Labels are class indices `0..<classCount`; binary labels are `0` (negative) and `1`
///   (positive).
/// - A probability matrix is one row per sample and one column per class; every row has the
///   same width, values are finite and within `[0, 1]`, and each row sums to 1 within
///   ``probabilitySumTolerance``.
/// - Scores for ranking metrics (ROC, precision-recall) are any finite numbers; ties are
///   grouped into one threshold, as sklearn does.
/// - Bad input (empty arrays, mismatched lengths, a label outside the class range, a
///   non-finite score, a probability row that does not sum to 1) throws ``MetricError``;
///   a metric that is undefined for the data (ROC-AUC with one class) also throws, it never
///   returns NaN silently.
public enum Metrics {
    /// How far a probability row's sum may be from 1: `1e-4`, absolute. Float32 softmax
    /// outputs pass comfortably; rows that were not normalised do not.
    public static let probabilitySumTolerance = 1e-4
}
