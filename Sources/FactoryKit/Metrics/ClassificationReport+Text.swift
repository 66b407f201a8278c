// ClassificationReport+Text: the plain-text rendering `factory eval` prints: the per-class
// table with accuracy and macro/weighted averages (laid out like sklearn's
// `classification_report`), the headline metrics, the confusion matrix, and the notes.
// NOT a terminal UI (no colours, no width detection): plain monospaced text.

import Foundation

extension ClassificationReport: CustomStringConvertible {
    /// The text table (same as ``textTable()``).
    public var description: String { textTable() }

    /// Renders the report as monospaced plain text.
    /// - Parameter digits: decimals shown for each score (4 by default).
    public func textTable(digits: Int = 4) -> String {
        let digits = max(0, min(digits, 10))
        func number(_ value: Double) -> String { String(format: "%.\(digits)f", value) }
        let nameWidth = max(classNames.map(\.count).max() ?? 0, "weighted avg".count)
        let columnWidth = max(digits + 3, "precision".count)
        func pad(_ text: String, _ width: Int) -> String {
            text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
        }
        func padRight(_ text: String, _ width: Int) -> String {
            text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
        }
        func row(_ name: String, _ cells: [String]) -> String {
            ([padRight(name, nameWidth)] + cells.map { pad($0, columnWidth) }).joined(separator: "  ")
        }

        var lines: [String] = []
        lines.append(row("", ["precision", "recall", "f1-score", "support"]))
        for classRow in classes {
            lines.append(row(classRow.name, [
                number(classRow.precision), number(classRow.recall), number(classRow.f1), String(classRow.support),
            ]))
        }
        lines.append("")
        if let accuracy = self[.accuracy] {
            lines.append(row("accuracy", ["", "", number(accuracy), String(sampleCount)]))
        }
        for (name, average) in [("macro avg", MetricAverage.macro), ("weighted avg", .weighted)] {
            let scores = confusionMatrix.averageScores(average)
            lines.append(row(name, [number(scores.precision), number(scores.recall), number(scores.f1), String(sampleCount)]))
        }

        lines.append("")
        let metricNameWidth = MetricName.allCases.map(\.rawValue.count).max() ?? 0
        lines.append(padRight("metric", metricNameWidth) + "  " + pad("value", columnWidth))
        for name in MetricName.allCases {
            guard let value = self[name] else { continue }
            lines.append(padRight(name.rawValue, metricNameWidth) + "  " + pad(number(value), columnWidth))
        }

        lines.append("")
        lines.append("confusion matrix (rows: true class, columns: predicted class)")
        let countWidth = max(
            classNames.map(\.count).max() ?? 0,
            confusionMatrix.counts.flatMap { $0 }.map { String($0).count }.max() ?? 0)
        lines.append(([padRight("", nameWidth)] + classNames.map { pad($0, countWidth) }).joined(separator: "  "))
        for (name, counts) in zip(classNames, confusionMatrix.counts) {
            lines.append(([padRight(name, nameWidth)] + counts.map { pad(String($0), countWidth) }).joined(separator: "  "))
        }

        if !notes.isEmpty {
            lines.append("")
            lines.append(contentsOf: notes.map { "note: " + $0 })
        }
        return lines.map { $0.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) }
            .joined(separator: "\n") + "\n"
    }
}
