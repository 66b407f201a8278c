// ClassificationEvaluation: what every classification plugin reports — the metrics of the
// ClassificationReport (accuracy, macro-F1, ROC-AUC, ...) as eval.json names, the per-class
// table and confusion matrix as text and JSON — and its prediction answer (the top label
// and every class's probability). Not here: computing the metrics (Metrics/).

import Foundation

/// Evaluation and prediction answers shared by classification tasks.
public enum ClassificationEvaluation {
    /// The evaluation of class probabilities against labels.
    /// - Throws: ``MetricError`` for mismatched or invalid input.
    public static func evaluate(probabilities: [[Float]], labels: [Int], labelNames: [String]) throws -> TaskEvaluation {
        let report = try ClassificationReport(labels: labels, probabilities: probabilities.map { $0.map(Double.init) }, classNames: labelNames)
        let perClass = JSONValue.array(report.classes.map { row in
            .object(JSONObject(members: [
                (key: "class", value: .string(row.name)), (key: "precision", value: .double(row.precision)),
                (key: "recall", value: .double(row.recall)), (key: "f1", value: .double(row.f1)), (key: "support", value: .integer(row.support)),
            ]))
        })
        let confusion = JSONValue.object(JSONObject(members: [
            (key: "labels", value: .array(labelNames.map { .string($0) })),
            (key: "counts", value: .array(report.confusionMatrix.counts.map { .array($0.map { .integer($0) }) })),
        ]))
        var details: [String: JSONValue] = ["per_class": perClass, "confusion_matrix": confusion]
        if !report.notes.isEmpty { details["notes"] = .array(report.notes.map { .string($0) }) }
        return TaskEvaluation(metrics: report.metrics, report: report.textTable(), details: details)
    }

    /// The answer for one example's probabilities: the most probable label, and all of them.
    public static func prediction(probabilities: [Float], input: String, labelNames: [String]) -> TaskPrediction {
        let best = probabilities.indices.max { probabilities[$0] < probabilities[$1] } ?? 0
        let name = labelNames.indices.contains(best) ? labelNames[best] : String(best)
        let all = JSONValue.object(JSONObject(members: zip(labelNames, probabilities).map { (key: $0.0, value: .double(Double($0.1))) }))
        return TaskPrediction(input: input, summary: String(format: "%@ (%.2f)", name, probabilities[best]),
                              fields: ["label": .string(name), "probability": .double(Double(probabilities[best])), "probabilities": all])
    }
}
