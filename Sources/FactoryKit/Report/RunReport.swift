// RunReport: `factory report`'s one self-contained HTML file — inline CSS and SVG, images as
// data URIs, no scripts, no network, well-formed XML — with the sections in this order:
// summary (metrics), model card, learning curves, confusion matrix, ROC curves,
// precision-recall curves, calibration, per-class table, most confident mistakes,
// hyperparameter search, gallery. A section whose data the run does not have keeps its
// heading and says in one line why it is left out. Not here: the charts (SVGLineChart,
// ConfusionMatrixHeatMap, ReliabilityDiagram), the model card (RunReport+ModelCard), the
// tables (RunReport+Tables), gathering the data (ReportInputs).

import Foundation

/// Renders a run's report.
public enum RunReport {
    /// The most confident mistakes listed.
    public static let mistakeCount = 20
    /// The gallery items shown.
    public static let galleryLimit = 24

    /// The report's section ids and titles, in order.
    public static let sections: [(id: String, title: String)] = [
        ("summary", "Summary"), ("model-card", "Model card"), ("learning-curves", "Learning curves"),
        ("confusion-matrix", "Confusion matrix"), ("roc-curves", "ROC curves"), ("precision-recall", "Precision-recall curves"),
        ("calibration", "Calibration"), ("per-class", "Per-class results"), ("mistakes", "Most confident mistakes"),
        ("search", "Hyperparameter search"), ("gallery", "Gallery"),
    ]

    /// The whole HTML document.
    public static func html(_ inputs: ReportInputs) -> String {
        let title = "\(inputs.task.name): model report"
        var body: [String] = []
        body.append("<header><h1>\(HTMLText.escape(title))</h1>")
        var subtitle = "project \(inputs.projectName) · task \(inputs.task.id) · \(inputs.evaluatedSplit) split"
        if let count = inputs.evaluatedExamples { subtitle += " (\(count) examples)" }
        if let checkpoint = inputs.checkpoint { subtitle += " · checkpoint \(checkpoint)" }
        subtitle += " · " + dateText(inputs.date)
        body.append("<p class=\"subtitle\">\(HTMLText.escape(subtitle))</p></header>")
        let present = sections.filter { $0.id != "gallery" || !inputs.gallery.isEmpty }
        body.append("<nav>" + present.map { "<a href=\"#\($0.id)\">\(HTMLText.escape($0.title))</a>" }.joined(separator: " ") + "</nav>")
        body.append(summarySection(inputs))
        body.append(modelCardSection(inputs))
        body.append(learningCurvesSection(inputs))
        body.append(confusionSection(inputs))
        body.append(curveSection(inputs, kind: .roc))
        body.append(curveSection(inputs, kind: .precisionRecall))
        body.append(calibrationSection(inputs))
        body.append(perClassSection(inputs))
        body.append(mistakesSection(inputs))
        body.append(searchSection(inputs))
        if !inputs.gallery.isEmpty { body.append(gallerySection(inputs)) }
        body.append("<footer>Made by <code>factory report</code>. Self-contained: no scripts, nothing loaded from the network.</footer>")
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8"/>
            <meta name="viewport" content="width=device-width, initial-scale=1"/>
            <title>\(HTMLText.escape(title))</title>
            <style>
            \(style)
            </style>
            </head>
            <body>
            <main>
            \(body.joined(separator: "\n"))
            </main>
            </body>
            </html>

            """
    }

    // MARK: Sections

    /// `<section id=...><h2>...</h2>` and its content.
    static func section(_ id: String, _ content: String, intro: String? = nil) -> String {
        let title = sections.first { $0.id == id }?.title ?? id
        let introText = intro.map { "<p class=\"intro\">\(HTMLText.escape($0))</p>\n" } ?? ""
        return "<section id=\"\(id)\" class=\"card\">\n<h2>\(HTMLText.escape(title))</h2>\n\(introText)\(content)\n</section>"
    }

    /// A section left out, with its one-line reason.
    static func leftOut(_ id: String, _ reason: String) -> String {
        let title = sections.first { $0.id == id }?.title ?? id
        return "<section id=\"\(id)\" class=\"card left-out\">\n<h2>\(HTMLText.escape(title))</h2>\n<p class=\"note\">Left out: \(HTMLText.escape(reason))</p>\n</section>"
    }

    static func summarySection(_ inputs: ReportInputs) -> String {
        guard !inputs.metrics.isEmpty else { return leftOut("summary", "eval.json has no metrics.") }
        let headline = [inputs.primaryMetric, "accuracy", "macro_f1", "roc_auc", "log_loss", "ece"]
        var shown: [String] = []
        for name in headline where inputs.metrics[name] != nil && !shown.contains(name) { shown.append(name) }
        let tiles = shown.prefix(5).map { name in
            "<div class=\"tile\"><div class=\"tile-value\">\(HTMLText.metric(inputs.metrics[name]))</div><div class=\"tile-name\">\(HTMLText.escape(name))\(name == inputs.primaryMetric ? " (primary)" : "")</div></div>"
        }.joined()
        let rows = inputs.metrics.keys.sorted().map { name in
            "<tr data-metric=\"\(HTMLText.escape(name))\"><td>\(HTMLText.escape(name))</td><td class=\"number value\" data-value=\"\(inputs.metrics[name]!)\">\(HTMLText.metric(inputs.metrics[name]))</td></tr>"
        }.joined(separator: "\n")
        var content = "<div class=\"tiles\">\(tiles)</div>\n<table id=\"metrics-table\" class=\"compact\"><thead><tr><th>metric</th><th class=\"number\">\(HTMLText.escape(inputs.evaluatedSplit))</th></tr></thead><tbody>\n\(rows)\n</tbody></table>"
        if !inputs.evaluationNotes.isEmpty {
            content += "\n" + inputs.evaluationNotes.map { "<p class=\"note\">\(HTMLText.escape($0))</p>" }.joined(separator: "\n")
        }
        return section("summary", content, intro: "Metrics of the trained model on the \(inputs.evaluatedSplit) split (from output/eval.json).")
    }

    static func learningCurvesSection(_ inputs: ReportInputs) -> String {
        let records = inputs.epochs
        guard !records.isEmpty else { return leftOut("learning-curves", "output/metrics.jsonl has no epochs; run `factory train`.") }
        let epochs = records.map { Double($0.epoch) }
        let xRange = (epochs.min()! - (records.count == 1 ? 0.5 : 0))...(epochs.max()! + (records.count == 1 ? 0.5 : 0))
        var charts: [String] = []
        let losses = records.flatMap { [$0.trainLoss] + ($0.validationLoss.map { [$0] } ?? []) }.filter(\.isFinite)
        let lossSeries = [
            ChartSeries(name: "train loss", points: records.filter { $0.trainLoss.isFinite }.map { (x: Double($0.epoch), y: $0.trainLoss) }, color: SVGLineChart.palette[0]),
            ChartSeries(name: "validation loss", points: records.compactMap { r in r.validationLoss.map { (x: Double(r.epoch), y: $0) } }, color: SVGLineChart.palette[1]),
        ].filter { !$0.points.isEmpty }
        charts.append(figure(SVGLineChart(id: "chart-loss", xTitle: "epoch", yTitle: "loss", xRange: xRange,
                                          yRange: 0...((losses.max() ?? 1) * 1.05), series: lossSeries, integerXTicks: true).svg,
                             caption: "Train and validation loss by epoch."))
        let metricName = inputs.monitoredMetric != "loss" ? inputs.monitoredMetric : inputs.primaryMetric
        let metricPoints = records.compactMap { r in r.validationMetrics[metricName].map { (x: Double(r.epoch), y: $0) } }
        if !metricPoints.isEmpty {
            let values = metricPoints.map(\.y)
            let low = Swift.min(values.min()!, 0), high = Swift.max(values.max()!, 1)
            charts.append(figure(SVGLineChart(id: "chart-metric", xTitle: "epoch", yTitle: metricName, xRange: xRange, yRange: low...high,
                                              series: [ChartSeries(name: "validation \(metricName)", points: metricPoints, color: SVGLineChart.palette[2])],
                                              integerXTicks: true).svg,
                                 caption: "Validation \(metricName) by epoch" + (inputs.bestEpoch.map { "; the best checkpoint is epoch \($0)." } ?? ".")))
        } else {
            charts.append("<p class=\"note\">Validation metric chart left out: no validation \(HTMLText.escape(metricName)) in metrics.jsonl.</p>")
        }
        let rates = records.map { (x: Double($0.epoch), y: $0.learningRate) }
        charts.append(figure(SVGLineChart(id: "chart-learning-rate", xTitle: "epoch", yTitle: "learning rate", xRange: xRange,
                                          yRange: 0...Swift.max((rates.map(\.y).max() ?? 1) * 1.05, 1e-12),
                                          series: [ChartSeries(name: "learning rate", points: rates, color: SVGLineChart.palette[4])],
                                          integerXTicks: true).svg,
                             caption: "Peak learning rate at the end of each epoch (head and top block)."))
        return section("learning-curves", "<div class=\"charts\">\n\(charts.joined(separator: "\n"))\n</div>", intro: "From output/metrics.jsonl: \(records.count) epoch(s).")
    }

    static func confusionSection(_ inputs: ReportInputs) -> String {
        var counts = inputs.confusionCounts
        if counts == nil, let records = labelledRecords(inputs) {
            var matrix = [[Int]](repeating: [Int](repeating: 0, count: inputs.labelNames.count), count: inputs.labelNames.count)
            for record in records { matrix[record.label!][record.predicted!] += 1 }
            counts = matrix
        }
        guard let counts, !counts.isEmpty else { return leftOut("confusion-matrix", "the task reports no confusion matrix (not a classification task).") }
        let labels = inputs.labelNames.count == counts.count ? inputs.labelNames : counts.indices.map(String.init)
        return section("confusion-matrix", figure(ConfusionMatrixHeatMap.svg(id: "confusion-matrix-chart", counts: counts, labels: labels),
                                                  caption: "Rows: true class; columns: predicted class. Shade: share of the row (recall); numbers: counts."))
    }

    enum CurveKind { case roc, precisionRecall }

    static func curveSection(_ inputs: ReportInputs, kind: CurveKind) -> String {
        let id = kind == .roc ? "roc-curves" : "precision-recall"
        guard let records = labelledRecords(inputs) else {
            return leftOut(id, "needs per-example class probabilities in output/predictions.jsonl, which this task does not give.")
        }
        let classCount = inputs.labelNames.count
        let labels = records.map { $0.label! }
        let classes = classCount == 2 ? [1] : Array(0..<classCount)
        var series: [ChartSeries] = []
        var skipped: [String] = []
        for classIndex in classes {
            let binary = labels.map { $0 == classIndex ? 1 : 0 }
            let scores = records.map { $0.probabilities[classIndex] }
            let name = classCount == 2 ? "\(inputs.labelNames[1]) vs \(inputs.labelNames[0])" : inputs.labelNames[classIndex]
            let color = SVGLineChart.palette[series.count % SVGLineChart.palette.count]
            do {
                switch kind {
                case .roc:
                    let curve = try Metrics.rocCurve(labels: binary, scores: scores)
                    series.append(ChartSeries(name: "\(name) (AUC \(String(format: "%.3f", curve.area)))",
                                              points: zip(curve.falsePositiveRates, curve.truePositiveRates).map { (x: $0, y: $1) }, color: color))
                case .precisionRecall:
                    let curve = try Metrics.precisionRecallCurve(labels: binary, scores: scores)
                    let average = try Metrics.averagePrecision(labels: binary, scores: scores)
                    series.append(ChartSeries(name: "\(name) (AP \(String(format: "%.3f", average)))",
                                              points: Array(zip(curve.recalls, curve.precisions).map { (x: $0, y: $1) }.reversed()), color: color))
                }
            } catch {
                skipped.append(name)
            }
        }
        guard !series.isEmpty else {
            return leftOut(id, "the \(inputs.evaluatedSplit) split lacks positive or negative examples for every class.")
        }
        let chart: SVGLineChart
        let caption: String
        switch kind {
        case .roc:
            chart = SVGLineChart(id: "roc-curve", xTitle: "false-positive rate", yTitle: "true-positive rate", xRange: 0...1, yRange: 0...1,
                                 series: series, diagonal: true)
            caption = classCount == 2 ? "ROC curve of the positive class; the dashed diagonal is chance." : "One class against the rest, per class; the dashed diagonal is chance."
        case .precisionRecall:
            chart = SVGLineChart(id: "pr-curve", xTitle: "recall", yTitle: "precision", xRange: 0...1, yRange: 0...1, series: series)
            caption = classCount == 2 ? "Precision and recall of the positive class at every threshold." : "One class against the rest, per class, at every threshold."
        }
        var content = figure(chart.svg, caption: caption)
        if !skipped.isEmpty {
            content += "\n<p class=\"note\">No curve for \(HTMLText.escape(skipped.joined(separator: ", "))): the split has no example of the class, or only such examples.</p>"
        }
        return section(id, content)
    }

    static func calibrationSection(_ inputs: ReportInputs) -> String {
        guard let records = labelledRecords(inputs),
              let bins = try? Metrics.calibrationBins(labels: records.map { $0.label! }, probabilities: records.map(\.probabilities)) else {
            return leftOut("calibration", "needs per-example class probabilities in output/predictions.jsonl, which this task does not give.")
        }
        var caption = "Bars: accuracy of the examples in each confidence bin (\(Metrics.calibrationBinCount) bins); red dots: their mean confidence. Bars below the diagonal mean over-confidence."
        if let ece = inputs.metrics["ece"] { caption += " Expected calibration error (ECE): \(HTMLText.metric(ece))." }
        return section("calibration", figure(ReliabilityDiagram.svg(id: "reliability-diagram", bins: bins), caption: caption))
    }

    // MARK: Helpers

    /// The predictions with a label and a probability per class (nil when there are none).
    static func labelledRecords(_ inputs: ReportInputs) -> [PredictionRecord]? {
        guard let predictions = inputs.predictions, inputs.labelNames.count >= 2 else { return nil }
        let records = predictions.filter { record in
            guard let label = record.label else { return false }
            return record.probabilities.count == inputs.labelNames.count && (0..<inputs.labelNames.count).contains(label)
        }
        return records.isEmpty ? nil : records
    }

    static func figure(_ svg: String, caption: String) -> String {
        "<figure>\n\(svg)\n<figcaption>\(HTMLText.escape(caption))</figcaption>\n</figure>"
    }

    static func dateText(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm 'UTC'"
        return formatter.string(from: date)
    }
}
