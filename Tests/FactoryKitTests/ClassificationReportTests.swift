// ClassificationReportTests: the report's metric names, when metrics are left out, the JSON
// round trip and the text table. Reference values are hand-computed (shown in comments);
// the fixture comparisons of the report live in MetricsFixtureTests.
// Tolerance: 1e-12 absolute.

import FactoryKit
import Foundation
import Testing

@Suite struct ClassificationReportTests {
    static let tolerance = 1e-12

    /// Three classes, four samples: predictions (argmax) [0, 0, 2, 2] against labels [0, 1, 2, 2].
    static let labels = [0, 1, 2, 2]
    static let probabilities = [[0.7, 0.2, 0.1], [0.5, 0.3, 0.2], [0.1, 0.1, 0.8], [0.2, 0.3, 0.5]]

    @Test func metricNamesAreTheStandardSet() throws {
        let report = try ClassificationReport(labels: Self.labels, probabilities: Self.probabilities, classNames: ["ok", "scratch", "dent"])
        #expect(Set(report.metrics.keys) == [
            "accuracy", "macro_f1", "micro_f1", "weighted_f1", "macro_precision", "macro_recall",
            "roc_auc", "average_precision", "log_loss", "brier", "ece",
        ])
        #expect(report[.accuracy] == 0.75)
        // Class 1 never predicted: F1 (2/3, 0, 1) → macro 5/9; precision (½, 0, 1) → ½.
        #expect(abs(try #require(report[.macroF1]) - 5.0 / 9) <= Self.tolerance)
        #expect(abs(try #require(report[.macroPrecision]) - 0.5) <= Self.tolerance)
        #expect(abs(try #require(report[.macroRecall]) - 2.0 / 3) <= Self.tolerance)
        // −(log 0.7 + log 0.3 + log 0.8 + log 0.5) / 4
        let logLoss = -(log(0.7) + log(0.3) + log(0.8) + log(0.5)) / 4
        #expect(abs(try #require(report[.logLoss]) - logLoss) <= Self.tolerance)
        #expect(report.classes.map(\.support) == [1, 1, 2])
        #expect(report.classes[1] == .init(name: "scratch", precision: 0, recall: 0, f1: 0, support: 1))
        #expect(report.confusionMatrix.counts == [[1, 0, 0], [1, 0, 0], [0, 0, 2]])
        #expect(report.sampleCount == 4)
    }

    @Test func topFiveAppearsWithMoreThanFiveClasses() throws {
        // Six classes; the true class of sample 0 ranks 6th (lowest), of sample 1 first.
        let rows = [[0.3, 0.2, 0.15, 0.15, 0.15, 0.05], [0.5, 0.1, 0.1, 0.1, 0.1, 0.1]]
        let report = try ClassificationReport(labels: [5, 0], probabilities: rows)
        #expect(report[.top5Accuracy] == 0.5)
        // Classes 1–4 have no sample: the one-vs-rest AUC and AP are left out, with a reason.
        #expect(report[.rocAUC] == nil)
        #expect(report[.averagePrecision] == nil)
        #expect(report.notes.count == 2)
        #expect(report.notes.allSatisfy { $0.contains("class 1 has no sample") })
    }

    @Test func binaryReportUsesThePositiveColumn() throws {
        // Scores of class 1: [0.9, 0.7, 0.7, 0.2] for labels [1, 0, 1, 0] (the tie case).
        let scores = [0.9, 0.7, 0.7, 0.2]
        let report = try ClassificationReport(labels: [1, 0, 1, 0], probabilities: scores.map { [1 - $0, $0] })
        #expect(abs(try #require(report[.rocAUC]) - 0.875) <= Self.tolerance)
        #expect(abs(try #require(report[.averagePrecision]) - (0.5 + 1.0 / 3)) <= Self.tolerance)
        // Brier: (0.1² + 0.7² + 0.3² + 0.2²) / 4 = 0.63 / 4.
        #expect(abs(try #require(report[.brier]) - 0.63 / 4) <= Self.tolerance)
    }

    @Test func jsonRoundTripWithSnakeCaseKeys() throws {
        let report = try ClassificationReport(labels: Self.labels, probabilities: Self.probabilities, classNames: ["ok", "scratch", "dent"])
        let data = try report.jsonData()
        let text = try #require(String(data: data, encoding: .utf8))
        #expect(text.contains("\"confusion_matrix\""))
        #expect(text.contains("\"class_names\""))
        #expect(text.contains("\"macro_f1\""))
        let decoded = try JSONDecoder().decode(ClassificationReport.self, from: data)
        #expect(decoded == report)
    }

    @Test func decodingRejectsANonSquareMatrix() throws {
        let json = #"{"counts": [[1, 2], [3]]}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(ConfusionMatrix.self, from: Data(json.utf8)) }
    }

    @Test func textTableShowsClassesMetricsAndMatrix() throws {
        let report = try ClassificationReport(labels: Self.labels, probabilities: Self.probabilities, classNames: ["ok", "scratch", "dent"])
        let text = report.textTable()
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let rows = lines.map { $0.split(separator: " ").map(String.init) }
        #expect(rows.contains(["precision", "recall", "f1-score", "support"]))
        #expect(rows.contains(["scratch", "0.0000", "0.0000", "0.0000", "1"]))
        #expect(rows.contains(["accuracy", "0.7500", "4"]))
        #expect(rows.contains(["macro", "avg", "0.5000", "0.6667", "0.5556", "4"]))
        #expect(rows.contains(["macro_f1", "0.5556"]))
        #expect(lines.contains("confusion matrix (rows: true class, columns: predicted class)"))
        #expect(rows.contains(["ok", "scratch", "dent"]))
        #expect(rows.contains(["dent", "0", "0", "2"]))
        #expect(lines.allSatisfy { !$0.hasSuffix(" ") }, "no trailing spaces")
        #expect(report.description == text)
    }
}
