// ImageLoading: what every image task needs between a file on disk and a backbone's input —
// finding the image files of a folder, a cheap up-front check that a file is a PNG or JPEG
// (so bad files are reported before training starts, not in the middle of it), and turning
// one file into a `[3, S, S]` tensor at the backbone's input size, then normalising it.
// The steps are separate so a task can put data augmentation between the resize and the
// normalisation (training batches only). Not here: decoding (FactoryIO.ImageFile), the
// resize arithmetic (FactoryIO.ImageTransforms), augmentation itself.

import Foundation

/// How an image of any shape becomes a square model input.
public enum ImageFit: String, Sendable, CaseIterable {
    /// Scale the shorter side to the size, then cut the centre square (keeps the aspect ratio;
    /// the edges of wide or tall images are lost). A square image is only scaled.
    case crop
    /// Scale each side to the size on its own (keeps everything; distorts non-square images).
    case stretch
}

/// A problem with an image file, before it is decoded.
public struct ImageLoadingError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What went wrong, where, and what to do.
    public let message: String
    /// Creates an error with a user-facing message.
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Finding, checking and preparing image files for image backbones.
public enum ImageLoading {
    /// The file extensions taken as images (lower case, without the dot).
    public static let fileExtensions: Set<String> = ["png", "jpg", "jpeg"]

    /// Whether `url`'s name ends in an image extension (case-insensitive).
    public static func isImageFile(_ url: URL) -> Bool {
        fileExtensions.contains(url.pathExtension.lowercased())
    }

    /// The visible entries of `folder`, sorted by name (hidden files such as `.DS_Store`
    /// left out).
    /// - Throws: ``ImageLoadingError`` when the folder cannot be listed.
    public static func contents(of folder: URL) throws -> (folders: [URL], files: [URL]) {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        } catch {
            throw ImageLoadingError("\(folder.path): cannot list the folder (\(error.localizedDescription)); check the path and its permissions")
        }
        var folders: [URL] = [], files: [URL] = []
        for name in names.sorted() where !name.hasPrefix(".") {
            let url = folder.appendingPathComponent(name)
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else { continue }
            if isFolder.boolValue { folders.append(url) } else { files.append(url) }
        }
        return (folders, files)
    }

    /// Checks that `url` exists and starts like a PNG or a JPEG, reading only its first
    /// bytes. A file that passes can still be truncated or corrupt further in; decoding
    /// then throws `ImageError` naming it.
    /// - Parameter source: where the file was listed (`manifest.csv:12`), for the message.
    /// - Throws: ``ImageLoadingError`` naming the file.
    public static func checkSignature(_ url: URL, source: String? = nil) throws {
        let place = source.map { "\($0): " } ?? ""
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw ImageLoadingError("\(place)image \(url.path) does not exist or cannot be read; fix the path or remove the entry")
        }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 8)) ?? Data()
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        let isPNG = head.count == 8 && Array(head) == png
        let isJPEG = head.count >= 3 && head[head.startIndex] == 0xFF && head[head.startIndex + 1] == 0xD8 && head[head.startIndex + 2] == 0xFF
        guard isPNG || isJPEG else {
            throw ImageLoadingError("\(place)\(url.path) is not a PNG or JPEG image (\(head.isEmpty ? "the file is empty" : "its first bytes are not an image signature")); convert it to PNG or JPEG, or remove it")
        }
    }

    /// Reads an image as RGB in [0, 1] (grey replicated, alpha dropped) and brings it to
    /// `size` x `size` (area averaging along an axis that shrinks by 2x or more, bilinear otherwise).
    /// - Returns: `[3, size, size]`, not yet normalised.
    /// - Throws: `ImageError` naming the file when it cannot be read or decoded.
    public static func read(_ url: URL, size: Int, fit: ImageFit) throws -> Tensor {
        let image = try ImageFile.read(url, channels: .rgb)
        return resized(image, size: size, fit: fit)
    }

    /// `image` `[C, H, W]` brought to `[C, size, size]` by `fit`.
    public static func resized(_ image: Tensor, size: Int, fit: ImageFit) -> Tensor {
        precondition(size > 0, "ImageLoading.resized: size \(size) must be positive")
        let height = image.shape[1], width = image.shape[2]
        switch fit {
        case .stretch:
            return resize(image, height: size, width: size)
        case .crop:
            // The shorter side becomes `size`; the longer keeps the aspect ratio (rounded).
            let scale = Double(size) / Double(Swift.min(height, width))
            let scaledHeight = Swift.max(size, Int((Double(height) * scale).rounded()))
            let scaledWidth = Swift.max(size, Int((Double(width) * scale).rounded()))
            let scaled = resize(image, height: scaledHeight, width: scaledWidth)
            return scaledHeight == size && scaledWidth == size ? scaled : ImageTransforms.centerCrop(scaled, height: size, width: size)
        }
    }

    /// Area averaging along each axis that shrinks by 2x or more (bilinear without
    /// antialiasing would skip whole rows or columns there), then bilinear for the rest.
    static func resize(_ image: Tensor, height: Int, width: Int) -> Tensor {
        var result = image
        let areaHeight = result.shape[1] >= 2 * height ? height : result.shape[1]
        let areaWidth = result.shape[2] >= 2 * width ? width : result.shape[2]
        if areaHeight != result.shape[1] || areaWidth != result.shape[2] {
            result = ImageTransforms.resizeArea(result, height: areaHeight, width: areaWidth)
        }
        if result.shape[1] != height || result.shape[2] != width {
            result = ImageTransforms.resizeBilinear(result, height: height, width: width)
        }
        return result
    }

    /// Normalises `[3, H, W]` images in [0, 1] for an ImageNet-trained backbone.
    public static func normalizeForImageNet(_ image: Tensor) -> Tensor {
        ImageTransforms.normalize(image, mean: EfficientNetLite.imageNetMean, standardDeviation: EfficientNetLite.imageNetStandardDeviation)
    }
}
