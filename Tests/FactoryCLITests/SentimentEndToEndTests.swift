// The product end to end, as a user runs it: `factory new --task sentiment` → `train` (a
// small budget) → `eval` → `predict`, asserting on the files and on a test accuracy clearly
// above the majority class; and every kind of bad input giving a clear error, a non-zero
// exit status and no partial project or checkpoint.

import Foundation
import Testing

@Suite("Sentiment end to end", .serialized)
struct SentimentEndToEndTests {
    /// One model cache for the whole suite (the backbone is installed once, by the CLI).
    static let environment = ["FACTORY_CACHE_DIR": FileManager.default.temporaryDirectory
        .appendingPathComponent("factory-cli-models-\(ProcessInfo.processInfo.processIdentifier)").path]

    static func temporaryFolder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("factory-e2e-\(UUID().uuidString)")
    }

    func factory(_ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        try runFactory(arguments, environment: Self.environment)
    }

    @Test func newTrainEvalPredict() throws {
        let root = Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let project = root.appendingPathComponent("reviews")
        let created = try factory(["new", "--task", "sentiment", project.path])
        #expect(created.status == 0, "\(created.error)")
        for file in ["factory.yaml", "README.md", "data/reviews.csv"] {
            #expect(FileManager.default.fileExists(atPath: project.appendingPathComponent(file).path), "\(file)")
        }
        let yaml = try String(contentsOf: project.appendingPathComponent("factory.yaml"), encoding: .utf8)
        #expect(yaml.contains("task: sentiment") && yaml.contains("# ") && yaml.contains("learning_rate"))

        // A small budget: two epochs.
        let trained = try factory(["train", "--project", project.path, "--set", "train.epochs=2", "--set", "train.learning_rate=8e-5"])
        #expect(trained.status == 0, "\(trained.error)")
        #expect(trained.error.contains("epoch 2/2"), "progress lines on stderr")
        let output = project.appendingPathComponent("output")
        for file in ["checkpoints/best.safetensors", "checkpoints/last.safetensors", "checkpoints/best.json", "metrics.jsonl", "learning_curve.svg", "splits.json"] {
            #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent(file).path), "\(file)")
        }
        let lines = try String(contentsOf: output.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)

        let evaluated = try factory(["eval", "--project", project.path, "--set", "train.epochs=2", "--set", "train.learning_rate=8e-5"])
        #expect(evaluated.status == 0, "\(evaluated.error)")
        #expect(evaluated.output.contains("macro_f1"))
        let eval = try JSONSerialization.jsonObject(with: Data(contentsOf: output.appendingPathComponent("eval.json"))) as? [String: Any]
        let metrics = try #require(eval?["metrics"] as? [String: Double])
        let accuracy = try #require(metrics["accuracy"])
        // Three balanced classes: the majority class is a third. Two short epochs must be far above it.
        #expect(accuracy > 0.6, "test accuracy \(accuracy)")
        for name in ["macro_f1", "weighted_f1", "log_loss", "ece", "roc_auc"] { #expect(metrics[name] != nil, "\(name)") }

        let predicted = try factory(["predict", "--project", project.path, "--json",
                                     "An absolute delight from start to finish, I loved it.",
                                     "Broke after two days and support never answered. Awful."])
        #expect(predicted.status == 0, "\(predicted.error)")
        let answers = predicted.output.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(answers.count == 2)
        #expect(answers.first?["label"] as? String == "positive", "\(predicted.output)")
        #expect(answers.last?["label"] as? String == "negative", "\(predicted.output)")
        #expect((answers.first?["probabilities"] as? [String: Double])?.count == 3)
    }

    @Test func newRefusesUnknownTasksAndNonEmptyFolders() throws {
        let root = Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let unknown = try factory(["new", "--task", "sentimnt", root.appendingPathComponent("x").path])
        #expect(unknown.status == 2)
        #expect(unknown.error.contains("did you mean sentiment"), "\(unknown.error)")
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("x").path))
        try FileManager.default.createDirectory(at: root.appendingPathComponent("full"), withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: root.appendingPathComponent("full/notes.txt"))
        let full = try factory(["new", "--task", "sentiment", root.appendingPathComponent("full").path])
        #expect(full.status != 0)
        #expect(full.error.contains("not empty"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("full").path) == ["notes.txt"])
    }

    /// A project whose data file is replaced by `contents`, run through `train` with `overrides`.
    func trainWithData(_ contents: Data, overrides: [String] = []) throws -> (status: Int32, error: String, project: URL) {
        let root = Self.temporaryFolder()
        let project = root.appendingPathComponent("p")
        _ = try factory(["new", "--task", "sentiment", project.path])
        try contents.write(to: project.appendingPathComponent("data/reviews.csv"))
        let result = try factory(["train", "--project", project.path, "--set", "train.epochs=1"] + overrides.flatMap { ["--set", $0] })
        return (result.status, result.error, project)
    }

    @Test func badDataIsAClearErrorAndLeavesNoCheckpoint() throws {
        let good = "text,label\nfine,positive\nbad,negative\nokay,neutral\n"
        let cases: [(name: String, data: Data, overrides: [String], expected: [String])] = [
            ("missing column", Data(good.utf8), ["data.text_column=review"], ["reviews.csv", "review"]),
            ("empty file", Data(), [], ["reviews.csv"]),
            ("unknown label", Data((good + "meh,mixed\n").utf8), ["data.labels=[negative, neutral, positive]"], ["reviews.csv:5", "mixed"]),
            ("not UTF-8", Data("text,label\nfine,positive\n".utf8) + Data([0x62, 0xFF, 0xFE, 0x2C, 0x6E, 0x0A]), [], ["reviews.csv", "line 3", "UTF-8"]),
            ("empty text", Data((good + "  ,positive\n").utf8), [], ["reviews.csv:5", "empty"]),
        ]
        for testCase in cases {
            let (status, error, project) = try trainWithData(testCase.data, overrides: testCase.overrides)
            defer { try? FileManager.default.removeItem(at: project.deletingLastPathComponent()) }
            #expect(status == 1, "\(testCase.name): \(error)")
            for fragment in testCase.expected { #expect(error.contains(fragment), "\(testCase.name): \(error)") }
            #expect(!FileManager.default.fileExists(atPath: project.appendingPathComponent("output/checkpoints").path), "\(testCase.name)")
        }
    }

    @Test func badConfigurationIsAClearError() throws {
        let root = Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let project = root.appendingPathComponent("p")
        _ = try factory(["new", "--task", "sentiment", project.path])
        let unknown = try factory(["train", "--project", project.path, "--set", "train.epohcs=3"])
        #expect(unknown.status == 2)
        #expect(unknown.error.contains("train.epohcs") && unknown.error.contains("train.epochs"), "\(unknown.error)")
        let wrongType = try factory(["train", "--project", project.path, "--set", "train.epochs=three"])
        #expect(wrongType.status == 2)
        #expect(wrongType.error.contains("train.epochs"), "\(wrongType.error)")
        // In the file, with its line number.
        let file = project.appendingPathComponent("factory.yaml")
        var yaml = try String(contentsOf: file, encoding: .utf8)
        yaml += "\nbogus_section:\n  key: 1\n"
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        let inFile = try factory(["train", "--project", project.path])
        #expect(inFile.status == 2)
        #expect(inFile.error.contains("factory.yaml:") && inFile.error.contains("bogus_section"), "\(inFile.error)")
        #expect(!FileManager.default.fileExists(atPath: project.appendingPathComponent("output").path))
        let noProject = try factory(["train", "--project", root.appendingPathComponent("nowhere").path])
        #expect(noProject.status == 2)
        #expect(noProject.error.contains("factory new"))
    }

    @Test func catalogListsShowsAndSearches() throws {
        let list = try factory(["catalog", "list", "--json"])
        #expect(list.status == 0, "\(list.error)")
        let tasks = try JSONSerialization.jsonObject(with: Data(list.output.utf8)) as? [[String: Any]]
        #expect(tasks?.contains { $0["id"] as? String == "sentiment" } == true)
        let show = try factory(["catalog", "show", "sentiment"])
        #expect(show.status == 0 && show.output.contains("Example configuration"), "\(show.error)")
        #expect(show.output.contains("text_column"))
        let search = try factory(["catalog", "search", "reviews"])
        #expect(search.output.contains("sentiment"))
        let verified = try factory(["catalog", "verify"])
        #expect(verified.status == 0, "\(verified.error)")
        #expect(verified.output.contains("sentiment"))
        // An extra catalog (FACTORY_CATALOG) entry that no plugin can run is caught by verify.
        let folder = Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let catalogFile = folder.appendingPathComponent("catalog.json")
        try Data(#"{"apiVersion": 1, "tasks": [{"id": "ghost", "name": "Ghost", "summary": "s", "version": "1", "apiVersion": 1, "type": "G", "inputFormats": [], "outputs": [], "backbones": [], "metrics": [], "sample": "none", "tags": []}], "backbones": []}"#.utf8).write(to: catalogFile)
        let broken = try runFactory(["catalog", "verify"], environment: Self.environment.merging(["FACTORY_CATALOG": catalogFile.path]) { $1 })
        #expect(broken.status != 0)
        #expect(broken.error.contains(catalogFile.path) && broken.error.contains("ghost") && broken.error.contains("\"command\""), "\(broken.error)")
        // A catalog for another plugin API version is reported, and the built-in tasks stay listed.
        let otherVersion = folder.appendingPathComponent("v2.json")
        try Data(#"{"apiVersion": 2, "tasks": [{"id": "later", "name": "L", "version": "1", "apiVersion": 2, "command": "/bin/sh"}], "backbones": []}"#.utf8).write(to: otherVersion)
        let refused = try runFactory(["catalog", "list"], environment: Self.environment.merging(["FACTORY_CATALOG": otherVersion.path]) { $1 })
        #expect(refused.status == 0)
        #expect(refused.output.contains("sentiment") && !refused.output.contains("later"))
        #expect(refused.error.contains(otherVersion.path) && refused.error.contains("version 2") && refused.error.contains("version 1"), "\(refused.error)")
        let none = try factory(["catalog", "search", "zebra"])
        #expect(none.output.contains("no task matches"))
    }
}
