// MetricsHandComputedTests: small cases worked out by hand (shown in the comments): tied
// scores, a class never predicted, a class absent altogether, one class only, top-k ties,
// calibration-bin edges, the clipping ε, constant regression targets.
// Tolerance: 1e-12 absolute (the values are short sums of exact fractions).

import FactoryKit
import Foundation
import Testing

@Suite struct MetricsHandComputedTests {
    static let tolerance = 1e-12

    private func expectClose(_ actual: Double, _ expected: Double, _ what: String = "", sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(abs(actual - expected) <= Self.tolerance, "\(what): \(actual) vs \(expected)", sourceLocation: sourceLocation)
    }

    private func expectClose(_ actual: [Double], _ expected: [Double], _ what: String = "", sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(actual.count == expected.count, "\(what): \(actual) vs \(expected)", sourceLocation: sourceLocation)
        for (a, e) in zip(actual, expected) {
            #expect(abs(a - e) <= Self.tolerance, "\(what): \(actual) vs \(expected)", sourceLocation: sourceLocation)
        }
    }

    // MARK: ROC and precision-recall

    /// sklearn's documented example: y = [0, 0, 1, 1], s = [0.1, 0.4, 0.35, 0.8].
    @Test func sklearnDocumentationExample() throws {
        let labels = [0, 0, 1, 1]
        let scores = [0.1, 0.4, 0.35, 0.8]
        let curve = try Metrics.rocCurve(labels: labels, scores: scores)
        expectClose(curve.falsePositiveRates, [0, 0, 0.5, 0.5, 1], "fpr")
        expectClose(curve.truePositiveRates, [0, 0.5, 0.5, 1, 1], "tpr")
        #expect(curve.thresholds == [.infinity, 0.8, 0.4, 0.35, 0.1])
        expectClose(try Metrics.rocAUC(labels: labels, scores: scores), 0.75, "auc")
        // Steps: (R 0.5, P 1), (R 0.5, P 0.5), (R 1, P 2/3), (R 1, P 0.5) → 0.5·1 + 0.5·2/3.
        expectClose(try Metrics.averagePrecision(labels: labels, scores: scores), 0.5 + 1.0 / 3, "ap")
    }

    /// Tied scores make one threshold: y = [1, 0, 1, 0], s = [0.9, 0.7, 0.7, 0.2].
    /// Thresholds 0.9 (tp 1, fp 0), 0.7 (tp 2, fp 1), 0.2 (tp 2, fp 2).
    /// AUC: pairs (0.9>0.7) (0.9>0.2) (0.7=0.7 → ½) (0.7>0.2) = 3.5 / 4.
    /// AP: 0.5·1 + 0.5·(2/3) (the tie is one step, not two).
    @Test func tiedScoresFormOneThreshold() throws {
        let labels = [1, 0, 1, 0]
        let scores = [0.9, 0.7, 0.7, 0.2]
        let curve = try Metrics.rocCurve(labels: labels, scores: scores, dropIntermediate: false)
        #expect(curve.thresholds == [.infinity, 0.9, 0.7, 0.2])
        expectClose(curve.falsePositiveRates, [0, 0, 0.5, 1], "fpr")
        expectClose(curve.truePositiveRates, [0, 0.5, 1, 1], "tpr")
        expectClose(try Metrics.rocAUC(labels: labels, scores: scores), 0.875, "auc")
        expectClose(try Metrics.averagePrecision(labels: labels, scores: scores), 0.5 + 1.0 / 3, "ap")
        // The same samples in another order give the same answers.
        let order = [2, 0, 3, 1]
        expectClose(try Metrics.rocAUC(labels: order.map { labels[$0] }, scores: order.map { scores[$0] }), 0.875, "auc, reordered")
        expectClose(try Metrics.averagePrecision(labels: order.map { labels[$0] }, scores: order.map { scores[$0] }), 0.5 + 1.0 / 3)

        let pr = try Metrics.precisionRecallCurve(labels: labels, scores: scores)
        expectClose(pr.precisions, [0.5, 2.0 / 3, 1, 1], "precision")
        expectClose(pr.recalls, [1, 1, 0.5, 0], "recall")
        #expect(pr.thresholds == [0.2, 0.7, 0.9])
    }

    /// All scores equal: one threshold, the diagonal; AUC ½ and AP = the positive rate.
    @Test func allScoresTied() throws {
        let labels = [0, 1, 0, 1]
        let scores = [0.5, 0.5, 0.5, 0.5]
        expectClose(try Metrics.rocAUC(labels: labels, scores: scores), 0.5, "auc")
        expectClose(try Metrics.averagePrecision(labels: labels, scores: scores), 0.5, "ap")
        let curve = try Metrics.rocCurve(labels: labels, scores: scores)
        expectClose(curve.falsePositiveRates, [0, 1])
        expectClose(curve.truePositiveRates, [0, 1])
    }

    /// y = [1, 1, 0, 0], s = [0.9, 0.8, 0.3, 0.1]: the points at 0.8 → 0.3 → 0.1 run along
    /// the top edge; sklearn drops the middle one (0.3) and keeps the ends.
    @Test func dropIntermediateRemovesCollinearPoints() throws {
        let labels = [1, 1, 0, 0]
        let scores = [0.9, 0.8, 0.3, 0.1]
        let full = try Metrics.rocCurve(labels: labels, scores: scores, dropIntermediate: false)
        let dropped = try Metrics.rocCurve(labels: labels, scores: scores)
        expectClose(full.falsePositiveRates, [0, 0, 0, 0.5, 1])
        expectClose(dropped.falsePositiveRates, [0, 0, 0, 1])
        expectClose(dropped.truePositiveRates, [0, 0.5, 1, 1])
        #expect(dropped.thresholds == [.infinity, 0.9, 0.8, 0.1])
        expectClose(full.area, 1)
        expectClose(dropped.area, 1)
    }

    /// ROC-AUC with one class only is undefined (sklearn raises); AP with positives only is 1.
    @Test func singleClassPresent() throws {
        #expect(throws: MetricError.self) { try Metrics.rocAUC(labels: [1, 1, 1], scores: [0.2, 0.5, 0.9]) }
        #expect(throws: MetricError.self) { try Metrics.rocAUC(labels: [0, 0], scores: [0.2, 0.5]) }
        #expect(throws: MetricError.self) { try Metrics.averagePrecision(labels: [0, 0], scores: [0.2, 0.5]) }
        expectClose(try Metrics.averagePrecision(labels: [1, 1], scores: [0.2, 0.5]), 1, "ap, positives only")
        do {
            _ = try Metrics.rocAUC(labels: [1, 1, 1], scores: [0.2, 0.5, 0.9])
        } catch {
            guard case .undefined = error else {
                Issue.record("expected .undefined, got \(error)")
                return
            }
            #expect(error.description.contains("no negative samples"))
        }
    }

    /// One-vs-rest with three classes; labels [0, 1, 2, 2], rows below. Per class:
    /// class 0: positives {0.8}, negatives {0.0, 0.1, 0.2} → 1
    /// class 1: positives {0.4}, negatives {0.1, 0.3, 0.1} → 1
    /// class 2: positives {0.6, 0.7}, negatives {0.1, 0.6} → (1 + ½ + 1 + 1) / 4 = 0.875 (a tie)
    /// macro = (1 + 1 + 0.875) / 3; weighted by prevalence (1, 1, 2) = (1 + 1 + 1.75) / 4.
    @Test func oneVsRestAverages() throws {
        let labels = [0, 1, 2, 2]
        let probabilities = [[0.8, 0.1, 0.1], [0.0, 0.4, 0.6], [0.1, 0.3, 0.6], [0.2, 0.1, 0.7]]
        expectClose(try Metrics.rocAUC(labels: labels, probabilities: probabilities, average: .macro), 2.875 / 3, "macro")
        expectClose(try Metrics.rocAUC(labels: labels, probabilities: probabilities, average: .weighted), 3.75 / 4, "weighted")
        // Micro: the 12 cells as one binary problem. Positives {0.8, 0.4, 0.6, 0.7}, negatives
        // {0.1, 0.1, 0.0, 0.6, 0.1, 0.3, 0.2, 0.1}: 8 + 7 + 7.5 + 8 wins of 32 pairs.
        expectClose(try Metrics.rocAUC(labels: labels, probabilities: probabilities, average: .micro), 30.5 / 32, "micro")
        // A class with no sample: undefined, as sklearn.
        #expect(throws: MetricError.self) { try Metrics.rocAUC(labels: [0, 1, 1, 0], probabilities: probabilities) }
        #expect(throws: MetricError.self) { try Metrics.averagePrecision(labels: [0, 1, 1, 0], probabilities: probabilities) }
    }

    // MARK: precision, recall, F1

    /// labels [0, 1, 2, 2], predictions [0, 0, 2, 2]: class 1 is never predicted.
    /// class 0: tp 1 fp 1 fn 0 → P ½, R 1, F1 2/3; class 1: tp 0 fp 0 fn 1 → P = zero division,
    /// R 0, F1 0 (2·0 / (0 + 0 + 1)); class 2: tp 2 → 1, 1, 1.
    @Test func classNeverPredicted() throws {
        let confusion = try ConfusionMatrix(labels: [0, 1, 2, 2], predictions: [0, 0, 2, 2], classCount: 3)
        #expect(confusion.counts == [[1, 0, 0], [1, 0, 0], [0, 0, 2]])
        let scores = confusion.classScores()
        #expect(scores[1] == ClassScores(precision: 0, recall: 0, f1: 0, support: 1))
        expectClose(scores[0].f1, 2.0 / 3)
        expectClose(confusion.averageScores(.macro).f1, (2.0 / 3 + 0 + 1) / 3, "macro f1")
        expectClose(confusion.averageScores(.macro).precision, 1.5 / 3, "macro precision")
        expectClose(confusion.averageScores(.micro).f1, 0.75, "micro f1 = accuracy")
        expectClose(confusion.averageScores(.weighted).f1, (2.0 / 3 + 0 + 2) / 4, "weighted f1")

        let withOne = confusion.classScores(zeroDivision: 1)
        #expect(withOne[1].precision == 1)
        #expect(withOne[1].f1 == 0, "F1 is 2·tp / (2·tp + fp + fn) = 0 / 1, no zero division")
        expectClose(confusion.averageScores(.macro, zeroDivision: 1).precision, 2.5 / 3)

        let withNaN = confusion.classScores(zeroDivision: .nan)
        #expect(withNaN[1].precision.isNaN)
        expectClose(confusion.averageScores(.macro, zeroDivision: .nan).precision, 1.5 / 2, "NaN skipped in the mean")
    }

    /// A fourth class absent from labels and predictions does not change the averages
    /// (sklearn averages over the labels that occur) and gets a row of zero-division values.
    @Test func classAbsentEverywhere() throws {
        let three = try ConfusionMatrix(labels: [0, 1, 2, 2], predictions: [0, 0, 2, 2], classCount: 3)
        let four = try ConfusionMatrix(labels: [0, 1, 2, 2], predictions: [0, 0, 2, 2], classCount: 4)
        #expect(four.occurringClasses == [0, 1, 2])
        for average in MetricAverage.allCases {
            #expect(four.averageScores(average) == three.averageScores(average), "\(average)")
        }
        #expect(four.classScores()[3] == ClassScores(precision: 0, recall: 0, f1: 0, support: 0))
    }

    // MARK: accuracy and top-k

    /// Row [0.3, 0.3, 0.4]: sklearn ranks class 2, then class 1 (equal scores: higher index
    /// first), then class 0. So top-2 holds {2, 1}: a hit for label 1, a miss for label 0.
    @Test func topKTieBreaking() throws {
        let row = [0.3, 0.3, 0.4]
        #expect(try Metrics.topKAccuracy(labels: [1], scores: [row], k: 2) == 1)
        #expect(try Metrics.topKAccuracy(labels: [0], scores: [row], k: 2) == 0)
        #expect(try Metrics.topKAccuracy(labels: [0], scores: [row], k: 3) == 1)
        #expect(try Metrics.topKAccuracy(labels: [0, 1, 2], scores: [row, row, row], k: 1) == 1.0 / 3)
        // argmax takes the first of equal maxima (numpy), so [0.5, 0.5] predicts class 0.
        #expect(try Metrics.predictedClasses(probabilities: [[0.5, 0.5], [0.2, 0.8]]) == [0, 1])
        #expect(try Metrics.accuracy(labels: [0, 1, 1], predictions: [0, 1, 0]) == 2.0 / 3)
    }

    @Test func binaryPredictionsIncludeTheThreshold() throws {
        #expect(try Metrics.binaryPredictions(scores: [0.49, 0.5, 0.51], threshold: 0.5) == [0, 1, 1])
    }

    // MARK: calibration

    /// Rows (confidence, correct): (0.8, yes), (0.6, no), (0.9, yes). With 5 bins (lo, hi],
    /// 0.8 and 0.6 sit on edges and go to the lower bins (0.6, 0.8] and (0.4, 0.6].
    /// ECE = ⅓·|1 − 0.8| + ⅓·|0 − 0.6| + ⅓·|1 − 0.9| = 0.3.
    @Test func calibrationBinsAndECE() throws {
        let labels = [0, 0, 0]
        let probabilities = [[0.8, 0.2], [0.4, 0.6], [0.9, 0.1]]
        let bins = try Metrics.calibrationBins(labels: labels, probabilities: probabilities, binCount: 5)
        #expect(bins.map(\.count) == [0, 0, 1, 1, 1])
        #expect(bins[2].accuracy == 0 && bins[3].accuracy == 1)
        expectClose(bins[3].meanConfidence, 0.8)
        expectClose(bins.map(\.upperBound), [0.2, 0.4, 0.6, 0.8, 1.0])
        expectClose(try Metrics.expectedCalibrationError(labels: labels, probabilities: probabilities, binCount: 5), 0.3, "ece")
        // Perfect calibration: confidence 1 and always right.
        expectClose(try Metrics.expectedCalibrationError(labels: [1, 0], probabilities: [[0, 1], [1, 0]]), 0, "ece, perfect")
    }

    // MARK: log loss and Brier

    /// A wrong prediction of exactly 0 costs −log ε: 16.118… with ε = 1e-7 (the default),
    /// 36.04… with sklearn's Float64 ε. A right prediction of 1 costs −log(1 − ε).
    @Test func logLossClipping() throws {
        expectClose(try Metrics.logLoss(labels: [1], scores: [0]), -log(1e-7), "default ε")
        expectClose(try Metrics.logLoss(labels: [1], scores: [0], epsilon: .ulpOfOne), -log(Double.ulpOfOne), "Float64 ε")
        expectClose(try Metrics.logLoss(labels: [1, 0], scores: [1, 0]), -log(1 - 1e-7), "right and certain")
        // Two-column probabilities give the binary loss.
        let scores = [0.2, 0.7, 0.5]
        let labels = [0, 1, 1]
        expectClose(
            try Metrics.logLoss(labels: labels, probabilities: scores.map { [1 - $0, $0] }),
            try Metrics.logLoss(labels: labels, scores: scores), "2 columns = binary")
        // −(log 0.8 + log 0.7 + log 0.5) / 3
        expectClose(try Metrics.logLoss(labels: labels, scores: scores), -(log(0.8) + log(0.7) + log(0.5)) / 3)
    }

    /// Binary: ((1 − 0.8)² + (0 − 0.4)²) / 2 = 0.1. Multiclass [0.7, 0.2, 0.1] with class 0:
    /// 0.3² + 0.2² + 0.1² = 0.14; with 2 classes the multiclass score is twice the binary one.
    @Test func brierScores() throws {
        expectClose(try Metrics.brierScore(labels: [1, 0], scores: [0.8, 0.4]), 0.1, "binary")
        expectClose(try Metrics.brierScore(labels: [0], probabilities: [[0.7, 0.2, 0.1]]), 0.14, "multiclass")
        expectClose(try Metrics.brierScore(labels: [1, 0], probabilities: [[0.2, 0.8], [0.6, 0.4]]), 0.2, "2 columns")
    }

    // MARK: regression and verification

    /// targets [1, 2, 3], predictions [1, 2, 5]: MAE 2/3, MSE 4/3, R² = 1 − 4/2 = −1.
    /// Constant targets: R² is 1 for perfect predictions and 0 otherwise (sklearn's force_finite).
    @Test func regressionErrors() throws {
        expectClose(try Metrics.meanAbsoluteError(targets: [1, 2, 3], predictions: [1, 2, 5]), 2.0 / 3, "mae")
        expectClose(try Metrics.meanSquaredError(targets: [1, 2, 3], predictions: [1, 2, 5]), 4.0 / 3, "mse")
        expectClose(try Metrics.rootMeanSquaredError(targets: [1, 2, 3], predictions: [1, 2, 5]), (4.0 / 3).squareRoot(), "rmse")
        expectClose(try Metrics.r2Score(targets: [1, 2, 3], predictions: [1, 2, 5]), -1, "r2")
        #expect(try Metrics.r2Score(targets: [2, 2, 2], predictions: [2, 2, 2]) == 1)
        #expect(try Metrics.r2Score(targets: [2, 2, 2], predictions: [1, 2, 3]) == 0)
    }

    /// genuine [0.9, 0.8, 0.4], impostor [0.5, 0.3, 0.2]. ROC points (threshold: FPR, FNR):
    /// ∞: 0, 1; 0.9: 0, ⅔; 0.8: 0, ⅓; 0.5: ⅓, ⅓; 0.4: ⅓, 0; (0.3 dropped); 0.2: 1, 0.
    /// |FNR − FPR| is 0 at 0.5 → EER ⅓.
    @Test func equalErrorRate() throws {
        let result = try Metrics.equalErrorRate(genuine: [0.9, 0.8, 0.4], impostor: [0.5, 0.3, 0.2])
        expectClose(result.rate, 1.0 / 3, "eer")
        #expect(result.threshold == 0.5)
        expectClose(result.falsePositiveRate, 1.0 / 3)
        expectClose(result.falseNegativeRate, 1.0 / 3)
        // Perfectly separated scores: EER 0.
        #expect(try Metrics.equalErrorRate(genuine: [0.9, 0.8], impostor: [0.1]).rate == 0)
        #expect(throws: MetricError.self) { try Metrics.equalErrorRate(genuine: [0.9], impostor: []) }
    }
}
