// Schemas the configuration tests share: a small fine-tuning core (task, seed, data, model,
// train, early_stopping) and a text plugin that adds data and train options of its own.

import FactoryKit
import Foundation

enum ConfigTestSchemas {
    static let core = ConfigSchema(
        options: [
            ConfigOption("task", .choice(["sentiment", "translation"]), default: "sentiment", summary: "The task plugin that trains this project"),
            ConfigOption("seed", .integer(atLeast: 0), default: 42, summary: "Seed for splitting, shuffling and initialization"),
            ConfigOption("data.path", .string, default: "data/train.csv", summary: "The examples, relative to the project folder"),
            ConfigOption("data.validation_fraction", .number(0...0.5), default: 0.1, summary: "Share of the examples held out for validation"),
            ConfigOption("data.test_file", .optionalString, default: .null, summary: "A separate test file; null to split one off"),
            ConfigOption("model.backbone", .string, default: "minilm-l6-h384", summary: "The pretrained backbone"),
            ConfigOption("model.frozen_blocks", .optional(.integer(atLeast: 0)), default: .null, summary: "Backbone blocks kept frozen; null for none"),
            ConfigOption("train.epochs", .integer(atLeast: 1), default: 3, summary: "Passes over the training data"),
            ConfigOption("train.batch_size", .integer(1...4096), default: 16, summary: "Examples per step"),
            ConfigOption("train.optimizer", .choice(["sgd", "adam", "adamw"]), default: "adamw", summary: "The optimizer"),
            ConfigOption(
                "train.learning_rate", .number(atLeast: 0), default: 1e-4, summary: "Peak learning rate",
                help: "The rate after warmup. Start around 1e-4 for a fine-tuned transformer backbone and around 1e-3 for a new head alone; lower it if the loss jumps."),
            ConfigOption("train.mixed", .boolean, default: false, summary: "Use mixed precision"),
            ConfigOption("train.schedule.kind", .choice(["constant", "linear", "cosine"]), default: "linear", summary: "Decay after warmup"),
            ConfigOption("train.schedule.warmup_steps", .integer(atLeast: 0), default: 100, summary: "Steps of linear warmup"),
            ConfigOption("train.gradient_clip", .optional(.number(atLeast: 0)), default: 1.0, summary: "Gradient norm limit; null for none"),
            ConfigOption("early_stopping.patience", .integer(atLeast: 1), default: 3, summary: "Evaluations without improvement before stopping"),
        ],
        sectionSummaries: [
            "data": "Where the examples come from and how they are split",
            "model": "The backbone and what is trained of it",
            "train": "How the model is trained",
            "early_stopping": "When training stops by itself",
        ])

    static let textPlugin = ConfigSchema(
        options: [
            ConfigOption("data.text_column", .string, default: "text", summary: "The column with the text"),
            ConfigOption("data.labels", .strings, default: ["negative", "positive"], summary: "The class labels, in order"),
            ConfigOption("train.label_smoothing", .number(0...1), default: 0, summary: "Label smoothing"),
            ConfigOption("text.max_tokens", .integer(8...512), default: 128, summary: "Tokens kept per text"),
        ],
        sectionSummaries: ["data": "The plugin's own words for data (the core's win)", "text": "Tokenization"])

    static let merged = core.merging(textPlugin)

    /// The file name errors show for text parsed as `factory.yaml` in the current folder.
    static let file = URL(fileURLWithPath: "factory.yaml")

    /// A fresh empty folder under the temporary folder.
    static func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("factory-config-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }
}
