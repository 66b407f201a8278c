// GE2EParityTests: the speaker encoder and its mel front end against what PyTorch and
// librosa output (../shared/fixtures/parity/ge2e.safetensors, see its README): the mel
// spectrogram of the speech clip, the embedding of its first 160 frames with resemblyzer's
// real weights (installed through the model store), and three parameter gradients of
// sum(embedding[0] * probe) computed by our autodiff.
//
// A quirk of the fixture: `mel` is declared [446, 40] but its elements are stored in
// librosa's own [40, 446] order (mel-major). `partial`, its first 160 frames, is stored
// correctly; the first test proves the reading from the fixture alone, before comparing.

import FactoryModels
import FactoryTensor
import Foundation
import Testing
import TestSupport

@Suite struct GE2EParityTests {
    static let fixture = TokenizerParity.parityFixturesDirectory.appendingPathComponent("ge2e.safetensors")
    /// Forward outputs (README): within 1e-4 absolute. The mel values reach 12.7, where a
    /// Float32 ulp is 1e-6, so 1e-4 absolute is still a meaningful bound there.
    static let forwardTolerance: Float = 1e-4
    /// Gradients (README): within 1e-3 of each gradient's largest magnitude.
    static let gradientTolerance: Float = 1e-3

    static func tensor(_ name: String) throws -> Tensor {
        try SafetensorsFile(contentsOf: fixture).tensor(named: name)
    }

    /// The fixture's mel spectrogram as [frames, 40], undoing its mel-major storage.
    static func librosaMel() throws -> Tensor {
        let stored = try tensor("mel")
        #expect(stored.shape == [446, 40])
        return stored.reshaped([40, 446]).transposed().contiguous()
    }

    /// resemblyzer's encoder, installed through the model store.
    static func pretrainedEncoder() throws -> GE2ESpeakerEncoder {
        try GE2ESpeakerEncoder.load(from: InstalledBackbones.store(with: "ge2e")).encoder
    }

    @Test func fixtureMelIsStoredMelMajor() throws {
        let mel = try Self.librosaMel()
        let partial = try Self.tensor("partial")
        #expect(partial.shape == [1, 160, 40])
        // Exact: both are the same librosa output, stored two ways.
        #expect(partial.scalars == mel.sliced(axis: 0, 0..<160).scalars)
    }

    @Test func melSpectrogramMatchesLibrosa() throws {
        let wav = try Self.tensor("wav").scalars
        let expected = try Self.librosaMel()
        let mel = try MelSpectrogram()(wav)
        #expect(mel.shape == [446, 40])
        let error = TestData.maximumDifference(mel.scalars, expected.scalars)
        print("GE2E parity: mel max abs error \(error) (largest value \(expected.scalars.max()!))")
        #expect(error <= Self.forwardTolerance)
    }

    /// The fixture was made with librosa ≥ 0.10, which pads centred frames with zeros. Its
    /// first frame (half padding, values about 1e-17 in the leading near-silence) tells the
    /// two paddings apart: zeros match within 1e-3 relative, reflection is off by far more.
    @Test func fixtureFramesArePaddedWithZeros() throws {
        let wav = try Self.tensor("wav").scalars
        let expected = Array(try Self.librosaMel().scalars[0..<40])
        func firstFrameRelativeError(_ padding: SpectrogramPadding) throws -> Float {
            var configuration = MelSpectrogram.Configuration()
            configuration.padding = padding
            let first = Array(try MelSpectrogram(configuration)(wav).scalars[0..<40])
            var largest: Float = 0
            for (ours, theirs) in zip(first, expected) where theirs > 0 {
                largest = max(largest, abs(ours - theirs) / theirs)
            }
            return largest
        }
        #expect(try firstFrameRelativeError(.constant) < 1e-3)
        #expect(try firstFrameRelativeError(.reflect) > 0.1)
    }

    /// The WAV file itself, decoded by AudioFile, gives the fixture's samples and mel.
    @Test func speechFileThroughAudioFileAndMel() throws {
        let url = TokenizerParity.parityFixturesDirectory.appendingPathComponent("speech_16k.wav")
        let clip = try AudioFile.read(url, sampleRate: 16_000)
        #expect(clip.samples == (try Self.tensor("wav").scalars))   // float WAV: bit for bit
        let mel = try MelSpectrogram()(clip)
        #expect(TestData.maximumDifference(mel.scalars, try Self.librosaMel().scalars) <= Self.forwardTolerance)
    }

    @Test func embeddingMatchesPyTorch() throws {
        let encoder = try Self.pretrainedEncoder()
        let partial = try Self.tensor("partial")
        let expected = try Self.tensor("embedding")
        let embedding = withoutGradients { encoder(partial) }
        #expect(embedding.shape == [1, 256])
        let error = TestData.maximumDifference(embedding.scalars, expected.scalars)
        print("GE2E parity: embedding max abs error \(error)")
        #expect(error <= Self.forwardTolerance)
        // Unit length, as the encoder's last step promises.
        let norm = embedding.scalars.reduce(0) { $0 + $1 * $1 }.squareRoot()
        #expect(abs(norm - 1) < 1e-6)
    }

    /// From the WAV samples through our mel to the embedding: the front end's 1e-6-sized
    /// differences do not grow past the forward tolerance.
    @Test func embeddingFromOurMelMatchesPyTorch() throws {
        let encoder = try Self.pretrainedEncoder()
        let mel = try MelSpectrogram()(try Self.tensor("wav").scalars)
        let embedding = withoutGradients { encoder(mel.sliced(axis: 0, 0..<160).unsqueezed(axis: 0)) }
        let error = TestData.maximumDifference(embedding.scalars, try Self.tensor("embedding").scalars)
        print("GE2E parity: embedding from our mel, max abs error \(error)")
        #expect(error <= Self.forwardTolerance)
    }

    @Test func gradientsMatchPyTorch() throws {
        // A fresh load: the gradients accumulate into this encoder's parameters only.
        let encoder = try Self.pretrainedEncoder()
        let partial = try Self.tensor("partial"), probe = try Self.tensor("probe")
        let embedding = encoder(partial)
        (embedding.selecting(axis: 0, index: 0) * probe).sum().backward()
        let parameters = encoder.stateDictionary()
        for name in ["lstm.weight_ih_l0", "lstm.weight_hh_l2", "linear.weight"] {
            let expected = try Self.tensor("grad." + name).scalars
            let gradient = try #require(parameters[name]?.gradient, "\(name) has no gradient")
            let scale = expected.map(abs).max()!
            let error = TestData.maximumDifference(gradient.scalars, expected)
            print("GE2E parity: grad.\(name) max abs error \(error), relative to max-abs \(error / scale)")
            #expect(error <= Self.gradientTolerance * scale, "\(name): error \(error), max-abs \(scale)")
        }
    }
}
