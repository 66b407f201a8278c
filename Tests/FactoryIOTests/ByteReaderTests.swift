// ByteReader: little-endian reads, byte runs, lines, seeking, and the typed errors (with the
// source and file offset) on short input.

import FactoryIO
import Foundation
import Testing

@Suite struct ByteReaderTests {
    @Test func readsLittleEndianNumbers() throws {
        var bytes: [UInt8] = [0x01, 0x34, 0x12, 0x78, 0x56, 0x34, 0x12]
        bytes += [0xEF, 0xCD, 0xAB, 0x89, 0x67, 0x45, 0x23, 0x01]
        bytes += [0xFF, 0xFE, 0xFF]  // Int8 -1, Int16 -2
        bytes += Array(withUnsafeBytes(of: Float(1.5).bitPattern.littleEndian) { Array($0) })
        bytes += Array(withUnsafeBytes(of: Double(-0.25).bitPattern.littleEndian) { Array($0) })
        bytes += Array(withUnsafeBytes(of: Int32(-7).littleEndian) { Array($0) })
        bytes += Array(withUnsafeBytes(of: Int64(-9).littleEndian) { Array($0) })
        var reader = ByteReader(Data(bytes), source: "numbers.bin")
        #expect(try reader.readUInt8() == 1)
        #expect(try reader.readUInt16() == 0x1234)
        #expect(try reader.readUInt32() == 0x1234_5678)
        #expect(try reader.readUInt64() == 0x0123_4567_89AB_CDEF)
        #expect(try reader.readInt8() == -1)
        #expect(try reader.readInt16() == -2)
        #expect(try reader.readFloat32() == 1.5)
        #expect(try reader.readFloat64() == -0.25)
        #expect(try reader.readInt32() == -7)
        #expect(try reader.readInt64() == -9)
        #expect(reader.isAtEnd)
    }

    @Test func shortInputThrowsWithSourceAndOffset() throws {
        var reader = ByteReader(Data([1, 2, 3, 4, 5]), source: "short.bin", baseOffset: 100)
        _ = try reader.readUInt16()
        #expect(throws: ByteReaderError.truncated(source: "short.bin", offset: 102, needed: 4, available: 3)) {
            try reader.readUInt32()
        }
        // A failed read consumes nothing.
        #expect(reader.offset == 2)
        #expect(try reader.readBytes(count: 3) == Data([3, 4, 5]))
        #expect(throws: ByteReaderError.self) { try reader.readUInt8() }
        let message = "\(ByteReaderError.truncated(source: "short.bin", offset: 102, needed: 4, available: 3))"
        #expect(message.contains("short.bin") && message.contains("byte 102"))
    }

    @Test func hugeAndNegativeCountsThrowWithoutAllocating() {
        var reader = ByteReader(Data(count: 16), source: "x")
        #expect(throws: ByteReaderError.self) { try reader.readBytes(count: Int.max) }
        #expect(throws: ByteReaderError.self) { try reader.readBytes(count: -1) }
        #expect(throws: ByteReaderError.self) { try reader.skip(17) }
        #expect(throws: ByteReaderError.self) { try reader.seek(to: 17) }
        #expect(throws: ByteReaderError.self) { try reader.seek(to: -1) }
    }

    @Test func readsLinesAndRejectsUnterminatedOrLongOnes() throws {
        var reader = ByteReader(Data("torch\nFloatStorage\nno end".utf8), source: "lines")
        #expect(try reader.readLine() == Data("torch".utf8))
        #expect(try reader.readLine() == Data("FloatStorage".utf8))
        #expect(throws: ByteReaderError.self) { try reader.readLine() }
        var long = ByteReader(Data(repeating: UInt8(ascii: "a"), count: 100) + Data("\n".utf8), source: "long")
        #expect(throws: ByteReaderError.lineTooLong(source: "long", offset: 0, limit: 10)) { try long.readLine(maxLength: 10) }
        #expect(try long.readLine(maxLength: 100).count == 100)
    }

    @Test func slicesCountFromTheirFirstByte() throws {
        let whole = Data([9, 9, 9, 0x2A, 0x00, 7])
        var reader = ByteReader(whole[3...], source: "slice")
        #expect(reader.count == 3)
        #expect(try reader.readUInt16() == 42)
        #expect(reader.peekUInt8() == 7)
        try reader.seek(to: 0)
        #expect(try reader.readByteArray(count: 3) == [0x2A, 0x00, 7])
    }
}
