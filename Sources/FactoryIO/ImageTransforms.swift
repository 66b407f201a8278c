// ImageTransforms: the preprocessing steps image backbones expect, on Float32 tensors
// [C, H, W]: bilinear resize, area (box-average) resize, centre crop, and per-channel
// normalisation. Each follows a named PyTorch/torchvision convention, stated on the
// function, so its output can be compared with a Python pipeline value for value.
// NOT here: decoding (ImageFile), augmentation (random crops and flips belong to the
// fine-tuning core), antialiased downscaling (use `resizeArea` to shrink by large factors),
// gradients (these run on data, outside autodiff).

import FactoryTensor

/// Resizing, cropping and normalising of image tensors [C, H, W].
public enum ImageTransforms {
    /// Bilinear resize with half-pixel centres: PyTorch's
    /// `F.interpolate(mode="bilinear", align_corners=False, antialias=False)`.
    ///
    /// Output pixel `o` samples the input at `s = (o + 0.5) * in / out - 0.5`, clamped below
    /// at 0; neighbours past the last row or column repeat the edge. No antialiasing: to
    /// shrink by more than about 2x, prefer `resizeArea`.
    /// - Parameters:
    ///   - image: [C, H, W].
    ///   - height: output height (> 0).
    ///   - width: output width (> 0).
    /// - Returns: a new contiguous tensor [C, height, width].
    public static func resizeBilinear(_ image: Tensor, height: Int, width: Int) -> Tensor {
        let (channels, inputHeight, inputWidth) = dimensions(image, operation: "resizeBilinear")
        precondition(height > 0 && width > 0, "resizeBilinear: output size \(height) x \(width) must be positive")
        let rows = bilinearTaps(input: inputHeight, output: height)
        let columns = bilinearTaps(input: inputWidth, output: width)
        let result = Tensor.uninitialized([channels, height, width])
        let output = result.storage.pointer + result.offset
        image.withContiguousElements { input in
            for channel in 0..<channels {
                let plane = input.baseAddress! + channel * inputHeight * inputWidth
                let outputPlane = output + channel * height * width
                for y in 0..<height {
                    let row = rows[y]
                    let upper = plane + row.first * inputWidth
                    let lower = plane + row.second * inputWidth
                    for x in 0..<width {
                        let column = columns[x]
                        let top = column.firstWeight * upper[column.first] + column.secondWeight * upper[column.second]
                        let bottom = column.firstWeight * lower[column.first] + column.secondWeight * lower[column.second]
                        outputPlane[y * width + x] = row.firstWeight * top + row.secondWeight * bottom
                    }
                }
            }
        }
        return result
    }

    /// Area resize: PyTorch's `F.interpolate(mode="area")`, which is adaptive average
    /// pooling. Output cell `o` averages input indices `floor(o * in / out)` up to (not
    /// including) `ceil((o + 1) * in / out)`, along each axis. For an integer shrink factor
    /// this is the exact box average; upscaling repeats pixels.
    /// - Parameters:
    ///   - image: [C, H, W].
    ///   - height: output height (> 0).
    ///   - width: output width (> 0).
    /// - Returns: a new contiguous tensor [C, height, width].
    public static func resizeArea(_ image: Tensor, height: Int, width: Int) -> Tensor {
        let (channels, inputHeight, inputWidth) = dimensions(image, operation: "resizeArea")
        precondition(height > 0 && width > 0, "resizeArea: output size \(height) x \(width) must be positive")
        let result = Tensor.uninitialized([channels, height, width])
        let output = result.storage.pointer + result.offset
        // Per output row: the band's rows added column by column (contiguous, vectorised),
        // then each output cell sums its columns of that: every input value is read once.
        let columnSums = UnsafeMutablePointer<Float>.allocate(capacity: inputWidth)
        defer { columnSums.deallocate() }
        image.withContiguousElements { input in
            for channel in 0..<channels {
                let plane = input.baseAddress! + channel * inputHeight * inputWidth
                let outputPlane = output + channel * height * width
                for y in 0..<height {
                    let rowStart = (y * inputHeight) / height
                    let rowEnd = ((y + 1) * inputHeight + height - 1) / height
                    columnSums.update(from: plane + rowStart * inputWidth, count: inputWidth)
                    for row in (rowStart + 1)..<rowEnd {
                        let values = plane + row * inputWidth
                        for column in 0..<inputWidth { columnSums[column] += values[column] }
                    }
                    for x in 0..<width {
                        let columnStart = (x * inputWidth) / width
                        let columnEnd = ((x + 1) * inputWidth + width - 1) / width
                        var sum: Float = 0
                        for column in columnStart..<columnEnd { sum += columnSums[column] }
                        outputPlane[y * width + x] = sum / Float((rowEnd - rowStart) * (columnEnd - columnStart))
                    }
                }
            }
        }
        return result
    }

    /// Centre crop: torchvision's `center_crop`. The top offset is
    /// `round((H - height) / 2)` with round-half-to-even (Python's `round`), likewise the
    /// left offset. A crop larger than the image pads with zeros, `(height - H) / 2`
    /// (floor) rows before and the rest after, as torchvision does.
    /// - Parameters:
    ///   - image: [C, H, W].
    ///   - height: output height (> 0).
    ///   - width: output width (> 0).
    /// - Returns: a new contiguous tensor [C, height, width].
    public static func centerCrop(_ image: Tensor, height: Int, width: Int) -> Tensor {
        let (channels, inputHeight, inputWidth) = dimensions(image, operation: "centerCrop")
        precondition(height > 0 && width > 0, "centerCrop: output size \(height) x \(width) must be positive")
        let top = cropOffset(input: inputHeight, output: height)
        let left = cropOffset(input: inputWidth, output: width)
        let result = Tensor.uninitialized([channels, height, width])
        let output = result.storage.pointer + result.offset
        image.withContiguousElements { input in
            for channel in 0..<channels {
                let plane = input.baseAddress! + channel * inputHeight * inputWidth
                let outputPlane = output + channel * height * width
                for y in 0..<height {
                    let sourceRow = y + top
                    for x in 0..<width {
                        let sourceColumn = x + left
                        let inside = sourceRow >= 0 && sourceRow < inputHeight && sourceColumn >= 0 && sourceColumn < inputWidth
                        outputPlane[y * width + x] = inside ? plane[sourceRow * inputWidth + sourceColumn] : 0
                    }
                }
            }
        }
        return result
    }

    /// Per-channel normalisation: torchvision's `Normalize`, `(x - mean[c]) / std[c]` in
    /// Float32 (subtract, then divide, as PyTorch does, so results match it bit for bit).
    /// - Parameters:
    ///   - image: [C, H, W].
    ///   - mean: one value per channel (ImageNet: 0.485, 0.456, 0.406).
    ///   - standardDeviation: one positive value per channel (ImageNet: 0.229, 0.224, 0.225).
    /// - Returns: a new contiguous tensor [C, H, W].
    public static func normalize(_ image: Tensor, mean: [Float], standardDeviation: [Float]) -> Tensor {
        let (channels, height, width) = dimensions(image, operation: "normalize")
        precondition(mean.count == channels && standardDeviation.count == channels,
                     "normalize: \(mean.count) means and \(standardDeviation.count) deviations for \(channels) channels")
        precondition(standardDeviation.allSatisfy { $0 > 0 }, "normalize: standard deviations must be positive")
        let planeCount = height * width
        let result = Tensor.uninitialized([channels, height, width])
        let output = result.storage.pointer + result.offset
        image.withContiguousElements { input in
            for channel in 0..<channels {
                let channelMean = mean[channel], deviation = standardDeviation[channel]
                let base = channel * planeCount
                for index in base..<(base + planeCount) { output[index] = (input[index] - channelMean) / deviation }
            }
        }
        return result
    }

    // MARK: - Internals

    /// Two input indices and their weights for one output index of a bilinear resize.
    struct BilinearTap {
        var first: Int
        var second: Int
        var firstWeight: Float
        var secondWeight: Float
    }

    /// PyTorch's `area_pixel_compute_source_index` with align_corners=False, in Float32.
    static func bilinearTaps(input: Int, output: Int) -> [BilinearTap] {
        let scale = Float(input) / Float(output)
        return (0..<output).map { index in
            let source = max(scale * (Float(index) + 0.5) - 0.5, 0)
            let first = min(Int(source), input - 1)
            let second = first < input - 1 ? first + 1 : first
            let secondWeight = source - Float(first)
            return BilinearTap(first: first, second: second, firstWeight: 1 - secondWeight, secondWeight: secondWeight)
        }
    }

    /// torchvision's crop offset; negative when the crop is larger (zero padding before).
    static func cropOffset(input: Int, output: Int) -> Int {
        if output > input { return -((output - input) / 2) }
        return Int((Double(input - output) / 2).rounded(.toNearestOrEven))
    }

    static func dimensions(_ image: Tensor, operation: String) -> (Int, Int, Int) {
        precondition(image.rank == 3, "\(operation): expected an image tensor [C, H, W], got shape \(image.shape)")
        precondition(image.shape.allSatisfy { $0 > 0 }, "\(operation): empty image of shape \(image.shape)")
        return (image.shape[0], image.shape[1], image.shape[2])
    }
}
