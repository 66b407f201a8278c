// The `sentiment-head-epoch` benchmark: one epoch of head-only training (MiniLM frozen in
// inference mode, batch 16, AdamW on the new head) on the sentiment sample's training split,
// run twice the way the fine-tuning core runs it — uncached (the backbone runs on every batch,
// `plugin.forward`) and on cached features (`plugin.headForward` on rows computed once by
// `plugin.features`). The timed rounds are cached epochs; the uncached epoch is timed once
// (after a one-batch warm-up) and the cache build once, and both are reported beside it:
// `cached_samples_per_s`, `uncached_samples_per_s`, `speedup`, `cache_build_s`. It lives in
// FactoryCLI because it needs the Sentiment plugin and FactoryKit, which FactoryBenchmarks
// cannot import. Not here: the timing protocol (FactoryBenchmarks' BenchmarkRunner).

import FactoryBenchmarks
import FactoryKit
import Foundation
import Sentiment

enum SentimentHeadEpochWorkload {
    static let batchSize = 16

    static let workload = BenchmarkWorkload(
        name: "sentiment-head-epoch",
        summary: "one epoch of head-only training on the sentiment sample (MiniLM frozen, batch 16, AdamW): cached features vs running the backbone"
    ) {
        let plugin = SentimentPlugin()
        let catalog = try TaskCatalog.loadDefault()
        guard let entry = catalog.task("sentiment"), let sample = catalog.sampleFolder(of: entry) else {
            throw PluginError("the sentiment sample is not in \(catalog.source?.path ?? "catalog.json")")
        }
        let project = FileManager.default.temporaryDirectory.appendingPathComponent("factory-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: project) }
        try Project.create(at: project, plugin: plugin, sample: sample)
        var registry = PluginRegistry()
        try registry.register(plugin)
        let (_, context) = try Project.open(project, registry: registry, overrides: ["model.freeze=backbone"], modelStore: try ModelStore.standard()) {
            FileHandle.standardError.write(Data("bench: \($0)\n".utf8))
        }
        let run = try FineTuningRun(plugin: plugin, context: context, progress: ProgressReporter(isTerminal: false) { _ in })
        let data = try run.prepareData()
        let examples = data.splits.train.map { data.examples[$0] }
        let model = try plugin.makeModel(context, info: TaskModelInfo(labelNames: data.labelNames))
        ParameterGrouping.applyFreezing(.backbone, to: model, epoch: 0)
        let optimizer = AdamW(parameters: model.trainableParameters().map(\.tensor), learningRate: 1e-3)
        let batches = BatchOrder.batches(count: examples.count, batchSize: batchSize, shuffle: true, seed: 42, epoch: 0)
        func step(_ forward: TaskForward<[Float]>) {
            optimizer.zeroGradients()
            forward.loss!.backward()
            optimizer.step()
        }
        func trainingMode() {
            model.train(true)
            model.backbone.train(false)   // a frozen backbone runs in inference mode, as in the core
        }

        // Uncached: the backbone runs on every batch.
        trainingMode()
        step(try plugin.forward(model, examples: batches[0].map { examples[$0] }, context: context))   // warm-up
        var started = Date()
        for batch in batches { step(try plugin.forward(model, examples: batch.map { examples[$0] }, context: context)) }
        let uncachedSeconds = Date().timeIntervalSince(started)

        // The cache: the backbone's pooled output once per example, in evaluation batches of 64.
        model.train(false)
        started = Date()
        var parts: [Tensor] = []
        for start in stride(from: 0, to: examples.count, by: 64) {
            let batch = Array(examples[start ..< min(start + 64, examples.count)])
            parts.append(try withoutGradients { try plugin.features(model, examples: batch, context: context)! })
        }
        let features = Tensor.concatenate(parts, axis: 0)
        let buildSeconds = Date().timeIntervalSince(started)

        let count = Double(examples.count)
        return PreparedWorkload(samplesPerRound: count, round: {
            trainingMode()
            for batch in batches {
                let rows = features.indexSelect(axis: 0, indices: batch)
                step(try! plugin.headForward(model, features: rows, examples: batch.map { examples[$0] }, context: context))
            }
        }, extraFields: { cachedSeconds in
            [("cached_samples_per_s", count / cachedSeconds), ("uncached_samples_per_s", count / uncachedSeconds),
             ("speedup", uncachedSeconds / cachedSeconds), ("cache_build_s", buildSeconds),
             ("cached_epoch_s", cachedSeconds), ("uncached_epoch_s", uncachedSeconds), ("train_examples", count)]
        })
    }
}
