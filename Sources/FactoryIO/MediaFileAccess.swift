// MediaFileAccess: the two file operations the image and audio readers/writers share:
// read a whole file into memory with a size cap, and write bytes atomically (a temporary
// file in the same folder, then rename, so a reader never sees half a file).
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

    /// A temporary path beside `url`, in the same folder so the final rename is atomic.
    static func temporarySibling(of url: URL) -> URL {
        let folder = url.deletingLastPathComponent()
        return folder.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
    }

    /// Moves `temporary` over `destination` with rename(2), which replaces atomically.
    static func replace(_ destination: URL, with temporary: URL) -> MediaFileFailure? {
        if rename(temporary.path, destination.path) != 0 {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            return MediaFileFailure(reason: "renaming the temporary file into place failed (\(reason))")
        }
        return nil
    }

    /// Writes `data` to `url` atomically: temporary file in the same folder, then rename.
    static func writeAtomically(_ data: Data, to url: URL) -> MediaFileFailure? {
        let temporary = temporarySibling(of: url)
        do {
            try data.write(to: temporary)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            return MediaFileFailure(
                reason: "the folder is missing or not writable (\(error.localizedDescription))")
        }
        return replace(url, with: temporary)
    }
}

/// Why a file could not be read or written, as one line for an error message.
struct MediaFileFailure: Error {
    var reason: String
}
