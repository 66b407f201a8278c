// `factory report`'s HTML from hand-made inputs and from a trained tiny run: every section
// and chart is there (parsed as XML), the ROC path of a known curve is the hand-derived one,
// the confusion cells, per-class rows, metrics and mistakes match their inputs and eval.json,
// inputs are escaped (a `<script>` review stays text), missing data leaves a section out
// with a note, and gallery images are inlined as data URIs.

import FactoryKit
import Foundation
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite("HTML report")
struct ReportTests {
    /// Three classes, six test examples with known probabilities, two epochs, a search.
    func handMadeInputs() -> ReportInputs {
        var inputs = ReportInputs(task: reportTask, projectName: "demo")
        inputs.labelNames = ["negative", "neutral", "positive"]
        inputs.trainingClassCounts = [40, 12, 48]
        inputs.configuration = ["model.backbone": .string("minilm-l6"), "train.learning_rate": .number(1e-4), "seed": .integer(42),
                                "augmentation.text.token_dropout": .number(0.1)]
        inputs.splitSizes = (100, 12, 6)
        inputs.epochsCompleted = 2
        inputs.bestEpoch = 2
        inputs.evaluatedExamples = 6
        inputs.primaryMetric = "macro_f1"
        inputs.monitoredMetric = "macro_f1"
        inputs.metrics = ["accuracy": 0.5, "macro_f1": 0.4444444444444444, "ece": 0.21, "loss": 0.93]
        inputs.perClass = [.init(name: "negative", precision: 0.5, recall: 1, f1: 0.6666666666666666, support: 2),
                           .init(name: "neutral", precision: 0, recall: 0, f1: 0, support: 2),
                           .init(name: "positive", precision: 1, recall: 0.5, f1: 0.6666666666666666, support: 2)]
        inputs.confusionCounts = [[2, 0, 0], [1, 0, 1], [1, 0, 1]]
        inputs.predictions = [
            PredictionRecord(input: .text("great"), label: 2, probabilities: [0.1, 0.1, 0.8]),
            PredictionRecord(input: .text("<script>alert('x')</script> & \"so-so\""), label: 1, probabilities: [0.1, 0.3, 0.6]),
            PredictionRecord(input: .text("awful"), label: 0, probabilities: [0.7, 0.2, 0.1]),
            PredictionRecord(input: .text("meh"), label: 1, probabilities: [0.5, 0.4, 0.1]),
            PredictionRecord(input: .text("nice"), label: 2, probabilities: [0.9, 0.05, 0.05]),
            PredictionRecord(input: .text("bad"), label: 0, probabilities: [0.6, 0.3, 0.1]),
        ]
        inputs.epochs = [EpochRecord(epoch: 1, trainLoss: 1.0, validationLoss: 0.9, validationMetrics: ["macro_f1": 0.3], learningRate: 1e-4, seconds: 1),
                         EpochRecord(epoch: 2, trainLoss: 0.7, validationLoss: 0.8, validationMetrics: ["macro_f1": 0.45], learningRate: 5e-5, seconds: 1)]
        inputs.trials = TuningTrials(metric: "macro_f1", higherIsBetter: true, trials: [
            .init(number: 2, parameters: [("train.learning_rate", "0.0001"), ("train.batch_size", "16")], value: 0.45, epochs: 2, status: "completed"),
            .init(number: 1, parameters: [("train.learning_rate", "1e-05"), ("train.batch_size", "32")], value: 0.3, epochs: 1, status: "stopped"),
        ])
        return inputs
    }

    @Test func everySectionAndChartIsThere() throws {
        let report = try ParsedReport(RunReport.html(handMadeInputs()))
        for (id, _) in RunReport.sections where id != "gallery" {
            let section = try #require(try report.nodes("//section[@id='\(id)']").first, "section \(id)")
            #expect(section.attribute("class") == "card", "\(id) is drawn, not left out")
        }
        #expect(try report.nodes("//section[@id='gallery']").isEmpty, "no gallery without gallery data")
        for id in ["chart-loss", "chart-metric", "chart-learning-rate", "confusion-matrix-chart", "roc-curve", "pr-curve", "reliability-diagram"] {
            #expect(try report.nodes("//*[local-name()='svg'][@id='\(id)']").count == 1, "\(id)")
        }
        #expect(try report.nodes("//script").isEmpty && report.nodes("//*[@onload or @onerror or @onclick]").isEmpty, "no scripts")
        #expect(try report.nodes("//*[@src and not(starts-with(@src, 'data:'))]").isEmpty, "nothing loaded from outside")
        // Learning curves: two series on the loss chart, one point per epoch each.
        #expect(try report.elements(in: "chart-loss", class: "series").compactMap { $0.attribute("data-series") } == ["train loss", "validation loss"])
        // ROC and PR: one curve per class (one against the rest).
        #expect(try report.elements(in: "roc-curve", class: "series").count == 3)
        #expect(try report.elements(in: "pr-curve", class: "series").count == 3)
        // Calibration: bins as the metrics compute them (15 bins, non-empty ones drawn).
        let bins = try Metrics.calibrationBins(labels: [2, 1, 0, 1, 2, 0], probabilities: handMadeInputs().predictions!.map(\.probabilities))
        let drawn = try report.elements(in: "reliability-diagram", class: "bin")
        #expect(drawn.compactMap { Int($0.attribute("data-count") ?? "") } == bins.filter { $0.count > 0 }.map(\.count))
        // The search table, best first.
        #expect(try report.nodes("//table[@id='search-table']/tbody/tr").compactMap { $0.attribute("data-trial") } == ["2", "1"])
        // The model card names the backbone, the split and the augmentation.
        let card = try #require(try report.element(id: "model-card")).stringValue ?? ""
        #expect(card.contains("minilm-l6") && card.contains("train 100, validation 12, test 6") && card.contains("token_dropout 0.1"))
    }

    /// A task fitted without gradients (PatchCore) took no optimizer steps: its card says so
    /// and lists none of the optimizer settings the configuration still holds.
    @Test func modelCardOfAFittedTaskListsNoOptimizerSettings() throws {
        var inputs = handMadeInputs()
        let trained = try #require(try ParsedReport(RunReport.html(inputs)).element(id: "model-card")).stringValue ?? ""
        #expect(trained.contains("train.learning_rate") && trained.contains("2 epoch(s) trained"))
        inputs.optimizerSteps = 0
        let fitted = try #require(try ParsedReport(RunReport.html(inputs)).element(id: "model-card")).stringValue ?? ""
        #expect(fitted.contains("fitted without gradient steps") && fitted.contains("seed 42"))
        #expect(!fitted.contains("train.learning_rate") && !fitted.contains("epoch(s) trained"))
    }

    @Test func tablesAndCellsMatchTheirInputs() throws {
        let inputs = handMadeInputs()
        let report = try ParsedReport(RunReport.html(inputs))
        let cells = try report.elements(in: "confusion-matrix-chart", class: "cell")
        #expect(cells.count == 9)
        for cell in cells {
            let row = Int(cell.attribute("data-true")!)!, column = Int(cell.attribute("data-predicted")!)!
            #expect(Int(cell.attribute("data-count")!) == inputs.confusionCounts![row][column])
        }
        let rows = try report.nodes("//table[@id='per-class-table']/tbody/tr")
        #expect(rows.compactMap { $0.attribute("data-class") } == ["negative", "neutral", "positive"])
        for (row, expected) in zip(rows, inputs.perClass) {
            let values = try row.nodes(forXPath: "td[@data-name]").compactMap { $0 as? XMLElement }
                .reduce(into: [String: Double]()) { $0[$1.attribute("data-name")!] = Double($1.attribute("data-value")!) }
            #expect(values == ["precision": expected.precision, "recall": expected.recall, "f1": expected.f1, "support": Double(expected.support)])
        }
        #expect(rows[1].attribute("class")?.contains("weakest") == true)
        for row in try report.nodes("//table[@id='metrics-table']/tbody/tr") {
            let name = try #require(row.attribute("data-metric"))
            let value = try #require(try row.nodes(forXPath: "td[@data-value]").first as? XMLElement)
            #expect(Double(value.attribute("data-value")!) == inputs.metrics[name], "\(name)")
        }
        // Mistakes: the 3 wrong predictions, most confident first (0.9, 0.6, 0.5).
        let mistakes = try report.nodes("//table[@id='mistakes-table']/tbody/tr")
        #expect(mistakes.count == 3)
        #expect(mistakes.compactMap { try? ($0.nodes(forXPath: "td[contains(@class,'confidence')]").first as? XMLElement)?.attribute("data-value") }
            .compactMap(Double.init) == [0.9, 0.6, 0.5])
        let first = try #require(mistakes.first)
        #expect(try (first.nodes(forXPath: "td[@class='input']").first?.stringValue) == "nice")
        #expect(try (first.nodes(forXPath: "td[@class='true-label']").first?.stringValue) == "positive")
        #expect(try (first.nodes(forXPath: "td[@class='predicted-label']").first?.stringValue) == "negative")
    }

    @Test func markupInInputsIsEscaped() throws {
        let html = RunReport.html(handMadeInputs())
        #expect(!html.contains("<script>"))
        #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;so-so&quot;"))
        let report = try ParsedReport(html)
        #expect(try report.nodes("//script").isEmpty)
        let texts = try report.nodes("//table[@id='mistakes-table']//td[@class='input']").compactMap(\.stringValue)
        #expect(texts.contains("<script>alert('x')</script> & \"so-so\""), "the text reads back exactly: \(texts)")
        #expect(HTMLText.escape("a<b>&\"'\u{0}c") == "a&lt;b&gt;&amp;&quot;&#39;c")
    }

    @Test func rocPathOfAKnownCurveIsTheHandDerivedOne() throws {
        // Binary: labels 0,0,1,1 with positive scores 0.1, 0.4, 0.35, 0.8. sklearn's roc_curve:
        // FPR 0, 0, 0.5, 0.5, 1 and TPR 0, 0.5, 0.5, 1, 1. On the 440 x 270 plot at (72, 20):
        // x = 72 + 440 FPR, y = 290 - 270 TPR.
        var inputs = ReportInputs(task: reportTask)
        inputs.labelNames = ["no", "yes"]
        inputs.predictions = zip([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]).map {
            PredictionRecord(input: nil, label: $0, probabilities: [1 - $1, $1])
        }
        let report = try ParsedReport(RunReport.html(inputs))
        let path = try #require(try report.elements(in: "roc-curve", class: "series").first)
        #expect(path.attribute("d") == "M72.0,290.0 L72.0,155.0 L292.0,155.0 L292.0,20.0 L512.0,20.0")
        #expect(path.attribute("data-series") == "yes vs no (AUC 0.750)")
        // Precision-recall: precision 1, 0.5, 2/3, 0.5 at recall 0.5, 0.5, 1, 1, then (0, 1);
        // drawn from recall 0: y = 290 - 270 P.
        let pr = try #require(try report.elements(in: "pr-curve", class: "series").first)
        #expect(pr.attribute("d") == "M72.0,20.0 L292.0,20.0 L292.0,155.0 L512.0,110.0 L512.0,155.0")
    }

    @Test func sectionsWithoutDataAreLeftOutWithANote() throws {
        var inputs = ReportInputs(task: reportTask)
        inputs.metrics = ["loss": 0.5]
        let report = try ParsedReport(RunReport.html(inputs))
        for id in ["learning-curves", "confusion-matrix", "roc-curves", "precision-recall", "calibration", "per-class", "mistakes", "search"] {
            let section = try #require(try report.nodes("//section[@id='\(id)']").first, "\(id)")
            #expect(section.attribute("class") == "card left-out", "\(id)")
            #expect(try section.nodes(forXPath: "p[@class='note']").first?.stringValue?.hasPrefix("Left out: ") == true, "\(id)")
        }
        #expect(try report.nodes("//*[local-name()='svg']").isEmpty, "no empty charts")
    }

    @Test func galleryAndImageInputsAreInlined() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("factory-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let picture = Tensor((0..<(3 * 300 * 200)).map { Float($0 % 255) / 255 }, shape: [3, 300, 200])
        try ImageFile.writePNG(picture, to: folder.appendingPathComponent("part.png"))
        var inputs = handMadeInputs()
        inputs.projectFolder = folder
        inputs.gallery = [.object(JSONObject(members: [("image", .string("part.png")), ("score", .double(2.5)), ("label", .string("defect")),
                                                       ("predicted", .string("good")), ("anomaly_map", .string("missing.png"))]))]
        inputs.predictions![4].input = .image(path: "part.png")
        let report = try ParsedReport(RunReport.html(inputs))
        let item = try #require(try report.nodes("//section[@id='gallery']//figure").first)
        #expect(item.attribute("class") == "gallery-item wrong")
        let source = try #require(try item.nodes(forXPath: ".//img").first as? XMLElement).attribute("src")!
        #expect(source.hasPrefix("data:image/png;base64,"))
        let png = try #require(Data(base64Encoded: String(source.dropFirst("data:image/png;base64,".count))))
        let thumbnail = try ImageFile.decode(png)
        #expect(thumbnail.shape == [3, 200, 133], "the longer side shrinks to 200")
        #expect(item.stringValue?.contains("anomaly map not readable: missing.png") == true)
        let mistake = try #require(try report.nodes("//table[@id='mistakes-table']//td[@class='input']/img").first)
        #expect(mistake.attribute("src")?.hasPrefix("data:image/png;base64,") == true)
    }
}
