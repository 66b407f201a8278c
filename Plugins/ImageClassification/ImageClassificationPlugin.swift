// ImageClassificationPlugin: the image classification task — images in class folders (or a
// CSV manifest, or the user's own train/val/test folders) in, a fine-tuned EfficientNet-Lite0
// with a new head out, evaluated with accuracy, top-5 accuracy (more than five classes),
// macro-F1, a per-class report and a confusion matrix; predictions give the top-k classes
// with their probabilities. It uses only FactoryKit, as a third-party plugin would.
// Not here: the training loop (the core), the data layouts (ImageClassificationData).

import FactoryKit
import Foundation

/// What the model gives for one image: every class's probability, and how many of the most
/// probable classes a prediction answer lists.
public struct ImageClassificationOutput: Sendable, Equatable {
    /// Probabilities by class index.
    public var probabilities: [Float]
    /// `predict.top_k` when the output was made.
    public var topK: Int

    /// Creates an output.
    public init(probabilities: [Float], topK: Int) {
        self.probabilities = probabilities
        self.topK = topK
    }
}

/// The built-in image classification task.
public struct ImageClassificationPlugin: TaskPlugin {
    public init() {}

    public var descriptor: TaskDescriptor {
        TaskDescriptor(
            id: "image-classification", name: "Image classification",
            summary: "Sort images (PNG, JPEG) into classes of your own: one folder per class, or a CSV manifest",
            version: "1.0.0", type: "ImageClassification.ImageClassificationPlugin", inputFormats: ["png", "jpeg", "csv"],
            outputs: ["label", "probability", "top_k"], backbones: ["efficientnet-lite0"],
            metrics: ["accuracy", "top5_accuracy", "macro_f1", "weighted_f1", "macro_precision", "macro_recall", "log_loss", "ece"],
            sample: "Samples/image-classification",
            tags: ["image", "vision", "classification", "photos", "png", "jpeg", "efficientnet", "cnn"])
    }

    public var primaryMetric: (name: String, higherIsBetter: Bool) { ("macro_f1", true) }

    public var configOptions: [ConfigOption] {
        [
            ConfigOption("data.path", .string, default: .string("data/images"),
                         summary: "a folder with one sub-folder of images per class (or train/, val/, test/ folders of those), or a CSV manifest (relative to the project folder)"),
            ConfigOption("data.labels", .strings, default: .strings([]), summary: "the class names in order (empty: every class found in the data, sorted)"),
            ConfigOption("data.path_column", .string, default: .string("path"), summary: "manifest column with the image path (relative to the manifest's folder)"),
            ConfigOption("data.label_column", .string, default: .string("label"), summary: "manifest column with the class name"),
            ConfigOption("data.split_column", .string, default: .string("split"),
                         summary: "manifest column with train, val or test, used when the manifest has it (your own split)"),
            ConfigOption("data.resize", .choice(ImageFit.allCases.map(\.rawValue)), default: .string(ImageFit.crop.rawValue),
                         summary: "how images become squares: crop (shorter side to the size, centre cut) or stretch (both sides to the size)"),
            ConfigOption("model.image_size", .integer(32...1024), default: .integer(224),
                         summary: "input height and width in pixels (224: what the backbone was trained at; 128 or 160 train several times faster)"),
            ConfigOption("model.pretrained", .boolean, default: .boolean(true),
                         summary: "start from the ImageNet weights (false: random weights of the same network, for comparisons)"),
            ConfigOption("model.freeze_batch_norm", .boolean, default: .boolean(true),
                         summary: "batch norm uses the backbone's running statistics and never updates them (right for small batches)"),
            ConfigOption("predict.top_k", .integer(1...1000), default: .integer(3), summary: "how many of the most probable classes `factory predict` lists"),
            // Core options with defaults tuned on the sample (seed 42, 128 px): full fine-tuning with
            // layer decay reached test accuracy 0.97 (0.92 with a frozen backbone, 0.17 = chance
            // with random weights). New sample projects start frozen, for speed (writeSample).
            ConfigOption("model.freeze", .string, default: .string("none"),
                         summary: "which backbone weights stay fixed: none, backbone, first-N (the stem and the first N-1 MBConv blocks), gradual (unfreeze one block per epoch, top down)"),
            ConfigOption("train.epochs", .integer(1...10_000), default: .integer(6), summary: "passes over the training split"),
            ConfigOption("train.batch_size", .integer(1...4096), default: .integer(16), summary: "images per batch"),
            ConfigOption("train.learning_rate", .number(0...10), default: .number(1e-3), summary: "peak learning rate of the head and the top block"),
            ConfigOption("train.layer_decay", .number(0.01...1), default: .number(0.8),
                         summary: "layer-wise learning-rate decay: each block below the top gets this factor more (1 = the same rate everywhere)"),
            ConfigOption("train.class_weights", .choice(["none", "balanced"]), default: .string("none"),
                         summary: "weight the loss by class (balanced: rare classes count more, for imbalanced data)"),
        ]
    }

    public func loadData(_ context: TaskContext) throws -> TaskData<ImageClassificationExample> {
        try ImageClassificationData.load(context)
    }

    public func makeModel(_ context: TaskContext, info: TaskModelInfo) throws -> ImageClassificationModel {
        let config = context.config
        let name = config.string("model.backbone")
        let seed = UInt64(config.integer("seed"))
        let network: EfficientNetLite
        if config.boolean("model.pretrained") {
            _ = try context.backboneFolder(name)
            network = try EfficientNetLite.load(try context.modelStore.resolve(name))
        } else {
            guard let variant = EfficientNetLiteConfiguration.Variant(backboneName: name) else {
                throw ImageClassificationDataError("model.backbone \"\(name)\" is not an EfficientNet-Lite (efficientnet-lite0 ... lite4); set model.backbone to one of them")
            }
            network = EfficientNetLite(configuration: .lite(variant), seed: seed)
        }
        let backbone = EfficientNetBackbone(network)
        if config.boolean("model.freeze_batch_norm") { try backbone.freezeRunningStatistics(true) }
        let head = ClassificationHead(features: network.featureChannels, classes: info.labelNames.count,
                                      dropout: Float(config.number("model.head_dropout")), seed: seed)
        let model = ImageClassificationModel(backbone: backbone, head: head, imageSize: config.integer("model.image_size"),
                                             fit: ImageFit(rawValue: config.string("data.resize")) ?? .crop)
        if config.string("train.class_weights") == "balanced", info.trainingClassCounts.count == info.labelNames.count {
            model.classWeights = Tensor(Classification.balancedWeights(classCounts: info.trainingClassCounts))
        }
        return model
    }

    public func forward(_ model: ImageClassificationModel, examples: [ImageClassificationExample], context: TaskContext) throws -> TaskForward<ImageClassificationOutput> {
        let images = try model.batch(examples.map(\.file), augmentation: context.augmentation)
        return try headForward(model, features: model.features(images), examples: examples, context: context)
    }

    /// The pooled backbone features: the head's input, cached by the core when the backbone is frozen.
    public func features(_ model: ImageClassificationModel, examples: [ImageClassificationExample], context: TaskContext) throws -> Tensor? {
        model.features(try model.batch(examples.map(\.file)))
    }

    public func headForward(_ model: ImageClassificationModel, features: Tensor, examples: [ImageClassificationExample],
                            context: TaskContext) throws -> TaskForward<ImageClassificationOutput> {
        let logits = model.head(features)
        let topK = context.config.integer("predict.top_k")
        let outputs = Classification.probabilities(logits).map { ImageClassificationOutput(probabilities: $0, topK: topK) }
        let labels = examples.compactMap(\.label)
        guard labels.count == examples.count else { return TaskForward(loss: nil, outputs: outputs) }
        return TaskForward(loss: Tensor.crossEntropy(logits: logits, targets: labels, classWeights: model.classWeights), outputs: outputs)
    }

    /// Ensembles average the class probabilities.
    public func average(_ outputs: [[ImageClassificationOutput]]) -> [ImageClassificationOutput]? {
        guard let first = outputs.first,
              let averaged = Classification.averageProbabilities(outputs.map { $0.map(\.probabilities) }) else { return nil }
        return zip(averaged, first).map { ImageClassificationOutput(probabilities: $0, topK: $1.topK) }
    }

    /// The report's per-example record: the image, its label and the class probabilities.
    public func predictionRecord(for output: ImageClassificationOutput, example: ImageClassificationExample, info: TaskModelInfo) -> PredictionRecord? {
        .classification(probabilities: output.probabilities, label: example.label, input: .image(path: example.file.path))
    }

    public func evaluate(outputs: [ImageClassificationOutput], examples: [ImageClassificationExample], info: TaskModelInfo, context: TaskContext) throws -> TaskEvaluation {
        try ClassificationEvaluation.evaluate(probabilities: outputs.map(\.probabilities), labels: examples.compactMap(\.label), labelNames: info.labelNames)
    }

    /// Inputs are image paths: absolute, or relative to the current folder (else to the project).
    public func predictionExamples(from inputs: [String], context: TaskContext) throws -> [ImageClassificationExample] {
        try inputs.enumerated().map { index, input in
            let path = (input.trimmingCharacters(in: .whitespaces) as NSString).expandingTildeInPath
            guard !path.isEmpty else { throw ImageClassificationDataError("input \(index + 1) is empty; give the path of an image to classify") }
            var file = URL(fileURLWithPath: path)
            if !path.hasPrefix("/"), !FileManager.default.fileExists(atPath: file.path) {
                file = context.projectFolder.appendingPathComponent(path)
            }
            try ImageLoading.checkSignature(file, source: "input \(index + 1)")
            return ImageClassificationExample(file: file, label: nil, source: "input \(index + 1)")
        }
    }

    public func prediction(for output: ImageClassificationOutput, input: String, info: TaskModelInfo) -> TaskPrediction {
        ImageClassificationAnswer.prediction(probabilities: output.probabilities, topK: output.topK, input: input, labelNames: info.labelNames)
    }

    /// Copies the sample images to `data/images` and starts the project with a frozen backbone
    /// at 128 pixels for three epochs (head rate 3e-3), so the sample trains in under a minute
    /// on two cores (test accuracy 0.94; full fine-tuning, the general default, reaches 0.97
    /// but takes several times as long).
    public func writeSample(into projectFolder: URL, from sample: URL) throws -> [String: ConfigValue] {
        let data = projectFolder.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: sample.appendingPathComponent("images"), to: data.appendingPathComponent("images"))
        return ["data.path": .string("data/images"), "model.image_size": .integer(128), "model.freeze": .string("backbone"),
                "train.epochs": .integer(3), "train.learning_rate": .number(3e-3)]
    }
}
