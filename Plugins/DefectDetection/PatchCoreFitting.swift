// PatchCoreFitting: filling the memory bank — patch features of every good training image
// (in batches), a greedy k-centre coreset of them (model.coreset_ratio, on their leading
// principal axes), the chosen rows stored as the model's `memory_bank` buffer — and, for the
// combined method, the score scale from the good validation images. Called by the core
// through the plugin's `fit` hook. Not here: the threshold (calibrate, DefectEvaluation).

import FactoryKit
import Foundation

/// PatchCore's fit step.
public enum PatchCoreFitting {
    /// The memory bank of good patches of `images` (`[N, 3, S, S]` batches, in order).
    /// - Parameters:
    ///   - batches: ImageNet-normalised image batches of good parts.
    ///   - extractor: the patch features.
    ///   - ratio: share of patches kept.
    ///   - projectionDimensions: the principal axes kept for coreset distances.
    ///   - seed: seeds the first centre.
    /// - Returns: the bank `[M, D]`, the number of patches it was chosen from, and the seconds
    ///   spent on features and on the coreset.
    public static func memoryBank(batches: [Tensor], extractor: PatchFeatureExtractor, ratio: Double, projectionDimensions: Int,
                                  seed: UInt64) -> (bank: Tensor, patches: Int, featureSeconds: Double, coresetSeconds: Double) {
        let started = Date()
        let features = Tensor.concatenate(batches.map { extractor($0).features }, axis: 0)
        let featuresDone = Date()
        let selected = CoresetSelection.select(features, ratio: ratio, projectionDimensions: projectionDimensions, seed: seed)
        return (gatherRows(features, selected), features.shape[0], featuresDone.timeIntervalSince(started), Date().timeIntervalSince(featuresDone))
    }

    /// Rows `indices` of a `[N, D]` tensor, as a new `[indices.count, D]` tensor.
    static func gatherRows(_ matrix: Tensor, _ indices: [Int]) -> Tensor {
        let dimensions = matrix.shape[1]
        let source = matrix.contiguous()
        let result = Tensor.uninitialized([indices.count, dimensions])
        let input = source.storage.pointer + source.offset, output = result.storage.pointer
        for (row, index) in indices.enumerated() {
            (output + row * dimensions).update(from: input + index * dimensions, count: dimensions)
        }
        return result
    }

    /// Fits `model`'s memory bank on the good images of `training`.
    static func fit(_ model: DefectDetectionModel, training: [DefectExample], validation: [DefectExample], context: TaskContext) throws -> TaskFit {
        let good = training.filter { $0.label == 0 }
        guard !good.isEmpty else {
            throw DefectDataError("the training split has no good images; PatchCore learns from good parts — add images of good parts")
        }
        let batchSize = context.config.integer("train.eval_batch_size")
        let started = Date()
        var batches: [Tensor] = []
        for start in stride(from: 0, to: good.count, by: batchSize) {
            batches.append(try DefectImages.batch(Array(good[start ..< Swift.min(start + batchSize, good.count)]), size: model.imageSize))
        }
        let decodeSeconds = Date().timeIntervalSince(started)
        let ratio = context.config.number("model.coreset_ratio")
        let (bank, patches, featureSeconds, coresetSeconds) = memoryBank(
            batches: batches, extractor: model.extractor, ratio: ratio,
            projectionDimensions: context.config.integer("model.projection_dimensions"), seed: UInt64(context.config.integer("seed")))
        model.memoryBank = bank
        var notes = [String(format: "PatchCore: memory bank of %d patches (%.1f%% of %d from %d good images, %d features each) in %.1f s "
                            + "(images read %.1f s, features %.1f s, coreset %.1f s)",
                            bank.shape[0], 100 * Double(bank.shape[0]) / Double(patches), patches, good.count, bank.shape[1],
                            Date().timeIntervalSince(started), decodeSeconds, featureSeconds, coresetSeconds)]
        let skipped = training.count - good.count
        if skipped > 0 && model.method == .patchcore {
            notes.append("PatchCore: \(skipped) defect image(s) of the training split are not used (they validate the head only with model.method: combined)")
        }
        if model.method == .combined {
            // The combined score maps the mean PatchCore score of good validation parts to 1.
            let goodValidation = validation.filter { $0.label == 0 }
            var scores: [Float] = []
            for start in stride(from: 0, to: goodValidation.count, by: batchSize) {
                let batch = try DefectImages.batch(Array(goodValidation[start ..< Swift.min(start + batchSize, goodValidation.count)]), size: model.imageSize)
                scores += model.scores(batch).patchcore ?? []
            }
            let mean = scores.isEmpty ? 1 : scores.reduce(0, +) / Float(scores.count)
            model.scoreScale = Tensor([Swift.max(mean, 1e-6)])
        }
        return TaskFit(properties: ["bank_size": String(bank.shape[0]), "feature_dimensions": String(bank.shape[1])],
                       continueWithGradientEpochs: model.method == .combined, notes: notes)
    }
}
