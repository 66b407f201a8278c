// EfficientNetLite: the EfficientNet-Lite image classifier (Lite0–Lite4 from one
// configuration): stem 3x3 stride-2 conv + BN + ReLU6, the MBConv blocks, head 1x1 conv to
// 1280 + BN + ReLU6, global average pool, dropout and the classifier `_fc`. Keys are the
// PyTorch checkpoint's (`_conv_stem.weight`, `_blocks.15._depthwise_conv.weight`, `_fc.bias`),
// so a state dictionary loads by name. Besides logits it gives the head features, the
// output of any block and the output of every stage, for tasks that need mid-level
// features. Not here: loading weights (EfficientNetLite+Loading.swift), image decoding
// and normalisation (FactoryIO.ImageFile / ImageTransforms).

import FactoryNN
import FactoryTensor

/// EfficientNet-Lite over `[N, 3, H, W]` images normalised with the ImageNet mean and
/// standard deviation.
///
/// ```swift
/// let model = try EfficientNetLite.pretrained("efficientnet-lite0", store: .standard())
/// model.eval()
/// let logits = model(images)                                  // [N, 1000]
/// let mid = model.features(images, upToBlocks: 6)             // [N, 40, H/8, W/8]
/// ```
public final class EfficientNetLite: Module {
    /// ImageNet channel means the pretrained weights expect (after scaling to [0, 1]).
    public static let imageNetMean: [Float] = [0.485, 0.456, 0.406]
    /// ImageNet channel standard deviations the pretrained weights expect.
    public static let imageNetStandardDeviation: [Float] = [0.229, 0.224, 0.225]

    /// The shape this network was built with.
    public let configuration: EfficientNetLiteConfiguration
    /// The 3x3 stride-2 stem convolution (`_conv_stem`).
    public let stemConvolution: SamePaddingConv2d
    /// Batch norm after the stem (`_bn0`).
    public let stemNorm: BatchNorm2d
    /// The MBConv blocks (`_blocks.0` ...), stage after stage.
    public let blocks: ModuleList<MBConvBlock>
    /// The 1x1 head convolution to 1280 channels (`_conv_head`).
    public let headConvolution: SamePaddingConv2d
    /// Batch norm after the head convolution (`_bn1`).
    public let headNorm: BatchNorm2d
    /// Dropout before the classifier (no keys).
    public let dropout: Dropout
    /// The classifier (`_fc`): 1280 → `configuration.classCount`.
    public let classifier: Linear
    /// The blocks of each stage, as index ranges into ``blocks``.
    public let stageBlockRanges: [Range<Int>]

    /// Creates a network with freshly initialised weights (load a checkpoint for pretrained ones).
    /// - Parameters:
    ///   - configuration: the variant, e.g. `.lite(.lite0)`.
    ///   - seed: seeds the initial weights and the dropout masks.
    public init(configuration: EfficientNetLiteConfiguration, seed: UInt64 = 0) {
        self.configuration = configuration
        var generator = SeededGenerator(seed: seed)
        let momentum = configuration.batchNormMomentum, epsilon = configuration.batchNormEpsilon
        let stemChannels = EfficientNetLiteConfiguration.stemChannels
        stemConvolution = SamePaddingConv2d(inputChannels: 3, outputChannels: stemChannels, kernelSize: 3, stride: 2, generator: &generator)
        stemNorm = BatchNorm2d(channels: stemChannels, momentum: momentum, epsilon: epsilon)
        var blockList: [MBConvBlock] = []
        var ranges: [Range<Int>] = []
        for stage in configuration.stages {
            let start = blockList.count
            for repeatIndex in 0..<stage.repeats {
                blockList.append(MBConvBlock(
                    inputChannels: repeatIndex == 0 ? stage.inputChannels : stage.outputChannels,
                    outputChannels: stage.outputChannels, kernelSize: stage.kernelSize,
                    stride: repeatIndex == 0 ? stage.stride : 1, expandRatio: stage.expandRatio,
                    batchNormMomentum: momentum, batchNormEpsilon: epsilon, generator: &generator))
            }
            ranges.append(start..<blockList.count)
        }
        blocks = ModuleList(blockList)
        stageBlockRanges = ranges
        let headChannels = EfficientNetLiteConfiguration.headChannels
        headConvolution = SamePaddingConv2d(
            inputChannels: blockList.last?.outputChannels ?? stemChannels, outputChannels: headChannels, kernelSize: 1, generator: &generator)
        headNorm = BatchNorm2d(channels: headChannels, momentum: momentum, epsilon: epsilon)
        dropout = Dropout(probability: configuration.dropoutProbability, seed: seed &+ 1)
        classifier = Linear(inputFeatures: headChannels, outputFeatures: configuration.classCount, generator: &generator)
        super.init()
    }

    override public var children: [(key: String, module: Module)] {
        [("_conv_stem", stemConvolution), ("_bn0", stemNorm), ("_blocks", blocks),
         ("_conv_head", headConvolution), ("_bn1", headNorm), ("_dropout", dropout), ("_fc", classifier)]
    }

    /// Channels of ``features(_:)`` (1280).
    public var featureChannels: Int { headConvolution.outputChannels }

    /// The stem: `[N, 3, H, W]` → `[N, 32, H/2, W/2]` (sizes rounded up).
    public func stem(_ images: Tensor) -> Tensor {
        precondition(images.rank == 4 && images.shape[1] == 3,
                     "EfficientNetLite: images must be [N, 3, H, W], got \(images.shape)")
        return stemConvolution(images, normalizedBy: stemNorm, relu6: true)
    }

    /// The output of the first `count` blocks (the stem's output when `count` is 0): mid-level
    /// features. Block `count - 1`'s output has that block's channels and stride.
    /// - Parameters:
    ///   - images: `[N, 3, H, W]`.
    ///   - count: how many blocks to run, `0...blocks.count`.
    public func features(_ images: Tensor, upToBlocks count: Int) -> Tensor {
        precondition(count >= 0 && count <= blocks.count,
                     "EfficientNetLite: upToBlocks \(count) is outside 0...\(blocks.count)")
        var x = stem(images)
        for index in 0..<count { x = blocks[index](x) }
        return x
    }

    /// The output of every stage's last block, in one pass: 7 tensors at strides
    /// 2, 4, 8, 16, 16, 32, 32 with the stages' channels (Lite0: 16, 24, 40, 80, 112, 192, 320).
    /// - Parameter images: `[N, 3, H, W]`.
    public func stageOutputs(_ images: Tensor) -> [Tensor] {
        var x = stem(images)
        var outputs: [Tensor] = []
        for range in stageBlockRanges {
            for index in range { x = blocks[index](x) }
            outputs.append(x)
        }
        return outputs
    }

    /// The head features before pooling: all blocks, then 1x1 conv + BN + ReLU6.
    /// - Parameter images: `[N, 3, H, W]`.
    /// - Returns: `[N, 1280, H/32, W/32]` (sizes rounded up).
    public func features(_ images: Tensor) -> Tensor {
        let x = features(images, upToBlocks: blocks.count)
        return headConvolution(x, normalizedBy: headNorm, relu6: true)
    }

    /// ``features(_:)`` averaged over the spatial axes: `[N, 1280]`, what a new head reads.
    public func pooledFeatures(_ images: Tensor) -> Tensor {
        features(images).globalAveragePool2d()
    }

    /// Classifier logits: pooled features, dropout (training mode only), `_fc`.
    /// - Parameter images: `[N, 3, H, W]`.
    /// - Returns: `[N, classCount]`.
    public func callAsFunction(_ images: Tensor) -> Tensor {
        classifier(dropout(pooledFeatures(images)))
    }
}
