// TorchCheckpointLayout: the two file layouts torch.save has used, down to "a root pickle value
// plus a way to get each storage's bytes". The legacy layout is a run of pickles (magic
// number, protocol version, sys info, the object, the storage keys) followed by the raw
// storages, each an 8-byte little-endian element count and its bytes; the zip layout is
// `<prefix>/data.pkl` plus one stored entry `<prefix>/data/<key>` per storage, read through
// ZIPFoundation. Storage bytes are found lazily; nothing is converted here (TorchCheckpoint.swift).

import Foundation
import ZIPFoundation

/// A parsed checkpoint: the object pickle's value, the globals it names, and its storages.
struct TorchCheckpointContents {
    let format: TensorArchiveFormat
    let root: PickleValue
    let globals: [PickleGlobal]
    let storages: TorchStorageSource
}

/// Where each storage's bytes are.
enum TorchStorageSource {
    /// Legacy layout: byte ranges of the (memory-mapped) file.
    case legacy(data: Data, ranges: [String: Range<Int>])
    /// Zip layout: entries of the archive, by storage key.
    case zip(archive: Archive, entries: [String: Entry], fileSize: Int)

    /// The raw bytes of storage `key`.
    func bytes(forKey key: String, path: String) throws -> Data {
        switch self {
        case let .legacy(data, ranges):
            guard let range = ranges[key] else { throw TorchCheckpointError.missingStorage(path: path, key: key) }
            return data[(data.startIndex + range.lowerBound)..<(data.startIndex + range.upperBound)]
        case let .zip(archive, entries, fileSize):
            guard let entry = entries[key] else { throw TorchCheckpointError.missingStorage(path: path, key: key) }
            return try TorchCheckpointLayout.extract(entry, from: archive, fileSize: fileSize, path: path)
        }
    }
}

enum TorchCheckpointLayout {
    /// torch's legacy magic number 0x1950a86a20f9469cfc6c, as pickled (little-endian bytes).
    static let legacyMagic: [UInt8] = [0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]

    /// Reads a checkpoint from `data` (the whole file).
    static func read(data: Data, url: URL, refusesUnknownGlobals: Bool = true) throws -> TorchCheckpointContents {
        let path = url.path
        switch try TensorArchives.format(of: data, path: path) {
        case .torchZip:
            guard hasEndOfCentralDirectory(data) else {
                throw TorchCheckpointError.zipLayout(path: path, reason: "no end-of-central-directory record (the file is truncated)")
            }
            return try readZip(url: url, fileSize: data.count, refusesUnknownGlobals: refusesUnknownGlobals)
        case .torchLegacy: return try readLegacy(data: data, path: path, refusesUnknownGlobals: refusesUnknownGlobals)
        case .safetensors: throw TorchCheckpointError.notACheckpoint(path: path, reason: "it is a safetensors file")
        }
    }

    // MARK: - Persistent ids

    /// Collects the storage types named by persistent ids, first reference winning.
    final class StorageTypes {
        var dtypes: [String: TensorDType] = [:]
    }

    /// Turns `('storage', StorageType, key, location, count[, (view_key, offset, size)])` into a reference.
    static func storageReference(_ pid: PickleValue, offset: Int, path: String, types: StorageTypes,
                                 refusesUnknownGlobals: Bool) throws -> PickleValue {
        func fail(_ reason: String) -> Error {
            TorchCheckpointError.invalidPersistentID(path: path, offset: offset, reason: reason)
        }
        guard let items = pid.sequence, items.count == 5 || items.count == 6 else {
            if !refusesUnknownGlobals { return .none }
            throw fail("not a tuple of 5 or 6 items")
        }
        guard items[0].stringValue == "storage" else { throw fail("the first item is not 'storage'") }
        guard case let .storageType(dtype) = items[1] else {
            if !refusesUnknownGlobals { return .none }
            throw fail("the second item is not a torch storage type")
        }
        guard let key = items[2].stringValue, !key.isEmpty, key.utf8.count <= 1024 else { throw fail("the key is not a string") }
        let location = items[3].stringValue ?? ""
        guard let count = items[4].intValue, count >= 0 else { throw fail("the element count is not a non-negative integer") }
        let rootKey = key
        var viewOffset = 0
        if items.count == 6, let view = items[5].sequence {
            // Legacy storage views: (view_key, offset, size) into the storage `key`.
            guard view.count == 3, let viewStart = view[1].intValue, viewStart >= 0 else { throw fail("bad view metadata") }
            viewOffset = viewStart
        }
        if types.dtypes[rootKey] == nil { types.dtypes[rootKey] = dtype }
        return .storage(TorchStorageReference(key: rootKey, dtype: dtype, location: location, elementCount: count,
                                              viewOffset: viewOffset))
    }

    // MARK: - Legacy layout

    static func readLegacy(data: Data, path: String, refusesUnknownGlobals: Bool) throws -> TorchCheckpointContents {
        var reader = ByteReader(data, source: path)

        let magic = try runPickle(&reader)
        guard case let .bigInt(bytes) = magic, bytes == legacyMagic else {
            throw TorchCheckpointError.notACheckpoint(path: path, reason: "the first pickle is not torch's magic number")
        }
        let version = try runPickle(&reader)
        guard version.intValue == 1001 else {
            throw TorchCheckpointError.unsupportedLegacyFile(path: path, reason: "protocol version \(version.summary), expected 1001")
        }
        let systemInfo = try runPickle(&reader)
        if let info = systemInfo.dictValue, case let .bool(littleEndian)? = info["little_endian"], !littleEndian {
            throw TorchCheckpointError.unsupportedLegacyFile(path: path, reason: "it was saved on a big-endian machine")
        }

        let types = StorageTypes()
        let machine = PickleMachine(reader: reader, refusesUnknownGlobals: refusesUnknownGlobals) { pid, offset in
            try storageReference(pid, offset: offset, path: path, types: types, refusesUnknownGlobals: refusesUnknownGlobals)
        }
        let root = try machine.run()
        reader = machine.remainingReader
        if !refusesUnknownGlobals {
            // Listing the globals only: the storages are not needed.
            return TorchCheckpointContents(format: .torchLegacy, root: root, globals: machine.globals,
                                           storages: .legacy(data: data, ranges: [:]))
        }

        let keysValue = try runPickle(&reader)
        guard let keyValues = keysValue.sequence else {
            throw TorchCheckpointError.notACheckpoint(path: path, reason: "the storage key list is missing")
        }
        var ranges: [String: Range<Int>] = [:]
        for keyValue in keyValues {
            guard let key = keyValue.stringValue else {
                throw TorchCheckpointError.notACheckpoint(path: path, reason: "a storage key is not a string")
            }
            guard let dtype = types.dtypes[key] else {
                throw TorchCheckpointError.notACheckpoint(path: path, reason: "storage '\(key)' is listed but no tensor refers to it")
            }
            let headerOffset = reader.fileOffset
            let count = try reader.readUInt64()
            let (byteCount, overflow) = Int(clamping: count).multipliedReportingOverflow(by: dtype.byteSize)
            guard count <= UInt64(Int.max), !overflow, byteCount <= reader.remaining else {
                throw TorchCheckpointError.storageTruncated(path: path, key: key, offset: headerOffset,
                                                            needed: overflow ? Int.max : byteCount, available: reader.remaining)
            }
            ranges[key] = reader.offset..<(reader.offset + byteCount)
            try reader.skip(byteCount)
        }
        return TorchCheckpointContents(format: .torchLegacy, root: root, globals: machine.globals,
                                       storages: .legacy(data: data, ranges: ranges))
    }

    /// Runs one plain pickle (no persistent ids, allow-list enforced) and advances `reader` past it.
    private static func runPickle(_ reader: inout ByteReader) throws -> PickleValue {
        let machine = PickleMachine(reader: reader)
        let value = try machine.run()
        reader = machine.remainingReader
        return value
    }

    // MARK: - Zip layout

    /// Whether the zip end-of-central-directory signature is where the format puts it: in the
    /// last 22 + 65535 bytes (record plus the longest comment). Checked before ZIPFoundation
    /// opens the file, because its own search would step through the whole file byte by byte.
    static func hasEndOfCentralDirectory(_ data: Data) -> Bool {
        let recordSize = 22
        guard data.count >= recordSize else { return false }
        let lowest = max(0, data.count - recordSize - 0xFFFF)
        return data.withUnsafeBytes { raw in
            var position = data.count - recordSize
            while position >= lowest {
                if UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: position, as: UInt32.self)) == 0x0605_4B50 { return true }
                position -= 1
            }
            return false
        }
    }

    static func readZip(url: URL, fileSize: Int, refusesUnknownGlobals: Bool) throws -> TorchCheckpointContents {
        let path = url.path
        let archive: Archive
        do {
            archive = try Archive(url: url, accessMode: .read)
        } catch {
            throw TorchCheckpointError.zipLayout(path: path, reason: "cannot open the archive (\(error))")
        }
        var byPath: [String: Entry] = [:]
        var order: [String] = []
        for entry in archive {
            guard entry.type == .file else { continue }
            if byPath[entry.path] == nil { order.append(entry.path) }
            byPath[entry.path] = byPath[entry.path] ?? entry
        }
        // `<prefix>/data.pkl` at the top folder (or the root) of the archive.
        guard let picklePath = order.first(where: { candidate in
            let parts = candidate.split(separator: "/", omittingEmptySubsequences: false)
            return parts.last == "data.pkl" && parts.count <= 2
        }), let pickleEntry = byPath[picklePath] else {
            throw TorchCheckpointError.zipLayout(path: path, reason: "no data.pkl entry")
        }
        let prefix = String(picklePath.dropLast("data.pkl".count))
        if let byteOrderEntry = byPath[prefix + "byteorder"] {
            let order = try extract(byteOrderEntry, from: archive, fileSize: fileSize, path: path)
            guard String(data: order, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines) == "little" else {
                throw TorchCheckpointError.unsupportedLegacyFile(path: path, reason: "it was saved big-endian")
            }
        }
        let pickle = try extract(pickleEntry, from: archive, fileSize: fileSize, path: path)
        let types = StorageTypes()
        let machine = PickleMachine(reader: ByteReader(pickle, source: "\(path):\(picklePath)"),
                                    refusesUnknownGlobals: refusesUnknownGlobals) { pid, offset in
            try storageReference(pid, offset: offset, path: path, types: types, refusesUnknownGlobals: refusesUnknownGlobals)
        }
        let root = try machine.run()
        var storages: [String: Entry] = [:]
        let storagePrefix = prefix + "data/"
        for entryPath in order where entryPath.hasPrefix(storagePrefix) {
            storages[String(entryPath.dropFirst(storagePrefix.count))] = byPath[entryPath]
        }
        return TorchCheckpointContents(format: .torchZip, root: root, globals: machine.globals,
                                       storages: .zip(archive: archive, entries: storages, fileSize: fileSize))
    }

    /// The uncompressed bytes of `entry`, bounded by the file size (stored) or 64 times it (deflated).
    static func extract(_ entry: Entry, from archive: Archive, fileSize: Int, path: String) throws -> Data {
        let declared = entry.uncompressedSize
        let bound = UInt64(fileSize) * (entry.isCompressed ? 64 : 1)
        guard declared <= bound else {
            throw TorchCheckpointError.zipLayout(path: path, reason: "entry \(entry.path) declares \(declared) bytes, more than the file can hold")
        }
        var data = Data()
        data.reserveCapacity(Int(declared))
        do {
            _ = try archive.extract(entry, bufferSize: 1 << 20, skipCRC32: false) { chunk in
                guard data.count + chunk.count <= Int(declared) else {
                    throw TorchCheckpointError.zipLayout(path: path, reason: "entry \(entry.path) is longer than declared")
                }
                data.append(chunk)
            }
        } catch let error as TorchCheckpointError {
            throw error
        } catch {
            throw TorchCheckpointError.zipLayout(path: path, reason: "cannot read entry \(entry.path) (\(error))")
        }
        guard data.count == Int(declared) else {
            throw TorchCheckpointError.zipLayout(path: path, reason: "entry \(entry.path) is shorter than declared")
        }
        return data
    }
}
