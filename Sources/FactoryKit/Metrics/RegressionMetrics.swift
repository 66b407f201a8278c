// RegressionMetrics: errors of real-valued predictions against real-valued targets, as
// sklearn's `mean_absolute_error`, `mean_squared_error`, `root_mean_squared_error` and
// `r2_score` (single output, no sample weights).
// NOT multi-output, and NOT percentage errors (MAPE) or quantile losses.

extension Metrics {
    /// Mean absolute error: mean |y − ŷ|.
    /// - Parameters:
    ///   - targets: the true values, finite, non-empty.
    ///   - predictions: the predicted values, finite, same length.
    public static func meanAbsoluteError(targets: [Double], predictions: [Double]) throws(MetricError) -> Double {
        try checkRegression(targets, predictions, metric: "mean absolute error")
        var sum = 0.0
        for (target, prediction) in zip(targets, predictions) { sum += abs(target - prediction) }
        return sum / Double(targets.count)
    }

    /// Mean squared error: mean (y − ŷ)².
    /// - Parameters:
    ///   - targets: the true values, finite, non-empty.
    ///   - predictions: the predicted values, finite, same length.
    public static func meanSquaredError(targets: [Double], predictions: [Double]) throws(MetricError) -> Double {
        try checkRegression(targets, predictions, metric: "mean squared error")
        return sumOfSquaredErrors(targets, predictions) / Double(targets.count)
    }

    /// Root mean squared error: √(mean (y − ŷ)²), in the targets' unit.
    /// - Parameters:
    ///   - targets: the true values, finite, non-empty.
    ///   - predictions: the predicted values, finite, same length.
    public static func rootMeanSquaredError(targets: [Double], predictions: [Double]) throws(MetricError) -> Double {
        try checkRegression(targets, predictions, metric: "root mean squared error")
        return (sumOfSquaredErrors(targets, predictions) / Double(targets.count)).squareRoot()
    }

    /// Coefficient of determination: 1 − Σ(y − ŷ)² / Σ(y − ȳ)². Negative when the predictions
    /// are worse than predicting the mean.
    ///
    /// When the targets are all equal the ratio is undefined; as sklearn (`force_finite=True`)
    /// the result is then 1 for perfect predictions and 0 otherwise.
    /// - Parameters:
    ///   - targets: the true values, finite, non-empty.
    ///   - predictions: the predicted values, finite, same length.
    public static func r2Score(targets: [Double], predictions: [Double]) throws(MetricError) -> Double {
        try checkRegression(targets, predictions, metric: "R²")
        let mean = targets.reduce(0, +) / Double(targets.count)
        var totalSquares = 0.0
        for target in targets { totalSquares += (target - mean) * (target - mean) }
        let residualSquares = sumOfSquaredErrors(targets, predictions)
        if totalSquares == 0 { return residualSquares == 0 ? 1 : 0 }
        return 1 - residualSquares / totalSquares
    }

    private static func sumOfSquaredErrors(_ targets: [Double], _ predictions: [Double]) -> Double {
        var sum = 0.0
        for (target, prediction) in zip(targets, predictions) { sum += (target - prediction) * (target - prediction) }
        return sum
    }

    private static func checkRegression(_ targets: [Double], _ predictions: [Double], metric: String) throws(MetricError) {
        try MetricInputChecks.requireSameNonEmptyLength(truth: targets.count, predictions: predictions.count, metric: metric)
        try MetricInputChecks.requireFinite(targets, metric: metric + " (targets)")
        try MetricInputChecks.requireFinite(predictions, metric: metric + " (predictions)")
    }
}
