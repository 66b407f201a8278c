// `factory export` and `factory predict --model` end to end on the sentiment sample: a short
// LoRA run, the export (adapters fused) in Hugging Face's layout (`bert.*`, `classifier.*`,
// config.json with id2label / label2id / architectures), and the exported folder — moved away,
// with the project deleted and an empty model cache — answering what the project answers.

import Foundation
import Testing

@Suite("Export end to end", .serialized)
struct ExportEndToEndTests {
    func factory(_ arguments: [String], environment: [String: String] = SentimentEndToEndTests.environment) throws -> (status: Int32, output: String, error: String) {
        try runFactory(arguments, environment: environment)
    }

    /// The tensor names of a safetensors file, from its JSON header.
    func tensorNames(_ url: URL) throws -> [String] {
        let data = try Data(contentsOf: url)
        let length = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let header = try #require(try JSONSerialization.jsonObject(with: data.subdata(in: 8 ..< 8 + length)) as? [String: Any])
        return header.keys.filter { $0 != "__metadata__" }.sorted()
    }

    /// Label and probabilities of each `--json` answer.
    func answers(_ output: String) -> [(label: String, probabilities: [String: Double])] {
        output.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let label = object["label"] as? String, let probabilities = object["probabilities"] as? [String: Double] else { return nil }
            return (label, probabilities)
        }
    }

    @Test func exportedModelAnswersLikeTheProject() throws {
        let root = SentimentEndToEndTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let project = root.appendingPathComponent("reviews")
        #expect(try factory(["new", "--task", "sentiment", project.path]).status == 0)
        // One epoch of LoRA on the top layer's query and value only (the backward pass stops
        // there, which keeps the test short); the fused export must still match.
        let trained = try factory(["train", "--project", project.path, "--set", "lora.enabled=true", "--set", "train.epochs=1",
                                   "--set", "lora.targets=[encoder.layer.5.attention.self.query, encoder.layer.5.attention.self.value]"])
        #expect(trained.status == 0, "\(trained.error)")
        #expect(trained.error.contains("LoRA: rank 8, alpha 16.0, adapters on 2 layer(s)"), "\(trained.error)")
        #expect(FileManager.default.fileExists(atPath: project.appendingPathComponent("output/adapters.safetensors").path))

        let texts = ["An absolute delight from start to finish, I loved it.", "Broke after two days and support never answered. Awful.",
                     "It arrived on Tuesday in a brown box."]
        let fromProject = try factory(["predict", "--project", project.path, "--json"] + texts)
        #expect(fromProject.status == 0, "\(fromProject.error)")

        let exported = try factory(["export", "--project", project.path])
        #expect(exported.status == 0, "\(exported.error)")
        let folder = project.appendingPathComponent("output/export")
        #expect(exported.output.contains("written: \(folder.path)"))
        for file in ["model.safetensors", "config.json", "tokenizer.json", "factory-model.json"] {
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path), "\(file)")
        }
        // Hugging Face's layout for BertForSequenceClassification, adapters fused away.
        let names = try tensorNames(folder.appendingPathComponent("model.safetensors"))
        for name in ["bert.embeddings.word_embeddings.weight", "bert.encoder.layer.0.attention.self.query.weight",
                     "bert.encoder.layer.5.attention.self.value.bias", "classifier.weight", "classifier.bias"] {
            #expect(names.contains(name), "\(name)")
        }
        #expect(!names.contains { $0.contains("lora") || $0.hasPrefix("backbone.") || $0.hasPrefix("head.") }, "\(names.prefix(5))")
        let config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("config.json"))) as? [String: Any])
        #expect(config["architectures"] as? [String] == ["BertForSequenceClassification"])
        #expect(config["id2label"] as? [String: String] == ["0": "negative", "1": "neutral", "2": "positive"])
        #expect(config["label2id"] as? [String: Int] == ["negative": 0, "neutral": 1, "positive": 2])
        #expect(config["hidden_size"] as? Int == 384)

        // Served from the folder alone: moved away, project deleted, no installed backbone.
        let moved = root.appendingPathComponent("shipped-model")
        try FileManager.default.moveItem(at: folder, to: moved)
        try FileManager.default.removeItem(at: project)
        let emptyCache = ["FACTORY_CACHE_DIR": root.appendingPathComponent("empty-cache").path]
        let fromExport = try factory(["predict", "--model", moved.path, "--json"] + texts, environment: emptyCache)
        #expect(fromExport.status == 0, "\(fromExport.error)")
        let expected = answers(fromProject.output), actual = answers(fromExport.output)
        #expect(expected.count == 3 && actual.count == 3)
        for (a, b) in zip(expected, actual) {
            #expect(a.label == b.label)
            // The fused weights compute the adapted model's function up to float rounding.
            for (label, probability) in a.probabilities { #expect(abs(probability - (b.probabilities[label] ?? -1)) < 1e-4, "\(label)") }
        }

        let missing = try factory(["predict", "--model", root.appendingPathComponent("nothing").path, "some text"], environment: emptyCache)
        #expect(missing.status == 2)
        #expect(missing.error.contains("factory-model.json"), "\(missing.error)")
    }
}
