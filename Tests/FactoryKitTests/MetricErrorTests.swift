// MetricErrorTests: bad input to the metrics throws a MetricError naming the problem; it never
// traps and never returns NaN. One row per kind of bad input.

import FactoryKit
import Testing

@Suite struct MetricErrorTests {
    /// A metric call on bad input and the error case it must throw.
    struct BadInput: CustomTestStringConvertible, Sendable {
        let name: String
        let call: @Sendable () throws -> Void
        let matches: @Sendable (MetricError) -> Bool
        var testDescription: String { name }
    }

    static let cases: [BadInput] = [
        BadInput(name: "empty labels", call: { _ = try Metrics.accuracy(labels: [], predictions: []) },
                 matches: { if case .emptyInput = $0 { true } else { false } }),
        BadInput(name: "empty scores", call: { _ = try Metrics.rocAUC(labels: [], scores: []) },
                 matches: { if case .emptyInput = $0 { true } else { false } }),
        BadInput(name: "empty regression", call: { _ = try Metrics.r2Score(targets: [], predictions: []) },
                 matches: { if case .emptyInput = $0 { true } else { false } }),
        BadInput(name: "mismatched lengths", call: { _ = try Metrics.rocAUC(labels: [0, 1, 1], scores: [0.1, 0.2]) },
                 matches: { if case .lengthMismatch(_, 3, 2) = $0 { true } else { false } }),
        BadInput(name: "mismatched probability rows",
                 call: { _ = try Metrics.logLoss(labels: [0, 1], probabilities: [[0.5, 0.5]]) },
                 matches: { if case .lengthMismatch(_, 2, 1) = $0 { true } else { false } }),
        BadInput(name: "label outside the classes",
                 call: { _ = try Metrics.logLoss(labels: [0, 2], probabilities: [[0.5, 0.5], [0.5, 0.5]]) },
                 matches: { if case .labelOutOfRange(_, 1, 2, 2) = $0 { true } else { false } }),
        BadInput(name: "negative label", call: { _ = try ConfusionMatrix(labels: [-1], predictions: [0], classCount: 2) },
                 matches: { if case .labelOutOfRange(_, 0, -1, 2) = $0 { true } else { false } }),
        BadInput(name: "prediction outside the classes",
                 call: { _ = try ConfusionMatrix(labels: [0], predictions: [5], classCount: 2) },
                 matches: { if case .labelOutOfRange(_, 0, 5, 2) = $0 { true } else { false } }),
        BadInput(name: "non-binary label", call: { _ = try Metrics.averagePrecision(labels: [0, 2], scores: [0.1, 0.2]) },
                 matches: { if case .nonBinaryLabel(_, 1, 2) = $0 { true } else { false } }),
        BadInput(name: "NaN score", call: { _ = try Metrics.rocAUC(labels: [0, 1], scores: [.nan, 0.2]) },
                 matches: { if case .invalidValue(_, 0, _, _) = $0 { true } else { false } }),
        BadInput(name: "infinite target", call: { _ = try Metrics.meanAbsoluteError(targets: [.infinity], predictions: [1]) },
                 matches: { if case .invalidValue = $0 { true } else { false } }),
        BadInput(name: "probability above 1", call: { _ = try Metrics.brierScore(labels: [1], scores: [1.5]) },
                 matches: { if case .invalidValue(_, 0, 1.5, _) = $0 { true } else { false } }),
        BadInput(name: "row not summing to 1",
                 call: { _ = try Metrics.expectedCalibrationError(labels: [0, 1], probabilities: [[0.5, 0.5], [0.5, 0.4]]) },
                 matches: { if case .invalidProbabilityRow(_, 1, _) = $0 { true } else { false } }),
        BadInput(name: "rows of different widths",
                 call: { _ = try Metrics.rocAUC(labels: [0, 1], probabilities: [[0.5, 0.5], [0.2, 0.3, 0.5]]) },
                 matches: { if case .invalidProbabilityRow(_, 1, _) = $0 { true } else { false } }),
        BadInput(name: "negative probability",
                 call: { _ = try Metrics.brierScore(labels: [0], probabilities: [[1.2, -0.2]]) },
                 matches: { if case .invalidProbabilityRow(_, 0, _) = $0 { true } else { false } }),
        BadInput(name: "one column", call: { _ = try Metrics.logLoss(labels: [0], probabilities: [[1]]) },
                 matches: { if case .invalidProbabilityRow = $0 { true } else { false } }),
        BadInput(name: "NaN in a score row", call: { _ = try Metrics.topKAccuracy(labels: [0], scores: [[.nan, 1]], k: 1) },
                 matches: { if case .invalidProbabilityRow = $0 { true } else { false } }),
        BadInput(name: "k of 0", call: { _ = try Metrics.topKAccuracy(labels: [0], scores: [[0.5, 0.5]], k: 0) },
                 matches: { if case .invalidArgument = $0 { true } else { false } }),
        BadInput(name: "no bins",
                 call: { _ = try Metrics.expectedCalibrationError(labels: [0], probabilities: [[0.5, 0.5]], binCount: 0) },
                 matches: { if case .invalidArgument = $0 { true } else { false } }),
        BadInput(name: "log-loss epsilon of 0", call: { _ = try Metrics.logLoss(labels: [0], scores: [0.5], epsilon: 0) },
                 matches: { if case .invalidArgument = $0 { true } else { false } }),
        BadInput(name: "non-square confusion counts", call: { _ = try ConfusionMatrix(counts: [[1, 2]]) },
                 matches: { if case .invalidArgument = $0 { true } else { false } }),
        BadInput(name: "one class only, ROC-AUC", call: { _ = try Metrics.rocCurve(labels: [0, 0], scores: [0.1, 0.2]) },
                 matches: { if case .undefined = $0 { true } else { false } }),
        BadInput(name: "too few class names",
                 call: { _ = try ClassificationReport(labels: [0], probabilities: [[0.5, 0.5]], classNames: ["a"]) },
                 matches: { if case .invalidArgument = $0 { true } else { false } }),
        BadInput(name: "duplicate class names",
                 call: { _ = try ClassificationReport(labels: [0], probabilities: [[0.5, 0.5]], classNames: ["a", "a"]) },
                 matches: { if case .invalidArgument = $0 { true } else { false } }),
        BadInput(name: "report on unnormalised rows",
                 call: { _ = try ClassificationReport(labels: [0], probabilities: [[2, 3]]) },
                 matches: { if case .invalidProbabilityRow = $0 { true } else { false } }),
    ]

    @Test(arguments: cases) func badInputThrowsTheRightError(_ badInput: BadInput) {
        do {
            try badInput.call()
            Issue.record("\(badInput.name): no error thrown")
        } catch let error as MetricError {
            #expect(badInput.matches(error), "\(badInput.name): unexpected \(error)")
            #expect(!error.description.isEmpty)
        } catch {
            Issue.record("\(badInput.name): not a MetricError: \(error)")
        }
    }

    @Test func messagesNameTheMetricAndThePosition() {
        let error = MetricError.labelOutOfRange(metric: "log loss", index: 7, label: 9, classCount: 3)
        #expect(error.description.contains("log loss"))
        #expect(error.description.contains("position 7"))
        #expect(error.description.contains("0..<3"))
    }
}
