// ReliabilityDiagram: the calibration of top-class confidence as an inline SVG — one bar per
// non-empty bin (`<rect class="bin" data-accuracy=... data-confidence=... data-count=...>`)
// as high as the bin's accuracy, a dot at its mean confidence, and the diagonal of perfect
// calibration. Bars below the diagonal: over-confident. Not here: binning (CalibrationError).

import Foundation

/// Draws a reliability diagram.
public enum ReliabilityDiagram {
    /// The SVG for `bins` (from ``Metrics/calibrationBins(labels:probabilities:binCount:)``).
    public static func svg(id: String, bins: [CalibrationBin]) -> String {
        let chart = SVGLineChart(id: id, xTitle: "confidence (top class)", yTitle: "accuracy", xRange: 0...1, yRange: 0...1,
                                 series: [ChartSeries(name: "accuracy (bars)", points: [], color: "#1f77b4"),
                                          ChartSeries(name: "mean confidence (dots)", points: [], color: "#d62728")], diagonal: true)
        var svg = chart.svg
        let closing = svg.range(of: "</svg>", options: .backwards)!
        let c = HTMLText.coordinate
        var parts: [String] = []
        for bin in bins where bin.count > 0 {
            let x0 = chart.x(bin.lowerBound) + 1, x1 = chart.x(bin.upperBound) - 1
            let top = chart.y(bin.accuracy), bottom = chart.y(0)
            let title = String(format: "confidence %.2f-%.2f: %d example(s), accuracy %.3f, mean confidence %.3f",
                               bin.lowerBound, bin.upperBound, bin.count, bin.accuracy, bin.meanConfidence)
            parts.append("<rect class=\"bin\" data-count=\"\(bin.count)\" data-accuracy=\"\(bin.accuracy)\" data-confidence=\"\(bin.meanConfidence)\" x=\"\(c(x0))\" y=\"\(c(top))\" width=\"\(c(Swift.max(x1 - x0, 1)))\" height=\"\(c(bottom - top))\"><title>\(HTMLText.escape(title))</title></rect>")
            parts.append("<circle class=\"confidence-mark\" cx=\"\(c(chart.x(bin.meanConfidence)))\" cy=\"\(c(chart.y(bin.meanConfidence)))\" r=\"3\" fill=\"#d62728\"/>")
        }
        // The bars go over the grid but under the diagonal and legend.
        let diagonal = svg.range(of: "<path class=\"diagonal\"", range: svg.startIndex..<closing.lowerBound)!.lowerBound
        svg.insert(contentsOf: parts.joined(separator: "\n") + "\n", at: diagonal)
        return svg
    }
}
