// AtomicFile: the one way factory writes a file — into a temporary file in the same folder,
// synced, then renamed over the destination — so a reader never sees half a file and a
// failed write leaves the old file as it was. Not a format writer: callers bring the bytes.

import Foundation

/// Why an atomic write failed, as one line that callers wrap in their own error.
public struct AtomicFileError: Error, CustomStringConvertible {
    /// The file that was being written.
    public let path: String
    /// What went wrong.
    public let reason: String

    public var description: String { "cannot write \(path): \(reason)" }
}

/// Atomic file writes (temporary file + rename).
public enum AtomicFile {
    /// A hidden temporary path beside `url`, in the same folder so the rename is atomic.
    public static func temporarySibling(of url: URL) -> URL {
        url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
    }

    /// Moves the finished `temporary` over `destination` (rename(2) replaces atomically);
    /// removes `temporary` when that fails.
    public static func replace(_ destination: URL, with temporary: URL) throws(AtomicFileError) {
        if rename(temporary.path, destination.path) != 0 {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw AtomicFileError(path: destination.path, reason: "renaming the temporary file into place failed (\(reason))")
        }
    }

    /// Writes `data` to `url` atomically.
    public static func write(_ data: Data, to url: URL) throws(AtomicFileError) {
        try write(to: url) { handle in try handle.write(contentsOf: data) }
    }

    /// Creates a temporary file beside `url`, lets `body` fill it, syncs it to disk and
    /// renames it to `url`. On any failure the temporary file is removed and `url` is left
    /// as it was.
    public static func write(to url: URL, _ body: (FileHandle) throws -> Void) throws(AtomicFileError) {
        let temporary = temporarySibling(of: url)
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw AtomicFileError(
                path: url.path, reason: "cannot create a temporary file in \(url.deletingLastPathComponent().path) (is the folder there and writable?)")
        }
        do {
            let handle = try FileHandle(forWritingTo: temporary)
            defer { try? handle.close() }
            try body(handle)
            try handle.synchronize()
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw AtomicFileError(path: url.path, reason: "\(error)")
        }
        try replace(url, with: temporary)
    }
}
