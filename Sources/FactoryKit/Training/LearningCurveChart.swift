// LearningCurveChart: a small self-contained SVG of a run's learning curves — train and
// validation loss by epoch on the left axis, the monitored validation metric on the right —
// written after training. Plain SVG (no scripts, no external fonts). Not here: the HTML
// report.

import Foundation

/// Draws learning curves as SVG.
public enum LearningCurveChart {
    /// The SVG text for `records`, with `metric` (a validation metric name) drawn when present.
    public static func svg(_ records: [EpochRecord], metric: String?) -> String {
        let width = 640.0, height = 360.0, left = 60.0, right = 60.0, top = 30.0, bottom = 50.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let epochs = records.map { Double($0.epoch) }
        let minEpoch = epochs.min() ?? 0, maxEpoch = Swift.max(epochs.max() ?? 1, minEpoch + 1)
        let losses = records.flatMap { [$0.trainLoss] + ($0.validationLoss.map { [$0] } ?? []) }.filter(\.isFinite)
        let lossMax = Swift.max(losses.max() ?? 1, 1e-9) * 1.05
        func x(_ epoch: Double) -> Double { left + (epoch - minEpoch) / (maxEpoch - minEpoch) * plotWidth }
        func yLoss(_ value: Double) -> Double { top + plotHeight - value / lossMax * plotHeight }
        func polyline(_ points: [(Double, Double)], color: String, dashed: Bool = false) -> String {
            guard !points.isEmpty else { return "" }
            let text = points.map { String(format: "%.1f,%.1f", $0.0, $0.1) }.joined(separator: " ")
            let marks = points.map { String(format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%@\"/>", $0.0, $0.1, color) }.joined()
            return "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"\(dashed ? " stroke-dasharray=\"6 4\"" : "") points=\"\(text)\"/>" + marks
        }
        var parts: [String] = []
        parts.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">")
        parts.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>")
        parts.append(String(format: "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" stroke=\"#888\"/>", left, top, plotWidth, plotHeight))
        for tick in 0...4 {
            let value = lossMax * Double(tick) / 4
            parts.append(String(format: "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">%.3g</text>", left - 6, yLoss(value) + 4, value))
        }
        for record in records {
            parts.append(String(format: "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">%d</text>", x(Double(record.epoch)), top + plotHeight + 18, record.epoch))
        }
        parts.append(String(format: "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\">epoch</text>", left + plotWidth / 2, height - 10))
        parts.append(polyline(records.map { (x(Double($0.epoch)), yLoss($0.trainLoss)) }, color: "#1f77b4"))
        parts.append(polyline(records.compactMap { r in r.validationLoss.map { (x(Double(r.epoch)), yLoss($0)) } }, color: "#ff7f0e"))
        var legend = [("train loss", "#1f77b4"), ("validation loss", "#ff7f0e")]
        if let metric, metric != "loss" {
            let values = records.compactMap { r in r.validationMetrics[metric].map { (Double(r.epoch), $0) } }
            if !values.isEmpty {
                let low = Swift.min(values.map(\.1).min()!, 0), high = Swift.max(values.map(\.1).max()!, 1)
                func yMetric(_ value: Double) -> Double { top + plotHeight - (value - low) / (high - low) * plotHeight }
                parts.append(polyline(values.map { (x($0.0), yMetric($0.1)) }, color: "#2ca02c", dashed: true))
                for tick in 0...4 {
                    let value = low + (high - low) * Double(tick) / 4
                    parts.append(String(format: "<text x=\"%.0f\" y=\"%.1f\">%.2f</text>", left + plotWidth + 6, yMetric(value) + 4, value))
                }
                legend.append(("validation \(metric)", "#2ca02c"))
            }
        }
        for (index, (label, color)) in legend.enumerated() {
            let lx = left + 10 + Double(index) * 170
            parts.append(String(format: "<rect x=\"%.0f\" y=\"8\" width=\"14\" height=\"4\" fill=\"%@\"/><text x=\"%.0f\" y=\"14\">%@</text>", lx, color, lx + 18, escape(label)))
        }
        parts.append("</svg>")
        return parts.joined(separator: "\n") + "\n"
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
