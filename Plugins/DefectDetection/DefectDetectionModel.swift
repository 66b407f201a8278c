// DefectDetectionModel: EfficientNet-Lite0 with what each defect-detection method needs —
// PatchCore's memory bank of good patch features (a buffer: fitted, not trained) and its
// anomaly maps; for the supervised methods, a good/defect head on the pooled features of the
// upper blocks, which fine-tune while the lower blocks that PatchCore reads stay fixed (so a
// bank fitted before the epochs stays valid); and the decision threshold and the PatchCore
// score scale (buffers, chosen on the validation split). Keys: `backbone.*` (the checkpoint's
// names), `head.*`, `memory_bank`, `threshold`, `score_scale`. Not here: fitting (the
// plugin), feature extraction (PatchFeatures), distances (NearestNeighbours).

import FactoryKit
import Foundation

/// How defects are scored.
public enum DefectMethod: String, Sendable, CaseIterable {
    /// Unsupervised: distance of each patch to the nearest good patch (good images only).
    case patchcore
    /// A good/defect classifier fine-tuned on labelled images.
    case supervised
    /// The mean of the PatchCore score (scaled) and the classifier's score.
    case combined

    /// Whether the method keeps a memory bank and anomaly maps.
    public var usesMemoryBank: Bool { self != .supervised }
    /// Whether the method has a trained head.
    public var usesHead: Bool { self != .patchcore }
}

/// The defect-detection model.
public final class DefectDetectionModel: Module, FineTunableModel {
    /// The pretrained backbone.
    public let backbone: EfficientNetLite
    /// The good/defect head (supervised and combined methods).
    public let head: ClassificationHead?
    /// The method.
    public let method: DefectMethod
    /// PatchCore's patch features.
    public let extractor: PatchFeatureExtractor
    /// The side of the square the images are resized to.
    public let imageSize: Int
    /// The Gaussian smoothing of anomaly maps, in pixels of the resized image.
    public let smoothingSigma: Float
    /// Good patch features `[M, D]` (a buffer).
    public var memoryBank: Tensor { didSet { searchIndex = nil } }
    /// The image-score threshold `[1]`: scores at or above it are defects (a buffer).
    public var threshold: Tensor
    /// The PatchCore score that the combined method maps to 1 `[1]` (a buffer).
    public var scoreScale: Tensor
    private var searchIndex: NearestNeighbourIndex?
    /// Per-class loss weights of the head (balanced: defects are usually rare), or `nil`.
    public var classWeights: Tensor?

    /// Creates a model with an all-zero memory bank of `bankSize` rows (filled by fitting or
    /// by loading a checkpoint).
    public init(backbone: EfficientNetLite, head: ClassificationHead?, method: DefectMethod, extractor: PatchFeatureExtractor,
                imageSize: Int, smoothingSigma: Float, bankSize: Int) {
        self.backbone = backbone
        self.head = head
        self.method = method
        self.extractor = extractor
        self.imageSize = imageSize
        self.smoothingSigma = smoothingSigma
        memoryBank = Tensor.zeros([Swift.max(bankSize, 1), extractor.dimensions])
        threshold = Tensor([Float.infinity])
        scoreScale = Tensor([1])
        super.init()
    }

    override public var children: [(key: String, module: Module)] {
        [("backbone", backbone)] + (head.map { [("head", $0 as Module)] } ?? [])
    }

    override public var ownBuffers: [(key: String, tensor: Tensor)] {
        [("memory_bank", memoryBank), ("threshold", threshold), ("score_scale", scoreScale)]
    }

    /// The blocks after the ones PatchCore reads, then the head convolution: what supervised
    /// training fine-tunes (the lower blocks stay as pretrained).
    public var backboneBlockKeyPrefixes: [String] {
        let firstUpper = backbone.stageBlockRanges[extractor.stages.last!].upperBound
        return (firstUpper..<backbone.blocks.count).map { "backbone._blocks.\($0)" } + ["backbone._conv_head", "backbone._bn1"]
    }

    public var headKeyPrefixes: [String] { ["head"] }

    /// The stem and the blocks PatchCore reads (their features must stay those of the bank),
    /// and the ImageNet classifier `_fc`, which no method runs: never trained.
    public var fixedKeyPrefixes: [String] {
        let firstUpper = backbone.stageBlockRanges[extractor.stages.last!].upperBound
        return ["backbone._conv_stem", "backbone._bn0"] + (0..<firstUpper).map { "backbone._blocks.\($0)" } + ["backbone._fc"]
    }

    /// The decision threshold as a number.
    public var thresholdValue: Float { threshold.scalars[0] }

    // MARK: Scoring

    /// What one forward pass computes for a batch.
    public struct Scores {
        /// PatchCore image scores (the worst patch's distance), when the method uses them.
        public var patchcore: [Float]?
        /// Smoothed anomaly maps at `imageSize x imageSize`, when the method uses them.
        public var maps: [AnomalyMap]?
        /// Head logits `[B, 2]` (tracked by autodiff in training), when the method has a head.
        public var logits: Tensor?
    }

    /// Scores a batch of `[B, 3, imageSize, imageSize]` ImageNet-normalised images.
    public func scores(_ images: Tensor) -> Scores {
        // The lower blocks run once, without gradients, in inference mode (PatchCore's
        // features must match the bank's whatever mode the rest is in).
        let wasTraining = isTraining
        let lower: [Tensor] = withoutGradients {
            backbone.train(false)
            defer { if wasTraining { backbone.train(true) } }
            return extractor.stageFeatures(images)
        }
        var result = Scores()
        if method.usesMemoryBank {
            let features = extractor.aggregate(lower, batch: images.shape[0])
            let (scores, maps) = anomalyMaps(features)
            result.patchcore = scores
            result.maps = maps
        }
        if let head {
            var x = lower.last!.detached()
            let firstUpper = backbone.stageBlockRanges[extractor.stages.last!].upperBound
            for index in firstUpper..<backbone.blocks.count { x = backbone.blocks[index](x) }
            x = backbone.headConvolution(x, normalizedBy: backbone.headNorm, relu6: true)
            result.logits = head(x.globalAveragePool2d())
        }
        return result
    }

    /// Image scores and smoothed maps from patch features.
    func anomalyMaps(_ batch: PatchFeatureBatch) -> (scores: [Float], maps: [AnomalyMap]) {
        if searchIndex == nil { searchIndex = NearestNeighbourIndex(bank: memoryBank) }
        let distances = searchIndex!.nearestSquaredDistances(queries: batch.features)
        return Self.anomalyMaps(squaredDistances: distances, batch: batch, imageSize: imageSize, smoothingSigma: smoothingSigma)
    }

    /// Image scores (the largest patch distance) and anomaly maps (patch distances upsampled
    /// bilinearly to `imageSize` and smoothed) from each patch's squared distance to the bank.
    public static func anomalyMaps(squaredDistances distances: [Float], batch: PatchFeatureBatch, imageSize: Int,
                                   smoothingSigma: Float) -> (scores: [Float], maps: [AnomalyMap]) {
        let patches = batch.patchesPerImage
        var scores = [Float](repeating: 0, count: batch.images)
        var maps = [AnomalyMap?](repeating: nil, count: batch.images)
        // One image per task, on all cores (the upsampling and smoothing cost about as much
        // as a tenth of the distance search).
        scores.withUnsafeMutableBufferPointer { scoreBuffer in
            maps.withUnsafeMutableBufferPointer { mapBuffer in
                let outputs = UncheckedSendable((scoreBuffer.baseAddress!, mapBuffer.baseAddress!))
                Parallel.forEachRange(batch.images, costPerItem: 1 << 20) { range in
                    let (scores, maps) = outputs.value
                    for image in range {
                        let grid = distances[image * patches ..< (image + 1) * patches].map { $0.squareRoot() }
                        scores[image] = grid.max() ?? 0
                        let map = AnomalyMap(height: batch.height, width: batch.width, values: grid)
                        maps[image] = map.resized(height: imageSize, width: imageSize).smoothed(sigma: smoothingSigma)
                    }
                }
            }
        }
        return (scores, maps.map { $0! })
    }

    /// The method's image score from PatchCore's score and the head's defect probability.
    public func imageScore(patchcore: Float?, probability: Float?) -> Float {
        switch method {
        case .patchcore: return patchcore ?? 0
        case .supervised: return probability ?? 0
        case .combined:
            let scale = Swift.max(scoreScale.scalars[0], 1e-6)
            return 0.5 * (patchcore ?? 0) / scale + 0.5 * 2 * (probability ?? 0)
        }
    }
}
