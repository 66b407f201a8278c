// TrainingSettings: the core's options read out of a validated ProjectConfig into plain typed
// values the Trainer uses, with the checks a schema cannot express (the `first-N` freezing
// form, a metric the task reports). Not here: the options' documentation (CoreOptions).

/// How backbone weights are kept fixed during training.
public enum FreezingPolicy: Sendable, Equatable, CustomStringConvertible {
    /// Everything trains.
    case none
    /// Only the head trains.
    case backbone
    /// The first N backbone blocks (the embeddings count as block 0) stay fixed.
    case firstBlocks(Int)
    /// The backbone starts frozen; each epoch unfreezes one more block, top down.
    case gradual

    /// Parses `none`, `backbone`, `first-N` or `gradual`.
    public init?(_ text: String) {
        switch text {
        case "none": self = .none
        case "backbone": self = .backbone
        case "gradual": self = .gradual
        default:
            guard text.hasPrefix("first-"), let count = Int(text.dropFirst("first-".count)), count >= 0 else { return nil }
            self = .firstBlocks(count)
        }
    }

    public var description: String {
        switch self {
        case .none: "none"
        case .backbone: "backbone"
        case .firstBlocks(let count): "first-\(count)"
        case .gradual: "gradual"
        }
    }
}

/// The core's settings for one run.
public struct TrainingSettings: Sendable, Equatable {
    public var seed: UInt64
    public var validationFraction: Double
    public var testFraction: Double
    public var deduplicate: Bool
    public var freezing: FreezingPolicy
    public var epochs: Int
    public var batchSize: Int
    public var gradientAccumulation: Int
    public var optimizer: String
    public var learningRate: Float
    public var layerDecay: Float
    public var weightDecay: Float
    public var momentum: Float
    public var schedule: String
    public var warmup: Double
    public var stepEpochs: Int
    public var gamma: Float
    public var clipNorm: Float
    public var l1: Float
    public var l2: Float
    public var evaluationBatchSize: Int
    public var monitorMetric: String
    public var patience: Int

    /// Reads the core's options.
    /// - Throws: ``ConfigError`` naming the key when a value is valid YAML of the right type
    ///   but still unusable (an unknown freezing form).
    public init(_ config: ProjectConfig) throws(ConfigError) {
        seed = UInt64(config.integer("seed"))
        validationFraction = config.number("data.validation_fraction")
        testFraction = config.number("data.test_fraction")
        deduplicate = config.boolean("data.deduplicate")
        let freezeText = config.string("model.freeze")
        guard let freezing = FreezingPolicy(freezeText) else {
            throw ConfigError(file: config.file?.path, key: "model.freeze",
                              message: "\"\(freezeText)\" is not a freezing policy; use none, backbone, first-N (such as first-4) or gradual")
        }
        self.freezing = freezing
        epochs = config.integer("train.epochs")
        batchSize = config.integer("train.batch_size")
        gradientAccumulation = config.integer("train.gradient_accumulation")
        optimizer = config.string("train.optimizer")
        learningRate = Float(config.number("train.learning_rate"))
        layerDecay = Float(config.number("train.layer_decay"))
        weightDecay = Float(config.number("train.weight_decay"))
        momentum = Float(config.number("train.momentum"))
        schedule = config.string("train.schedule")
        warmup = config.number("train.warmup")
        stepEpochs = config.integer("train.step_epochs")
        gamma = Float(config.number("train.gamma"))
        clipNorm = Float(config.number("train.clip_norm"))
        l1 = Float(config.number("train.l1"))
        l2 = Float(config.number("train.l2"))
        evaluationBatchSize = config.integer("train.eval_batch_size")
        monitorMetric = config.string("early_stopping.metric")
        patience = config.integer("early_stopping.patience")
        if validationFraction + testFraction >= 0.9 {
            throw ConfigError(file: config.file?.path, key: "data.test_fraction",
                              message: "validation (\(validationFraction)) and test (\(testFraction)) fractions leave too little to train on; keep their sum below 0.9")
        }
    }
}
