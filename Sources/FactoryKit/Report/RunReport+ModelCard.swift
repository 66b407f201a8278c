// RunReport+ModelCard: the report's model card — task, backbone, data and split sizes,
// classes, the key training settings (none for a task fitted without gradients) and any augmentation, the evaluation's headline
// metrics, intended use, and limitations read from the results (small test split, rare
// classes, weak classes, poor calibration). Not here: the other sections (RunReport).

import Foundation

extension RunReport {
    /// The core options the card lists, in order, when the configuration has them.
    static let cardSettings = [
        "train.epochs", "train.batch_size", "train.optimizer", "train.learning_rate", "train.schedule", "train.warmup",
        "train.layer_decay", "train.weight_decay", "model.freeze", "model.head_dropout", "early_stopping.metric",
        "early_stopping.patience", "seed",
    ]

    static func modelCardSection(_ inputs: ReportInputs) -> String {
        var items: [(String, String)] = []
        items.append(("Task", "\(inputs.task.name) (\(inputs.task.id), plugin \(inputs.task.version)): \(inputs.task.summary)"))
        if let backbone = inputs.configuration["model.backbone"] { items.append(("Backbone", "\(backbone)")) }
        var data = inputs.configuration["data.path"].map { "\($0)" } ?? "the project's data"
        if let train = inputs.configuration["data.train_path"], train != .null { data = "\(train) (own split files)" }
        if let sizes = inputs.splitSizes {
            let total = sizes.train + sizes.validation + sizes.test
            data += "; \(total) examples after deduplication: train \(sizes.train), validation \(sizes.validation), test \(sizes.test)"
        }
        items.append(("Data", data))
        if !inputs.labelNames.isEmpty {
            let classes = inputs.labelNames.enumerated().map { index, name in
                inputs.trainingClassCounts.indices.contains(index) ? "\(name) (\(inputs.trainingClassCounts[index]) training)" : name
            }
            items.append(("Classes", classes.joined(separator: ", ")))
        }
        var training: String
        if inputs.optimizerSteps == 0 {
            // Fitted by the task itself (a memory bank, a threshold): the optimizer settings did not apply.
            training = "fitted without gradient steps (the task's own fit; no optimizer, learning rate or epochs applied)"
                + (inputs.configuration["seed"].map { "; seed \($0)" } ?? "")
        } else {
            training = cardSettings.compactMap { key in inputs.configuration[key].map { "\(key) \($0)" } }.joined(separator: ", ")
            if let epochs = inputs.epochsCompleted { training = "\(epochs) epoch(s) trained" + (inputs.bestEpoch.map { ", best epoch \($0)" } ?? "") + "; " + training }
        }
        items.append(("Training", training))
        let augmentation = inputs.configuration.keys.filter { $0.hasPrefix("augmentation.") }.sorted().compactMap { key -> String? in
            guard let value = inputs.configuration[key], let option = AugmentationModality.allCases.flatMap({ AugmentationOptions.options(for: $0) }).first(where: { $0.key == key }),
                  value != option.defaultValue else { return nil }
            return "\(key.dropFirst("augmentation.".count)) \(value)"
        }
        items.append(("Augmentation", augmentation.isEmpty ? "none" : augmentation.joined(separator: ", ")))
        let headline = [inputs.primaryMetric, "accuracy", "macro_f1", "roc_auc", "ece"].filter { inputs.metrics[$0] != nil }
        var evaluation = "\(inputs.evaluatedSplit) split"
        if let count = inputs.evaluatedExamples { evaluation += " (\(count) examples)" }
        if !headline.isEmpty {
            var seen = Set<String>()
            evaluation += ": " + headline.filter { seen.insert($0).inserted }.map { "\($0) \(HTMLText.metric(inputs.metrics[$0]))" }.joined(separator: ", ")
        }
        items.append(("Evaluation", evaluation))
        var use = inputs.task.summary + "."
        if !inputs.labelNames.isEmpty { use += " It answers with one of: \(inputs.labelNames.joined(separator: ", ")), and a probability for each." }
        use += " Meant for inputs like its training data; check its answers on your own examples before relying on it."
        items.append(("Intended use", use))
        let list = items.map { "<dt>\(HTMLText.escape($0.0))</dt><dd>\(HTMLText.escape($0.1))</dd>" }.joined(separator: "\n")
        let limitations = limitationsList(inputs).map { "<li>\(HTMLText.escape($0))</li>" }.joined(separator: "\n")
        return section("model-card", "<dl class=\"model-card\">\n\(list)\n<dt>Limitations</dt><dd><ul class=\"limitations\">\n\(limitations)\n</ul></dd>\n</dl>")
    }

    /// Limitations read from the results.
    static func limitationsList(_ inputs: ReportInputs) -> [String] {
        var notes: [String] = []
        if let count = inputs.evaluatedExamples, count < 200 {
            var text = "The \(inputs.evaluatedSplit) split has only \(count) examples, so its metrics are rough"
            if let accuracy = inputs.metrics["accuracy"], count > 0 {
                let margin = 1.96 * (accuracy * (1 - accuracy) / Double(count)).squareRoot()
                text += String(format: " (accuracy %.2f ± %.2f at 95%% confidence)", accuracy, margin)
            }
            notes.append(text + ".")
        }
        for (index, count) in inputs.trainingClassCounts.enumerated() where count < 30 && inputs.labelNames.indices.contains(index) {
            notes.append("Class \(inputs.labelNames[index]) has only \(count) training examples; expect it to be recognised less reliably.")
        }
        if inputs.perClass.count > 1, let weakest = inputs.perClass.min(by: { $0.f1 < $1.f1 }), weakest.f1 < 0.8 {
            notes.append(String(format: "The weakest class is %@ (F1 %.2f); see the confusion matrix for what it is confused with.", weakest.name, weakest.f1))
        }
        if let ece = inputs.metrics["ece"], ece > 0.05 {
            notes.append(String(format: "Probabilities are not well calibrated (ECE %.3f): use them to rank answers, not as exact chances.", ece))
        }
        if !inputs.labelNames.isEmpty {
            notes.append("It only knows the \(inputs.labelNames.count) classes it was trained on; any other input still gets one of them.")
        }
        notes.append("Evaluated on held-out examples of the same data; data from other sources (other domains, writers, cameras or microphones) may score lower.")
        return notes
    }
}
