// K-fold cross-validation: the folds are disjoint, cover exactly the non-test examples, are
// stratified (each class within one example of its share in every fold) and seeded; each
// fold's run trains on the other folds with an inner validation split; mean and sample
// standard deviation are the hand-computed ones; a run on the tiny task writes every fold,
// cross_validation.json and, when asked, an ensemble manifest.

import FactoryKit
import Foundation
import Testing

@Suite("Cross-validation")
struct CrossValidationTests {
    /// 3 classes of 50, 31 and 7 examples, plus a few without a class.
    let strata: [Int?] = Array(repeating: 0, count: 50) + Array(repeating: 1, count: 31) + Array(repeating: 2, count: 7) + [nil, nil, nil, nil]

    @Test(arguments: [2, 3, 5, 7])
    func foldsAreDisjointCoverAndAreStratified(count: Int) {
        let test: Set<Int> = [0, 1, 2, 50, 51, 81]
        let pool = strata.indices.filter { !test.contains($0) }
        let folds = FoldSplitter.folds(of: pool, strata: strata, count: count, seed: 42)
        #expect(folds.count == count)
        let all = folds.flatMap { $0 }
        #expect(Set(all).count == all.count, "disjoint")
        #expect(all.sorted() == pool, "the folds cover exactly the non-test examples")
        #expect(Set(all).isDisjoint(with: test))
        let sizes = folds.map(\.count)
        #expect(sizes.max()! - sizes.min()! <= 1, "sizes \(sizes)")
        for stratum in [0, 1, 2, nil] as [Int?] {
            let total = pool.filter { strata[$0] == stratum }.count
            let share = Double(total) / Double(count)
            for fold in folds {
                let inFold = fold.filter { strata[$0] == stratum }.count
                #expect(abs(Double(inFold) - share) < 1, "class \(String(describing: stratum)): \(inFold) in a fold, share \(share)")
            }
        }
    }

    @Test func foldsAreSeeded() {
        let pool = Array(strata.indices)
        #expect(FoldSplitter.folds(of: pool, strata: strata, count: 4, seed: 1) == FoldSplitter.folds(of: pool, strata: strata, count: 4, seed: 1))
        #expect(FoldSplitter.folds(of: pool, strata: strata, count: 4, seed: 1) != FoldSplitter.folds(of: pool, strata: strata, count: 4, seed: 2))
    }

    @Test func eachFoldTrainsOnTheOthersWithAnInnerValidationSplit() {
        let pool = Array(strata.indices)
        let folds = FoldSplitter.folds(of: pool, strata: strata, count: 4, seed: 9)
        for fold in 0..<4 {
            let splits = FoldSplitter.splits(folds: folds, holdingOut: fold, strata: strata, validationFraction: 0.1, seed: 9)
            #expect(splits.test == folds[fold])
            #expect(Set(splits.train).isDisjoint(with: splits.validation))
            #expect((splits.train + splits.validation).sorted() == folds.enumerated().filter { $0.offset != fold }.flatMap(\.element).sorted())
            // 10% of each class of the training folds (at least one of classes of 3 or more).
            #expect(splits.validation.filter { strata[$0] == 0 }.count == 4)
            #expect(splits.validation.filter { strata[$0] == 2 }.count == 1)
        }
    }

    @Test func meanAndSampleStandardDeviation() {
        // Hand-computed: mean 0.9; deviations -0.1, 0, 0.1; squares sum to 0.02; / (3-1) = 0.01; sqrt = 0.1.
        let summary = FoldMetricSummary(values: [0.8, 0.9, 1.0])
        #expect(abs(summary.mean - 0.9) < 1e-12)
        #expect(abs(summary.standardDeviation - 0.1) < 1e-12)
        // mean 2.5; squares 2.25 + 0.25 + 0.25 + 2.25 = 5; / 3; sqrt = 1.2909944487.
        let four = FoldMetricSummary(values: [1, 2, 3, 4])
        #expect(four.mean == 2.5)
        #expect(abs(four.standardDeviation - 1.2909944487358056) < 1e-12)
        #expect(FoldMetricSummary(values: [0.7]).standardDeviation == 0)
    }

    @Test func crossValidatesTheTinyTask() throws {
        let (folder, plugin, context) = try makeTinyProject(["train.epochs": .integer(3), "early_stopping.patience": .integer(0)])
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try FineTuningRun(plugin: plugin, context: context, progress: silentProgress)
        let result = try run.crossValidate(folds: 3, keepEnsemble: true)
        #expect(result.folds == 3)
        // Everything but the test split goes into the folds.
        let data = try run.prepareData()
        #expect(result.foldSizes.reduce(0, +) == data.splits.train.count + data.splits.validation.count)
        #expect(result.foldSizes.max()! - result.foldSizes.min()! <= 1)
        let accuracy = try #require(result.metrics["accuracy"])
        #expect(accuracy.values.count == 3)
        #expect(accuracy.mean > 0.75, "\(accuracy.values)")
        var foldScores: [Double] = []
        for fold in 1...3 {
            let foldFolder = run.files.foldFolder(fold)
            for file in ["checkpoints/best.safetensors", "metrics.jsonl", "splits.json", "eval.json"] {
                #expect(FileManager.default.fileExists(atPath: foldFolder.appendingPathComponent(file).path), "fold \(fold): \(file)")
            }
            let eval = try JSONParser.parse([UInt8](Data(contentsOf: foldFolder.appendingPathComponent("eval.json"))))
            foldScores.append(try #require(eval["metrics"]?["accuracy"]?.doubleValue))
            #expect(eval["examples"]?.integerValue == result.foldSizes[fold - 1])
        }
        #expect(foldScores == accuracy.values)
        let written = try JSONParser.parse([UInt8](Data(contentsOf: run.files.crossValidation)))
        #expect(written["folds"]?.integerValue == 3)
        #expect(written["metrics"]?["accuracy"]?["mean"]?.doubleValue == accuracy.mean)
        #expect(written["metrics"]?["accuracy"]?["std"]?.doubleValue == accuracy.standardDeviation)
        let manifest = try EnsembleManifest.read(try #require(result.ensembleManifest))
        #expect(manifest.members == ["fold-1", "fold-2", "fold-3"] && manifest.task == "tiny")
        // The project's own test split was never used, and no single-run model was made.
        #expect(!FileManager.default.fileExists(atPath: run.files.bestCheckpoint.path))
    }

    @Test func withoutKeepingTheEnsembleTheFoldModelsGo() throws {
        let (folder, plugin, context) = try makeTinyProject(["train.epochs": .integer(1)])
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try FineTuningRun(plugin: plugin, context: context, progress: silentProgress)
        let result = try run.crossValidate(folds: 2, keepEnsemble: false)
        #expect(result.ensembleManifest == nil)
        #expect(!FileManager.default.fileExists(atPath: run.files.foldFolder(1).appendingPathComponent("checkpoints").path))
        #expect(FileManager.default.fileExists(atPath: run.files.foldFolder(1).appendingPathComponent("eval.json").path))
        #expect(throws: TrainingError.self) { try run.crossValidate(folds: 1000, keepEnsemble: false) }
    }
}
