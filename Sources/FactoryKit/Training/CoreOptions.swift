// CoreOptions: the options of `factory.yaml` that the fine-tuning core owns (seed, splits,
// backbone, freezing, head dropout, optimisation, schedule, early stopping), with their
// defaults and one-line documentation. A task's defaults (its backbone, its primary metric)
// fill in the task-dependent ones. Not here: a plugin's own options, or reading them
// (TrainingSettings).

/// The core's configuration options for a task.
public enum CoreOptions {
    /// Every core option, defaults taken from `descriptor` and `primaryMetric` where they
    /// depend on the task.
    public static func options(for descriptor: TaskDescriptor, primaryMetric: String) -> [ConfigOption] {
        [
            ConfigOption("task", .string, default: .string(descriptor.id), summary: "the task plugin (`factory catalog list` shows them)"),
            ConfigOption("seed", .integer(0...Int(Int32.max)), default: .integer(42),
                         summary: "seeds the split, shuffling, dropout and the new head: same seed, same run"),
            ConfigOption("data.validation_fraction", .number(0...0.5), default: .number(0.1),
                         summary: "share of the examples held out for validation (ignored when the data has its own split)"),
            ConfigOption("data.test_fraction", .number(0...0.5), default: .number(0.1),
                         summary: "share of the examples held out for the final test"),
            ConfigOption("data.deduplicate", .boolean, default: .boolean(true),
                         summary: "drop repeated examples (exact, and after lower-casing and removing punctuation)"),
            ConfigOption("model.backbone", .string, default: .string(descriptor.backbones.first ?? ""),
                         summary: "pretrained backbone: a name from `factory models list`, or a model folder (choices: \(descriptor.backbones.joined(separator: ", ")))"),
            ConfigOption("model.freeze", .string, default: .string("none"),
                         summary: "which backbone weights stay fixed: none, backbone, first-N (embeddings and the first N blocks), gradual (unfreeze one block per epoch, top down)"),
            ConfigOption("model.head_dropout", .number(0...0.9), default: .number(0.1), summary: "dropout before the new head"),
            ConfigOption("train.epochs", .integer(1...10_000), default: .integer(4), summary: "passes over the training split"),
            ConfigOption("train.batch_size", .integer(1...4096), default: .integer(16), summary: "examples per batch"),
            ConfigOption("train.gradient_accumulation", .integer(1...1024), default: .integer(1),
                         summary: "batches whose gradients are summed before each optimizer step (effective batch = batch_size x this)"),
            ConfigOption("train.optimizer", .choice(["adamw", "adam", "sgd"]), default: .string("adamw"), summary: "the optimizer"),
            ConfigOption("train.learning_rate", .number(0...10), default: .number(5e-5), summary: "peak learning rate of the head and the top block"),
            ConfigOption("train.layer_decay", .number(0.01...1), default: .number(1),
                         summary: "layer-wise learning-rate decay: each block below the top gets this factor more (1 = the same rate everywhere)"),
            ConfigOption("train.weight_decay", .number(0...1), default: .number(0.01),
                         summary: "decoupled weight decay (AdamW) or L2 (Adam, SGD); never applied to biases and norm weights"),
            ConfigOption("train.momentum", .number(0...0.999), default: .number(0.9), summary: "SGD momentum (Nesterov)"),
            ConfigOption("train.schedule", .choice(["linear", "cosine", "constant", "step", "plateau"]), default: .string("linear"),
                         summary: "learning-rate schedule after warm-up (step: x gamma every step_epochs; plateau: x gamma when the monitored metric stalls)"),
            ConfigOption("train.warmup", .number(0...0.9), default: .number(0.1), summary: "share of the optimizer steps spent warming up linearly from 0"),
            ConfigOption("train.step_epochs", .integer(1...10_000), default: .integer(1), summary: "epochs between decays of the step schedule"),
            ConfigOption("train.gamma", .number(0...1), default: .number(0.5), summary: "decay factor of the step and plateau schedules"),
            ConfigOption("train.clip_norm", .number(0...1e6), default: .number(1), summary: "clip the global gradient norm to this (0 = off)"),
            ConfigOption("train.l1", .number(0...1), default: .number(0), summary: "L1 penalty on the trained weights (0 = off)"),
            ConfigOption("train.l2", .number(0...1), default: .number(0), summary: "L2 penalty on the trained weights, added to the loss (0 = off)"),
            ConfigOption("train.eval_batch_size", .integer(1...4096), default: .integer(64), summary: "examples per batch when evaluating and predicting"),
            ConfigOption("early_stopping.metric", .string, default: .string(primaryMetric),
                         summary: "validation metric that picks the best checkpoint and stops training (loss or a metric name of the task)"),
            ConfigOption("early_stopping.patience", .integer(0...10_000), default: .integer(2),
                         summary: "stop after this many epochs without improvement (0 = never stop early)"),
        ] + AugmentationOptions.options(for: descriptor) + LoRASettings.options + FeatureCache.options
    }
}
