// SVGLineChart: the report's line charts (learning curves, ROC, precision-recall) as inline
// SVG — a plot area with ticks and grid lines, one `<path class="series">` per series (with
// a circle per point when it has few), an optional dashed diagonal, and a legend on the
// right. Coordinates follow `Layout`, so a test can derive a path by hand. No scripts.
// Not here: the confusion matrix and reliability diagram (their own files).

import Foundation

/// One line of a chart.
public struct ChartSeries: Sendable {
    /// The legend text.
    public var name: String
    /// The points, in drawing order.
    public var points: [(x: Double, y: Double)]
    /// A CSS colour.
    public var color: String
    /// Dashed line.
    public var dashed: Bool

    /// Creates a series.
    public init(name: String, points: [(x: Double, y: Double)], color: String, dashed: Bool = false) {
        self.name = name
        self.points = points
        self.color = color
        self.dashed = dashed
    }
}

/// A line chart as SVG.
public struct SVGLineChart: Sendable {
    /// The geometry every chart shares: a 752 x 340 picture, the plot area 440 x 270 at
    /// (72, 20), the legend (200 wide) to its right.
    public enum Layout {
        public static let width = 752.0, height = 340.0
        public static let left = 72.0, top = 20.0, plotWidth = 440.0, plotHeight = 270.0
    }

    /// The ten colours series take in turn.
    public static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]

    /// The element id.
    public var id: String
    /// The x and y axis titles.
    public var xTitle: String
    public var yTitle: String
    /// The axis ranges.
    public var xRange: ClosedRange<Double>
    public var yRange: ClosedRange<Double>
    /// The lines.
    public var series: [ChartSeries]
    /// Draw the dashed diagonal from (xmin, ymin) to (xmax, ymax) (chance level of a ROC curve).
    public var diagonal: Bool = false
    /// Label the x ticks with integers only (epochs).
    public var integerXTicks: Bool = false

    /// Creates a chart.
    public init(id: String, xTitle: String, yTitle: String, xRange: ClosedRange<Double>, yRange: ClosedRange<Double>,
                series: [ChartSeries], diagonal: Bool = false, integerXTicks: Bool = false) {
        self.id = id
        self.xTitle = xTitle
        self.yTitle = yTitle
        self.xRange = xRange.lowerBound < xRange.upperBound ? xRange : xRange.lowerBound...(xRange.lowerBound + 1)
        self.yRange = yRange.lowerBound < yRange.upperBound ? yRange : (yRange.lowerBound - 0.5)...(yRange.lowerBound + 0.5)
        self.series = series
        self.diagonal = diagonal
        self.integerXTicks = integerXTicks
    }

    /// The picture x of a data x.
    public func x(_ value: Double) -> Double {
        Layout.left + (value - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound) * Layout.plotWidth
    }

    /// The picture y of a data y (up is larger).
    public func y(_ value: Double) -> Double {
        Layout.top + Layout.plotHeight - (value - yRange.lowerBound) / (yRange.upperBound - yRange.lowerBound) * Layout.plotHeight
    }

    /// The path data of a series: `M x,y L x,y ...` with one decimal.
    public func pathData(_ points: [(x: Double, y: Double)]) -> String {
        points.enumerated().map { index, point in
            (index == 0 ? "M" : "L") + HTMLText.coordinate(x(point.x)) + "," + HTMLText.coordinate(y(point.y))
        }.joined(separator: " ")
    }

    /// The SVG element.
    public var svg: String {
        let c = HTMLText.coordinate
        var parts: [String] = []
        parts.append("<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"\(HTMLText.escape(id))\" class=\"chart line-chart\" viewBox=\"0 0 \(Int(Layout.width)) \(Int(Layout.height))\" role=\"img\">")
        parts.append("<rect class=\"plot-area\" x=\"\(c(Layout.left))\" y=\"\(c(Layout.top))\" width=\"\(c(Layout.plotWidth))\" height=\"\(c(Layout.plotHeight))\"/>")
        for tick in 0...4 {
            let fraction = Double(tick) / 4
            let yValue = yRange.lowerBound + (yRange.upperBound - yRange.lowerBound) * fraction
            let yPosition = y(yValue)
            parts.append("<line class=\"grid\" x1=\"\(c(Layout.left))\" y1=\"\(c(yPosition))\" x2=\"\(c(Layout.left + Layout.plotWidth))\" y2=\"\(c(yPosition))\"/>")
            parts.append("<text class=\"tick\" x=\"\(c(Layout.left - 6))\" y=\"\(c(yPosition + 4))\" text-anchor=\"end\">\(HTMLText.escape(tickLabel(yValue)))</text>")
        }
        for xValue in xTicks() {
            let xPosition = x(xValue)
            parts.append("<line class=\"grid\" x1=\"\(c(xPosition))\" y1=\"\(c(Layout.top))\" x2=\"\(c(xPosition))\" y2=\"\(c(Layout.top + Layout.plotHeight))\"/>")
            parts.append("<text class=\"tick\" x=\"\(c(xPosition))\" y=\"\(c(Layout.top + Layout.plotHeight + 16))\" text-anchor=\"middle\">\(HTMLText.escape(tickLabel(xValue)))</text>")
        }
        parts.append("<text class=\"axis-title\" x=\"\(c(Layout.left + Layout.plotWidth / 2))\" y=\"\(c(Layout.height - 8))\" text-anchor=\"middle\">\(HTMLText.escape(xTitle))</text>")
        parts.append("<text class=\"axis-title\" transform=\"translate(14,\(c(Layout.top + Layout.plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\">\(HTMLText.escape(yTitle))</text>")
        if diagonal {
            parts.append("<path class=\"diagonal\" d=\"\(pathData([(xRange.lowerBound, yRange.lowerBound), (xRange.upperBound, yRange.upperBound)]))\"/>")
        }
        for item in series where !item.points.isEmpty {
            let name = HTMLText.escape(item.name)
            parts.append("<path class=\"series\" data-series=\"\(name)\" d=\"\(pathData(item.points))\" stroke=\"\(item.color)\"\(item.dashed ? " stroke-dasharray=\"6 4\"" : "")/>")
            if item.points.count <= 60 {
                for point in item.points {
                    parts.append("<circle class=\"point\" cx=\"\(c(x(point.x)))\" cy=\"\(c(y(point.y)))\" r=\"2.5\" fill=\"\(item.color)\"/>")
                }
            }
        }
        for (index, item) in series.enumerated() {
            let legendY = Layout.top + 8 + Double(index) * 18
            let legendX = Layout.left + Layout.plotWidth + 14
            parts.append("<line class=\"legend-swatch\" x1=\"\(c(legendX))\" y1=\"\(c(legendY))\" x2=\"\(c(legendX + 18))\" y2=\"\(c(legendY))\" stroke=\"\(item.color)\"\(item.dashed ? " stroke-dasharray=\"4 3\"" : "")/>")
            parts.append("<text class=\"legend\" x=\"\(c(legendX + 24))\" y=\"\(c(legendY + 4))\">\(HTMLText.escape(HTMLText.truncated(item.name, to: 30)))</text>")
        }
        parts.append("</svg>")
        return parts.joined(separator: "\n")
    }

    func xTicks() -> [Double] {
        if integerXTicks {
            let low = Int(xRange.lowerBound.rounded(.up)), high = Int(xRange.upperBound.rounded(.down))
            guard low <= high else { return [] }
            let step = Swift.max(1, (high - low + 9) / 10)
            return stride(from: low, through: high, by: step).map(Double.init)
        }
        return (0...4).map { xRange.lowerBound + (xRange.upperBound - xRange.lowerBound) * Double($0) / 4 }
    }

    func tickLabel(_ value: Double) -> String {
        if integerXTicks && value == value.rounded() && abs(value) < 1e6 { return String(Int(value)) }
        let magnitude = abs(value)
        if magnitude != 0 && (magnitude < 1e-3 || magnitude >= 1e5) {
            // 7.9e-05 -> 7.9e-5: short enough to sit beside the axis.
            return String(format: "%.1e", value).replacingOccurrences(of: "e-0", with: "e-").replacingOccurrences(of: "e+0", with: "e+")
        }
        return String(format: "%.3g", value)
    }
}
