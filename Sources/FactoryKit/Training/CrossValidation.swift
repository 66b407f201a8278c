// CrossValidation: `factory train --folds K` — the examples outside the test split dealt into
// K stratified folds; each fold's run trains on the other K-1 folds (a stratified
// `data.validation_fraction` of them held out for early stopping and the best checkpoint)
// and is scored on its own fold; the mean and sample standard deviation of every metric
// over the folds go to output/cross_validation.json. The test split is never used. With
// `keepEnsemble` the fold models stay and output/folds/ensemble.json lists them. Not here:
// the fold split itself (FoldSplitter), averaging models (Ensemble).

import Foundation

/// One metric over the folds.
public struct FoldMetricSummary: Sendable, Equatable {
    /// The value on each fold, fold 1 first.
    public var values: [Double]
    /// The mean over the folds.
    public var mean: Double
    /// The sample standard deviation over the folds (divisor K-1; 0 for one value).
    public var standardDeviation: Double

    /// The summary of `values` (at least one).
    public init(values: [Double]) {
        precondition(!values.isEmpty, "FoldMetricSummary: no values")
        self.values = values
        mean = values.reduce(0, +) / Double(values.count)
        let average = mean
        standardDeviation = values.count > 1
            ? (values.map { ($0 - average) * ($0 - average) }.reduce(0, +) / Double(values.count - 1)).squareRoot() : 0
    }
}

/// What `factory train --folds K` found.
public struct CrossValidationResult: Sendable {
    /// K.
    public var folds: Int
    /// The examples each fold was scored on.
    public var foldSizes: [Int]
    /// Every metric all folds reported, by name.
    public var metrics: [String: FoldMetricSummary]
    /// The task's primary metric (listed first).
    public var primaryMetric: String
    /// The ensemble manifest of the fold models, when they were kept.
    public var ensembleManifest: URL?

    /// The metric names, primary metric first, then by name.
    public var metricNames: [String] {
        metrics.keys.sorted { ($0 == primaryMetric ? 0 : 1, $0) < ($1 == primaryMetric ? 0 : 1, $1) }
    }

    /// A plain-text table: metric, mean ± std, then each fold's value.
    public func table() -> String {
        var rows = [["metric", "mean", "std"] + (1...folds).map { "fold \($0)" }]
        for name in metricNames {
            let summary = metrics[name]!
            rows.append([name, String(format: "%.4f", summary.mean), String(format: "%.4f", summary.standardDeviation)]
                        + summary.values.map { String(format: "%.4f", $0) })
        }
        let widths = (0..<rows[0].count).map { column in rows.map { $0[column].count }.max()! }
        return rows.map { row in
            row.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n") + "\n"
    }

    /// The contents of cross_validation.json.
    public var json: JSONValue {
        let metricMembers = metricNames.map { name -> (key: String, value: JSONValue) in
            let summary = metrics[name]!
            return (name, .object(JSONObject(members: [
                (key: "mean", value: .double(summary.mean)), (key: "std", value: .double(summary.standardDeviation)),
                (key: "values", value: .array(summary.values.map { .double($0) })),
            ])))
        }
        return .object(JSONObject(members: [
            (key: "folds", value: .integer(folds)),
            (key: "fold_sizes", value: .array(foldSizes.map { .integer($0) })),
            (key: "primary_metric", value: .string(primaryMetric)),
            (key: "std", value: .string("sample standard deviation over the folds (divisor K-1)")),
            (key: "scored_on", value: .string("each fold's model on its held-out fold; validation for early stopping comes from the other folds; the test split is not used")),
            (key: "metrics", value: .object(JSONObject(members: metricMembers))),
            (key: "ensemble", value: ensembleManifest.map { .string($0.lastPathComponent) } ?? .null),
        ]))
    }
}

extension RunFiles {
    /// `output/folds`: one run folder per fold.
    public var foldsFolder: URL { folder.appendingPathComponent("folds") }
    /// `output/folds/fold-N` (1-based).
    public func foldFolder(_ fold: Int) -> URL { foldsFolder.appendingPathComponent("fold-\(fold)") }
    /// `output/cross_validation.json`.
    public var crossValidation: URL { folder.appendingPathComponent("cross_validation.json") }
}

extension FineTuningRun {
    /// Runs K-fold cross-validation (see the file comment) and writes
    /// `output/folds/fold-N/` (each fold's run and its `eval.json`) and
    /// `output/cross_validation.json`.
    /// - Parameters:
    ///   - count: K, the number of folds (at least 2, at most the examples outside the test split).
    ///   - keepEnsemble: keep the fold models and list them in `output/folds/ensemble.json`;
    ///     otherwise each fold's checkpoints are removed once it is scored.
    public func crossValidate(folds count: Int, keepEnsemble: Bool) throws -> CrossValidationResult {
        guard count >= 2 else { throw TrainingError("--folds \(count): cross-validation needs at least 2 folds") }
        let data = try prepareData()
        let pool = (data.splits.train + data.splits.validation).sorted()
        guard count <= pool.count else {
            throw TrainingError("--folds \(count): only \(pool.count) example(s) outside the test split; use at most \(pool.count) folds")
        }
        let strata = data.examples.map(\.stratum)
        var classCounts: [Int: Int] = [:]
        for index in pool { if let stratum = strata[index] { classCounts[stratum, default: 0] += 1 } }
        for (stratum, members) in classCounts.sorted(by: { $0.key < $1.key }) where members < count {
            let name = data.labelNames.indices.contains(stratum) ? data.labelNames[stratum] : String(stratum)
            progress.log("warning: class \(name) has \(members) example(s) for \(count) folds; some folds will not contain it")
        }
        let folds = FoldSplitter.folds(of: pool, strata: strata, count: count, seed: settings.seed)
        try? FileManager.default.removeItem(at: files.foldsFolder)
        try FileManager.default.createDirectory(at: files.foldsFolder, withIntermediateDirectories: true)

        var foldMetrics: [[String: Double]] = []
        for fold in 0..<count {
            let splits = FoldSplitter.splits(folds: folds, holdingOut: fold, strata: strata,
                                             validationFraction: settings.validationFraction, seed: settings.seed)
            progress.log("fold \(fold + 1)/\(count): train \(splits.train.count), validation \(splits.validation.count), scored on \(splits.test.count) held-out example(s)")
            let foldRun = try FineTuningRun(plugin: plugin, context: context, progress: progress)
            foldRun.files = RunFiles(folder: files.foldFolder(fold + 1))
            foldRun.givenSplits = splits
            _ = try foldRun.train()
            let evaluation = try foldRun.evaluate(split: "test")
            foldMetrics.append(evaluation.metrics)
            let primary = plugin.primaryMetric.name
            progress.log("fold \(fold + 1)/\(count): " + (evaluation.metrics[primary].map { String(format: "%@ %.4f", primary, $0) } ?? "scored"))
            if !keepEnsemble { try? FileManager.default.removeItem(at: foldRun.files.bestCheckpoint.deletingLastPathComponent()) }
        }

        let shared = foldMetrics.dropFirst().reduce(Set(foldMetrics[0].keys)) { $0.intersection($1.keys) }
        var summaries: [String: FoldMetricSummary] = [:]
        for name in shared { summaries[name] = FoldMetricSummary(values: foldMetrics.map { $0[name]! }) }
        var manifestURL: URL?
        if keepEnsemble {
            let manifest = EnsembleManifest(task: plugin.descriptor.id, source: "cross-validation",
                                            members: (1...count).map { "fold-\($0)" })
            manifestURL = files.foldsFolder.appendingPathComponent(EnsembleManifest.fileName)
            try manifest.write(to: manifestURL!)
        }
        let result = CrossValidationResult(folds: count, foldSizes: folds.map(\.count), metrics: summaries,
                                           primaryMetric: plugin.primaryMetric.name, ensembleManifest: manifestURL)
        try AtomicFile.write(Data(result.json.serialized(pretty: true).utf8), to: files.crossValidation)
        return result
    }
}
