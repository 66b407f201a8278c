// FineTuningRun+Augmentation: the context a training batch's `forward` gets — the project's
// context with `augmentation` set for that batch (settings from `augmentation.*`, seeded
// by the run's seed, the epoch and each example's index in the training split). Validation,
// evaluation and prediction use the plain context (no augmentation). Not here: the
// transforms (Augmentation/).

extension FineTuningRun {
    /// The context for the training batch `batch` (indices into the training split) of `epoch`.
    func trainingContext(epoch: Int, batch: [Int]) -> TaskContext {
        context.withAugmentation(BatchAugmentation(settings: augmentationSettings, seed: settings.seed,
                                                   epoch: epoch, exampleIndices: batch))
    }
}
