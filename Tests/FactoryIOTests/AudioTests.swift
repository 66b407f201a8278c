// AudioTests: reading (parity wav, 16-bit scaling, channel averaging, FLAC, Ogg Vorbis),
// writing (round trips, atomic replacement, argument errors) and libsoxr resampling
// (round trip 16 -> 8 -> 16 kHz, frequency kept, librosa's output length).

import FactoryIO
import FactoryTensor
import Foundation
import Testing

/// A sine of `frequency` Hz, amplitude `amplitude`, `count` samples at `sampleRate`.
func sine(frequency: Double, sampleRate: Int, count: Int, amplitude: Double = 0.5) -> [Float] {
    (0..<count).map { Float(amplitude * sin(2 * Double.pi * frequency * Double($0) / Double(sampleRate))) }
}

/// Frequency from linearly interpolated upward zero crossings within `range`.
func zeroCrossingFrequency(_ samples: [Float], sampleRate: Int, range: Range<Int>) -> Double {
    var crossings: [Double] = []
    for index in range.dropFirst() where samples[index - 1] < 0 && samples[index] >= 0 {
        let before = Double(samples[index - 1]), after = Double(samples[index])
        crossings.append(Double(index - 1) + (-before) / (after - before))
    }
    guard let first = crossings.first, let last = crossings.last, crossings.count > 1 else { return 0 }
    return Double(crossings.count - 1) * Double(sampleRate) / (last - first)
}

@Suite struct AudioTests {
    /// speech_16k.wav is 32-bit float WAV: it must read back bit for bit (tolerance 0).
    @Test func parityWavReadsBackToTheFixtureTensorExactly() throws {
        let clip = try AudioFile.read(MediaFixtures.parity("speech_16k.wav"))
        let expected = try readSafetensorsFloat32(MediaFixtures.parity("ge2e.safetensors"), name: "wav")
        #expect(clip.sampleRate == 16000)
        #expect(clip.sourceChannelCount == 1)
        #expect([clip.samples.count] == expected.shape)
        #expect(clip.samples == expected.values)
        #expect(clip.tensor.shape == [71347])
        #expect(abs(clip.duration - 71347.0 / 16000) < 1e-12)
    }

    /// 16-bit PCM reads as x / 32768 (libsndfile's normalisation), exactly.
    @Test func sixteenBitPCMScalesByOneOver32768() throws {
        let values: [Int16] = [-32768, -16384, -1, 0, 1, 12345, 32767]
        let clip = try AudioFile.decode(makeWAV(pcm16: values, sampleRate: 8000))
        #expect(clip.sampleRate == 8000)
        #expect(clip.samples == values.map { Float($0) / 32768 })
    }

    @Test func channelsAreAveragedToMono() throws {
        let left = sine(frequency: 300, sampleRate: 16000, count: 1000)
        let right = sine(frequency: 700, sampleRate: 16000, count: 1000, amplitude: 0.25)
        let third = (0..<1000).map { Float($0 % 7) / 10 }
        let folder = try MediaFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let stereo = folder.appendingPathComponent("stereo.wav")
        try AudioFile.write(zip(left, right).flatMap { [$0, $1] }, sampleRate: 16000, channelCount: 2,
                            to: stereo, format: .wavFloat32)
        let stereoClip = try AudioFile.read(stereo)
        #expect(stereoClip.sourceChannelCount == 2)
        #expect(stereoClip.samples == zip(left, right).map { ($0 + $1) / 2 })
        let three = folder.appendingPathComponent("three.wav")
        try AudioFile.write((0..<1000).flatMap { [left[$0], right[$0], third[$0]] }, sampleRate: 16000,
                            channelCount: 3, to: three, format: .wavFloat32)
        #expect(try AudioFile.read(three).samples == (0..<1000).map { (left[$0] + right[$0] + third[$0]) / 3 })
    }

    /// Float WAV is exact; 16-bit WAV and FLAC within half a step, 1/65536 (stated bound 1/32768).
    @Test(arguments: [AudioFileFormat.wavFloat32, .wavPCM16, .flacPCM16])
    func losslessWriteReadRoundTrip(format: AudioFileFormat) throws {
        var generator = SeededGenerator(seed: 3)
        let samples = (0..<5000).map { _ in Float.random(in: -0.999...0.999, using: &generator) }
        let folder = try MediaFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("clip")
        try AudioFile.write(samples, sampleRate: 22050, to: url, format: format)
        let clip = try AudioFile.read(url)
        #expect(clip.sampleRate == 22050)
        #expect(clip.samples.count == samples.count)
        let largest = zip(clip.samples, samples).map { abs($0 - $1) }.max() ?? .infinity
        if format == .wavFloat32 {
            #expect(clip.samples == samples)
        } else {
            #expect(largest <= 0.5 / 32768 + 1e-9)
            // And the file holds exactly round(x * 32768), so reading gives that / 32768.
            #expect(clip.samples == samples.map { ($0 * 32768).rounded() / 32768 })
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["clip"])
    }

    /// Ogg Vorbis is lossy: same length, waveform within 5% RMS of a 440 Hz sine's.
    @Test func oggVorbisRoundTripIsClose() throws {
        let samples = sine(frequency: 440, sampleRate: 16000, count: 16000)
        let folder = try MediaFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("tone.ogg")
        try AudioFile.write(samples, sampleRate: 16000, to: url, format: .oggVorbis)
        let clip = try AudioFile.read(url)
        #expect(clip.sampleRate == 16000)
        #expect(clip.samples.count == samples.count)
        let error = zip(clip.samples, samples).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +)
        let signal = samples.map { Double($0) * Double($0) }.reduce(0, +)
        #expect((error / signal).squareRoot() < 0.05)
    }

    @Test func sixteenBitWritingClipsOutOfRangeValues() throws {
        let folder = try MediaFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("clip.wav")
        try AudioFile.write([-2, -1, 1, 2, .nan], sampleRate: 8000, to: url)
        #expect(try AudioFile.read(url).samples == [-1, -1, 32767 / 32768, 32767 / 32768, 0])
    }

    @Test func writingReplacesAnExistingFileAtomically() throws {
        let folder = try MediaFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("clip.wav")
        try AudioFile.write([Float](repeating: 0.25, count: 50_000), sampleRate: 16000, to: url)
        try AudioFile.write([0.5, -0.5], sampleRate: 16000, to: url)
        #expect(try AudioFile.read(url).samples == [0.5, -0.5])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["clip.wav"])
    }

    @Test func writeArgumentErrors() throws {
        let folder = try MediaFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("clip.wav")
        #expect(throws: AudioError.invalidSampleRate(rate: 0, detail: "cannot write a file at this rate")) {
            try AudioFile.write([0], sampleRate: 0, to: url)
        }
        #expect(throws: AudioError.self) { try AudioFile.write([0, 0, 0], sampleRate: 8000, channelCount: 2, to: url) }
        let missing = URL(fileURLWithPath: "/nonexistent-\(UUID().uuidString)/clip.wav")
        let error = #expect(throws: AudioError.self) { try AudioFile.write([0], sampleRate: 8000, to: missing) }
        #expect(error?.description.contains(missing.path) == true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }

    /// 200 Hz at 16 kHz -> 8 kHz -> 16 kHz: within 1e-5 of the original away from the
    /// first and last 50 ms (filter start-up; measured 5.7e-7), lengths as librosa
    /// (ceil(N * target / source)).
    @Test func resampleRoundTripStaysClose() throws {
        let original = sine(frequency: 200, sampleRate: 16000, count: 16001)
        let down = try AudioResampler.resample(original, from: 16000, to: 8000)
        #expect(down.count == 8001)
        let up = try AudioResampler.resample(down, from: 8000, to: 16000)
        #expect(up.count == 16002)
        let largest = (800..<15200).map { abs(up[$0] - original[$0]) }.max()!
        #expect(largest < 1e-5)
    }

    /// A 440 Hz sine resampled 16 kHz -> 22.05 kHz is still 440 Hz (zero crossings, 0.01 Hz)
    /// with the same amplitude (RMS within 0.5%).
    @Test func resampledSineKeepsItsFrequencyAndAmplitude() throws {
        let original = sine(frequency: 440, sampleRate: 16000, count: 16000)
        let resampled = try AudioResampler.resample(original, from: 16000, to: 22050)
        #expect(resampled.count == 22050)
        let interior = 1000..<21050
        #expect(abs(zeroCrossingFrequency(resampled, sampleRate: 22050, range: interior) - 440) < 0.01)
        let rms = (interior.map { Double(resampled[$0]) * Double(resampled[$0]) }.reduce(0, +)
                   / Double(interior.count)).squareRoot()
        #expect(abs(rms - 0.5 / 2.0.squareRoot()) < 0.005 * 0.5 / 2.0.squareRoot())
    }

    @Test func readCanResampleOnTheWay() throws {
        let clip = try AudioFile.read(MediaFixtures.parity("speech_16k.wav"), sampleRate: 8000)
        #expect(clip.sampleRate == 8000)
        #expect(clip.samples.count == (71347 + 1) / 2)
    }

    @Test func resamplerArgumentErrors() {
        #expect(throws: AudioError.self) { try AudioResampler.resample([0, 1], from: 0, to: 8000) }
        #expect(throws: AudioError.self) { try AudioResampler.resample([0, 1], from: 8000, to: 2_000_000) }
        #expect(try! AudioResampler.resample([0.25, 0.5], from: 8000, to: 8000) == [0.25, 0.5])
        #expect(try! AudioResampler.resample([], from: 8000, to: 16000) == [])
    }
}
