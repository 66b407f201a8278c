// PatchFeatures: PatchCore's locally aware patch features from EfficientNet-Lite — the outputs
// of two mid-level stages (by default stage 2, 40 channels at stride 8, and stage 4, 112
// channels at stride 16), each averaged over its 3x3 neighbourhood (zero padding counted, as
// `AvgPool2d(3, 1, 1)`), the deeper one upsampled bilinearly to the finer grid, concatenated
// along channels: one feature vector per grid cell. Not here: memory bank, scoring
// (DefectDetectionModel), image loading (DefectImages).

import FactoryKit
import Foundation

/// Patch features of a batch: `[B * height * width, dimensions]` rows, image after image,
/// row-major over the grid.
public struct PatchFeatureBatch {
    /// One row per grid cell.
    public var features: Tensor
    /// Images in the batch.
    public var images: Int
    /// Grid rows per image.
    public var height: Int
    /// Grid columns per image.
    public var width: Int

    /// Rows per image.
    public var patchesPerImage: Int { height * width }
}

/// Extracts PatchCore patch features with a pretrained EfficientNet-Lite.
public struct PatchFeatureExtractor {
    /// The backbone (used in inference mode).
    public let backbone: EfficientNetLite
    /// Stage indices whose outputs are used (0-based; stage 2 has stride 8 in Lite0).
    public let stages: [Int]
    /// The neighbourhood averaged around each cell (3 = 3x3; 1 = none).
    public let neighbourhood: Int

    /// Creates an extractor.
    /// - Parameters:
    ///   - backbone: the pretrained network.
    ///   - stages: increasing stage indices (default 2 and 4: strides 8 and 16).
    ///   - neighbourhood: an odd window size for local aggregation.
    public init(backbone: EfficientNetLite, stages: [Int] = [2, 4], neighbourhood: Int = 3) {
        precondition(!stages.isEmpty && stages == stages.sorted() && stages.last! < backbone.stageBlockRanges.count,
                     "PatchFeatureExtractor: stages \(stages) must increase within 0..<\(backbone.stageBlockRanges.count)")
        precondition(neighbourhood >= 1 && neighbourhood % 2 == 1, "PatchFeatureExtractor: neighbourhood \(neighbourhood) must be odd")
        self.backbone = backbone
        self.stages = stages
        self.neighbourhood = neighbourhood
    }

    /// The feature size: the channels of the chosen stages.
    public var dimensions: Int {
        stages.reduce(0) { $0 + backbone.configuration.stages[$1].outputChannels }
    }

    /// The stage outputs used, with the blocks run only as far as the deepest one.
    public func stageFeatures(_ images: Tensor) -> [Tensor] {
        var x = backbone.stem(images)
        var outputs: [Tensor] = []
        for stage in 0...stages.last! {
            for index in backbone.stageBlockRanges[stage] { x = backbone.blocks[index](x) }
            if stages.contains(stage) { outputs.append(x) }
        }
        return outputs
    }

    /// Patch features of `images` (`[B, 3, H, W]`, ImageNet-normalised), without gradients.
    public func callAsFunction(_ images: Tensor) -> PatchFeatureBatch {
        withoutGradients { aggregate(stageFeatures(images), batch: images.shape[0]) }
    }

    /// Local averaging, alignment to the finest grid and concatenation of stage outputs.
    func aggregate(_ maps: [Tensor], batch: Int) -> PatchFeatureBatch {
        withoutGradients {
            let height = maps[0].shape[2], width = maps[0].shape[3]
            var aligned: [Tensor] = []
            for map in maps {
                var local = map
                if neighbourhood > 1 {
                    let pad = neighbourhood / 2
                    local = map.averagePool2d(kernel: Size2D(height: neighbourhood, width: neighbourhood), stride: 1,
                                              padding: Padding2D(top: pad, bottom: pad, left: pad, right: pad))
                }
                if local.shape[2] != height || local.shape[3] != width {
                    let channels = local.shape[1]
                    let planes = local.contiguous().reshaped([batch * channels, local.shape[2], local.shape[3]])
                    local = ImageTransforms.resizeBilinear(planes, height: height, width: width).reshaped([batch, channels, height, width])
                }
                aligned.append(local)
            }
            let joined = aligned.count == 1 ? aligned[0] : Tensor.concatenate(aligned, axis: 1)
            let rows = joined.permuted([0, 2, 3, 1]).contiguous().reshaped([batch * height * width, joined.shape[1]])
            return PatchFeatureBatch(features: rows, images: batch, height: height, width: width)
        }
    }
}
