// AudioHostileInputTests: truncated, lying, oversized and fuzzed audio input gives an
// AudioError (or, for mutations that leave valid audio, a well-formed clip): never a
// crash, a hang or an allocation sized by an unchecked header.

import FactoryIO
import FactoryTensor
import Foundation
import Testing

/// Decodes and checks the outcome is either AudioError or a sane clip. Returns the error.
@discardableResult
private func decodeOutcome(_ bytes: [UInt8], maximumFrames: Int = AudioFile.defaultMaximumFrames) -> AudioError? {
    do {
        let clip = try AudioFile.decode(Data(bytes), maximumFrames: maximumFrames)
        #expect(clip.samples.count <= maximumFrames)
        #expect(clip.sampleRate > 0)
        return nil
    } catch {
        #expect(!error.description.isEmpty)
        return error
    }
}

@Suite struct AudioHostileInputTests {
    @Test func everyTruncationOfTheParityWavIsAnError() throws {
        let bytes = [UInt8](try Data(contentsOf: MediaFixtures.parity("speech_16k.wav")))
        var cuts = Array(0..<120)
        cuts += Array(stride(from: 120, to: bytes.count, by: 997)) + [bytes.count - 2, bytes.count - 1]
        for length in cuts {
            #expect(decodeOutcome(Array(bytes[0..<length])) != nil, "cut to \(length) of \(bytes.count) bytes")
        }
        guard case .truncated(_, let declared, let read)? = decodeOutcome(Array(bytes[0..<100_000])) else {
            Issue.record("expected .truncated")
            return
        }
        #expect(declared == 71347 && read < declared)
    }

    @Test(arguments: [AudioFileFormat.flacPCM16, .wavPCM16])
    func everyTruncationOfAWrittenFileIsAnError(format: AudioFileFormat) throws {
        let folder = try MediaFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("clip")
        try AudioFile.write(sine(frequency: 330, sampleRate: 16000, count: 16000), sampleRate: 16000, to: url, format: format)
        let bytes = [UInt8](try Data(contentsOf: url))
        for length in Array(0..<64) + Array(stride(from: 64, to: bytes.count, by: max(1, bytes.count / 150))) {
            #expect(decodeOutcome(Array(bytes[0..<length])) != nil, "\(format) cut to \(length) of \(bytes.count)")
        }
    }

    /// Ogg streams carry no total length that survives a cut, so a truncated Ogg file may
    /// decode to its first part; it must never decode to more than the original.
    @Test func truncatedOggGivesAnErrorOrAShorterClip() throws {
        let folder = try MediaFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("clip.ogg")
        try AudioFile.write(sine(frequency: 330, sampleRate: 16000, count: 16000), sampleRate: 16000, to: url, format: .oggVorbis)
        let bytes = [UInt8](try Data(contentsOf: url))
        for length in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 100)) {
            if let clip = try? AudioFile.decode(Data(bytes[0..<length])) {
                #expect(clip.samples.count < 16000)
            }
        }
    }

    @Test func wavDeclaringAHugeDataChunkIsTruncatedNotAllocated() throws {
        let samples = (0..<100).map { Int16($0 * 100) }
        let error = decodeOutcome([UInt8](makeWAV(pcm16: samples, declaredDataBytes: 0x7FFF_FFF0)))
        #expect(error == .truncated(path: "<memory>", declaredFrames: 0x7FFF_FFF0 / 2, readFrames: 100))
        // The streaming placeholder 0xFFFFFFFF ("length unknown") reads what is there.
        let streamed = try AudioFile.decode(makeWAV(pcm16: samples, declaredDataBytes: 0xFFFF_FFFF))
        #expect(streamed.samples == samples.map { Float($0) / 32768 })
    }

    @Test func frameLimitIsCheckedBeforeReading() throws {
        let url = MediaFixtures.parity("speech_16k.wav")
        #expect(throws: AudioError.tooLong(path: url.path, frames: 71347, maximumFrames: 1000)) {
            try AudioFile.read(url, maximumFrames: 1000)
        }
    }

    @Test func impossibleHeaderValuesAreErrors() throws {
        var zeroChannels = [UInt8](makeWAV(pcm16: [1, 2, 3, 4]))
        zeroChannels[22] = 0
        #expect(decodeOutcome(zeroChannels) != nil)
        var zeroRate = [UInt8](makeWAV(pcm16: [1, 2, 3, 4]))
        zeroRate[24...27] = [0, 0, 0, 0]
        #expect(decodeOutcome(zeroRate) != nil)
        #expect(decodeOutcome(Array("not audio at all, just some text".utf8)) != nil)
        #expect(decodeOutcome([]) != nil)
    }

    @Test func missingFileNamesThePath() {
        let error = #expect(throws: AudioError.self) { try AudioFile.read(URL(fileURLWithPath: "/nonexistent/a.wav")) }
        #expect(error?.description.contains("/nonexistent/a.wav") == true)
    }

    /// 300 seeded mutations of speech_16k.wav, half aimed at the first 128 header bytes,
    /// every fifth one also cut short.
    @Test func fuzzedParityWavNeverCrashes() throws {
        let original = [UInt8](try Data(contentsOf: MediaFixtures.parity("speech_16k.wav")))
        var generator = SeededGenerator(seed: 16_000)
        var failures = 0
        for round in 0..<300 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...6, using: &generator) {
                let range = Bool.random(using: &generator) ? 0..<128 : 0..<bytes.count
                let position = Int.random(in: range, using: &generator)
                bytes[position] = UInt8.random(in: 0...255, using: &generator)
            }
            if round % 5 == 0 { bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &generator))) }
            if decodeOutcome(bytes, maximumFrames: 1 << 22) != nil { failures += 1 }
        }
        #expect(failures > 0)
    }

    /// 150 seeded mutations of a FLAC file written by AudioFile.
    @Test func fuzzedFLACNeverCrashes() throws {
        let folder = try MediaFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("clip.flac")
        try AudioFile.write(sine(frequency: 330, sampleRate: 16000, count: 8000), sampleRate: 16000, to: url, format: .flacPCM16)
        let original = [UInt8](try Data(contentsOf: url))
        var generator = SeededGenerator(seed: 44_100)
        var failures = 0
        for _ in 0..<150 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let position = Int.random(in: 0..<bytes.count, using: &generator)
                bytes[position] = UInt8.random(in: 0...255, using: &generator)
            }
            if decodeOutcome(bytes, maximumFrames: 1 << 22) != nil { failures += 1 }
        }
        #expect(failures > 0)
    }
}
