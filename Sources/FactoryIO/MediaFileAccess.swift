// MediaFileAccess: what the image and audio readers share: read a whole file into memory
// with a size cap. Writing goes through AtomicFile.
// NOT here: any format knowledge; errors are reported as plain strings that the image
// and audio error types wrap with their own what/where/what-to-do message.

import Foundation

enum MediaFileAccess {
    /// Reads a whole file, refusing files larger than `maximumBytes` before reading them.
    /// - Returns: the bytes, or a one-line reason on failure.
    static func readAll(_ url: URL, maximumBytes: Int) -> Result<Data, MediaFileFailure> {
        let path = url.path
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: path)
        } catch {
            return .failure(MediaFileFailure(reason: "the file does not exist or cannot be inspected"))
        }
        if let type = attributes[.type] as? FileAttributeType, type == .typeDirectory {
            return .failure(MediaFileFailure(reason: "it is a folder, not a file"))
        }
        if let size = (attributes[.size] as? NSNumber)?.intValue, size > maximumBytes {
            return .failure(MediaFileFailure(
                reason: "it is \(size) bytes, above the limit of \(maximumBytes) bytes"))
        }
        do {
            let data = try Data(contentsOf: url)  // not mapped: a file cut while mapped would crash
            if data.count > maximumBytes {
                return .failure(MediaFileFailure(
                    reason: "it is \(data.count) bytes, above the limit of \(maximumBytes) bytes"))
            }
            return .success(data)
        } catch {
            return .failure(MediaFileFailure(reason: "it cannot be read (\(error.localizedDescription))"))
        }
    }
}

/// Why a file could not be read or written, as one line for an error message.
struct MediaFileFailure: Error {
    var reason: String
}
