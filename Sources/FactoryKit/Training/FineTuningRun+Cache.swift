// FineTuningRun+Cache: training the head on cached backbone features. When nothing below the
// head trains in any epoch (`model.freeze: backbone`, or first-N covering every block), LoRA
// is off, no augmentation is on and the plugin provides `features`, the core computes the
// backbone's output once per training and validation example (in inference mode), keeps it
// in `output/cache/features.safetensors` under a fingerprint (FeatureCache), and each step
// runs only the plugin's `headForward` on the batch's rows. The log says whether the cache is
// used — built, reused, or rebuilt because something changed — or why not. Not here: the
// fingerprint and file (FeatureCache.swift), the step loop (FineTuningRun.swift).

import Foundation

/// A run's cached features: training rows then validation rows, in split order.
struct CachedFeatures {
    /// `[train count, ...]`.
    let train: Tensor
    /// `[validation count, ...]`, or `nil` without validation examples.
    let validation: Tensor?
}

extension RunFiles {
    /// The feature cache of the frozen backbone.
    public var featureCache: URL { folder.appendingPathComponent("cache/features.safetensors") }
}

extension FineTuningRun {
    /// Why the cache cannot be used for this run, or `nil` when it can (the plugin's
    /// willingness is checked separately, on a real batch).
    func featureCacheBlocker(model: Plugin.Model) -> String? {
        if context.config.string("train.feature_cache") == "off" { return "train.feature_cache is off" }
        if lora.enabled { return "LoRA adapters train inside the backbone" }
        let blocks = model.backboneBlockKeyPrefixes.count
        switch settings.freezing {
        case .backbone: break
        case .firstBlocks(let count) where count >= blocks: break
        default: return "the backbone trains (model.freeze: \(settings.freezing)); set model.freeze: backbone to train the head alone on cached features"
        }
        if let reason = FeatureCache.augmentationReason(context.config) {
            return "augmentation is on (\(reason)), so the inputs differ every epoch"
        }
        return nil
    }

    /// Builds or reuses the cache when the run allows it; logs the decision.
    func prepareFeatureCache(model: Plugin.Model, trainExamples: [Plugin.Example], validationExamples: [Plugin.Example]) throws -> CachedFeatures? {
        if let blocker = featureCacheBlocker(model: model) {
            progress.log("feature cache: not used: \(blocker)")
            return nil
        }
        // The backbone's weights as they are now (frozen, so the pretrained ones, also after a
        // resume) identify the cache together with the data and options.
        let headPrefixes = model.headKeyPrefixes
        let backboneParameters = model.parameters().filter { key, _ in !headPrefixes.contains { ParameterGrouping.key(key, isUnder: $0) } }
        let examples = trainExamples + validationExamples
        let fingerprint = FeatureCache.fingerprint(
            examples: examples.map(\.contentFingerprint), task: plugin.descriptor,
            options: FeatureCache.relevantOptions(context.config), backboneParameters: backboneParameters)
        let url = files.featureCache
        let features: Tensor
        if let cached = FeatureCache.read(url, fingerprint: fingerprint, count: examples.count) {
            features = cached
            progress.log("feature cache: reused \(url.path) (\(examples.count) examples)")
        } else {
            let stale = FileManager.default.fileExists(atPath: url.path)
            let started = Date()
            guard let built = try computeFeatures(model: model, examples: examples) else {
                progress.log("feature cache: not used: task \(plugin.descriptor.id) does not provide cacheable features")
                return nil
            }
            features = built
            try FeatureCache.write(features, fingerprint: fingerprint, trainCount: trainExamples.count, to: url)
            progress.log(String(format: "feature cache: %@ for %d examples in %.1f s (%@)",
                                stale ? "the data, backbone or preprocessing changed; rebuilt" : "built", examples.count,
                                Date().timeIntervalSince(started), url.path))
        }
        progress.log("feature cache: used: the backbone is frozen, so each step runs the head only")
        if validationExamples.isEmpty { return CachedFeatures(train: features, validation: nil) }
        let parts = features.split(axis: 0, sizes: [trainExamples.count, validationExamples.count])
        return CachedFeatures(train: parts[0].contiguous(), validation: parts[1].contiguous())
    }

    /// The backbone's output for `examples` in inference mode, in evaluation batches, or
    /// `nil` when the plugin provides none.
    func computeFeatures(model: Plugin.Model, examples: [Plugin.Example]) throws -> Tensor? {
        model.train(false)
        var parts: [Tensor] = []
        for start in stride(from: 0, to: examples.count, by: settings.evaluationBatchSize) {
            let batch = Array(examples[start ..< Swift.min(start + settings.evaluationBatchSize, examples.count)])
            guard let features = try withoutGradients({ try plugin.features(model, examples: batch, context: context) }) else { return nil }
            guard features.rank >= 1, features.shape[0] == batch.count else {
                throw TrainingError("task \(plugin.descriptor.id) returned features of shape \(features.shape) for \(batch.count) examples; the first axis must be the batch")
            }
            parts.append(features.contiguous())
        }
        return parts.count == 1 ? parts[0] : Tensor.concatenate(parts, axis: 0)
    }

    /// One training batch's forward: from the cached rows when there is a cache, else the
    /// plugin's full forward.
    func trainingForward(model: Plugin.Model, batch: [Int], examples: [Plugin.Example], cache: CachedFeatures?,
                         context: TaskContext) throws -> TaskForward<Plugin.Output> {
        guard let cache else { return try plugin.forward(model, examples: examples, context: context) }
        let rows = cache.train.indexSelect(axis: 0, indices: batch)
        return try plugin.headForward(model, features: rows, examples: examples, context: context)
    }

    /// Evaluates `examples` from cached features when given, else with the full model.
    func evaluate(model: Plugin.Model, examples: [Plugin.Example], info: TaskModelInfo,
                  cachedFeatures: Tensor?) throws -> (evaluation: TaskEvaluation, loss: Double?) {
        guard let cachedFeatures else { return try evaluate(model: model, examples: examples, info: info) }
        model.train(false)
        var outputs: [Plugin.Output] = []
        var lossSum = 0.0, lossCount = 0
        for start in stride(from: 0, to: examples.count, by: settings.evaluationBatchSize) {
            let end = Swift.min(start + settings.evaluationBatchSize, examples.count)
            let batch = Array(examples[start ..< end])
            let rows = cachedFeatures.sliced(axis: 0, start ..< end)
            let forward = try withoutGradients { try plugin.headForward(model, features: rows, examples: batch, context: context) }
            outputs += forward.outputs
            if let loss = forward.loss {
                lossSum += Double(loss.item) * Double(batch.count)
                lossCount += batch.count
            }
        }
        let loss = lossCount > 0 ? lossSum / Double(lossCount) : nil
        var evaluation = try plugin.evaluate(outputs: outputs, examples: examples, info: info, context: context)
        if let loss { evaluation.metrics["loss"] = loss }
        return (evaluation, loss)
    }
}
