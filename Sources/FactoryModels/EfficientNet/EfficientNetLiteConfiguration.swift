// EfficientNet-Lite configuration: the five published variants (Lite0–Lite4) and the rules
// that scale the EfficientNet-B0 block table into each of them, as TensorFlow's
// `efficientnet_lite_builder` does: channels scaled by the width multiplier and rounded to
// a multiple of 8, repeats scaled by the depth multiplier and rounded up, except the first
// and last stage, whose repeats stay fixed; stem (32) and head (1280) channels never scale;
// no squeeze-excitation, ReLU6 throughout. It describes shapes only: no tensors, no weights.

/// One stage of MBConv blocks: `repeats` blocks, the first with `stride` and the channel
/// change, the rest stride 1 from `outputChannels` to `outputChannels`.
public struct EfficientNetLiteStage: Sendable, Equatable {
    /// The number of blocks.
    public var repeats: Int
    /// The depthwise kernel size (3 or 5).
    public var kernelSize: Int
    /// The stride of the stage's first block.
    public var stride: Int
    /// The expansion ratio: the inner (depthwise) width is `inputChannels * expandRatio`.
    public var expandRatio: Int
    /// The channels entering the stage's first block.
    public var inputChannels: Int
    /// The channels every block of the stage outputs.
    public var outputChannels: Int

    /// Creates a stage description.
    public init(repeats: Int, kernelSize: Int, stride: Int, expandRatio: Int, inputChannels: Int, outputChannels: Int) {
        self.repeats = repeats
        self.kernelSize = kernelSize
        self.stride = stride
        self.expandRatio = expandRatio
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
    }
}

/// The shape and hyper-parameters of an EfficientNet-Lite network.
public struct EfficientNetLiteConfiguration: Sendable, Equatable {
    /// The published EfficientNet-Lite variants.
    public enum Variant: String, Sendable, CaseIterable {
        case lite0, lite1, lite2, lite3, lite4

        /// The variant a backbone name ends with: `efficientnet-lite0` → `.lite0`.
        public init?(backboneName: String) {
            guard let variant = Variant.allCases.first(where: { backboneName.lowercased().hasSuffix($0.rawValue) }) else {
                return nil
            }
            self = variant
        }
    }

    /// The EfficientNet-B0 stages every variant scales (`r1_k3_s11_e1_i32_o16`, ...).
    public static let baseStages: [EfficientNetLiteStage] = [
        EfficientNetLiteStage(repeats: 1, kernelSize: 3, stride: 1, expandRatio: 1, inputChannels: 32, outputChannels: 16),
        EfficientNetLiteStage(repeats: 2, kernelSize: 3, stride: 2, expandRatio: 6, inputChannels: 16, outputChannels: 24),
        EfficientNetLiteStage(repeats: 2, kernelSize: 5, stride: 2, expandRatio: 6, inputChannels: 24, outputChannels: 40),
        EfficientNetLiteStage(repeats: 3, kernelSize: 3, stride: 2, expandRatio: 6, inputChannels: 40, outputChannels: 80),
        EfficientNetLiteStage(repeats: 3, kernelSize: 5, stride: 1, expandRatio: 6, inputChannels: 80, outputChannels: 112),
        EfficientNetLiteStage(repeats: 4, kernelSize: 5, stride: 2, expandRatio: 6, inputChannels: 112, outputChannels: 192),
        EfficientNetLiteStage(repeats: 1, kernelSize: 3, stride: 1, expandRatio: 6, inputChannels: 192, outputChannels: 320),
    ]

    /// Output channels of the stem convolution (not scaled in the Lite family).
    public static let stemChannels = 32
    /// Output channels of the head 1x1 convolution (not scaled in the Lite family).
    public static let headChannels = 1280

    /// Multiplies every block's channel count (before rounding to a multiple of 8).
    public var widthMultiplier: Double
    /// Multiplies the repeats of the inner stages (rounded up).
    public var depthMultiplier: Double
    /// The input height and width the variant was trained at.
    public var resolution: Int
    /// Dropout before the classifier `_fc` in training mode.
    public var dropoutProbability: Float
    /// The classifier's output count (1000 for ImageNet).
    public var classCount: Int
    /// PyTorch-convention batch-norm momentum (TensorFlow's decay 0.99 is 0.01 here).
    public var batchNormMomentum: Float
    /// Added to the variance in every batch norm (TensorFlow's 1e-3).
    public var batchNormEpsilon: Float

    /// Creates a configuration; prefer ``lite(_:classCount:)`` for the published variants.
    public init(
        widthMultiplier: Double, depthMultiplier: Double, resolution: Int, dropoutProbability: Float,
        classCount: Int = 1000, batchNormMomentum: Float = 0.01, batchNormEpsilon: Float = 1e-3
    ) {
        precondition(widthMultiplier > 0 && depthMultiplier > 0 && resolution > 0 && classCount > 0,
                     "EfficientNetLiteConfiguration: multipliers, resolution and class count must be positive")
        self.widthMultiplier = widthMultiplier
        self.depthMultiplier = depthMultiplier
        self.resolution = resolution
        self.dropoutProbability = dropoutProbability
        self.classCount = classCount
        self.batchNormMomentum = batchNormMomentum
        self.batchNormEpsilon = batchNormEpsilon
    }

    /// A published variant: (width, depth, resolution, dropout) = Lite0 (1.0, 1.0, 224, 0.2),
    /// Lite1 (1.0, 1.1, 240, 0.2), Lite2 (1.1, 1.2, 260, 0.3), Lite3 (1.2, 1.4, 280, 0.3),
    /// Lite4 (1.4, 1.8, 300, 0.3).
    /// - Parameters:
    ///   - variant: which one.
    ///   - classCount: the classifier's output count (1000 for the ImageNet weights).
    public static func lite(_ variant: Variant, classCount: Int = 1000) -> EfficientNetLiteConfiguration {
        switch variant {
        case .lite0: EfficientNetLiteConfiguration(widthMultiplier: 1.0, depthMultiplier: 1.0, resolution: 224, dropoutProbability: 0.2, classCount: classCount)
        case .lite1: EfficientNetLiteConfiguration(widthMultiplier: 1.0, depthMultiplier: 1.1, resolution: 240, dropoutProbability: 0.2, classCount: classCount)
        case .lite2: EfficientNetLiteConfiguration(widthMultiplier: 1.1, depthMultiplier: 1.2, resolution: 260, dropoutProbability: 0.3, classCount: classCount)
        case .lite3: EfficientNetLiteConfiguration(widthMultiplier: 1.2, depthMultiplier: 1.4, resolution: 280, dropoutProbability: 0.3, classCount: classCount)
        case .lite4: EfficientNetLiteConfiguration(widthMultiplier: 1.4, depthMultiplier: 1.8, resolution: 300, dropoutProbability: 0.3, classCount: classCount)
        }
    }

    /// TensorFlow's `round_filters`: `channels * widthMultiplier` to the nearest multiple
    /// of 8 (at least 8), plus 8 when rounding lost more than 10%.
    public func scaledChannels(_ channels: Int) -> Int {
        let divisor = 8
        let scaled = Double(channels) * widthMultiplier
        var rounded = Swift.max(divisor, Int(scaled + Double(divisor) / 2) / divisor * divisor)
        if Double(rounded) < 0.9 * scaled { rounded += divisor }
        return rounded
    }

    /// TensorFlow's `round_repeats`: `ceil(repeats * depthMultiplier)`.
    public func scaledRepeats(_ repeats: Int) -> Int {
        Int((Double(repeats) * depthMultiplier).rounded(.up))
    }

    /// The stages of this variant: base stages with channels scaled, and repeats scaled
    /// except in the first and last stage (the Lite family keeps those fixed). The first
    /// stage reads the stem's fixed 32 channels (TensorFlow's layers take their input
    /// width from the tensor, so the rounded input width of that stage is never used).
    public var stages: [EfficientNetLiteStage] {
        let base = Self.baseStages
        return base.enumerated().map { index, stage in
            var scaled = stage
            scaled.inputChannels = index == 0 ? Self.stemChannels : scaledChannels(stage.inputChannels)
            scaled.outputChannels = scaledChannels(stage.outputChannels)
            if index != 0 && index != base.count - 1 { scaled.repeats = scaledRepeats(stage.repeats) }
            return scaled
        }
    }

    /// The total number of MBConv blocks.
    public var blockCount: Int { stages.reduce(0) { $0 + $1.repeats } }
}
