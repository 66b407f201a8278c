// ImageFile: reads PNG and JPEG files into Float32 tensors [C, H, W] scaled to [0, 1],
// the layout the image backbones take. 8-bit samples become v / 255 and 16-bit samples
// v / 65535, computed in Float32 exactly as `tensor.float() / 255` would be.
// All decoding goes through the C shim (CImageCodecs), which turns libpng/libjpeg's
// longjmp errors into codes; this file turns the codes into ImageError.
// NOT here: resizing or normalising (ImageTransforms), writing (PNGWriter), colour
// management (gamma chunks and ICC profiles are ignored, as PIL and torchvision do).

import CImageCodecs
import FactoryTensor
import Foundation

/// The channels a decoded image tensor should have.
public enum ImageChannels: Sendable, Equatable {
    /// Three channels, red, green, blue. Grey is replicated; alpha is dropped (not composited).
    case rgb
    /// One channel: grey as stored, or the ITU-R BT.601 luma 0.299 R + 0.587 G + 0.114 B of
    /// colour (PIL's `convert("L")` weights, without its rounding to 8 bits); alpha is dropped.
    case grey
    /// Four channels, RGBA; an image without alpha gets alpha 1.
    case rgba
    /// The channels as stored: 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA (a palette becomes RGB,
    /// or RGBA when it has transparency).
    case keep
}

/// Reads PNG and JPEG images into Float32 tensors of shape [C, H, W] with values in [0, 1].
public enum ImageFile {
    /// The default limit on width x height (2^28 pixels, 1 GiB as 8-bit RGBA).
    public static let defaultMaximumPixels = 1 << 28
    /// Files larger than this (1 GiB) are refused before they are read.
    public static let maximumFileBytes = 1 << 30

    /// Reads a PNG or JPEG file (the format is found from its first bytes, not its name).
    /// - Parameters:
    ///   - url: the file.
    ///   - channels: the channel layout of the result (default `.rgb`).
    ///   - maximumPixels: refuse images whose declared width x height is larger.
    /// - Returns: a contiguous tensor [C, H, W] with values in [0, 1].
    /// - Throws: `ImageError` naming the file on any unreadable, truncated, corrupt or
    ///   oversized input.
    public static func read(
        _ url: URL, channels: ImageChannels = .rgb, maximumPixels: Int = defaultMaximumPixels
    ) throws(ImageError) -> Tensor {
        let data: Data
        switch MediaFileAccess.readAll(url, maximumBytes: maximumFileBytes) {
        case .success(let bytes): data = bytes
        case .failure(let failure): throw .unreadableFile(path: url.path, reason: failure.reason)
        }
        return try decode(data, channels: channels, maximumPixels: maximumPixels, path: url.path)
    }

    /// Decodes a PNG or JPEG held in memory.
    /// - Parameters:
    ///   - data: the file's bytes.
    ///   - channels: the channel layout of the result (default `.rgb`).
    ///   - maximumPixels: refuse images whose declared width x height is larger.
    ///   - path: the name used in error messages.
    /// - Returns: a contiguous tensor [C, H, W] with values in [0, 1].
    public static func decode(
        _ data: Data, channels: ImageChannels = .rgb,
        maximumPixels: Int = defaultMaximumPixels, path: String = "<memory>"
    ) throws(ImageError) -> Tensor {
        var image = try decodedPixels(data, maximumPixels: maximumPixels, path: path)
        defer { factory_decoded_image_free(&image) }
        return tensor(from: image, channels: channels)
    }

    /// Decodes a PNG or JPEG file completely — so that an unreadable, truncated, corrupt or
    /// oversized file fails here exactly as in ``read(_:channels:maximumPixels:)`` — and
    /// returns its size, without making a tensor of its pixels: for checking a data set
    /// before a run.
    /// - Returns: the image's height and width in pixels.
    /// - Throws: `ImageError` naming the file.
    public static func checkedSize(
        of url: URL, maximumPixels: Int = defaultMaximumPixels
    ) throws(ImageError) -> (height: Int, width: Int) {
        let data: Data
        switch MediaFileAccess.readAll(url, maximumBytes: maximumFileBytes) {
        case .success(let bytes): data = bytes
        case .failure(let failure): throw .unreadableFile(path: url.path, reason: failure.reason)
        }
        var image = try decodedPixels(data, maximumPixels: maximumPixels, path: url.path)
        defer { factory_decoded_image_free(&image) }
        return (Int(image.height), Int(image.width))
    }

    /// The decoded pixels of a PNG or JPEG (release with `factory_decoded_image_free`).
    static func decodedPixels(_ data: Data, maximumPixels: Int, path: String) throws(ImageError) -> factory_decoded_image {
        let format = try detectFormat(data, path: path)
        var image = factory_decoded_image()
        var errorOffset = 0
        var message = [CChar](repeating: 0, count: 512)
        let limit = UInt64(max(0, maximumPixels))
        let status: Int = data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self).baseAddress
            return message.withUnsafeMutableBufferPointer { text in
                switch format {
                case .png:
                    return Int(factory_png_decode(bytes, raw.count, limit, &image, &errorOffset, text.baseAddress, text.count))
                case .jpeg:
                    return Int(factory_jpeg_decode(bytes, raw.count, limit, &image, &errorOffset, text.baseAddress, text.count))
                }
            }
        }
        if status != FACTORY_IMAGE_OK {
            defer { factory_decoded_image_free(&image) }
            let detail = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw error(status: status, format: format, path: path, byteOffset: errorOffset,
                        detail: detail, image: image, maximumPixels: maximumPixels)
        }
        return image
    }

    // MARK: - Internals

    enum Format: String { case png = "PNG", jpeg = "JPEG" }

    static func detectFormat(_ data: Data, path: String) throws(ImageError) -> Format {
        let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        if data.count >= 8 && data.prefix(8).elementsEqual(pngSignature) { return .png }
        if data.count >= 3 && data.prefix(3).elementsEqual([0xFF, 0xD8, 0xFF]) { return .jpeg }
        throw .unrecognisedFormat(path: path)
    }

    static func error(
        status: Int, format: Format, path: String, byteOffset: Int, detail: String,
        image: factory_decoded_image, maximumPixels: Int
    ) -> ImageError {
        switch status {
        case FACTORY_IMAGE_ERROR_TRUNCATED:
            return .truncated(path: path, format: format.rawValue, byteOffset: byteOffset, detail: detail)
        case FACTORY_IMAGE_ERROR_TOO_LARGE:
            return .tooLarge(path: path, width: Int(image.width), height: Int(image.height), maximumPixels: maximumPixels)
        case FACTORY_IMAGE_ERROR_UNSUPPORTED:
            return .unsupported(path: path, detail: detail)
        case FACTORY_IMAGE_ERROR_WRONG_FORMAT:
            return .unrecognisedFormat(path: path)
        case FACTORY_IMAGE_ERROR_OUT_OF_MEMORY:
            return .unsupported(path: path, detail: "there is not enough memory to decode it (\(detail))")
        default:
            return .corrupt(path: path, format: format.rawValue, byteOffset: byteOffset, detail: detail)
        }
    }

    /// Where each output channel comes from.
    enum ChannelSource { case sample(Int), one, luma }

    static func channelSources(stored: Int, requested: ImageChannels) -> [ChannelSource] {
        let hasColour = stored >= 3
        switch requested {
        case .keep:
            return (0..<stored).map { .sample($0) }
        case .rgb:
            return hasColour ? [.sample(0), .sample(1), .sample(2)] : [.sample(0), .sample(0), .sample(0)]
        case .grey:
            return hasColour ? [.luma] : [.sample(0)]
        case .rgba:
            let colour: [ChannelSource] = hasColour ? [.sample(0), .sample(1), .sample(2)] : [.sample(0), .sample(0), .sample(0)]
            let alpha: ChannelSource = (stored == 2 || stored == 4) ? .sample(stored - 1) : .one
            return colour + [alpha]
        }
    }

    /// Converts interleaved 8- or 16-bit samples to a planar Float32 tensor [C, H, W].
    static func tensor(from image: factory_decoded_image, channels: ImageChannels) -> Tensor {
        let width = Int(image.width), height = Int(image.height), stored = Int(image.channels)
        let sources = channelSources(stored: stored, requested: channels)
        let planeCount = width * height
        let result = Tensor.uninitialized([sources.count, height, width])
        let output = result.storage.pointer + result.offset
        if image.bit_depth == 16 {
            let samples = image.pixels.assumingMemoryBound(to: UInt16.self)
            let table = (0...65535).map { Float($0) / 65535 }
            table.withUnsafeBufferPointer { table in
                fill(output, sources: sources, stored: stored, planeCount: planeCount) { table[Int(samples[$0])] }
            }
        } else {
            let samples = image.pixels.assumingMemoryBound(to: UInt8.self)
            let table = (0...255).map { Float($0) / 255 }
            table.withUnsafeBufferPointer { table in
                fill(output, sources: sources, stored: stored, planeCount: planeCount) { table[Int(samples[$0])] }
            }
        }
        return result
    }

    @inline(__always)
    static func fill(
        _ output: UnsafeMutablePointer<Float>, sources: [ChannelSource], stored: Int, planeCount: Int,
        sample: (Int) -> Float
    ) {
        for (channel, source) in sources.enumerated() {
            let plane = output + channel * planeCount
            switch source {
            case .sample(let index):
                for pixel in 0..<planeCount { plane[pixel] = sample(pixel * stored + index) }
            case .one:
                plane.update(repeating: 1, count: planeCount)
            case .luma:
                for pixel in 0..<planeCount {
                    let base = pixel * stored
                    plane[pixel] = 0.299 * sample(base) + 0.587 * sample(base + 1) + 0.114 * sample(base + 2)
                }
            }
        }
    }
}
