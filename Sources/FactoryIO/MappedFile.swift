// MappedFile: reads a whole file as `Data` backed by a read-only memory map (mmap), so that
// large weight files are paged in on demand instead of copied. It is not a writer and does not
// watch the file: like every mmap reader, it assumes nobody truncates the file while it is open.

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a file could not be opened for reading.
public enum MappedFileError: Error, CustomStringConvertible, Equatable, Sendable {
    /// `open`, `fstat` or `mmap` failed; `reason` is the system's message.
    case cannotOpen(path: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason):
            return "\(path): cannot open for reading (\(reason)). Check that the path exists and is a readable file."
        }
    }
}

/// Memory-maps files read-only.
public enum MappedFile {
    /// The contents of the file at `url`, memory-mapped (unmapped when the last copy of the `Data` goes).
    /// - Parameter url: A file URL.
    /// - Throws: `MappedFileError.cannotOpen` if the file cannot be opened, is a directory, or cannot be mapped.
    public static func contents(of url: URL) throws -> Data {
        let path = url.path
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw MappedFileError.cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw MappedFileError.cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw MappedFileError.cannotOpen(path: path, reason: "not a regular file")
        }
        let size = Int(status.st_size)
        if size == 0 { return Data() }
        let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0)
        guard let address, address != MAP_FAILED else {
            throw MappedFileError.cannotOpen(path: path, reason: "mmap failed: \(String(cString: strerror(errno)))")
        }
        return Data(bytesNoCopy: address, count: size, deallocator: .custom { pointer, count in
            munmap(pointer, count)
        })
    }
}
