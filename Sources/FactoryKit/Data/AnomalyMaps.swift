// AnomalyMaps: the image-side helpers of anomaly-detection tasks, shared by the built-in
// defect detection plugin and any third-party one — a per-pixel score map type, bilinear
// upsampling of a coarse patch-score grid, Gaussian smoothing (scipy's `gaussian_filter`
// with its defaults: reflect borders, truncate at 4 sigma), binary masks read from PNG/JPEG,
// and a heat-map overlay of a map on its image, written as PNG. Not here: scoring (the
// plugin), the metrics (Metrics/PerRegionOverlap.swift, Metrics/ThresholdSelection.swift).

import Foundation

/// A per-pixel anomaly score map, row-major `height x width`.
public struct AnomalyMap: Sendable, Equatable {
    /// Rows.
    public var height: Int
    /// Columns.
    public var width: Int
    /// `height * width` scores, row after row.
    public var values: [Float]

    /// Creates a map.
    public init(height: Int, width: Int, values: [Float]) {
        precondition(values.count == height * width, "AnomalyMap: \(values.count) values for \(height) x \(width)")
        self.height = height
        self.width = width
        self.values = values
    }

    /// The highest score (the image score of max-pooling methods).
    public var maximum: Float { values.max() ?? 0 }

    /// This map resized bilinearly (PyTorch `interpolate(mode="bilinear", align_corners=False)`).
    public func resized(height newHeight: Int, width newWidth: Int) -> AnomalyMap {
        if newHeight == height && newWidth == width { return self }
        let resized = ImageTransforms.resizeBilinear(Tensor(values, shape: [1, height, width]), height: newHeight, width: newWidth)
        return AnomalyMap(height: newHeight, width: newWidth, values: resized.scalars)
    }

    /// This map smoothed by a Gaussian of standard deviation `sigma` pixels, separably, as
    /// scipy's `gaussian_filter(map, sigma)` computes it (mode `reflect`, radius
    /// `Int(4 * sigma + 0.5)`). A `sigma` of 0 returns the map unchanged.
    public func smoothed(sigma: Float) -> AnomalyMap {
        guard sigma > 0 else { return self }
        let radius = Int(4 * sigma + 0.5)
        var kernel = (-radius...radius).map { offset in Foundation.exp(-Float(offset * offset) / (2 * sigma * sigma)) }
        let total = kernel.reduce(0, +)
        kernel = kernel.map { $0 / total }
        // scipy's `reflect`: (d c b a | a b c d | d c b a), repeated for long kernels.
        func reflect(_ index: Int, _ count: Int) -> Int {
            if count == 1 { return 0 }
            var position = index
            let period = 2 * count
            position %= period
            if position < 0 { position += period }
            return position < count ? position : period - 1 - position
        }
        // Rows: each row reflected into a padded copy once, then taps read it contiguously.
        // Columns: whole rows at a time (vectorised). The same products summed in the same
        // order as the tap-by-tap definition.
        let taps = kernel.count
        var rows = [Float](repeating: 0, count: values.count)
        var padded = [Float](repeating: 0, count: width + 2 * radius)
        for y in 0..<height {
            for position in 0..<(width + 2 * radius) { padded[position] = values[y * width + reflect(position - radius, width)] }
            padded.withUnsafeBufferPointer { line in
                kernel.withUnsafeBufferPointer { weights in
                    for x in 0..<width {
                        var sum: Float = 0
                        for tap in 0..<taps { sum += weights[tap] * line[x + tap] }
                        rows[y * width + x] = sum
                    }
                }
            }
        }
        var result = [Float](repeating: 0, count: values.count)
        result.withUnsafeMutableBufferPointer { output in
            rows.withUnsafeBufferPointer { input in
                for y in 0..<height {
                    let target = output.baseAddress! + y * width
                    for tap in 0..<taps {
                        let source = input.baseAddress! + reflect(y + tap - radius, height) * width
                        let weight = kernel[tap]
                        for x in 0..<width { target[x] += weight * source[x] }
                    }
                }
            }
        }
        return AnomalyMap(height: height, width: width, values: result)
    }
}

/// Reading masks and drawing anomaly maps over images.
public enum AnomalyMaps {
    /// Reads a ground-truth mask (PNG or JPEG; any pixel brighter than half is "defect").
    /// - Parameters:
    ///   - url: the mask file.
    ///   - height: the expected height (that of its image), or `nil` for any.
    ///   - width: the expected width, or `nil` for any.
    /// - Returns: one `Bool` per pixel, row-major.
    /// - Throws: ``AnomalyMapError`` naming the file when it does not decode or its size
    ///   differs from the image's.
    public static func readMask(_ url: URL, height: Int? = nil, width: Int? = nil) throws -> (height: Int, width: Int, pixels: [Bool]) {
        let tensor: Tensor
        do { tensor = try ImageFile.read(url, channels: .grey) } catch {
            throw AnomalyMapError("\(url.path): the mask cannot be read (\(error)); replace it with a PNG of the image's size (white = defect)")
        }
        let maskHeight = tensor.shape[1], maskWidth = tensor.shape[2]
        if let height, let width, height != maskHeight || width != maskWidth {
            throw AnomalyMapError("\(url.path): the mask is \(maskWidth)x\(maskHeight) but its image is \(width)x\(height); masks must have their image's size")
        }
        return (maskHeight, maskWidth, tensor.scalars.map { $0 > 0.5 })
    }

    /// A heat colour for `value` in [0, 1]: blue (0) → cyan (0.25) → green (0.5) → yellow
    /// (0.75) → red (1 and above), piecewise linear. Unlike "jet" it ends in bright red, so
    /// red minus blue never decreases as the value grows (hotter is always redder).
    public static func heatColour(_ value: Float) -> (red: Float, green: Float, blue: Float) {
        let v = Swift.min(Swift.max(value.isFinite ? value : 0, 0), 1)
        func ramp(_ x: Float) -> Float { Swift.min(Swift.max(x, 0), 1) }
        let red = ramp(4 * (v - 0.5))
        let green = v < 0.75 ? ramp(4 * v) : ramp(1 - 4 * (v - 0.75))
        let blue = ramp(1 - 4 * (v - 0.25))
        return (red, green, blue)
    }

    /// `image` with `map` drawn over it in heat colours.
    /// - Parameters:
    ///   - image: `[3, H, W]` in [0, 1].
    ///   - map: the scores; resized to `H x W` when its size differs.
    ///   - scale: the score drawn as full red (lower scores shade through yellow, green, blue).
    ///   - opacity: how much of the heat colour covers the image (0...1).
    /// - Returns: `[3, H, W]` in [0, 1].
    public static func overlay(image: Tensor, map: AnomalyMap, scale: Float, opacity: Float = 0.5) -> Tensor {
        precondition(image.rank == 3 && image.shape[0] == 3, "AnomalyMaps.overlay: image must be [3, H, W], got \(image.shape)")
        let height = image.shape[1], width = image.shape[2]
        let scores = map.resized(height: height, width: width).values
        let pixels = image.contiguous().scalars
        var result = [Float](repeating: 0, count: pixels.count)
        let plane = height * width
        let divisor = scale > 0 && scale.isFinite ? scale : 1
        for index in 0..<plane {
            let colour = heatColour(scores[index] / divisor)
            result[index] = (1 - opacity) * pixels[index] + opacity * colour.red
            result[plane + index] = (1 - opacity) * pixels[plane + index] + opacity * colour.green
            result[2 * plane + index] = (1 - opacity) * pixels[2 * plane + index] + opacity * colour.blue
        }
        return Tensor(result, shape: [3, height, width])
    }

    /// Reads the image at `imageURL`, draws `map` over it and writes the PNG atomically to
    /// `destination` (creating its folder).
    /// - Throws: ``AnomalyMapError`` naming the file that could not be read or written.
    public static func writeOverlay(of imageURL: URL, map: AnomalyMap, scale: Float, to destination: URL) throws {
        let image: Tensor
        do { image = try ImageFile.read(imageURL, channels: .rgb) } catch {
            throw AnomalyMapError("\(imageURL.path): the image cannot be read again to draw its anomaly map (\(error))")
        }
        do {
            try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
            try ImageFile.writePNG(overlay(image: image, map: map, scale: scale), to: destination)
        } catch {
            throw AnomalyMapError("\(destination.path): the anomaly map cannot be written (\(error)); check the output folder")
        }
    }
}

/// A mask or anomaly map that cannot be read or written, with what to do.
public struct AnomalyMapError: Error, CustomStringConvertible, Equatable {
    /// What is wrong, where, and what to do.
    public let message: String
    /// Creates an error.
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
