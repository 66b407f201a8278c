// The defect-detection product end to end, as a user runs it: `factory new --task
// defect-detection` → `train` (PatchCore: a memory bank, no gradient epochs) → `eval` →
// `predict`, asserting on output/eval.json (image and pixel AUROC, PRO, F1 at the saved
// threshold, the gallery) and on the anomaly maps written (PNGs of the image's size, hotter
// inside the defect's mask than outside); and bad data failing with the file named and no
// checkpoint written.

import FactoryIO
import Foundation
import Testing

@Suite("Defect detection end to end", .serialized)
struct DefectDetectionEndToEndTests {
    /// The same model cache as the other CLI suites (the backbone is installed once, by the CLI).
    static let environment = SentimentEndToEndTests.environment

    func factory(_ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        try runFactory(arguments, environment: Self.environment)
    }

    /// The heat drawn over `image` in `overlay` (overlay = image/2 + colour/2, so colour =
    /// 2 overlay - image; heat = red - blue of the colour: -1 cold ... +1 hot), averaged
    /// inside and outside `mask`.
    static func heat(overlay: URL, image: URL, mask: URL) throws -> (inside: Float, outside: Float) {
        let drawn = try ImageFile.read(overlay).scalars, original = try ImageFile.read(image).scalars
        let truth = try ImageFile.read(mask, channels: .grey).scalars
        let plane = truth.count
        var inside: (sum: Float, count: Float) = (0, 0), outside: (sum: Float, count: Float) = (0, 0)
        for pixel in 0..<plane {
            let red = 2 * drawn[pixel] - original[pixel], blue = 2 * drawn[2 * plane + pixel] - original[2 * plane + pixel]
            if truth[pixel] > 0.5 { inside = (inside.sum + red - blue, inside.count + 1) } else { outside = (outside.sum + red - blue, outside.count + 1) }
        }
        return (inside.sum / inside.count, outside.sum / outside.count)
    }

    @Test func newTrainEvalPredict() throws {
        let root = SentimentEndToEndTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let project = root.appendingPathComponent("line-3")
        let created = try factory(["new", "--task", "defect-detection", project.path])
        #expect(created.status == 0, "\(created.error)")
        let data = project.appendingPathComponent("data/surface")
        for folder in ["train/good", "test/good", "test/scratch", "test/hole", "test/stain", "test/crack", "ground_truth/crack"] {
            #expect(FileManager.default.fileExists(atPath: data.appendingPathComponent(folder).path), "\(folder)")
        }
        let yaml = try String(contentsOf: project.appendingPathComponent("factory.yaml"), encoding: .utf8)
        #expect(yaml.contains("task: defect-detection") && yaml.contains("coreset_ratio") && yaml.contains("image_size: 128"))

        let trained = try factory(["train", "--project", project.path])
        #expect(trained.status == 0, "\(trained.error)")
        #expect(trained.error.contains("memory bank"), "\(trained.error)")
        let output = project.appendingPathComponent("output")
        for file in ["checkpoints/best.safetensors", "checkpoints/last.safetensors", "metrics.jsonl", "splits.json"] {
            #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent(file).path), "\(file)")
        }

        let evaluated = try factory(["eval", "--project", project.path])
        #expect(evaluated.status == 0, "\(evaluated.error)")
        #expect(evaluated.output.contains("image_auroc"))
        let eval = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: output.appendingPathComponent("eval.json"))) as? [String: Any])
        let metrics = try #require(eval["metrics"] as? [String: Double])
        // The sample's targets: image AUROC >= 0.95, pixel AUROC >= 0.90 (seeded: same every run).
        #expect(try #require(metrics["image_auroc"]) >= 0.95, "\(metrics)")
        #expect(try #require(metrics["pixel_auroc"]) >= 0.90, "\(metrics)")
        #expect(try #require(metrics["pro"]) > 0.6, "\(metrics)")
        #expect(try #require(metrics["f1"]) > 0.8, "\(metrics)")
        #expect(try #require(metrics["accuracy"]) > 0.8, "\(metrics)")
        // predictions.jsonl: one line per evaluated image, with its path, label and image score.
        let lines = try String(contentsOf: output.appendingPathComponent("predictions.jsonl"), encoding: .utf8).split(separator: "\n")
        let records = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(!records.isEmpty && records.count == lines.count, "one JSON object per line")
        for record in records {
            let path = try #require(record["input"] as? String)
            #expect(record["input_kind"] as? String == "image" && FileManager.default.fileExists(atPath: path), "\(record)")
            #expect(["good", "defect"].contains(try #require(record["label"] as? String)), "\(record)")
            #expect(try #require(record["score"] as? Double).isFinite)
            #expect(record["probabilities"] == nil, "PatchCore alone gives a score, not class probabilities")
        }
        let meanScore = { (label: String) in
            let scores = records.filter { $0["label"] as? String == label }.compactMap { $0["score"] as? Double }
            return scores.reduce(0, +) / Double(Swift.max(scores.count, 1))
        }
        #expect(meanScore("defect") > meanScore("good"), "defects score higher on average")
        let gallery = try #require(eval["gallery"] as? [[String: Any]])
        #expect(gallery.count == 12)
        let galleryScores = gallery.compactMap { $0["score"] as? Double }
        #expect(galleryScores == galleryScores.sorted(by: >), "worst first")
        for entry in gallery {
            let map = URL(fileURLWithPath: try #require(entry["anomaly_map"] as? String))
            #expect(try ImageFile.read(map).shape == [3, 128, 128])
            if let type = entry["type"] as? String, type != "good", let path = entry["image"] as? String {
                let image = URL(fileURLWithPath: path)
                let mask = data.appendingPathComponent("ground_truth/\(type)/\(image.deletingPathExtension().lastPathComponent)_mask.png")
                let heat = try Self.heat(overlay: map, image: image, mask: mask)
                #expect(heat.inside > heat.outside, "\(path): \(heat)")
            }
            #expect(entry["label"] as? String != nil && entry["predicted"] as? String != nil && entry["image"] as? String != nil)
        }

        let defect = data.appendingPathComponent("test/hole/granite_003.png")
        let good = data.appendingPathComponent("test/good/wood_002.png")
        let predicted = try factory(["predict", "--project", project.path, "--json", defect.path, good.path])
        #expect(predicted.status == 0, "\(predicted.error)")
        let answers = predicted.output.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(answers.count == 2)
        #expect(answers.first?["label"] as? String == "defect", "\(predicted.output)")
        #expect(answers.last?["label"] as? String == "good", "\(predicted.output)")
        let defectScore = try #require(answers.first?["score"] as? Double), goodScore = try #require(answers.last?["score"] as? Double)
        #expect(defectScore > goodScore)
        for answer in answers {
            let map = URL(fileURLWithPath: try #require(answer["anomaly_map"] as? String))
            #expect(map.path.hasPrefix(output.path), "under the project's output folder")
            #expect(try ImageFile.read(map).shape == [3, 128, 128])
        }
        // The defect's map is hot where its mask is and cold elsewhere.
        let heat = try Self.heat(overlay: URL(fileURLWithPath: try #require(answers.first?["anomaly_map"] as? String)), image: defect,
                                 mask: data.appendingPathComponent("ground_truth/hole/granite_003_mask.png"))
        #expect(heat.inside > heat.outside + 0.3, "\(heat)")
    }

    @Test func combinedMethodTrainsTheUpperBlocksAndTheHead() throws {
        let root = SentimentEndToEndTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let project = root.appendingPathComponent("combined")
        #expect(try factory(["new", "--task", "defect-detection", project.path]).status == 0)
        let trained = try factory(["train", "--project", project.path, "--set", "model.method=combined", "--set", "train.epochs=1"])
        #expect(trained.status == 0, "\(trained.error)")
        // "epoch 1: N trainable parameters (...)": N is what the optimizer holds state for.
        let line = try #require(trained.error.split(separator: "\n").first { $0.contains("trainable parameters") }, "\(trained.error)")
        let logged = try #require(Int(line.split(separator: " ")[2]), "\(line)")
        let checkpoint = try SafetensorsFile(contentsOf: project.appendingPathComponent("output/checkpoints/last.safetensors"))
        let suffix = ".firstMoment"
        let optimized = checkpoint.tensorNames.filter { $0.hasPrefix("optimizer.") && $0.hasSuffix(suffix) }
            .map { String($0.dropFirst("optimizer.".count).dropLast(suffix.count)) }
        #expect(optimized.contains("head.classifier.weight") && optimized.contains("backbone._conv_head.weight"))
        // Lite0: blocks 11-15 lie above the stages PatchCore reads (blocks 0-10); the stem,
        // those blocks and the ImageNet classifier `_fc` never train.
        let upper = (11...15).map { "backbone._blocks.\($0)." } + ["backbone._conv_head.", "backbone._bn1.", "head."]
        #expect(optimized.allSatisfy { key in upper.contains { key.hasPrefix($0) } }, "\(optimized.filter { key in !upper.contains { key.hasPrefix($0) } })")
        let count = try optimized.reduce(0) { $0 + (try checkpoint.tensor(named: $1).count) }
        #expect(logged == count, "\(line)")

        let evaluated = try factory(["eval", "--project", project.path])
        #expect(evaluated.status == 0, "\(evaluated.error)")
        let output = project.appendingPathComponent("output")
        let eval = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: output.appendingPathComponent("eval.json"))) as? [String: Any])
        let metrics = try #require(eval["metrics"] as? [String: Double])
        // The PatchCore half alone separates the sample; one epoch of the head must not undo that.
        #expect(try #require(metrics["image_auroc"]) >= 0.9, "\(metrics)")
        let lines = try String(contentsOf: output.appendingPathComponent("predictions.jsonl"), encoding: .utf8).split(separator: "\n")
        let records = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(!records.isEmpty && records.count == lines.count)
        for record in records {
            let probabilities = try #require(record["probabilities"] as? [String: Double], "the head gives probabilities: \(record)")
            #expect(Swift.abs((probabilities["good"] ?? -1) + (probabilities["defect"] ?? -1) - 1) < 1e-4, "\(record)")
        }
    }

    @Test func badDataIsNamedAndNothingIsWritten() throws {
        let root = SentimentEndToEndTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let project = root.appendingPathComponent("broken")
        #expect(try factory(["new", "--task", "defect-detection", project.path]).status == 0)
        let image = project.appendingPathComponent("data/surface/test/crack/metal_000.png")
        try Data("not an image".utf8).write(to: image)
        let trained = try factory(["train", "--project", project.path])
        #expect(trained.status != 0)
        #expect(trained.error.contains(image.path) && trained.error.contains("cannot be read"), "\(trained.error)")
        #expect(!FileManager.default.fileExists(atPath: project.appendingPathComponent("output/checkpoints").path))
    }
}
