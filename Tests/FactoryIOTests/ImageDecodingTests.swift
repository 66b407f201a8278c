// ImageDecodingTests: PNG of every colour type and bit depth (palette, tRNS, Adam7) and
// JPEG (baseline, progressive, grey) decode to the exact expected values; channel layout
// conversion; the EfficientNet parity image decodes to the fixture's un-normalised input.
// Fixture formulas are those of Fixtures/images/make_fixtures.py.

import FactoryIO
import FactoryTensor
import Foundation
import Testing

/// One hand-built PNG fixture and how make_fixtures.py made it.
struct PNGFixture: CustomStringConvertible, Sendable {
    var name: String
    var colorType: Int  // 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA
    var depth: Int
    var transparency = false
    var width = 5
    var height = 3
    var description: String { name }

    static let all: [PNGFixture] = [
        .init(name: "grey1", colorType: 0, depth: 1), .init(name: "grey2", colorType: 0, depth: 2),
        .init(name: "grey4", colorType: 0, depth: 4), .init(name: "grey8", colorType: 0, depth: 8),
        .init(name: "grey16", colorType: 0, depth: 16),
        .init(name: "grey8_trns", colorType: 0, depth: 8, transparency: true),
        .init(name: "greyalpha8", colorType: 4, depth: 8), .init(name: "greyalpha16", colorType: 4, depth: 16),
        .init(name: "rgb8", colorType: 2, depth: 8), .init(name: "rgb16", colorType: 2, depth: 16),
        .init(name: "rgb8_trns", colorType: 2, depth: 8, transparency: true),
        .init(name: "rgba8", colorType: 6, depth: 8), .init(name: "rgba16", colorType: 6, depth: 16),
        .init(name: "palette1", colorType: 3, depth: 1), .init(name: "palette2", colorType: 3, depth: 2),
        .init(name: "palette4", colorType: 3, depth: 4), .init(name: "palette8", colorType: 3, depth: 8),
        .init(name: "palette4_trns", colorType: 3, depth: 4, transparency: true),
        .init(name: "palette8_trns", colorType: 3, depth: 8, transparency: true),
        .init(name: "rgb8_interlaced", colorType: 2, depth: 8, width: 9, height: 7),
        .init(name: "grey2_interlaced", colorType: 0, depth: 2, width: 9, height: 7),
        .init(name: "rgba16_interlaced", colorType: 6, depth: 16, width: 9, height: 7),
    ]

    func sample(_ channel: Int, _ y: Int, _ x: Int) -> Int {
        (x * 4099 + y * 25013 + channel * 9973 + 7) % (1 << depth)
    }

    /// The value a sample should decode to: 8-bit expansion of 1/2/4-bit samples as libpng
    /// does (v * 255 / max, exact for these depths), then v / 255 or v / 65535.
    func scaled(_ value: Int) -> Float {
        if depth == 16 { return Float(value) / 65535 }
        return Float(value * (255 / ((1 << depth) - 1))) / 255
    }

    /// Expected `.keep` tensor values, planar [C, H, W].
    func expectedKept() -> (channels: Int, values: [Float]) {
        var planes: [[Float]] = []
        let pixels = (0..<height).flatMap { y in (0..<width).map { x in (y, x) } }
        switch colorType {
        case 3:
            let paletteSize = min(1 << depth, 200)
            let indices = pixels.map { (y, x) in (x * 3 + y * 5) % paletteSize }
            let factors = [(47, 0), (91, 13), (151, 29)]
            for (factor, add) in factors { planes.append(indices.map { Float(($0 * factor + add) % 256) / 255 }) }
            if transparency {
                planes.append(indices.map { $0 < paletteSize / 2 ? Float(($0 * 97 + 11) % 256) / 255 : 1 })
            }
        default:
            let stored = [0: 1, 2: 3, 4: 2, 6: 4][colorType]!
            for channel in 0..<stored { planes.append(pixels.map { scaled(sample(channel, $0.0, $0.1)) }) }
            if transparency {
                let key = (0..<stored).map { sample($0, 0, 0) }
                planes.append(pixels.map { (y, x) in (0..<stored).map { sample($0, y, x) } == key ? 0 : 1 })
            }
        }
        return (planes.count, planes.flatMap { $0 })
    }
}

@Suite struct ImageDecodingTests {
    @Test(arguments: PNGFixture.all)
    func pngDecodesToTheGeneratedValuesExactly(fixture: PNGFixture) throws {
        let image = try ImageFile.read(MediaFixtures.image(fixture.name + ".png"), channels: .keep)
        let expected = fixture.expectedKept()
        #expect(image.shape == [expected.channels, fixture.height, fixture.width])
        #expect(image.scalars == expected.values)  // tolerance: exact
    }

    @Test(arguments: PNGFixture.all)
    func pngConvertsToRGBByReplicatingGreyAndDroppingAlpha(fixture: PNGFixture) throws {
        let rgb = try ImageFile.read(MediaFixtures.image(fixture.name + ".png"), channels: .rgb)
        let kept = fixture.expectedKept()
        let plane = fixture.width * fixture.height
        let colour = kept.channels >= 3
        let expected = (0..<3).flatMap { channel in
            let source = colour ? channel : 0
            return Array(kept.values[(source * plane)..<((source + 1) * plane)])
        }
        #expect(rgb.shape == [3, fixture.height, fixture.width])
        #expect(rgb.scalars == expected)
    }

    @Test func rgbaAddsOpaqueAlphaAndKeepsExistingAlpha() throws {
        let opaque = try ImageFile.read(MediaFixtures.image("rgb8.png"), channels: .rgba)
        #expect(opaque.shape == [4, 3, 5])
        #expect(Array(opaque.scalars[45..<60]) == [Float](repeating: 1, count: 15))
        let greyAlpha = try ImageFile.read(MediaFixtures.image("greyalpha8.png"), channels: .rgba)
        let kept = PNGFixture.all.first { $0.name == "greyalpha8" }!.expectedKept().values
        #expect(Array(greyAlpha.scalars[0..<15]) == Array(kept[0..<15]))
        #expect(Array(greyAlpha.scalars[30..<45]) == Array(kept[0..<15]))
        #expect(Array(greyAlpha.scalars[45..<60]) == Array(kept[15..<30]))
    }

    @Test func greyFromColourIsTheBT601Luma() throws {
        let rgb = try ImageFile.read(MediaFixtures.image("rgb8.png"), channels: .rgb).scalars
        let grey = try ImageFile.read(MediaFixtures.image("rgb8.png"), channels: .grey)
        #expect(grey.shape == [1, 3, 5])
        for (index, value) in grey.scalars.enumerated() {
            let luma = 0.299 * Double(rgb[index]) + 0.587 * Double(rgb[15 + index]) + 0.114 * Double(rgb[30 + index])
            #expect(abs(Double(value) - luma) < 1e-6)
        }
    }

    @Test(arguments: [("colour", "ppm"), ("colour_progressive", "ppm"), ("grey", "pgm")])
    func jpegDecodesLikeDjpeg(name: String, expectedExtension: String) throws {
        let expected = try readNetpbm(MediaFixtures.image("\(name).expected.\(expectedExtension)"))
        let image = try ImageFile.read(MediaFixtures.image("\(name).jpg"), channels: .keep)
        #expect(image.shape == [expected.channels, expected.height, expected.width])
        let plane = expected.height * expected.width
        let interleaved = image.scalars.indices.map { index -> Float in
            let channel = index % expected.channels, pixel = index / expected.channels
            return image.scalars[channel * plane + pixel]
        }
        // Same libjpeg-turbo, same default DCT and upsampling: exact.
        #expect(interleaved == expected.samples.map { Float($0) / 255 })
    }

    @Test func greyJPEGBecomesRGBOnRequest() throws {
        let rgb = try ImageFile.read(MediaFixtures.image("grey.jpg"), channels: .rgb)
        #expect(rgb.shape == [3, 12, 16])
        let values = rgb.scalars
        #expect(Array(values[0..<192]) == Array(values[192..<384]))
        #expect(Array(values[0..<192]) == Array(values[384..<576]))
    }

    @Test func cmykJPEGIsRefusedWithAClearMessage() throws {
        let url = MediaFixtures.image("cmyk_header.jpg")
        let error = #expect(throws: ImageError.self) { try ImageFile.read(url) }
        guard case .unsupported(let path, let detail)? = error else {
            Issue.record("expected .unsupported, got \(String(describing: error))")
            return
        }
        #expect(path == url.path)
        #expect(detail.contains("CMYK"))
        #expect(error!.description.contains(url.path))
    }

    @Test func unknownBytesAreNotAnImage() throws {
        let error = #expect(throws: ImageError.self) {
            try ImageFile.decode(Data("GIF89a, not really".utf8), path: "x.gif")
        }
        #expect(error == .unrecognisedFormat(path: "x.gif"))
    }

    @Test func missingFileNamesThePath() throws {
        let error = #expect(throws: ImageError.self) { try ImageFile.read(URL(fileURLWithPath: "/nonexistent/a.png")) }
        #expect(error?.description.contains("/nonexistent/a.png") == true)
    }

    /// china_224.png / 255 equals the fixture's `input` un-normalised (input * std + mean),
    /// within 1e-6 absolute (the float32 round trip through normalisation; 8-bit exact).
    @Test func efficientNetParityImageDecodesToTheFixtureInput() throws {
        let image = try ImageFile.read(MediaFixtures.parity("china_224.png"), channels: .rgb)
        #expect(image.shape == [3, 224, 224])
        let input = try readSafetensorsFloat32(MediaFixtures.parity("efficientnet_lite0.safetensors"), name: "input")
        #expect(input.shape == [1, 3, 224, 224])
        let mean: [Float] = [0.485, 0.456, 0.406], deviation: [Float] = [0.229, 0.224, 0.225]
        let decoded = image.scalars
        let plane = 224 * 224
        var largest: Float = 0
        for index in decoded.indices {
            let channel = index / plane
            largest = max(largest, abs(decoded[index] - (input.values[index] * deviation[channel] + mean[channel])))
        }
        #expect(largest <= 1e-6)
        // And the 8-bit levels are recovered exactly.
        for index in stride(from: 0, to: decoded.count, by: 97) {
            let channel = index / plane
            let level = ((input.values[index] * deviation[channel] + mean[channel]) * 255).rounded()
            #expect(decoded[index] == level / 255)
        }
        // Normalising with ImageTransforms reproduces `input` itself, bit for bit (Float32
        // subtract then divide, as torchvision's Normalize).
        let normalised = ImageTransforms.normalize(image, mean: mean, standardDeviation: deviation).scalars
        #expect(normalised == input.values)
    }
}
