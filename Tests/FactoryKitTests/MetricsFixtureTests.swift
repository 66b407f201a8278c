// MetricsFixtureTests: every metric against the scikit-learn reference values of
// classification.json (binary, multiclass, regression, verification sections).
// Tolerance: 1e-6 absolute for every value (the fixture README's tolerance); counts exactly.

import FactoryKit
import Foundation
import Testing

@Suite struct MetricsFixtureTests {
    /// The fixture README's tolerance: 1e-6 absolute.
    static let tolerance = 1e-6

    private func expectClose(_ actual: Double, _ expected: Double, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(abs(actual - expected) <= Self.tolerance, "\(what): \(actual) vs sklearn \(expected)", sourceLocation: sourceLocation)
    }

    // MARK: binary (scores with ties, exact 0s and 1s)

    @Test func binaryROCAUCAndAveragePrecision() throws {
        let binary = try MetricsFixture().section("binary")
        let labels = try binary.integers("y_true")
        let scores = try binary.doubles("y_score")
        expectClose(try Metrics.rocAUC(labels: labels, scores: scores), try binary.double("roc_auc"), "roc_auc")
        expectClose(try Metrics.averagePrecision(labels: labels, scores: scores), try binary.double("average_precision"), "average_precision")
    }

    @Test func binaryROCCurvePoints() throws {
        let binary = try MetricsFixture().section("binary")
        let curve = try Metrics.rocCurve(labels: binary.integers("y_true"), scores: binary.doubles("y_score"))
        let expected = try binary.section("roc_curve")
        let fpr = try expected.doubles("fpr")
        let tpr = try expected.doubles("tpr")
        try #require(curve.falsePositiveRates.count == fpr.count, "sklearn's roc_curve (drop_intermediate) has \(fpr.count) points")
        try #require(curve.truePositiveRates.count == tpr.count)
        for index in fpr.indices {
            expectClose(curve.falsePositiveRates[index], fpr[index], "fpr[\(index)]")
            expectClose(curve.truePositiveRates[index], tpr[index], "tpr[\(index)]")
        }
        #expect(curve.thresholds.first == .infinity)
        expectClose(curve.area, try binary.double("roc_auc"), "area of the curve")
    }

    @Test func binaryBrierAndLogLoss() throws {
        let binary = try MetricsFixture().section("binary")
        let labels = try binary.integers("y_true")
        let scores = try binary.doubles("y_score")
        expectClose(try Metrics.brierScore(labels: labels, scores: scores), try binary.double("brier"), "brier")
        // The fixture's scores include exact 0s and 1s (one of them wrong), so this checks the clipping ε too.
        expectClose(try Metrics.logLoss(labels: labels, scores: scores), try binary.double("log_loss"), "log_loss")
    }

    @Test func binaryF1AtHalf() throws {
        let binary = try MetricsFixture().section("binary")
        let labels = try binary.integers("y_true")
        let predictions = try Metrics.binaryPredictions(scores: binary.doubles("y_score"), threshold: 0.5)
        let confusion = try ConfusionMatrix(labels: labels, predictions: predictions, classCount: 2)
        expectClose(confusion.classScores()[1].f1, try binary.double("f1_at_0.5"), "f1_at_0.5")
    }

    // MARK: multiclass (4 classes, probability rows rounded to 6 decimals)

    @Test func multiclassCountingMetrics() throws {
        let multiclass = try MetricsFixture().section("multiclass")
        let labels = try multiclass.integers("y_true")
        let predictions = try Metrics.predictedClasses(probabilities: multiclass.doubleRows("probs"))
        let confusion = try ConfusionMatrix(labels: labels, predictions: predictions, classCount: 4)
        #expect(confusion.counts == (try multiclass.integerRows("confusion_matrix")))
        expectClose(try Metrics.accuracy(labels: labels, predictions: predictions), try multiclass.double("accuracy"), "accuracy")
        expectClose(confusion.averageScores(.macro).f1, try multiclass.double("macro_f1"), "macro_f1")
        expectClose(confusion.averageScores(.micro).f1, try multiclass.double("micro_f1"), "micro_f1")
        expectClose(confusion.averageScores(.weighted).f1, try multiclass.double("weighted_f1"), "weighted_f1")
        let scores = confusion.classScores()
        let precision = try multiclass.doubles("per_class_precision")
        let recall = try multiclass.doubles("per_class_recall")
        for classIndex in 0..<4 {
            expectClose(scores[classIndex].precision, precision[classIndex], "precision[\(classIndex)]")
            expectClose(scores[classIndex].recall, recall[classIndex], "recall[\(classIndex)]")
        }
    }

    @Test func multiclassProbabilityMetrics() throws {
        let multiclass = try MetricsFixture().section("multiclass")
        let labels = try multiclass.integers("y_true")
        let probabilities = try multiclass.doubleRows("probs")
        expectClose(
            try Metrics.rocAUC(labels: labels, probabilities: probabilities, average: .macro),
            try multiclass.double("ovr_macro_roc_auc"), "ovr_macro_roc_auc")
        expectClose(try Metrics.logLoss(labels: labels, probabilities: probabilities), try multiclass.double("log_loss"), "log_loss")
        expectClose(
            try Metrics.expectedCalibrationError(labels: labels, probabilities: probabilities, binCount: 15),
            try multiclass.double("ece_15_bins"), "ece_15_bins")
    }

    // MARK: regression and verification

    @Test func regressionErrors() throws {
        let regression = try MetricsFixture().section("regression")
        let targets = try regression.doubles("y_true")
        let predictions = try regression.doubles("y_pred")
        expectClose(try Metrics.meanAbsoluteError(targets: targets, predictions: predictions), try regression.double("mae"), "mae")
        expectClose(try Metrics.rootMeanSquaredError(targets: targets, predictions: predictions), try regression.double("rmse"), "rmse")
        expectClose(try Metrics.r2Score(targets: targets, predictions: predictions), try regression.double("r2"), "r2")
        let rmse = try regression.double("rmse")
        expectClose(try Metrics.meanSquaredError(targets: targets, predictions: predictions), rmse * rmse, "mse = rmse²")
    }

    @Test func verificationEqualErrorRate() throws {
        let verification = try MetricsFixture().section("verification")
        let result = try Metrics.equalErrorRate(genuine: verification.doubles("genuine"), impostor: verification.doubles("impostor"))
        expectClose(result.rate, try verification.double("eer"), "eer")
        #expect(result.threshold.isFinite)
        #expect(abs(result.falseNegativeRate - result.falsePositiveRate) < 0.01)
    }

    // MARK: the report over the same data

    @Test func reportOnMulticlassFixture() throws {
        let multiclass = try MetricsFixture().section("multiclass")
        let names = ["ant", "bee", "cat", "dog"]
        let report = try ClassificationReport(
            labels: multiclass.integers("y_true"), probabilities: multiclass.doubleRows("probs"), classNames: names)
        let expected: [(ClassificationReport.MetricName, String)] = [
            (.accuracy, "accuracy"), (.macroF1, "macro_f1"), (.microF1, "micro_f1"), (.weightedF1, "weighted_f1"),
            (.rocAUC, "ovr_macro_roc_auc"), (.logLoss, "log_loss"), (.ece, "ece_15_bins"),
        ]
        for (name, key) in expected {
            let value = try #require(report[name], "\(name.rawValue) missing")
            expectClose(value, try multiclass.double(key), name.rawValue)
        }
        #expect(report[.top5Accuracy] == nil, "4 classes: top-5 accuracy does not apply")
        #expect(report.confusionMatrix.counts == (try multiclass.integerRows("confusion_matrix")))
        #expect(report.classes.map(\.name) == names)
        let precision = try multiclass.doubles("per_class_precision")
        let recall = try multiclass.doubles("per_class_recall")
        for (index, row) in report.classes.enumerated() {
            expectClose(row.precision, precision[index], "report precision[\(index)]")
            expectClose(row.recall, recall[index], "report recall[\(index)]")
        }
        #expect(report.notes.isEmpty)
    }

    @Test func reportOnBinaryFixture() throws {
        let binary = try MetricsFixture().section("binary")
        let scores = try binary.doubles("y_score")
        let report = try ClassificationReport(labels: binary.integers("y_true"), probabilities: scores.map { [1 - $0, $0] })
        let expected: [(ClassificationReport.MetricName, String)] = [
            (.rocAUC, "roc_auc"), (.averagePrecision, "average_precision"), (.brier, "brier"), (.logLoss, "log_loss"),
        ]
        for (name, key) in expected {
            let value = try #require(report[name], "\(name.rawValue) missing")
            expectClose(value, try binary.double(key), name.rawValue)
        }
        #expect(report.classNames == ["0", "1"])
    }
}
