// ImageAugmentation: the training-time image transforms of the core, as pure functions on
// Float32 image tensors [C, H, W] with values in [0, 1] (before normalisation): random
// resized crop (torchvision's RandomResizedCrop box), horizontal and vertical flips, small
// rotations (bilinear, zero fill) and colour jitter (brightness, contrast, saturation, in
// that fixed order, clamped to [0, 1]). The random ones take the generator they draw from,
// so a seeded generator gives the same result every time. Not here: deciding when to
// augment (BatchAugmentation), decoding or normalising images (FactoryIO ImageTransforms).

import Foundation

/// A crop box inside an image: rows `top ..< top + height`, columns `left ..< left + width`.
public struct ImageCropBox: Sendable, Equatable {
    public var top: Int
    public var left: Int
    public var height: Int
    public var width: Int

    /// Creates a box.
    public init(top: Int, left: Int, height: Int, width: Int) {
        self.top = top
        self.left = left
        self.height = height
        self.width = width
    }
}

/// Image transforms for data augmentation, on [C, H, W] tensors with values in [0, 1].
public enum ImageAugmentation {
    /// Mirrors the image left to right (column `x` becomes column `W - 1 - x`).
    public static func horizontalFlip(_ image: Tensor) -> Tensor {
        let (channels, height, width) = dimensions(image, "horizontalFlip")
        let values = image.scalars
        var result = [Float](repeating: 0, count: values.count)
        for channel in 0..<channels {
            for y in 0..<height {
                let row = (channel * height + y) * width
                for x in 0..<width { result[row + x] = values[row + width - 1 - x] }
            }
        }
        return Tensor(result, shape: image.shape)
    }

    /// Mirrors the image top to bottom (row `y` becomes row `H - 1 - y`).
    public static func verticalFlip(_ image: Tensor) -> Tensor {
        let (channels, height, width) = dimensions(image, "verticalFlip")
        let values = image.scalars
        var result = [Float](repeating: 0, count: values.count)
        for channel in 0..<channels {
            for y in 0..<height {
                let source = (channel * height + height - 1 - y) * width, target = (channel * height + y) * width
                for x in 0..<width { result[target + x] = values[source + x] }
            }
        }
        return Tensor(result, shape: image.shape)
    }

    /// A random crop box as torchvision's `RandomResizedCrop.get_params`: an area of `scale`
    /// times the image's and an aspect ratio (width / height) log-uniform in `ratio`; after
    /// ten tries that do not fit, the centre crop of the ratio nearest to the allowed range.
    /// - Parameters:
    ///   - height: the image height (> 0).
    ///   - width: the image width (> 0).
    ///   - scale: the crop's area as a share of the image's, within (0, 1].
    ///   - ratio: the allowed aspect ratios (width / height), positive.
    ///   - generator: the random source.
    /// - Returns: a box inside the image, at least 1 x 1.
    public static func randomCropBox(
        height: Int, width: Int, scale: ClosedRange<Double>, ratio: ClosedRange<Double>, generator: inout SeededGenerator
    ) -> ImageCropBox {
        precondition(height > 0 && width > 0, "randomCropBox: image size \(height) x \(width) must be positive")
        precondition(scale.lowerBound > 0 && scale.upperBound <= 1, "randomCropBox: scale \(scale) must lie in (0, 1]")
        precondition(ratio.lowerBound > 0, "randomCropBox: ratio \(ratio) must be positive")
        let area = Double(height * width)
        let logRatio = log(ratio.lowerBound)...log(ratio.upperBound)
        for _ in 0..<10 {
            let targetArea = area * uniform(scale, &generator)
            let aspect = exp(uniform(logRatio, &generator))
            let cropWidth = Int((targetArea * aspect).squareRoot().rounded())
            let cropHeight = Int((targetArea / aspect).squareRoot().rounded())
            if cropWidth > 0 && cropWidth <= width && cropHeight > 0 && cropHeight <= height {
                let top = Int(generator.next() % UInt64(height - cropHeight + 1))
                let left = Int(generator.next() % UInt64(width - cropWidth + 1))
                return ImageCropBox(top: top, left: left, height: cropHeight, width: cropWidth)
            }
        }
        // Fallback: the whole image, cut to the nearest allowed ratio.
        let imageRatio = Double(width) / Double(height)
        var cropWidth = width, cropHeight = height
        if imageRatio < ratio.lowerBound {
            cropHeight = max(1, Int((Double(width) / ratio.lowerBound).rounded()))
        } else if imageRatio > ratio.upperBound {
            cropWidth = max(1, Int((Double(height) * ratio.upperBound).rounded()))
        }
        return ImageCropBox(top: (height - cropHeight) / 2, left: (width - cropWidth) / 2, height: cropHeight, width: cropWidth)
    }

    /// Cuts `box` out of the image and resizes it bilinearly to `height` x `width`.
    /// - Parameters:
    ///   - image: [C, H, W].
    ///   - box: a box inside the image.
    ///   - height: the output height (> 0).
    ///   - width: the output width (> 0).
    public static func resizedCrop(_ image: Tensor, box: ImageCropBox, height: Int, width: Int) -> Tensor {
        let (channels, imageHeight, imageWidth) = dimensions(image, "resizedCrop")
        precondition(box.top >= 0 && box.left >= 0 && box.height > 0 && box.width > 0
                     && box.top + box.height <= imageHeight && box.left + box.width <= imageWidth,
                     "resizedCrop: box \(box) is not inside the \(imageHeight) x \(imageWidth) image")
        let values = image.scalars
        var cropped = [Float](repeating: 0, count: channels * box.height * box.width)
        for channel in 0..<channels {
            for y in 0..<box.height {
                let source = (channel * imageHeight + box.top + y) * imageWidth + box.left
                let target = (channel * box.height + y) * box.width
                for x in 0..<box.width { cropped[target + x] = values[source + x] }
            }
        }
        let crop = Tensor(cropped, shape: [channels, box.height, box.width])
        if box.height == height && box.width == width { return crop }
        return ImageTransforms.resizeBilinear(crop, height: height, width: width)
    }

    /// Rotates the image by `degrees` (counter-clockwise) about its centre, sampling
    /// bilinearly; pixels that come from outside the image are 0. Zero degrees returns the
    /// image unchanged.
    public static func rotate(_ image: Tensor, degrees: Double) -> Tensor {
        let (channels, height, width) = dimensions(image, "rotate")
        if degrees == 0 { return image }
        let values = image.scalars
        let radians = degrees * .pi / 180
        let cosine = cos(radians), sine = sin(radians)
        let centerX = Double(width - 1) / 2, centerY = Double(height - 1) / 2
        var result = [Float](repeating: 0, count: values.count)
        for y in 0..<height {
            for x in 0..<width {
                // The source of output (x, y): rotate back by -degrees (y grows downwards).
                let dx = Double(x) - centerX, dy = Double(y) - centerY
                let sourceX = cosine * dx - sine * dy + centerX
                let sourceY = sine * dx + cosine * dy + centerY
                let x0 = Int(sourceX.rounded(.down)), y0 = Int(sourceY.rounded(.down))
                let fx = Float(sourceX - Double(x0)), fy = Float(sourceY - Double(y0))
                for channel in 0..<channels {
                    let plane = channel * height * width
                    func pixel(_ px: Int, _ py: Int) -> Float {
                        px >= 0 && px < width && py >= 0 && py < height ? values[plane + py * width + px] : 0
                    }
                    let top = pixel(x0, y0) * (1 - fx) + pixel(x0 + 1, y0) * fx
                    let bottom = pixel(x0, y0 + 1) * (1 - fx) + pixel(x0 + 1, y0 + 1) * fx
                    result[plane + y * width + x] = top * (1 - fy) + bottom * fy
                }
            }
        }
        return Tensor(result, shape: image.shape)
    }

    /// Multiplies every value by `factor` (clamped to [0, 1]): torchvision's `adjust_brightness`.
    public static func adjustBrightness(_ image: Tensor, factor: Float) -> Tensor {
        _ = dimensions(image, "adjustBrightness")
        return Tensor(image.scalars.map { clamp($0 * factor) }, shape: image.shape)
    }

    /// Blends the image with its mean grey level: `mean + factor (x - mean)` (clamped), as
    /// torchvision's `adjust_contrast` (grey = 0.299 R + 0.587 G + 0.114 B for 3 channels).
    public static func adjustContrast(_ image: Tensor, factor: Float) -> Tensor {
        let (_, height, width) = dimensions(image, "adjustContrast")
        let grey = greyPlane(image)
        let mean = grey.reduce(0, +) / Float(height * width)
        return Tensor(image.scalars.map { clamp(mean + factor * ($0 - mean)) }, shape: image.shape)
    }

    /// Blends each pixel with its own grey level: `grey + factor (x - grey)` (clamped), as
    /// torchvision's `adjust_saturation`. Images with other than 3 channels are unchanged.
    public static func adjustSaturation(_ image: Tensor, factor: Float) -> Tensor {
        let (channels, height, width) = dimensions(image, "adjustSaturation")
        guard channels == 3 else { return image }
        let grey = greyPlane(image), values = image.scalars, plane = height * width
        var result = values
        for channel in 0..<3 {
            for index in 0..<plane {
                result[channel * plane + index] = clamp(grey[index] + factor * (values[channel * plane + index] - grey[index]))
            }
        }
        return Tensor(result, shape: image.shape)
    }

    /// The luma plane [H * W]: 0.299 R + 0.587 G + 0.114 B, or the channel mean otherwise.
    static func greyPlane(_ image: Tensor) -> [Float] {
        let channels = image.shape[0], plane = image.shape[1] * image.shape[2]
        let values = image.scalars
        let weights: [Float] = channels == 3 ? [0.299, 0.587, 0.114] : [Float](repeating: 1 / Float(channels), count: channels)
        var grey = [Float](repeating: 0, count: plane)
        for channel in 0..<channels {
            for index in 0..<plane { grey[index] += weights[channel] * values[channel * plane + index] }
        }
        return grey
    }

    static func clamp(_ value: Float) -> Float { Swift.min(Swift.max(value, 0), 1) }

    /// A uniform draw in `range`.
    static func uniform(_ range: ClosedRange<Double>, _ generator: inout SeededGenerator) -> Double {
        range.lowerBound + (range.upperBound - range.lowerBound) * Double(generator.next() >> 11) * 0x1p-53
    }

    static func dimensions(_ image: Tensor, _ operation: String) -> (Int, Int, Int) {
        precondition(image.rank == 3 && image.shape.allSatisfy { $0 > 0 },
                     "ImageAugmentation.\(operation): expected an image tensor [C, H, W], got shape \(image.shape)")
        return (image.shape[0], image.shape[1], image.shape[2])
    }
}
