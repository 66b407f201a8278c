// Cross-validation, ensembles and hyperparameter search end to end with the real `factory`
// binary on (a quarter of) the sentiment sample, kept small (frozen backbone, short texts,
// one or two epochs): `train --folds 3 --keep-ensemble` → `predict` / `eval --ensemble`,
// and `tune` with a two-trial grid under successive halving → trials.json and
// factory.best.yaml; a bad search space is a clear error naming file, line and key.

import Foundation
import Testing

@Suite("Cross-validation, ensembles and tuning end to end", .serialized)
struct TuneEndToEndTests {
    /// This suite's own model cache (the backbone is installed once, by the CLI).
    static let environment = ["FACTORY_CACHE_DIR": FileManager.default.temporaryDirectory
        .appendingPathComponent("factory-cli-tune-models-\(ProcessInfo.processInfo.processIdentifier)").path]

    /// Small and fast: the head alone trains, on texts of at most 32 tokens.
    static let small = ["model.freeze=backbone", "model.max_length=32", "train.learning_rate=3e-2", "train.warmup=0",
                        "train.batch_size=16", "early_stopping.patience=0"].flatMap { ["--set", $0] }

    func factory(_ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        try runFactory(arguments, environment: Self.environment)
    }

    /// A sentiment project with every fourth review of the sample (167 of 666).
    func makeProject() throws -> URL {
        let project = FileManager.default.temporaryDirectory.appendingPathComponent("factory-tune-e2e-\(UUID().uuidString)/reviews")
        let created = try factory(["new", "--task", "sentiment", project.path])
        #expect(created.status == 0, "\(created.error)")
        let data = project.appendingPathComponent("data/reviews.csv")
        let lines = try String(contentsOf: data, encoding: .utf8).split(separator: "\n")
        let subset = [lines[0]] + lines.dropFirst().enumerated().filter { $0.offset % 4 == 0 }.map(\.element)
        try (subset.joined(separator: "\n") + "\n").write(to: data, atomically: true, encoding: .utf8)
        return project
    }

    func json(_ url: URL) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    @Test func foldsThenPredictAndEvaluateWithTheEnsemble() throws {
        let project = try makeProject()
        defer { try? FileManager.default.removeItem(at: project.deletingLastPathComponent()) }
        let trained = try factory(["train", "--project", project.path, "--folds", "3", "--keep-ensemble", "--set", "train.epochs=1"] + Self.small)
        #expect(trained.status == 0, "\(trained.error)")
        #expect(trained.output.contains("3-fold cross-validation") && trained.output.contains("macro_f1"), "\(trained.output)")
        let output = project.appendingPathComponent("output")
        for fold in 1...3 {
            for file in ["checkpoints/best.safetensors", "metrics.jsonl", "eval.json", "splits.json"] {
                #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent("folds/fold-\(fold)/\(file)").path), "fold \(fold) \(file)")
            }
        }
        let summary = try json(output.appendingPathComponent("cross_validation.json"))
        #expect(summary["folds"] as? Int == 3)
        let sizes = try #require(summary["fold_sizes"] as? [Int])
        #expect(sizes.reduce(0, +) > 130 && sizes.max()! - sizes.min()! <= 1, "\(sizes)")
        let accuracy = try #require((summary["metrics"] as? [String: Any])?["accuracy"] as? [String: Any])
        let values = try #require(accuracy["values"] as? [Double])
        let mean = try #require(accuracy["mean"] as? Double)
        #expect(values.count == 3 && abs(mean - values.reduce(0, +) / 3) < 1e-9)
        // Three balanced classes: a third is guessing; one epoch of the head alone does better.
        #expect(mean > 0.42, "cross-validated accuracy \(values)")

        let manifest = output.appendingPathComponent("folds/ensemble.json").path
        let predicted = try factory(["predict", "--project", project.path, "--ensemble", manifest, "--json",
                                     "An absolute delight from start to finish, I loved it.", "Broke after two days. Awful."])
        #expect(predicted.status == 0, "\(predicted.error)")
        let answers = predicted.output.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(answers.count == 2)
        for answer in answers {
            let probabilities = try #require(answer["probabilities"] as? [String: Double])
            #expect(probabilities.count == 3 && abs(probabilities.values.reduce(0, +) - 1) < 1e-4, "\(probabilities)")
        }
        let evaluated = try factory(["eval", "--project", project.path, "--ensemble", "output/folds/ensemble.json"] + Self.small)
        #expect(evaluated.status == 0, "\(evaluated.error)")
        let eval = try json(output.appendingPathComponent("eval.json"))
        #expect(eval["checkpoint"] as? String == "ensemble" && (eval["ensemble"] as? [String])?.count == 3)
        #expect(((eval["metrics"] as? [String: Double])?["accuracy"] ?? 0) > 0.45, "\(eval)")
    }

    @Test func tuneWritesTheTrialsAndTheBestConfiguration() throws {
        let project = try makeProject()
        defer { try? FileManager.default.removeItem(at: project.deletingLastPathComponent()) }
        // The tune section is the last of the generated file: the space goes under it.
        let file = project.appendingPathComponent("factory.yaml")
        try (String(contentsOf: file, encoding: .utf8) + "  space:\n    train.learning_rate: [3e-2, 1e-7]\n")
            .write(to: file, atomically: true, encoding: .utf8)
        let tuned = try factory(["tune", "--project", project.path, "--set", "tune.method=grid", "--set", "tune.eta=2",
                                 "--set", "train.epochs=2", "--set", "early_stopping.metric=loss"] + Self.small)
        #expect(tuned.status == 0, "\(tuned.error)")
        #expect(tuned.output.contains("rank") && tuned.output.contains("factory.best.yaml"), "\(tuned.output)")
        let trials = try json(project.appendingPathComponent("output/tune/trials.json"))
        #expect(trials["metric"] as? String == "loss" && trials["higher_is_better"] as? Bool == false)
        let list = try #require(trials["trials"] as? [[String: Any]])
        #expect(list.count == 2)
        #expect(Set(list[0].keys) == ["trial", "parameters", "value", "epochs", "status"])
        // The learning rate that cannot move the head stops after the first rung (1 epoch).
        #expect(list[0]["trial"] as? Int == 1 && list[0]["status"] as? String == "completed" && list[0]["epochs"] as? Int == 2, "\(list)")
        #expect(list[1]["trial"] as? Int == 2 && list[1]["status"] as? String == "stopped" && list[1]["epochs"] as? Int == 1, "\(list)")
        #expect((list[0]["parameters"] as? [String: Double])?["train.learning_rate"] == 3e-2)
        #expect(try #require(list[0]["value"] as? Double) < (try #require(list[1]["value"] as? Double)))
        let best = try String(contentsOf: project.appendingPathComponent("factory.best.yaml"), encoding: .utf8)
        #expect(best.contains("learning_rate: 0.03") && best.contains("task: sentiment") && best.contains("factory train --set"), "\(best)")
        #expect(FileManager.default.fileExists(atPath: project.appendingPathComponent("output/tune/trial-1/checkpoints/best.safetensors").path))

        // A bad space: the file, the line and the key.
        try (String(contentsOf: file, encoding: .utf8) + "    train.learnig_rate: [0.1]\n").write(to: file, atomically: true, encoding: .utf8)
        let bad = try factory(["tune", "--project", project.path])
        #expect(bad.status == 2)
        #expect(bad.error.contains("factory.yaml:") && bad.error.contains("tune.space.train.learnig_rate") && bad.error.contains("did you mean"), "\(bad.error)")
    }
}
