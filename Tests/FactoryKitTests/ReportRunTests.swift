// `FineTuningRun.writeReport` on a trained tiny run: it evaluates first (eval.json and
// predictions.jsonl appear), writes output/report.html atomically with every section, and
// the report's numbers are eval.json's; a second report reuses the evaluation, another
// split re-evaluates, and without a trained model the error says what to run.

import FactoryKit
import Foundation
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite("HTML report of a run", .serialized)
struct ReportRunTests {
    @Test func reportOfATrainedRunMatchesEvalJSON() throws {
        let (folder, plugin, context) = try makeTinyProject(["train.epochs": .integer(2), "early_stopping.patience": .integer(0)])
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try FineTuningRun(plugin: plugin, context: context, progress: silentProgress)
        #expect { try run.writeReport() } throws: { "\($0)".contains("factory train") }
        let summary = try run.train()
        #expect(run.reportNeedsEvaluation(split: "test"))
        let file = try run.writeReport()
        #expect(file == run.files.report)
        #expect(!run.reportNeedsEvaluation(split: "test"), "the report evaluated the test split")
        #expect(run.reportNeedsEvaluation(split: "validation"))

        // predictions.jsonl: one record per test example, labels and probabilities.
        let records = try PredictionsFile.read(run.files.predictions)
        #expect(records.count == summary.splitSizes.test)
        #expect(records.allSatisfy { $0.label != nil && $0.probabilities.count == 2 && $0.input == nil })

        let eval = try JSONParser.parse([UInt8](Data(contentsOf: run.files.evaluation)))
        let report = try ParsedReport(String(contentsOf: file, encoding: .utf8))
        for (id, _) in RunReport.sections where id != "gallery" {
            #expect(try report.nodes("//section[@id='\(id)']").count == 1, "\(id)")
        }
        for id in ["chart-loss", "chart-metric", "chart-learning-rate", "confusion-matrix-chart", "roc-curve", "pr-curve", "reliability-diagram"] {
            #expect(try report.nodes("//*[local-name()='svg'][@id='\(id)']").count == 1, "\(id)")
        }
        // Metrics: exactly eval.json's.
        let metrics = try #require(eval["metrics"]?.objectValue)
        let rows = try report.nodes("//table[@id='metrics-table']/tbody/tr")
        #expect(rows.compactMap { $0.attribute("data-metric") } == metrics.keys.sorted())
        for row in rows {
            let value = try #require(try row.nodes(forXPath: "td[@data-value]").first as? XMLElement)
            #expect(Double(value.attribute("data-value")!) == metrics[row.attribute("data-metric")!]?.doubleValue)
        }
        // Confusion matrix and per-class table: eval.json's.
        let counts = try #require(eval["confusion_matrix"]?["counts"]?.arrayValue).map { $0.arrayValue!.map { $0.integerValue! } }
        let cells = try report.elements(in: "confusion-matrix-chart", class: "cell")
        #expect(cells.count == 4)
        for cell in cells {
            #expect(Int(cell.attribute("data-count")!) == counts[Int(cell.attribute("data-true")!)!][Int(cell.attribute("data-predicted")!)!])
        }
        let perClass = try #require(eval["per_class"]?.arrayValue)
        let classRows = try report.nodes("//table[@id='per-class-table']/tbody/tr")
        #expect(classRows.compactMap { $0.attribute("data-class") } == perClass.compactMap { $0["class"]?.stringValue })
        for (row, expected) in zip(classRows, perClass) {
            let f1 = try #require(try row.nodes(forXPath: "td[@data-name='f1']").first as? XMLElement)
            #expect(Double(f1.attribute("data-value")!) == expected["f1"]?.doubleValue)
        }
        // Mistakes: as many rows as wrong test predictions (at most 20).
        let wrong = records.filter { $0.isMistake == true }.count
        #expect(try report.nodes("//table[@id='mistakes-table']/tbody/tr").count == min(wrong, RunReport.mistakeCount))
        // No temporary files left next to the report.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: run.files.folder.path).filter { $0.hasPrefix(".") || $0.contains("tmp") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    @Test func badPredictionsFileNamesTheLine() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("factory-predictions-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: folder) }
        let good = PredictionsFile.line(PredictionRecord(input: .text("a\nb"), label: 1, probabilities: [0.25, 0.75]), index: 0, labelNames: ["x", "y"])
        try Data((good + "\n{\"index\": 1, \"probabilities\": {\"x\": \"high\"}}\n").utf8).write(to: folder)
        #expect { try PredictionsFile.read(folder) } throws: { "\($0)".contains("line 2") && "\($0)".contains("factory eval") }
        try Data((good + "\n").utf8).write(to: folder)
        let records = try PredictionsFile.read(folder)
        #expect(records == [PredictionRecord(input: .text("a\nb"), label: 1, probabilities: [0.25, 0.75])])
        #expect(records[0].predicted == 1 && records[0].confidence == 0.75 && records[0].isMistake == false)
    }
}
