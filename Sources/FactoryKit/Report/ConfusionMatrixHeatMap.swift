// ConfusionMatrixHeatMap: the confusion matrix as an inline SVG heat map — one
// `<rect class="cell" data-true="t" data-predicted="p" data-count="n">` per cell, shaded by
// the share of its row (the recall of the true class), with the count written in it; true
// classes down the side, predicted classes along the top. Not here: computing the counts
// (ConfusionMatrix in Metrics/).

import Foundation

/// Draws a confusion matrix.
public enum ConfusionMatrixHeatMap {
    /// The SVG of `counts[true][predicted]` with class names `labels`.
    public static func svg(id: String, counts: [[Int]], labels: [String]) -> String {
        let classCount = counts.count
        let cell = classCount <= 6 ? 72.0 : classCount <= 12 ? 44.0 : Swift.max(14.0, 520.0 / Double(classCount))
        let showNumbers = cell >= 26
        let nameWidth = 130.0, top = 110.0, left = nameWidth + 30
        let width = left + cell * Double(classCount) + 20, height = top + cell * Double(classCount) + 20
        let c = HTMLText.coordinate
        var parts: [String] = []
        parts.append("<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"\(HTMLText.escape(id))\" class=\"chart heat-map\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" style=\"max-width: \(Int(width))px\" role=\"img\">")
        parts.append("<text class=\"axis-title\" x=\"\(c(left + cell * Double(classCount) / 2))\" y=\"16\" text-anchor=\"middle\">predicted class</text>")
        parts.append("<text class=\"axis-title\" transform=\"translate(14,\(c(top + cell * Double(classCount) / 2))) rotate(-90)\" text-anchor=\"middle\">true class</text>")
        for (index, name) in labels.enumerated() {
            let short = HTMLText.escape(HTMLText.truncated(name, to: 16))
            let center = left + cell * (Double(index) + 0.5)
            parts.append("<text class=\"class-name\" transform=\"translate(\(c(center + 4)),\(c(top - 8))) rotate(-45)\">\(short)</text>")
            parts.append("<text class=\"class-name\" x=\"\(c(left - 8))\" y=\"\(c(top + cell * (Double(index) + 0.5) + 4))\" text-anchor=\"end\">\(short)</text>")
        }
        for (trueClass, row) in counts.enumerated() {
            let rowTotal = row.reduce(0, +)
            for (predictedClass, count) in row.enumerated() {
                let share = rowTotal > 0 ? Double(count) / Double(rowTotal) : 0
                let x = left + cell * Double(predictedClass), y = top + cell * Double(trueClass)
                let title = "true \(labels.indices.contains(trueClass) ? labels[trueClass] : String(trueClass)), predicted \(labels.indices.contains(predictedClass) ? labels[predictedClass] : String(predictedClass)): \(count) (\(String(format: "%.0f", share * 100))% of the row)"
                parts.append("<rect class=\"cell\(trueClass == predictedClass ? " diagonal-cell" : "")\" data-true=\"\(trueClass)\" data-predicted=\"\(predictedClass)\" data-count=\"\(count)\" x=\"\(c(x))\" y=\"\(c(y))\" width=\"\(c(cell))\" height=\"\(c(cell))\" fill=\"\(color(share))\"><title>\(HTMLText.escape(title))</title></rect>")
                if showNumbers {
                    parts.append("<text class=\"cell-count\(share > 0.55 ? " on-dark" : "")\" x=\"\(c(x + cell / 2))\" y=\"\(c(y + cell / 2 + 5))\" text-anchor=\"middle\">\(count)</text>")
                }
            }
        }
        parts.append("</svg>")
        return parts.joined(separator: "\n")
    }

    /// White (0) to deep blue (1).
    static func color(_ share: Double) -> String {
        let t = Swift.min(Swift.max(share, 0), 1)
        let low = (247.0, 251.0, 255.0), high = (8.0, 69.0, 148.0)
        func mix(_ a: Double, _ b: Double) -> Int { Int((a + (b - a) * t).rounded()) }
        return String(format: "#%02x%02x%02x", mix(low.0, high.0), mix(low.1, high.1), mix(low.2, high.2))
    }
}
