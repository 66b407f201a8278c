// PNGWriter: writes Float32 tensors [C, H, W] (or [H, W]) with values in [0, 1] as PNG,
// 8- or 16-bit, grey / grey + alpha / RGB / RGBA by channel count: anomaly maps, report
// figures, sample images. Values are clamped to [0, 1] and rounded to the nearest level
// (round(v * 255) or round(v * 65535)), so a tensor read by ImageFile writes back to the
// identical file samples. Files are written atomically (temporary file + rename).
// NOT here: palettes, interlacing, text chunks, colour profiles, JPEG output.

import CImageCodecs
import FactoryTensor
import Foundation

/// The sample depth of a written PNG.
public enum PNGBitDepth: Int, Sendable {
    /// 256 levels per channel, the usual choice.
    case eight = 8
    /// 65536 levels per channel, for maps whose precision matters.
    case sixteen = 16
}

/// How hard a written PNG is compressed (zlib's level; the pixels are the same).
public enum PNGCompression: Int, Sendable {
    /// zlib level 1, the default: anomaly maps and report figures are written during runs. On
    /// 1024 x 1024 textured RGB images (the defect gallery's overlays) about four times faster
    /// than level 6, with files no larger (image noise does not compress at any level); flat
    /// graphics come out larger than at level 6.
    case fast = 1
    /// zlib level 6 (zlib's own default).
    case balanced = 6
    /// zlib level 9: the smallest files, the slowest.
    case smallest = 9
}

extension ImageFile {
    /// Encodes an image tensor as a PNG file's bytes.
    /// - Parameters:
    ///   - image: [C, H, W] with C = 1 (grey), 2 (grey + alpha), 3 (RGB) or 4 (RGBA), or
    ///     [H, W] (grey); values are clamped to [0, 1], NaN is written as 0.
    ///   - bitDepth: 8 (default) or 16 bits per sample.
    ///   - compression: zlib's effort (default `.fast`).
    /// - Returns: the PNG file's bytes.
    /// - Throws: `ImageError.writeFailed` if the shape is not an image shape.
    public static func encodePNG(_ image: Tensor, bitDepth: PNGBitDepth = .eight, compression: PNGCompression = .fast) throws(ImageError) -> Data {
        try encodePNG(image, bitDepth: bitDepth, compression: compression, path: "<memory>")
    }

    /// Writes an image tensor as a PNG file, atomically (temporary file in the same
    /// folder, then rename), replacing any existing file.
    /// - Parameters:
    ///   - image: [C, H, W] with C in 1...4, or [H, W]; values in [0, 1] (clamped).
    ///   - url: the destination file; its folder must exist.
    ///   - bitDepth: 8 (default) or 16 bits per sample.
    ///   - compression: zlib's effort (default `.fast`).
    /// - Throws: `ImageError.writeFailed` naming the file.
    public static func writePNG(_ image: Tensor, to url: URL, bitDepth: PNGBitDepth = .eight, compression: PNGCompression = .fast) throws(ImageError) {
        let data = try encodePNG(image, bitDepth: bitDepth, compression: compression, path: url.path)
        do {
            try AtomicFile.write(data, to: url)
        } catch {
            throw .writeFailed(path: url.path, reason: error.reason)
        }
    }

    static func encodePNG(_ image: Tensor, bitDepth: PNGBitDepth, compression: PNGCompression, path: String) throws(ImageError) -> Data {
        let (channels, height, width) = try imageDimensions(image.shape, path: path)
        let values = image.scalars  // planar [C, H, W]
        let planeCount = height * width
        let levels = bitDepth == .eight ? Float(255) : Float(65535)
        func quantized(_ value: Float) -> Int {
            guard value == value else { return 0 }  // NaN
            return Int((min(max(value, 0), 1) * levels).rounded())
        }
        var encoded: UnsafeMutablePointer<UInt8>?
        var encodedCount = 0
        var message = [CChar](repeating: 0, count: 256)
        let status: Int
        if bitDepth == .eight {
            var samples = [UInt8](repeating: 0, count: planeCount * channels)
            for channel in 0..<channels {
                for pixel in 0..<planeCount {
                    samples[pixel * channels + channel] = UInt8(quantized(values[channel * planeCount + pixel]))
                }
            }
            status = Int(factory_png_encode(samples, UInt32(width), UInt32(height), UInt32(channels), 8, Int32(compression.rawValue),
                                        &encoded, &encodedCount, &message, message.count))
        } else {
            var samples = [UInt16](repeating: 0, count: planeCount * channels)
            for channel in 0..<channels {
                for pixel in 0..<planeCount {
                    samples[pixel * channels + channel] = UInt16(quantized(values[channel * planeCount + pixel]))
                }
            }
            status = Int(factory_png_encode(samples, UInt32(width), UInt32(height), UInt32(channels), 16, Int32(compression.rawValue),
                                        &encoded, &encodedCount, &message, message.count))
        }
        defer { factory_encoded_free(encoded) }
        guard status == FACTORY_IMAGE_OK, let encoded else {
            let detail = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw .writeFailed(path: path, reason: "libpng could not encode the image (\(detail))")
        }
        return Data(bytes: encoded, count: encodedCount)
    }

    /// Validates an image tensor's shape: [C, H, W] with C in 1...4, or [H, W].
    static func imageDimensions(_ shape: [Int], path: String) throws(ImageError) -> (Int, Int, Int) {
        let dimensions: (Int, Int, Int)
        switch shape.count {
        case 2: dimensions = (1, shape[0], shape[1])
        case 3: dimensions = (shape[0], shape[1], shape[2])
        default:
            throw .writeFailed(path: path, reason: "the tensor has shape \(shape); a PNG needs [C, H, W] or [H, W]")
        }
        guard (1...4).contains(dimensions.0), dimensions.1 > 0, dimensions.2 > 0,
              dimensions.1 < Int(Int32.max), dimensions.2 < Int(Int32.max) else {
            throw .writeFailed(
                path: path,
                reason: "the tensor has shape \(shape); a PNG needs 1 to 4 channels and a non-empty height and width")
        }
        return dimensions
    }
}
