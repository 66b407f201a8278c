// DefectImages: an inspection image as the backbone takes it — decoded as RGB, resized to a
// square of `model.image_size` (area averaging when shrinking by 2x or more, bilinear
// otherwise), normalised with the ImageNet mean and deviation — and a batch of them. Not
// here: reading folders (DefectData), drawing maps (FactoryKit AnomalyMaps).

import FactoryKit
import Foundation

enum DefectImages {
    /// The image at `url` as `[3, size, size]`, ImageNet-normalised.
    static func load(_ url: URL, size: Int) throws -> Tensor {
        try loadWithSize(url, size: size).image
    }

    /// The image at `url` as `[3, size, size]`, ImageNet-normalised, and the file's own size.
    static func loadWithSize(_ url: URL, size: Int) throws -> (image: Tensor, height: Int, width: Int) {
        let image: Tensor
        do { image = try ImageFile.read(url, channels: .rgb) } catch {
            throw DefectDataError("\(url.path): the image cannot be read (\(error)); replace or remove the file")
        }
        let height = image.shape[1], width = image.shape[2]
        var resized = image
        if height != size || width != size {
            resized = height >= 2 * size && width >= 2 * size
                ? ImageTransforms.resizeArea(image, height: size, width: size)
                : ImageTransforms.resizeBilinear(image, height: size, width: size)
        }
        let normalised = ImageTransforms.normalize(resized, mean: EfficientNetLite.imageNetMean, standardDeviation: EfficientNetLite.imageNetStandardDeviation)
        return (normalised, height, width)
    }

    /// The images of `examples` as one `[B, 3, size, size]` batch (decoded on all cores, or
    /// taken from the data check's ``PreparedImages``).
    static func batch(_ examples: [DefectExample], size: Int) throws -> Tensor {
        Tensor.stack(try OrderedResults.map(count: examples.count) { index in
            let url = examples[index].image
            return try PreparedImages.shared.take(url, size: size) ?? load(url, size: size)
        }, axis: 0)
    }
}
