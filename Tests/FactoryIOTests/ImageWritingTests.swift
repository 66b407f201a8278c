// ImageWritingTests: PNG write -> read is exact at 8 and 16 bits for 1 to 4 channels (and at
// every compression level);
// values are clamped and rounded to the nearest level; writes are atomic (no temporary
// file left, an existing file replaced whole); bad shapes and folders give ImageError.

import FactoryIO
import FactoryTensor
import Foundation
import Testing

@Suite struct ImageWritingTests {
    static let layouts: [(channels: Int, bitDepth: PNGBitDepth)] =
        [1, 2, 3, 4].flatMap { channels in [PNGBitDepth.eight, .sixteen].map { (channels, $0) } }

    @Test(arguments: 0..<layouts.count)
    func pngRoundTripIsExact(layout: Int) throws {
        let (channels, bitDepth) = Self.layouts[layout]
        let levels = bitDepth == .eight ? 255 : 65535
        let height = 7, width = 11
        // Every value an exact level k / levels, spread over the whole range.
        let values = (0..<(channels * height * width)).map { Float(($0 * 7919 + 13) % (levels + 1)) / Float(levels) }
        let image = Tensor(values, shape: [channels, height, width])
        let folder = try MediaFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("map.png")
        try ImageFile.writePNG(image, to: url, bitDepth: bitDepth)
        let back = try ImageFile.read(url, channels: .keep)
        #expect(back.shape == [channels, height, width])
        #expect(back.scalars == values)  // tolerance: exact
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["map.png"])
    }

    @Test func everyCompressionLevelWritesTheSamePixels() throws {
        // A smooth gradient with a little pattern (compressible): the same samples at every
        // level, and the smallest level is no larger than the fast one.
        let height = 64, width = 96
        let values = (0..<(3 * height * width)).map { index -> Float in
            let pixel = index % (height * width), channel = index / (height * width)
            return Float((pixel % width + 2 * (pixel / width) + 17 * channel + (pixel % 7)) % 256) / 255
        }
        let image = Tensor(values, shape: [3, height, width])
        var sizes: [PNGCompression: Int] = [:]
        for compression in [PNGCompression.fast, .balanced, .smallest] {
            let data = try ImageFile.encodePNG(image, compression: compression)
            sizes[compression] = data.count
            #expect(try ImageFile.decode(data, channels: .keep).scalars == values, "\(compression)")  // tolerance: exact
        }
        #expect(sizes[.smallest]! <= sizes[.fast]!, "\(sizes)")
    }

    @Test func valuesAreClampedAndRoundedToTheNearestLevel() throws {
        let image = Tensor([-0.5, 0, 0.5, 1.5, .nan, 0.3 / 255, 0.7 / 255, 1], shape: [1, 2, 4])
        let data = try ImageFile.encodePNG(image)
        let back = try ImageFile.decode(data, channels: .keep).scalars
        #expect(back == [0, 0, 128 / 255, 1, 0, 0, 1 / 255, 1])
    }

    @Test func twoDimensionalTensorIsWrittenAsGrey() throws {
        let image = Tensor([0, 1, 1, 0], shape: [2, 2])
        let back = try ImageFile.decode(try ImageFile.encodePNG(image), channels: .keep)
        #expect(back.shape == [1, 2, 2])
        #expect(back.scalars == [0, 1, 1, 0])
    }

    @Test func writingReplacesAnExistingFileWhole() throws {
        let folder = try MediaFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("report.png")
        try Data(repeating: 0x41, count: 100_000).write(to: url)
        try ImageFile.writePNG(Tensor(repeating: 0.5, shape: [3, 4, 4]), to: url)
        let back = try ImageFile.read(url)
        #expect(back.scalars == [Float](repeating: 128 / 255, count: 48))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["report.png"])
    }

    @Test func badShapeIsAWriteError() throws {
        let error = #expect(throws: ImageError.self) {
            try ImageFile.encodePNG(Tensor(repeating: 0, shape: [5, 2, 2]))
        }
        guard case .writeFailed(_, let reason)? = error else {
            Issue.record("expected .writeFailed, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("[5, 2, 2]"))
    }

    @Test func missingFolderIsAWriteErrorNamingThePath() throws {
        let url = URL(fileURLWithPath: "/nonexistent-folder-\(UUID().uuidString)/map.png")
        let error = #expect(throws: ImageError.self) {
            try ImageFile.writePNG(Tensor(repeating: 0, shape: [1, 2, 2]), to: url)
        }
        #expect(error?.description.contains(url.path) == true)
    }
}
