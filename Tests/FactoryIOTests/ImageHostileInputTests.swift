// ImageHostileInputTests: truncated, bit-flipped, oversized and fuzzed PNG/JPEG input
// (and `checkedSize` failing exactly as `read` on every truncation)
// gives an ImageError (or, for mutations that leave a valid image, a well-formed tensor):
// never a crash, a hang or an allocation sized by an unchecked header.

import FactoryIO
import FactoryTensor
import Foundation
import Testing

/// Decodes and checks the outcome is either ImageError or a sane tensor. Returns the error.
@discardableResult
private func decodeOutcome(_ bytes: [UInt8], maximumPixels: Int = ImageFile.defaultMaximumPixels) -> ImageError? {
    do {
        let image = try ImageFile.decode(Data(bytes), channels: .keep, maximumPixels: maximumPixels)
        #expect(image.rank == 3 && (1...4).contains(image.shape[0]))
        #expect(image.shape[1] * image.shape[2] <= maximumPixels)
        return nil
    } catch {
        #expect(!error.description.isEmpty)
        return error
    }
}

/// A valid PNG declaring `width` x `height` RGB pixels, with a tiny (wrong) IDAT.
private func pngDeclaring(width: UInt32, height: UInt32) -> [UInt8] {
    func chunk(_ kind: String, _ payload: [UInt8]) -> [UInt8] {
        let body = Array(kind.utf8) + payload
        let crc = crc32(body[...])
        let length = UInt32(payload.count)
        return [UInt8(length >> 24), UInt8((length >> 16) & 0xFF), UInt8((length >> 8) & 0xFF), UInt8(length & 0xFF)]
            + body + [UInt8(crc >> 24), UInt8((crc >> 16) & 0xFF), UInt8((crc >> 8) & 0xFF), UInt8(crc & 0xFF)]
    }
    func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }
    let header = bigEndian(width) + bigEndian(height) + [8, 2, 0, 0, 0]
    return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", header)
        + chunk("IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]) + chunk("IEND", [])
}

@Suite struct ImageHostileInputTests {
    static let smallFiles = ["rgb8.png", "palette4_trns.png", "rgba16_interlaced.png", "colour.jpg",
                             "colour_progressive.jpg", "grey.jpg"]

    @Test(arguments: smallFiles)
    func everyTruncationIsATypedError(name: String) throws {
        let bytes = [UInt8](try Data(contentsOf: MediaFixtures.image(name)))
        for length in 0..<bytes.count {
            let error = decodeOutcome(Array(bytes[0..<length]))
            #expect(error != nil, "\(name) cut to \(length) of \(bytes.count) bytes decoded without error")
        }
    }

    @Test func truncatedParityImageReportsTruncationAndTheOffset() throws {
        let bytes = [UInt8](try Data(contentsOf: MediaFixtures.parity("china_224.png")))
        for length in stride(from: 8, to: bytes.count, by: bytes.count / 97) {
            let error = decodeOutcome(Array(bytes[0..<length]))
            guard case .truncated(_, let format, let offset, _)? = error else {
                Issue.record("cut to \(length): expected .truncated, got \(String(describing: error))")
                continue
            }
            #expect(format == "PNG")
            #expect(offset <= length)
        }
    }

    @Test(arguments: smallFiles)
    func checkedSizeDecodesTheWholeFileAsReadDoes(name: String) throws {
        // The size of every intact file is read's; every truncation fails with read's error.
        let url = MediaFixtures.image(name)
        let image = try ImageFile.read(url, channels: .keep)
        let size = try ImageFile.checkedSize(of: url)
        #expect(size.height == image.shape[1] && size.width == image.shape[2])
        let bytes = try Data(contentsOf: url)
        let folder = try MediaFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let cut = folder.appendingPathComponent(name)
        for length in stride(from: 0, to: bytes.count, by: Swift.max(1, bytes.count / 40)) {
            try bytes.prefix(length).write(to: cut)
            var readError: ImageError?, checkError: ImageError?
            do { _ = try ImageFile.read(cut, channels: .keep) } catch { readError = error }
            do { _ = try ImageFile.checkedSize(of: cut) } catch { checkError = error }
            #expect(checkError != nil && checkError == readError, "\(name) cut to \(length): \(String(describing: checkError)) against \(String(describing: readError))")
        }
    }

    @Test(arguments: ["rgb8.png", "palette4_trns.png", "colour.jpg"])
    func everySingleByteFlipIsHandled(name: String) throws {
        let bytes = [UInt8](try Data(contentsOf: MediaFixtures.image(name)))
        var errors = 0
        for position in bytes.indices {
            var mutated = bytes
            mutated[position] ^= 0xFF
            if decodeOutcome(mutated) != nil { errors += 1 }
        }
        // PNG chunks are CRC-protected, so every flip must be caught; JPEG has no checksum,
        // so a flip in entropy-coded data can decode to other pixels (success is allowed).
        if name.hasSuffix(".png") { #expect(errors == bytes.count) } else { #expect(errors > 0) }
    }

    @Test func hugeDeclaredDimensionsAreRefusedBeforeAllocating() throws {
        let error = decodeOutcome(pngDeclaring(width: 100_000, height: 100_000))
        #expect(error == .tooLarge(path: "<memory>", width: 100_000, height: 100_000,
                                   maximumPixels: ImageFile.defaultMaximumPixels))
        #expect(error?.description.contains("100000 x 100000") == true)
        // Within the pixel limit, but far more pixels than 60 bytes of zlib data can hold:
        // refused as truncated, before libpng allocates its row buffers.
        let lying = decodeOutcome(pngDeclaring(width: 16_000, height: 16_000))
        guard case .truncated(_, "PNG", _, let detail)? = lying else {
            Issue.record("expected .truncated, got \(String(describing: lying))")
            return
        }
        #expect(detail.contains("16000 x 16000"))
        // libpng's own ceiling is 2^31 - 1 per side; past it the header is corrupt.
        #expect(decodeOutcome(pngDeclaring(width: 0xFFFF_FFFF, height: 1)) != nil)
        #expect(decodeOutcome(pngDeclaring(width: 0, height: 10)) != nil)
    }

    @Test func pixelLimitIsTheCallersChoice() throws {
        let url = MediaFixtures.parity("china_224.png")
        let error = #expect(throws: ImageError.self) { try ImageFile.read(url, maximumPixels: 224 * 224 - 1) }
        #expect(error == .tooLarge(path: url.path, width: 224, height: 224, maximumPixels: 224 * 224 - 1))
        #expect(try ImageFile.read(url, maximumPixels: 224 * 224).shape == [3, 224, 224])
        let jpeg = MediaFixtures.image("colour.jpg")
        #expect(throws: ImageError.tooLarge(path: jpeg.path, width: 16, height: 12, maximumPixels: 100)) {
            try ImageFile.read(jpeg, maximumPixels: 100)
        }
    }

    /// 400 seeded mutations of china_224.png: byte flips, overwrites and cuts, half of them
    /// with the chunk CRCs repaired so the damage reaches zlib and the unfilter code.
    @Test func fuzzedParityImageNeverCrashes() throws {
        let original = [UInt8](try Data(contentsOf: MediaFixtures.parity("china_224.png")))
        var generator = SeededGenerator(seed: 20_240_601)
        var successes = 0, failures = 0
        for round in 0..<400 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...8, using: &generator) {
                // Half the edits land in the first 200 bytes (signature, IHDR, chunk headers).
                let range = Bool.random(using: &generator) ? 0..<200 : 0..<bytes.count
                let position = Int.random(in: range, using: &generator)
                bytes[position] = Bool.random(using: &generator)
                    ? bytes[position] ^ UInt8(1 << Int.random(in: 0..<8, using: &generator))
                    : UInt8.random(in: 0...255, using: &generator)
            }
            if round % 5 == 0 { bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &generator))) }
            if round % 2 == 0 { bytes = repairingPNGChecksums(bytes) }
            if decodeOutcome(bytes) == nil { successes += 1 } else { failures += 1 }
        }
        #expect(successes + failures == 400)
        #expect(failures > 0)
    }

    /// 300 seeded mutations of the colour JPEG (no checksum: most reach the decoder).
    @Test func fuzzedJPEGNeverCrashes() throws {
        let original = [UInt8](try Data(contentsOf: MediaFixtures.image("colour_progressive.jpg")))
        var generator = SeededGenerator(seed: 7)
        var failures = 0
        for _ in 0..<300 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...6, using: &generator) {
                let position = Int.random(in: 0..<bytes.count, using: &generator)
                bytes[position] = UInt8.random(in: 0...255, using: &generator)
            }
            if decodeOutcome(bytes) != nil { failures += 1 }
        }
        #expect(failures > 0)
    }
}
