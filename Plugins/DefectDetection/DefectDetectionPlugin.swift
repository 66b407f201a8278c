// DefectDetectionPlugin: industrial defect detection — images of good parts (and, when there
// are any, labelled defects) in, a model that scores each image, says good or defect at a
// threshold chosen on the validation split, and draws an anomaly heat map. By default
// PatchCore on EfficientNet-Lite0 features, fitted without gradients through the core's
// `fit` hook; optionally a supervised good/defect head trained by the core's epochs, alone
// or combined with PatchCore. It uses only FactoryKit, as a third-party plugin would. Not
// here: the data layouts (DefectData), the model (DefectDetectionModel), metrics
// (DefectEvaluation), the training loop (the core).

import FactoryKit
import Foundation

/// The built-in defect-detection task.
public struct DefectDetectionPlugin: TaskPlugin {
    public init() {}

    public var descriptor: TaskDescriptor {
        TaskDescriptor(
            id: "defect-detection", name: "Defect detection",
            summary: "Find defective parts in inspection images from pictures of good ones (PatchCore), with an anomaly heat map per image; labelled defects optional",
            version: "1.0.0", type: "DefectDetection.DefectDetectionPlugin", inputFormats: ["png", "jpeg", "mvtec-ad"],
            outputs: ["label", "score", "anomaly_map"], backbones: ["efficientnet-lite0"],
            metrics: ["image_auroc", "pixel_auroc", "pro", "f1", "accuracy", "precision", "recall"],
            sample: "Samples/defect-detection",
            tags: ["image", "vision", "anomaly", "defect", "inspection", "manufacturing", "quality", "patchcore", "mvtec", "efficientnet"])
    }

    public var primaryMetric: (name: String, higherIsBetter: Bool) { ("image_auroc", true) }

    public var configOptions: [ConfigOption] {
        [
            ConfigOption("data.path", .string, default: .string("data/surface"),
                         summary: "an MVTec AD category folder (train/good, test/<type>, ground_truth/<type>) or a folder with good/ and defect/"),
            ConfigOption("data.layout", .choice(["auto", "mvtec", "folders"]), default: .string("auto"),
                         summary: "the folder layout (auto: MVTec AD when train/ and test/ exist, else good/ + defect/)"),
            ConfigOption("data.validation_fraction", .number(0...0.5), default: .number(0.3),
                         summary: "share held out to choose the threshold (MVTec AD layout: a share of each test folder; else of all images)"),
            ConfigOption("data.test_fraction", .number(0...0.5), default: .number(0.3),
                         summary: "share held out for the final test (good/ + defect/ layout only; MVTec AD keeps its own test set)"),
            ConfigOption("model.method", .choice(DefectMethod.allCases.map(\.rawValue)), default: .string("patchcore"),
                         summary: "patchcore (good images only, no training epochs), supervised (a good/defect head; needs labelled defects), or combined"),
            ConfigOption("model.image_size", .integer(32...1024), default: .integer(224), summary: "images are resized to this square before scoring"),
            ConfigOption("model.coreset_ratio", .number(0.001...1), default: .number(0.1),
                         summary: "share of the good training patches kept in PatchCore's memory bank (greedy k-centre coreset)"),
            ConfigOption("model.projection_dimensions", .integer(8...4096), default: .integer(64),
                         summary: "principal axes of the features kept to measure distances while selecting the coreset"),
            ConfigOption("model.smoothing_sigma", .number(0...64), default: .number(4),
                         summary: "Gaussian smoothing of the anomaly map, in pixels of the resized image (0 = none)"),
            ConfigOption("model.threshold", .choice(["f1", "false_reject_rate"]), default: .string("f1"),
                         summary: "how the threshold is chosen on the validation split: best F1, or the given false-reject rate of good parts"),
            ConfigOption("model.false_reject_rate", .number(0...1), default: .number(0.05),
                         summary: "the largest share of good validation parts called defective (model.threshold: false_reject_rate)"),
            ConfigOption("model.gallery_size", .integer(0...1000), default: .integer(12),
                         summary: "worst-scored test images drawn with their anomaly maps under output/gallery by factory eval"),
            ConfigOption("train.epochs", .integer(1...10_000), default: .integer(3), summary: "passes over the training split (supervised and combined methods)"),
            ConfigOption("train.learning_rate", .number(0...10), default: .number(3e-4), summary: "peak learning rate of the head and the top block"),
            ConfigOption("train.eval_batch_size", .integer(1...4096), default: .integer(16), summary: "images per batch when fitting, evaluating and predicting"),
        ]
    }

    public func loadData(_ context: TaskContext) throws -> TaskData<DefectExample> {
        try DefectData.load(context)
    }

    static func method(_ context: TaskContext) -> DefectMethod {
        DefectMethod(rawValue: context.config.string("model.method")) ?? .patchcore
    }

    public func makeModel(_ context: TaskContext, info: TaskModelInfo) throws -> DefectDetectionModel {
        let name = context.config.string("model.backbone")
        _ = try context.backboneFolder(name)  // installs a catalog backbone on first use
        let backbone = try EfficientNetLite.load(context.modelStore.resolve(name))
        let method = Self.method(context)
        let head = method.usesHead
            ? ClassificationHead(features: backbone.featureChannels, classes: 2, dropout: Float(context.config.number("model.head_dropout")),
                                 seed: UInt64(context.config.integer("seed")))
            : nil
        let model = DefectDetectionModel(
            backbone: backbone, head: head, method: method, extractor: PatchFeatureExtractor(backbone: backbone),
            imageSize: context.config.integer("model.image_size"), smoothingSigma: Float(context.config.number("model.smoothing_sigma")),
            bankSize: Int(info.properties["bank_size"] ?? "") ?? 1)
        if method.usesHead && info.trainingClassCounts.count == 2 && !info.trainingClassCounts.contains(0) {
            model.classWeights = Tensor(Classification.balancedWeights(classCounts: info.trainingClassCounts))
        }
        model.train(false)
        return model
    }

    public func forward(_ model: DefectDetectionModel, examples: [DefectExample], context: TaskContext) throws -> TaskForward<DefectOutput> {
        let images = try DefectImages.batch(examples, size: model.imageSize)
        let scores = model.scores(images)
        let probabilities = scores.logits.map { Classification.probabilities($0).map { $0[1] } }
        var outputs: [DefectOutput] = []
        for index in examples.indices {
            let probability = probabilities?[index]
            let patchcore = scores.patchcore?[index]
            outputs.append(DefectOutput(score: model.imageScore(patchcore: patchcore, probability: probability),
                                        map: scores.maps?[index], probability: probability, threshold: model.thresholdValue, overlay: nil))
        }
        let labels = examples.compactMap(\.label)
        // Prediction inputs (no labels): draw each anomaly map over its image.
        if labels.isEmpty {
            let folder = RunFiles(projectFolder: context.projectFolder).folder.appendingPathComponent("predictions")
            for index in examples.indices {
                guard let map = outputs[index].map else { continue }
                let destination = folder.appendingPathComponent(examples[index].image.deletingPathExtension().lastPathComponent + "_anomaly_map.png")
                try AnomalyMaps.writeOverlay(of: examples[index].image, map: map, scale: DefectEvaluation.overlayScale(threshold: model.thresholdValue), to: destination)
                outputs[index].overlay = destination.path
            }
        }
        guard let logits = scores.logits, labels.count == examples.count else { return TaskForward(loss: nil, outputs: outputs) }
        return TaskForward(loss: Tensor.crossEntropy(logits: logits, targets: labels, classWeights: model.classWeights), outputs: outputs)
    }

    public func fit(_ model: DefectDetectionModel, training: [DefectExample], validation: [DefectExample], info: TaskModelInfo,
                    context: TaskContext) throws -> TaskFit? {
        guard model.method.usesMemoryBank else {
            guard training.contains(where: { $0.label == 1 }) else {
                throw DefectDataError("model.method \(model.method.rawValue) needs labelled defect images in the training split; add some, or use model.method: patchcore")
            }
            return nil
        }
        if model.method == .combined && !training.contains(where: { $0.label == 1 }) {
            throw DefectDataError("model.method combined needs labelled defect images in the training split; add some, or use model.method: patchcore")
        }
        return try PatchCoreFitting.fit(model, training: training, validation: validation, context: context)
    }

    /// The threshold is chosen on the validation split after supervised epochs too.
    public var calibratesAfterTraining: Bool { true }

    public func calibrate(_ model: DefectDetectionModel, validationOutputs: [DefectOutput], validation: [DefectExample], info: TaskModelInfo,
                          context: TaskContext) throws -> Bool {
        model.threshold = Tensor([try DefectEvaluation.chooseThreshold(outputs: validationOutputs, examples: validation, context: context)])
        return true
    }

    public func evaluate(outputs: [DefectOutput], examples: [DefectExample], info: TaskModelInfo, context: TaskContext) throws -> TaskEvaluation {
        try DefectEvaluation.evaluate(outputs: outputs, examples: examples, context: context)
    }

    /// The per-example record `factory eval` writes to output/predictions.jsonl: the image, its
    /// label (good or defect), the image score, and the head's good/defect probabilities when the
    /// method has a head (PatchCore alone has a score and no class probabilities).
    public func predictionRecord(for output: DefectOutput, example: DefectExample, info: TaskModelInfo) -> PredictionRecord? {
        let probabilities = output.probability.map { [Double(1 - $0), Double($0)] } ?? []
        return PredictionRecord(input: .image(path: example.image.path), label: example.label, probabilities: probabilities,
                                score: Double(output.score))
    }

    public func predictionExamples(from inputs: [String], context: TaskContext) throws -> [DefectExample] {
        try inputs.map { input in
            let url = URL(fileURLWithPath: (input as NSString).expandingTildeInPath, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).standardizedFileURL
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw DefectDataError("\(url.path): no such image; give the paths of PNG or JPEG files to score")
            }
            let size = try DefectData.imageSize(url)
            return DefectExample(image: url, label: nil, defectType: "", mask: nil, height: size.height, width: size.width)
        }
    }

    public func prediction(for output: DefectOutput, input: String, info: TaskModelInfo) -> TaskPrediction {
        let isDefect = output.score >= output.threshold
        var fields: [String: JSONValue] = [
            "label": .string(isDefect ? "defect" : "good"), "score": .double(Double(output.score)),
            "threshold": .double(Double(output.threshold)), "is_defect": .bool(isDefect),
        ]
        if let probability = output.probability { fields["probability"] = .double(Double(probability)) }
        if let overlay = output.overlay { fields["anomaly_map"] = .string(overlay) }
        let summary = String(format: "%@ (score %.3f, threshold %.3f)", isDefect ? "defect" : "good", output.score, output.threshold)
            + (output.overlay.map { "  map: \($0)" } ?? "")
        return TaskPrediction(input: input, summary: summary, fields: fields)
    }

    public func writeSample(into projectFolder: URL, from sample: URL) throws -> [String: ConfigValue] {
        let data = projectFolder.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: sample.appendingPathComponent("surface"), to: data.appendingPathComponent("surface"))
        // The sample's images are 128x128: scored at their own size, the run takes seconds.
        return ["data.path": .string("data/surface"), "model.image_size": .integer(128)]
    }
}

/// What the model says about one image.
public struct DefectOutput: Sendable {
    /// The image score (higher = more anomalous).
    public var score: Float
    /// The smoothed anomaly map at the model's image size (PatchCore and combined methods).
    public var map: AnomalyMap?
    /// The head's defect probability (supervised and combined methods).
    public var probability: Float?
    /// The model's threshold when it scored the image.
    public var threshold: Float
    /// The heat-map PNG written for a prediction.
    public var overlay: String?
}
