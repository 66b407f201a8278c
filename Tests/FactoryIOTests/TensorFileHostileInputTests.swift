// Hostile input for the weight-file readers: truncation at many offsets, every byte flipped,
// and a seeded, bounded fuzz loop over the parity safetensors file and the torch fixtures.
// Every outcome must be a success or one of the readers' typed errors: no crash, no hang.

import FactoryIO
import FactoryTensor
import Foundation
import Testing

@Suite struct TensorFileHostileInputTests {
    /// Runs `body`; passes on success or a typed reader error, records anything else.
    static func expectSuccessOrTypedError(_ what: String, _ body: () throws -> Void) -> Bool {
        do {
            try body()
            return true
        } catch {
            #expect(TensorIOFixtures.isTypedReaderError(error), "\(what): untyped error \(type(of: error)): \(error)")
            return false
        }
    }

    static func readSafetensors(_ data: Data) throws {
        let file = try SafetensorsFile(data: data, url: URL(fileURLWithPath: "/fuzz/ge2e.safetensors"))
        try TensorIOFixtures.readEverything(file)
    }

    @Test func safetensorsTruncatedAnywhereThrows() throws {
        let data = try Data(contentsOf: TensorIOFixtures.parity("ge2e.safetensors"))
        let headerEnd = 8 + 700
        var lengths = Array(0..<headerEnd)
        lengths += Array(stride(from: headerEnd, to: data.count, by: 4099)) + [data.count - 1]
        for length in lengths {
            do {
                try Self.readSafetensors(data.prefix(length))
                Issue.record("truncated to \(length) bytes was accepted")
            } catch {
                #expect(TensorIOFixtures.isTypedReaderError(error), "truncated to \(length): \(type(of: error)) \(error)")
            }
        }
        try Self.readSafetensors(data)
    }

    @Test func safetensorsWithEveryHeaderByteFlipped() throws {
        let data = try Data(contentsOf: TensorIOFixtures.parity("ge2e.safetensors"))
        var reader = ByteReader(data, source: "ge2e")
        let headerEnd = 8 + Int(try reader.readUInt64())
        for position in 0..<headerEnd {
            var mutated = data
            mutated[position] ^= 0xFF
            _ = Self.expectSuccessOrTypedError("byte \(position) flipped") { try Self.readSafetensors(mutated) }
        }
    }

    @Test func safetensorsFuzzLoop() throws {
        let original = try Data(contentsOf: TensorIOFixtures.parity("ge2e.safetensors"))
        var reader = ByteReader(original, source: "ge2e")
        let headerEnd = 8 + Int(try reader.readUInt64())
        var generator = SeededGenerator(seed: 0x5AFE_7E45)
        var successes = 0
        for iteration in 0..<300 {
            var data = original
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                switch Int.random(in: 0..<10, using: &generator) {
                case 0..<6:  // mostly the header, where the structure is
                    data[Int.random(in: 0..<headerEnd, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                case 6:
                    data[Int.random(in: 0..<8, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                case 7:
                    data = data.prefix(Int.random(in: 0..<data.count, using: &generator))
                case 8:
                    let position = Int.random(in: 0..<max(1, min(headerEnd, data.count)), using: &generator)
                    if position < data.count { data.insert(UInt8(ascii: "9"), at: position) }
                default:
                    if !data.isEmpty { data[Int.random(in: 0..<data.count, using: &generator)] ^= 0x80 }
                }
            }
            if Self.expectSuccessOrTypedError("mutation \(iteration)", { try Self.readSafetensors(data) }) { successes += 1 }
        }
        #expect(successes < 300)  // the mutations do reach the validation
    }

    // MARK: - Torch checkpoints

    static let torchFixtures = ["legacy_basic.pt", "legacy_nested.pt", "zip_basic.pt", "zip_protocol4.pt"]

    static func readCheckpoint(_ data: Data, in folder: URL, name: String = "mutated.pt") throws {
        let url = folder.appendingPathComponent(name)
        try data.write(to: url)
        let checkpoint = try TorchCheckpoint(contentsOf: url)
        try TensorIOFixtures.readEverything(checkpoint)
    }

    @Test(arguments: torchFixtures)
    func torchTruncatedAnywhereThrows(file: String) throws {
        let data = try Data(contentsOf: TensorIOFixtures.torch(file))
        let folder = try TensorIOFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // Every length for the legacy layout; every 5th for zip files (whose tail is the directory).
        let step = file.hasPrefix("zip") ? 5 : 1
        for length in Swift.stride(from: 0, to: data.count, by: step) {
            do {
                try Self.readCheckpoint(data.prefix(length), in: folder)
                Issue.record("\(file) truncated to \(length) bytes was accepted")
            } catch {
                #expect(TensorIOFixtures.isTypedReaderError(error), "\(file) truncated to \(length): \(type(of: error)) \(error)")
            }
        }
        try Self.readCheckpoint(data, in: folder)
    }

    @Test(arguments: torchFixtures)
    func torchWithEveryByteFlipped(file: String) throws {
        let data = try Data(contentsOf: TensorIOFixtures.torch(file))
        let folder = try TensorIOFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // Every byte of the legacy files; every 3rd of the zip files (mostly stored storage bytes).
        let step = file.hasPrefix("zip") ? 3 : 1
        for position in Swift.stride(from: 0, to: data.count, by: step) {
            var mutated = data
            mutated[position] ^= 0xFF
            _ = Self.expectSuccessOrTypedError("\(file) byte \(position) flipped") { try Self.readCheckpoint(mutated, in: folder) }
        }
    }

    @Test func zipMagicWithoutAnEndRecordFailsFast() throws {
        // 8 MB that start like a zip: refused by the end-record check, not by a byte-by-byte search.
        let folder = try TensorIOFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("fake.pt")
        try (Data([0x50, 0x4B, 0x03, 0x04]) + Data(count: 8 << 20)).write(to: url)
        #expect(throws: TorchCheckpointError.zipLayout(path: url.path, reason: "no end-of-central-directory record (the file is truncated)")) {
            _ = try TorchCheckpoint(contentsOf: url)
        }
    }

    @Test func torchFuzzLoop() throws {
        let originals = try Self.torchFixtures.map { try Data(contentsOf: TensorIOFixtures.torch($0)) }
        let folder = try TensorIOFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var generator = SeededGenerator(seed: 0x7042_C4)
        let interesting: [UInt8] = [0x00, 0x01, 0x7F, 0x80, 0xFF, 0x28, 0x2E, 0x4E, 0x52, 0x58, 0x5D, 0x61, 0x63, 0x68, 0x71, 0x7D, 0x8A, 0x93, 0x94]
        for iteration in 0..<400 {
            let which = Int.random(in: 0..<originals.count, using: &generator)
            var data = originals[which]
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                guard !data.isEmpty else { break }
                let position = Int.random(in: 0..<data.count, using: &generator)
                switch Int.random(in: 0..<6, using: &generator) {
                case 0, 1: data[position] = interesting.randomElement(using: &generator)!
                case 2: data[position] = UInt8.random(in: 0...255, using: &generator)
                case 3: data.remove(at: position)
                case 4: data.insert(interesting.randomElement(using: &generator)!, at: position)
                default:
                    let end = min(data.count, position + Int.random(in: 1...16, using: &generator))
                    data.replaceSubrange(position..<end, with: Data(repeating: 0xFF, count: end - position))
                }
            }
            _ = Self.expectSuccessOrTypedError("\(Self.torchFixtures[which]) mutation \(iteration)") {
                try Self.readCheckpoint(data, in: folder)
            }
        }
    }
}
