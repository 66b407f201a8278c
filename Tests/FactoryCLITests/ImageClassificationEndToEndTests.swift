// The image classification task end to end, as a user runs it: `factory new --task
// image-classification` → `train` (the sample project's own small image size) → `eval`
// (test accuracy far above the majority class, the task's metrics and tables in eval.json)
// → `predict` (top-k answers as JSON); and a bad image or a bad prediction path giving a
// clear error naming the file, a non-zero exit status and no checkpoint.

import Foundation
import Testing

@Suite("Image classification end to end", .serialized)
struct ImageClassificationEndToEndTests {
    /// The model cache the sentiment suite uses too (installed once per test run, by the CLI).
    static let environment = SentimentEndToEndTests.environment

    func factory(_ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        try runFactory(arguments, environment: Self.environment)
    }

    @Test func newTrainEvalPredict() throws {
        let root = SentimentEndToEndTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let project = root.appendingPathComponent("shapes")
        let created = try factory(["new", "--task", "image-classification", project.path])
        #expect(created.status == 0, "\(created.error)")
        let images = project.appendingPathComponent("data/images")
        let classes = try FileManager.default.contentsOfDirectory(atPath: images.path).filter { !$0.hasPrefix(".") }.sorted()
        #expect(classes.count >= 5, "\(classes)")
        let yaml = try String(contentsOf: project.appendingPathComponent("factory.yaml"), encoding: .utf8)
        #expect(yaml.contains("task: image-classification") && yaml.contains("image_size: 128") && yaml.contains("top_k"), "\(yaml)")

        let trained = try factory(["train", "--project", project.path])
        #expect(trained.status == 0, "\(trained.error)")
        #expect(trained.error.contains("epoch 1/"), "progress lines on stderr")
        let output = project.appendingPathComponent("output")
        for file in ["checkpoints/best.safetensors", "checkpoints/last.safetensors", "metrics.jsonl", "learning_curve.svg", "splits.json"] {
            #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent(file).path), "\(file)")
        }

        let evaluated = try factory(["eval", "--project", project.path])
        #expect(evaluated.status == 0, "\(evaluated.error)")
        let eval = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: output.appendingPathComponent("eval.json"))) as? [String: Any])
        let metrics = try #require(eval["metrics"] as? [String: Double])
        let accuracy = try #require(metrics["accuracy"])
        // Six balanced classes: the majority class is about a sixth.
        #expect(accuracy >= 0.7, "test accuracy \(accuracy)")
        for name in ["macro_f1", "top5_accuracy", "log_loss"] { #expect(metrics[name] != nil, "\(name)") }
        #expect((eval["per_class"] as? [[String: Any]])?.count == classes.count)
        let confusion = try #require(eval["confusion_matrix"] as? [String: Any])
        #expect((confusion["counts"] as? [[Int]])?.count == classes.count)

        let first = images.appendingPathComponent(classes[0]), last = images.appendingPathComponent(classes[classes.count - 1])
        let inputs = [first, last].map { folder in
            folder.appendingPathComponent((try? FileManager.default.contentsOfDirectory(atPath: folder.path).sorted().first) ?? "").path
        }
        let predicted = try factory(["predict", "--project", project.path, "--json"] + inputs)
        #expect(predicted.status == 0, "\(predicted.error)")
        let answers = predicted.output.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(answers.count == 2, "\(predicted.output)")
        for (answer, input) in zip(answers, inputs) {
            #expect(answer["input"] as? String == input)
            let top = try #require(answer["top_k"] as? [[String: Any]])
            #expect(top.count == 3)
            let probabilities = top.compactMap { $0["probability"] as? Double }
            #expect(probabilities.count == 3 && probabilities == probabilities.sorted(by: >), "\(top)")
            #expect(top.first?["label"] as? String == answer["label"] as? String)
            #expect(Set(top.compactMap { $0["label"] as? String }).isSubset(of: Set(classes)))
            #expect((answer["probabilities"] as? [String: Double])?.count == classes.count)
        }
        let plain = try factory(["predict", "--project", project.path, "--set", "predict.top_k=2", inputs[0]])
        #expect(plain.status == 0 && plain.output.split(separator: ",").count == 2, "\(plain.output)")

        let missing = try factory(["predict", "--project", project.path, root.appendingPathComponent("nowhere.png").path])
        #expect(missing.status != 0)
        #expect(missing.error.contains("nowhere.png"), "\(missing.error)")
    }

    @Test func aBrokenImageIsAClearErrorAndLeavesNoCheckpoint() throws {
        let root = SentimentEndToEndTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let project = root.appendingPathComponent("p")
        _ = try factory(["new", "--task", "image-classification", project.path])
        let images = project.appendingPathComponent("data/images")
        let someClass = try #require(try FileManager.default.contentsOfDirectory(atPath: images.path).filter { !$0.hasPrefix(".") }.sorted().first)
        try Data("not an image".utf8).write(to: images.appendingPathComponent("\(someClass)/broken.png"))
        let result = try factory(["train", "--project", project.path, "--set", "train.epochs=1"])
        #expect(result.status == 1, "\(result.error)")
        #expect(result.error.contains("\(someClass)/broken.png") && result.error.contains("not a PNG or JPEG"), "\(result.error)")
        #expect(!FileManager.default.fileExists(atPath: project.appendingPathComponent("output/checkpoints").path))
    }
}
