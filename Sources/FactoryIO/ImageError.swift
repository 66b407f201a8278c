// ImageError: everything that can go wrong reading or writing an image file (PNG, JPEG).
// Each case names the file and, where the decoder knows it, the byte offset it had
// reached, and says what to do. NOT for programmer errors (a tensor of the wrong rank
// passed to a transform is a precondition failure, not an ImageError).

/// An image file could not be read or written.
public enum ImageError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file could not be opened or read (missing, a folder, unreadable, too big).
    case unreadableFile(path: String, reason: String)
    /// The bytes are neither a PNG nor a JPEG.
    case unrecognisedFormat(path: String)
    /// The file ends before the image does.
    case truncated(path: String, format: String, byteOffset: Int, detail: String)
    /// The decoder found invalid data (bad checksum, bad header, bad compressed stream).
    case corrupt(path: String, format: String, byteOffset: Int, detail: String)
    /// The declared width x height is above the pixel limit; nothing was allocated.
    case tooLarge(path: String, width: Int, height: Int, maximumPixels: Int)
    /// A valid image of a kind that is not supported (for example a CMYK JPEG).
    case unsupported(path: String, detail: String)
    /// The image could not be encoded or the file could not be written.
    case writeFailed(path: String, reason: String)

    /// The user-facing message: what went wrong, where, and what to do.
    public var description: String {
        switch self {
        case let .unreadableFile(path, reason):
            return "Cannot read image \(path): \(reason). Check the path and the file's permissions."
        case let .unrecognisedFormat(path):
            return "Cannot read image \(path): it is neither a PNG nor a JPEG (checked the first bytes). "
                + "Convert it to PNG or JPEG."
        case let .truncated(path, format, byteOffset, detail):
            return "Cannot read image \(path): the \(format) file is truncated (\(detail), at byte \(byteOffset)). "
                + "The file was probably cut short while copying or downloading; replace it or remove it from the data set."
        case let .corrupt(path, format, byteOffset, detail):
            return "Cannot read image \(path): the \(format) data is corrupt (\(detail), near byte \(byteOffset)). "
                + "Re-export the image or remove it from the data set."
        case let .tooLarge(path, width, height, maximumPixels):
            return "Cannot read image \(path): it declares \(width) x \(height) pixels, above the limit of "
                + "\(maximumPixels) pixels. Downscale the image first, or raise the limit if it is genuine."
        case let .unsupported(path, detail):
            return "Cannot read image \(path): \(detail)."
        case let .writeFailed(path, reason):
            return "Cannot write image \(path): \(reason). Check that the folder exists and is writable."
        }
    }
}
