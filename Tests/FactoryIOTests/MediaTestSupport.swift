// MediaTestSupport: helpers for the image and audio tests: fixture locations, a minimal
// test-only safetensors reader for the parity fixtures (float32 only; the real reader lives
// elsewhere in FactoryIO), a PPM/PGM parser for djpeg's expected outputs, a hand-built WAV
// writer for 16-bit and hostile headers, PNG chunk CRC repair for fuzzing, temp folders.
// (The fuzz loops use FactoryTensor's SeededGenerator.)
// NOT a test suite itself.

import FactoryIO
import Foundation
import Testing

enum MediaFixtures {
    /// Tests/FactoryIOTests/Fixtures/images
    static let imagesFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/images")
    /// The shared parity fixtures: <repo root>/../shared/fixtures/parity.
    static let parityFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/fixtures/parity")

    static func image(_ name: String) -> URL { imagesFolder.appendingPathComponent(name) }
    static func parity(_ name: String) -> URL { parityFolder.appendingPathComponent(name) }

    /// A fresh empty folder under the system temporary folder.
    static func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("factory-media-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }
}

/// One Float32 tensor of a parity safetensors file: (shape, values), read with SafetensorsFile.
func readSafetensorsFloat32(_ url: URL, name: String) throws -> (shape: [Int], values: [Float]) {
    let file = try SafetensorsFile(contentsOf: url)
    #expect(try file.info(for: name).dtype == .float32)
    let tensor = try file.tensor(named: name)
    return (tensor.shape, tensor.scalars)
}

/// Parses a binary PPM (P6) or PGM (P5) with maxval 255: (channels, height, width, samples).
func readNetpbm(_ url: URL) throws -> (channels: Int, height: Int, width: Int, samples: [UInt8]) {
    let data = [UInt8](try Data(contentsOf: url))
    var fields: [String] = []
    var position = 0
    while fields.count < 4 {
        while position < data.count, data[position] == 0x20 || data[position] == 0x0A || data[position] == 0x0D {
            position += 1
        }
        var field = ""
        while position < data.count, !(data[position] == 0x20 || data[position] == 0x0A || data[position] == 0x0D) {
            field.append(Character(UnicodeScalar(data[position])))
            position += 1
        }
        fields.append(field)
    }
    position += 1  // the single whitespace after maxval
    let channels = fields[0] == "P6" ? 3 : 1
    let width = try #require(Int(fields[1])), height = try #require(Int(fields[2]))
    #expect(fields[3] == "255")
    return (channels, height, width, Array(data[position..<(position + channels * width * height)]))
}

/// Builds a canonical 44-byte-header WAV. `declaredDataBytes` overrides the data chunk size.
func makeWAV(pcm16 samples: [Int16], channels: Int = 1, sampleRate: Int = 16000,
             declaredDataBytes: UInt32? = nil) -> Data {
    var data = Data()
    func append32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
    func append16(_ value: UInt16) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
    let dataBytes = UInt32(samples.count * 2)
    data.append(contentsOf: Array("RIFF".utf8)); append32(36 &+ (declaredDataBytes ?? dataBytes))
    data.append(contentsOf: Array("WAVEfmt ".utf8)); append32(16)
    append16(1); append16(UInt16(channels)); append32(UInt32(sampleRate))
    append32(UInt32(sampleRate * channels * 2)); append16(UInt16(channels * 2)); append16(16)
    data.append(contentsOf: Array("data".utf8)); append32(declaredDataBytes ?? dataBytes)
    for sample in samples { append16(UInt16(bitPattern: sample)) }
    return data
}

/// Recomputes the CRC of every PNG chunk, so a mutation inside a chunk reaches the decoder
/// instead of being stopped by the checksum. Stops at the first malformed chunk header.
func repairingPNGChecksums(_ input: [UInt8]) -> [UInt8] {
    var bytes = input
    var position = 8
    while position + 12 <= bytes.count {
        let length = Int(bytes[position]) << 24 | Int(bytes[position + 1]) << 16
            | Int(bytes[position + 2]) << 8 | Int(bytes[position + 3])
        let end = position + 8 + length
        guard length >= 0, end + 4 <= bytes.count else { break }
        let crc = crc32(bytes[(position + 4)..<end])
        bytes[end] = UInt8(crc >> 24); bytes[end + 1] = UInt8((crc >> 16) & 0xFF)
        bytes[end + 2] = UInt8((crc >> 8) & 0xFF); bytes[end + 3] = UInt8(crc & 0xFF)
        position = end + 4
    }
    return bytes
}

private let crcTable: [UInt32] = (0..<256).map { index in
    var value = UInt32(index)
    for _ in 0..<8 { value = value & 1 != 0 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
    return value
}

func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes { crc = crcTable[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
    return crc ^ 0xFFFF_FFFF
}
