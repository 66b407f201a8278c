// SHA256 against the FIPS 180 test vectors, split feeding, and `sha256sum` on a generated file.

import Foundation
import Testing
import FactoryModels

@Suite struct SHA256Tests {
    static let vectors: [(message: String, digest: String)] = [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
    ]

    @Test(arguments: 0..<4)
    func fipsVectors(index: Int) {
        let vector = Self.vectors[index]
        #expect(SHA256.hash(Data(vector.message.utf8)).hexString == vector.digest)
    }

    @Test func oneMillionA() {
        let message = Data(repeating: UInt8(ascii: "a"), count: 1_000_000)
        #expect(SHA256.hash(message).hexString == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func feedingInPiecesGivesTheSameDigest() {
        var generator = SystemRandomNumberGenerator()
        let message = Data((0..<10_000).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let whole = SHA256.hash(message)
        for pieceSize in [1, 3, 55, 56, 63, 64, 65, 127, 1000] {
            var hasher = SHA256()
            var offset = 0
            while offset < message.count {
                let end = min(offset + pieceSize, message.count)
                hasher.update(message.subdata(in: offset..<end))
                offset = end
            }
            #expect(hasher.finalize() == whole, "piece size \(pieceSize)")
        }
    }

    @Test(arguments: [55, 56, 57, 63, 64, 65, 119, 120])
    func paddingBoundaries(length: Int) throws {
        // Lengths around the 56-byte padding boundary, checked against sha256sum.
        let data = Data((0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("sha-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        try data.write(to: file)
        #expect(SHA256.hash(data).hexString == (try sha256sum(file)))
    }

    @Test func fileDigestMatchesSha256sum() throws {
        // 5 MB + 17 bytes of pseudo-random data, read in 1 MiB chunks and in odd 4099-byte chunks.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var bytes = [UInt8](repeating: 0, count: 5_000_017)
        for index in bytes.indices {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            bytes[index] = UInt8(truncatingIfNeeded: state >> 33)
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("sha-\(UUID().uuidString).bin")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(bytes).write(to: file)
        let expected = try sha256sum(file)
        #expect(try SHA256.hexDigest(ofFileAt: file) == expected)
        #expect(try SHA256.hexDigest(ofFileAt: file, chunkByteCount: 4099) == expected)
    }

    @Test func missingFileThrows() {
        #expect(throws: (any Error).self) {
            try SHA256.hexDigest(ofFileAt: URL(fileURLWithPath: "/nonexistent/factory-sha-test"))
        }
    }

    /// The hex digest `sha256sum` prints for `file`.
    private func sha256sum(_ file: URL) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = [file.path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0)
        return String(String(decoding: data, as: UTF8.self).prefix(64))
    }
}
