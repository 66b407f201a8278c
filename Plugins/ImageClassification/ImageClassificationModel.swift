// ImageClassificationModel: EfficientNet-Lite (the ImageNet classifier `_fc` left out) with a
// new classification head on the globally pooled 1280 features, and the preprocessing that
// turns image files into its input batch. Keys: `backbone.stem.{_conv_stem,_bn0}`,
// `backbone._blocks.N.*` and `backbone.top.{_conv_head,_bn1}` (checkpoint names, grouped so
// that each freezing / layer-decay block is one key prefix), and `head.*`.
// Not here: reading the data layouts (ImageClassificationData), training (the core).

import FactoryKit
import Foundation

/// Named layers shown to the core as one module (the stem's conv + BN, the top conv + BN).
final class LayerGroup: Module {
    let members: [(key: String, module: Module)]
    init(_ members: [(key: String, module: Module)]) {
        self.members = members
        super.init()
    }
    override var children: [(key: String, module: Module)] { members }
}

/// The parts of EfficientNet-Lite a new head reads from: stem, blocks and top convolution,
/// without the ImageNet classifier (`_fc`) and its dropout.
public final class EfficientNetBackbone: Module {
    /// The full network (its `_fc` is never run or trained).
    public let network: EfficientNetLite
    let stem: LayerGroup
    let top: LayerGroup

    /// Wraps a network.
    public init(_ network: EfficientNetLite) {
        self.network = network
        stem = LayerGroup([("_conv_stem", network.stemConvolution), ("_bn0", network.stemNorm)])
        top = LayerGroup([("_conv_head", network.headConvolution), ("_bn1", network.headNorm)])
        super.init()
    }

    override public var children: [(key: String, module: Module)] { [("stem", stem), ("_blocks", network.blocks), ("top", top)] }

    /// Block key prefixes under this module, input side first: stem, each MBConv block, top.
    public var blockKeys: [String] { ["stem"] + (0..<network.blocks.count).map { "_blocks.\($0)" } + ["top"] }
}

/// EfficientNet-Lite features + a new classification head.
public final class ImageClassificationModel: Module, FineTunableModel {
    /// The (pretrained) feature extractor.
    public let backbone: EfficientNetBackbone
    /// The new head: dropout + Linear(1280, classes).
    public let head: ClassificationHead
    /// Input height and width.
    public let imageSize: Int
    /// How images are brought to `imageSize`.
    public let fit: ImageFit
    /// Per-class loss weights (`train.class_weights: balanced`), or `nil`.
    public var classWeights: Tensor?

    init(backbone: EfficientNetBackbone, head: ClassificationHead, imageSize: Int, fit: ImageFit) {
        self.backbone = backbone
        self.head = head
        self.imageSize = imageSize
        self.fit = fit
        super.init()
    }

    override public var children: [(key: String, module: Module)] { [("backbone", backbone), ("head", head)] }

    public var backboneBlockKeyPrefixes: [String] { backbone.blockKeys.map { "backbone." + $0 } }
    public var headKeyPrefixes: [String] { ["head"] }

    /// The model input for one file: `[3, S, S]`, normalised for the ImageNet backbone.
    /// - Parameters:
    ///   - file: a PNG or JPEG.
    ///   - augment: the training batch's augmentation of the `[3, S, S]` image in [0, 1], applied
    ///     before normalisation (`nil` for validation, evaluation and prediction).
    /// - Throws: `ImageError` naming the file when it cannot be decoded.
    public func input(for file: URL, augment: ((Tensor) -> Tensor)? = nil) throws -> Tensor {
        let image = try ImageLoading.read(file, size: imageSize, fit: fit)  // [3, S, S] in [0, 1]
        return ImageLoading.normalizeForImageNet(augment?(image) ?? image)
    }

    /// The input batch `[B, 3, S, S]` for files, decoded now (nothing is cached). With
    /// `augmentation` (a training batch), each image gets its own seeded augmentation.
    public func batch(_ files: [URL], augmentation: BatchAugmentation? = nil) throws -> Tensor {
        Tensor.stack(try files.enumerated().map { position, file in
            try input(for: file, augment: augmentation.map { augmentation in { augmentation.augmentImage($0, exampleIndex: position) } })
        }, axis: 0)
    }

    /// The pooled backbone features `[B, channels]` of a batch `[B, 3, S, S]`: the head's input.
    public func features(_ images: Tensor) -> Tensor {
        backbone.network.pooledFeatures(images)
    }

    /// Logits `[B, classes]` for a batch `[B, 3, S, S]`.
    public func logits(_ images: Tensor) -> Tensor {
        head(features(images))
    }
}
