// SafetensorsFile: reads .safetensors files, memory-mapped. The 8-byte header length, the JSON
// header and every tensor's offsets are validated against the file size before anything is
// read, so a hostile file gives a `SafetensorsError`, never a crash or a huge allocation.
// Writing lives in SafetensorsWriter.swift; this file does not write.
//
// Layout: u64 little-endian N, N bytes of JSON {"name": {"dtype", "shape", "data_offsets":
// [begin, end]}, "__metadata__": {string: string}}, then the data area; offsets are relative
// to the start of the data area.

import FactoryTensor
import Foundation

/// Why a safetensors file could not be read or written.
public enum SafetensorsError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file is shorter than the 8-byte header length.
    case fileTooSmall(path: String, size: Int)
    /// The declared header length does not fit in the file (or exceeds the format's 100 MB limit).
    case headerTooLarge(path: String, declared: UInt64, fileSize: Int)
    /// The header is not a JSON object of the expected shape.
    case invalidHeader(path: String, reason: String)
    /// One tensor's entry in the header is malformed (missing or wrong-typed dtype, shape or offsets).
    case invalidTensorEntry(path: String, tensor: String, reason: String)
    /// A tensor has a dtype this reader does not handle.
    case unsupportedDType(path: String, tensor: String, dtype: String)
    /// A tensor's data offsets lie outside the data area, or overlap another tensor's.
    case dataOutOfBounds(path: String, tensor: String, begin: Int, end: Int, dataSize: Int)
    /// A tensor's byte range does not match its shape and dtype.
    case byteCountMismatch(path: String, tensor: String, expected: Int, actual: Int)
    /// The writer was given a name it cannot store (empty, duplicated or reserved).
    case invalidTensorName(path: String, name: String, reason: String)
    /// The file could not be written.
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case let .fileTooSmall(path, size):
            return "\(path): \(size) bytes is too short for a safetensors file (at least 8 bytes of header length). The file is truncated or not safetensors."
        case let .headerTooLarge(path, declared, fileSize):
            return "\(path): header length \(declared) does not fit in the file (\(fileSize) bytes). The file is truncated or corrupt."
        case let .invalidHeader(path, reason):
            return "\(path): invalid safetensors header: \(reason). The file is corrupt or not safetensors."
        case let .invalidTensorEntry(path, tensor, reason):
            return "\(path): tensor '\(tensor)': \(reason). The file is corrupt."
        case let .unsupportedDType(path, tensor, dtype):
            let known = TensorDType.allCases.map(\.rawValue).joined(separator: ", ")
            return "\(path): tensor '\(tensor)' has dtype \(dtype), which is not supported (supported: \(known)). Convert the file to one of those."
        case let .dataOutOfBounds(path, tensor, begin, end, dataSize):
            return "\(path): tensor '\(tensor)' claims bytes \(begin)..<\(end) of a \(dataSize)-byte data area (or overlaps another tensor). The file is truncated or corrupt."
        case let .byteCountMismatch(path, tensor, expected, actual):
            return "\(path): tensor '\(tensor)' needs \(expected) bytes for its shape and dtype but its offsets span \(actual). The file is corrupt."
        case let .invalidTensorName(path, name, reason):
            return "\(path): cannot store a tensor named '\(name)': \(reason). Rename it."
        case let .cannotWrite(path, reason):
            return "\(path): cannot write (\(reason)). Check the folder exists and is writable and the disk has space."
        }
    }
}

/// A memory-mapped safetensors file. Immutable once opened, so it can be shared between tasks.
///
/// ```swift
/// let file = try SafetensorsFile(contentsOf: url)
/// for name in file.tensorNames { print(try file.info(for: name)) }
/// let weight = try file.tensor(named: "encoder.layer.0.attention.self.query.weight")
/// ```
public final class SafetensorsFile: TensorArchive, Sendable {
    /// The largest header the format allows (the reference implementation's limit).
    public static let maximumHeaderLength = 100_000_000

    public let url: URL
    public var format: TensorArchiveFormat { .safetensors }
    /// Tensor names in file order (by position of their data, ties by name).
    public let tensorNames: [String]
    /// The header's `__metadata__` strings (empty when absent).
    public let metadata: [String: String]
    /// Byte length of the JSON header.
    public let headerLength: Int

    private let data: Data
    private let dataStart: Int
    private let entries: [String: Entry]

    private struct Entry {
        let info: TensorInfo
        let begin: Int
    }

    /// Maps and validates the file at `url`.
    /// - Throws: `MappedFileError` if it cannot be opened, `SafetensorsError` if it is malformed.
    public convenience init(contentsOf url: URL) throws {
        try self.init(data: MappedFile.contents(of: url), url: url)
    }

    /// Validates safetensors bytes already in memory; `url` names them in errors.
    public init(data: Data, url: URL) throws {
        let path = url.path
        self.url = url
        self.data = data
        var reader = ByteReader(data, source: path)
        guard data.count >= 8 else { throw SafetensorsError.fileTooSmall(path: path, size: data.count) }
        let declared = try reader.readUInt64()
        guard declared <= UInt64(data.count - 8), declared <= UInt64(Self.maximumHeaderLength) else {
            throw SafetensorsError.headerTooLarge(path: path, declared: declared, fileSize: data.count)
        }
        headerLength = Int(declared)
        dataStart = 8 + headerLength
        let header = try reader.readBytes(count: headerLength)
        let dataSize = data.count - dataStart

        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: header, options: [])
        } catch {
            throw SafetensorsError.invalidHeader(path: path, reason: "not valid JSON")
        }
        guard let object = json as? [String: Any] else {
            throw SafetensorsError.invalidHeader(path: path, reason: "the header is not a JSON object")
        }

        var metadata: [String: String] = [:]
        var entries: [String: Entry] = [:]
        for (name, value) in object {
            if name == "__metadata__" {
                guard let dictionary = value as? [String: Any] else {
                    throw SafetensorsError.invalidHeader(path: path, reason: "__metadata__ is not an object")
                }
                for (key, item) in dictionary {
                    guard let text = item as? String else {
                        throw SafetensorsError.invalidHeader(path: path, reason: "__metadata__ value for '\(key)' is not a string")
                    }
                    metadata[key] = text
                }
                continue
            }
            entries[name] = try Self.parseEntry(name: name, value: value, path: path, dataSize: dataSize)
        }

        // File order: by position in the data area; then check that no two tensors overlap.
        let ordered = entries.sorted { a, b in
            a.value.begin != b.value.begin ? a.value.begin < b.value.begin : a.key < b.key
        }
        var previousEnd = 0
        for (name, entry) in ordered {
            let end = entry.begin + entry.info.byteCount
            if entry.info.byteCount > 0 {
                guard entry.begin >= previousEnd else {
                    throw SafetensorsError.dataOutOfBounds(path: path, tensor: name, begin: entry.begin, end: end, dataSize: dataSize)
                }
                previousEnd = end
            }
        }
        self.tensorNames = ordered.map(\.key)
        self.entries = entries
        self.metadata = metadata
    }

    private static func parseEntry(name: String, value: Any, path: String, dataSize: Int) throws -> Entry {
        guard let fields = value as? [String: Any] else {
            throw SafetensorsError.invalidTensorEntry(path: path, tensor: name, reason: "entry is not an object")
        }
        guard let dtypeName = fields["dtype"] as? String else {
            throw SafetensorsError.invalidTensorEntry(path: path, tensor: name, reason: "missing or non-string dtype")
        }
        guard let dtype = TensorDType(rawValue: dtypeName) else {
            throw SafetensorsError.unsupportedDType(path: path, tensor: name, dtype: dtypeName)
        }
        guard let shapeValues = fields["shape"] as? [Any], let shape = integers(shapeValues), shape.count <= 64 else {
            throw SafetensorsError.invalidTensorEntry(path: path, tensor: name, reason: "shape is not a list of non-negative integers")
        }
        guard let offsetValues = fields["data_offsets"] as? [Any], let offsets = integers(offsetValues), offsets.count == 2 else {
            throw SafetensorsError.invalidTensorEntry(path: path, tensor: name, reason: "data_offsets is not two non-negative integers")
        }
        let begin = offsets[0], end = offsets[1]
        guard begin <= end, end <= dataSize else {
            throw SafetensorsError.dataOutOfBounds(path: path, tensor: name, begin: begin, end: end, dataSize: dataSize)
        }
        guard let count = StoredElementLayout.elementCount(shape) else {
            throw SafetensorsError.invalidTensorEntry(path: path, tensor: name, reason: "shape \(shape) is too large")
        }
        let (expected, overflow) = count.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow, expected == end - begin else {
            throw SafetensorsError.byteCountMismatch(path: path, tensor: name, expected: overflow ? Int.max : expected, actual: end - begin)
        }
        return Entry(info: TensorInfo(name: name, dtype: dtype, shape: shape, byteCount: expected), begin: begin)
    }

    /// Non-negative integers from JSON numbers, or nil if any is not one.
    private static func integers(_ values: [Any]) -> [Int]? {
        var result: [Int] = []
        result.reserveCapacity(values.count)
        for value in values {
            guard let integer = value as? Int, integer >= 0 else { return nil }
            result.append(integer)
        }
        return result
    }

    private func entry(_ name: String) throws -> Entry {
        guard let entry = entries[name] else {
            throw TensorArchiveError.unknownTensor(name: name, path: url.path,
                                                   suggestions: NameSuggestions.closest(to: name, in: tensorNames))
        }
        return entry
    }

    public func info(for name: String) throws -> TensorInfo { try entry(name).info }

    /// The raw little-endian bytes of the tensor called `name` (a view of the mapped file).
    public func rawBytes(named name: String) throws -> Data {
        let entry = try entry(name)
        let start = data.startIndex + dataStart + entry.begin
        return data[start..<(start + entry.info.byteCount)]
    }

    public func tensor(named name: String) throws -> Tensor {
        let entry = try entry(name)
        return data.withUnsafeBytes { raw in
            let bytes = UnsafeRawBufferPointer(rebasing: raw[(dataStart + entry.begin)..<(dataStart + entry.begin + entry.info.byteCount)])
            return StoredElements.tensor(bytes, dtype: entry.info.dtype, layout: .contiguous(entry.info.shape))
        }
    }

    public func integers(named name: String) throws -> [Int] {
        let entry = try entry(name)
        guard entry.info.dtype.isInteger else {
            throw TensorArchiveError.notIntegerTensor(name: name, path: url.path, dtype: entry.info.dtype)
        }
        return data.withUnsafeBytes { raw in
            let bytes = UnsafeRawBufferPointer(rebasing: raw[(dataStart + entry.begin)..<(dataStart + entry.begin + entry.info.byteCount)])
            return StoredElements.integers(bytes, dtype: entry.info.dtype, layout: .contiguous(entry.info.shape))
        }
    }
}
