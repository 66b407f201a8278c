// `factory report` as a user runs it on the sentiment sample: new → train (1 epoch, with
// token dropout on) → report, which evaluates first and writes output/report.html with every
// section, the review texts in the mistakes table, predictions.jsonl beside it; and a clear
// error before any training. Uses the user's model cache (the backbone installs once).

import Foundation
import Testing

@Suite("Report end to end", .serialized)
struct ReportEndToEndTests {
    @Test func newTrainReport() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("factory-report-e2e-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let project = root.appendingPathComponent("reviews")
        let created = try runFactory(["new", "--task", "sentiment", project.path])
        #expect(created.status == 0, "\(created.error)")
        // A quarter of the sample (every fourth review, about 165) keeps the test well under a minute.
        let data = project.appendingPathComponent("data/reviews.csv")
        let sample = try String(contentsOf: data, encoding: .utf8).split(separator: "\n")
        let kept = [sample[0]] + sample.dropFirst().enumerated().filter { $0.offset % 4 == 0 }.map(\.element)
        try kept.joined(separator: "\n").appending("\n").write(to: data, atomically: true, encoding: .utf8)
        let early = try runFactory(["report", "--project", project.path])
        #expect(early.status == 1 && early.error.contains("factory train"), "\(early.error)")

        let trained = try runFactory(["train", "--project", project.path, "--set", "train.epochs=1", "--set", "train.learning_rate=8e-5",
                                      "--set", "augmentation.text.token_dropout=0.1", "--set", "model.max_length=64"])
        #expect(trained.status == 0, "\(trained.error)")
        let reported = try runFactory(["report", "--project", project.path])
        #expect(reported.status == 0, "\(reported.error)")
        #expect(reported.error.contains("evaluating the test split first"), "\(reported.error)")
        let output = project.appendingPathComponent("output")
        #expect(reported.output.contains(output.appendingPathComponent("report.html").path))

        let html = try String(contentsOf: output.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.contains("</html>"))
        for id in ["summary", "model-card", "learning-curves", "confusion-matrix", "roc-curves", "precision-recall", "calibration",
                   "per-class", "mistakes", "search"] {
            #expect(html.contains("<section id=\"\(id)\""), "section \(id)")
        }
        for chart in ["chart-loss", "chart-metric", "chart-learning-rate", "confusion-matrix-chart", "roc-curve", "pr-curve", "reliability-diagram"] {
            #expect(html.contains("id=\"\(chart)\""), "chart \(chart)")
        }
        #expect(html.contains("token_dropout 0.1"), "the model card shows the run's augmentation")
        #expect(!html.contains("<script"))
        // Three classes: a 3 x 3 confusion matrix; the per-class table names them.
        #expect(html.components(separatedBy: "<rect class=\"cell").count - 1 == 9)
        for label in ["negative", "neutral", "positive"] { #expect(html.contains("data-class=\"\(label)\"")) }

        let lines = try String(contentsOf: output.appendingPathComponent("predictions.jsonl"), encoding: .utf8).split(separator: "\n")
        let eval = try JSONSerialization.jsonObject(with: Data(contentsOf: output.appendingPathComponent("eval.json"))) as? [String: Any]
        #expect(lines.count == eval?["examples"] as? Int)
        let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any]
        #expect(first?["input_kind"] as? String == "text" && (first?["input"] as? String)?.isEmpty == false)
        #expect((first?["probabilities"] as? [String: Double])?.count == 3)
        // The mistakes table shows review texts (escaped), when there are mistakes.
        let wrong = lines.filter { line in
            let record = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return record?["label"] as? String != record?["predicted"] as? String
        }
        #expect(html.contains("<tr class=\"mistake\">") == !wrong.isEmpty)
    }
}
