// ByteReader: a bounds-checked little-endian cursor over raw bytes, the base of every binary
// reader in FactoryIO (safetensors, PyTorch checkpoints, pickles). Every read checks the bytes
// left first and throws `ByteReaderError` naming the source and the byte offset; it never
// traps and never allocates more than the input actually holds. It is not a parser of any
// format and knows nothing of big-endian data (read those bytes and swap them yourself).

import Foundation

/// Why a `ByteReader` could not read what was asked.
public enum ByteReaderError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The input ended before `needed` bytes could be read at `offset` (`available` were left).
    case truncated(source: String, offset: Int, needed: Int, available: Int)
    /// A seek or a requested count points outside the input (or is negative).
    case offsetOutOfRange(source: String, offset: Int, size: Int)
    /// No newline was found within `limit` bytes starting at `offset`.
    case lineTooLong(source: String, offset: Int, limit: Int)

    public var description: String {
        switch self {
        case let .truncated(source, offset, needed, available):
            return "\(source): unexpected end of data at byte \(offset): needed \(needed) bytes, only \(available) left. "
                + "The file is truncated or corrupt; download or copy it again."
        case let .offsetOutOfRange(source, offset, size):
            return "\(source): offset \(offset) is outside the data (\(size) bytes). The file is corrupt."
        case let .lineTooLong(source, offset, limit):
            return "\(source): no end of line within \(limit) bytes of byte \(offset). The file is corrupt or not of the expected format."
        }
    }
}

/// A cursor that reads little-endian numbers and byte runs from `Data`, throwing on short input.
///
/// ```swift
/// var reader = ByteReader(data, source: url.path)
/// let headerLength = try reader.readUInt64()
/// let header = try reader.readBytes(count: Int(headerLength))
/// ```
public struct ByteReader: Sendable {
    /// The bytes being read (a slice is fine: offsets count from its first byte).
    public let data: Data
    private let start: Int
    /// What the bytes are, for error messages (usually a file path).
    public let source: String
    /// Added to every offset reported in errors (the position of `data` inside a larger file).
    public let baseOffset: Int
    /// The index of the next byte to read, from 0.
    public private(set) var offset: Int

    /// Creates a reader positioned at the first byte of `data`.
    /// - Parameters:
    ///   - data: The bytes to read; slices are fine.
    ///   - source: A name for error messages, typically the file path.
    ///   - baseOffset: Where `data` starts inside the file it came from, so errors report file offsets.
    public init(_ data: Data, source: String, baseOffset: Int = 0) {
        self.data = data
        self.start = data.startIndex
        self.source = source
        self.baseOffset = baseOffset
        self.offset = 0
    }

    /// Total number of bytes.
    public var count: Int { data.count }
    /// Bytes left after the cursor.
    public var remaining: Int { data.count - offset }
    /// Whether every byte has been read.
    public var isAtEnd: Bool { offset >= data.count }
    /// The cursor's position as an offset in the original file (`baseOffset + offset`).
    public var fileOffset: Int { baseOffset + offset }

    /// Throws unless `count` more bytes are available.
    public func require(_ count: Int) throws {
        guard count >= 0 else {
            throw ByteReaderError.offsetOutOfRange(source: source, offset: fileOffset, size: baseOffset + data.count)
        }
        guard count <= remaining else {
            throw ByteReaderError.truncated(source: source, offset: fileOffset, needed: count, available: remaining)
        }
    }

    /// Moves the cursor to `position` (0 ... count).
    public mutating func seek(to position: Int) throws {
        guard position >= 0, position <= data.count else {
            throw ByteReaderError.offsetOutOfRange(source: source, offset: baseOffset + position, size: baseOffset + data.count)
        }
        offset = position
    }

    /// Skips `count` bytes.
    public mutating func skip(_ count: Int) throws {
        try require(count)
        offset += count
    }

    /// The next byte without consuming it, or `nil` at the end.
    public func peekUInt8() -> UInt8? {
        offset < data.count ? data[start + offset] : nil
    }

    private mutating func load<Value: FixedWidthInteger>(_: Value.Type) throws -> Value {
        let size = MemoryLayout<Value>.size
        try require(size)
        let position = offset
        let value = data.withUnsafeBytes { raw in raw.loadUnaligned(fromByteOffset: position, as: Value.self) }
        offset += size
        return Value(littleEndian: value)
    }

    /// Reads one byte.
    public mutating func readUInt8() throws -> UInt8 { try load(UInt8.self) }
    /// Reads a little-endian `UInt16`.
    public mutating func readUInt16() throws -> UInt16 { try load(UInt16.self) }
    /// Reads a little-endian `UInt32`.
    public mutating func readUInt32() throws -> UInt32 { try load(UInt32.self) }
    /// Reads a little-endian `UInt64`.
    public mutating func readUInt64() throws -> UInt64 { try load(UInt64.self) }
    /// Reads a signed byte.
    public mutating func readInt8() throws -> Int8 { try load(Int8.self) }
    /// Reads a little-endian `Int16`.
    public mutating func readInt16() throws -> Int16 { try load(Int16.self) }
    /// Reads a little-endian `Int32`.
    public mutating func readInt32() throws -> Int32 { try load(Int32.self) }
    /// Reads a little-endian `Int64`.
    public mutating func readInt64() throws -> Int64 { try load(Int64.self) }
    /// Reads a little-endian IEEE 754 single.
    public mutating func readFloat32() throws -> Float { Float(bitPattern: try load(UInt32.self)) }
    /// Reads a little-endian IEEE 754 double.
    public mutating func readFloat64() throws -> Double { Double(bitPattern: try load(UInt64.self)) }

    /// Reads `count` bytes (checked against the bytes left before anything is copied).
    public mutating func readBytes(count: Int) throws -> Data {
        try require(count)
        let bytes = data.subdata(in: (start + offset)..<(start + offset + count))
        offset += count
        return bytes
    }

    /// Reads `count` bytes as `[UInt8]`.
    public mutating func readByteArray(count: Int) throws -> [UInt8] {
        try require(count)
        let position = offset
        offset += count
        return data.withUnsafeBytes { raw in Array(raw[position..<(position + count)]) }
    }

    /// Reads up to and including the next `\n` and returns the bytes before it.
    /// - Parameter maxLength: The longest line accepted (the newline not counted).
    /// - Throws: `ByteReaderError.truncated` if the input ends first, `.lineTooLong` past `maxLength`.
    public mutating func readLine(maxLength: Int = 4096) throws -> Data {
        let first = offset
        let limit = min(data.count, first + maxLength + 1)
        var index = first
        while index < limit {
            if data[start + index] == 0x0A {
                let line = data.subdata(in: (start + first)..<(start + index))
                offset = index + 1
                return line
            }
            index += 1
        }
        if limit == data.count {
            throw ByteReaderError.truncated(source: source, offset: baseOffset + first, needed: data.count - first + 1,
                                            available: data.count - first)
        }
        throw ByteReaderError.lineTooLong(source: source, offset: baseOffset + first, limit: maxLength)
    }
}
