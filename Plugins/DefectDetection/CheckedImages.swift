// CheckedImages: a record of the data files that a load has already decoded and size-checked
// — per file its byte count, modification time and pixel size — kept in
// `output/cache/checked-images.json`, so that eval, report and the next train skip decoding
// the files that have not changed since (with 1024x1024 PNGs decoding is most of what those
// commands spend). A file whose byte count or modification time differs, or that is not in
// the record, is decoded again. Written atomically, and only after every file of a load has
// passed. Not here: the checks themselves (DefectData).

import FactoryKit
import Foundation

/// Files already decoded and checked, by path.
struct CheckedImages: Codable, Sendable {
    /// What is known of one checked file.
    struct File: Codable, Equatable, Sendable {
        /// Size in bytes.
        var bytes: Int
        /// Modification time, nanoseconds since 1970.
        var modified: Int64
        var height: Int
        var width: Int
    }

    static let currentFormat = "factory-checked-images-1"
    var format = CheckedImages.currentFormat
    var files: [String: File] = [:]

    /// Where a project keeps its record.
    static func location(projectFolder: URL) -> URL {
        RunFiles(projectFolder: projectFolder).folder.appendingPathComponent("cache/checked-images.json")
    }

    /// The record at `url`, or an empty one when there is none or it cannot be read (a
    /// record is only a shortcut: without it every file is decoded).
    static func read(_ url: URL) -> CheckedImages {
        guard let data = try? Data(contentsOf: url),
              let record = try? JSONDecoder().decode(CheckedImages.self, from: data),
              record.format == currentFormat else { return CheckedImages() }
        return record
    }

    /// The byte count and modification time of `url`, or `nil` when it cannot be read.
    static func stamp(_ url: URL) -> (bytes: Int, modified: Int64)? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
              let bytes = (attributes[.size] as? NSNumber)?.intValue,
              let modified = attributes[.modificationDate] as? Date else { return nil }
        return (bytes, Int64((modified.timeIntervalSince1970 * 1e9).rounded()))
    }

    /// The checked file at `url` if it has not changed since it was recorded.
    func unchanged(_ url: URL) -> File? {
        guard let file = files[url.path], let stamp = Self.stamp(url),
              stamp.bytes == file.bytes && stamp.modified == file.modified else { return nil }
        return file
    }

    /// Records `url` as checked, `height` x `width` pixels (nothing when it cannot be stat'ed).
    mutating func record(_ url: URL, height: Int, width: Int) {
        guard let stamp = Self.stamp(url) else { return }
        files[url.path] = File(bytes: stamp.bytes, modified: stamp.modified, height: height, width: width)
    }

    /// Writes the record atomically (creating its folder). A record that cannot be written
    /// only costs the next command the decoding it would have saved, so failures are ignored.
    func write(to url: URL) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(self) else { return }
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? AtomicFile.write(data, to: url)
    }
}
