// MelSpectrogram: librosa.feature.melspectrogram as a Swift value — the power spectrogram of
// each frame (ShortTimeFourierTransform.swift) passed through triangular mel filters
// (MelFilterBank.swift), in Double until the Float32 output [frames, n_mels]. The defaults
// are the GE2E speaker encoder's front end: 16 kHz, n_fft 400 (25 ms), hop 160 (10 ms),
// 40 mels, Slaney scale and area, power 2, not log. Frames run on several threads.
// Not here: log compression, normalisation, voice-activity trimming, resampling.

import FactoryTensor
import Foundation

/// A mel power spectrogram, as `librosa.feature.melspectrogram` computes it.
///
/// ```swift
/// let mel = try MelSpectrogram()                       // GE2E defaults
/// let clip = try AudioFile.read(url, sampleRate: 16_000)
/// let features = try mel(clip.samples)                // [frames, 40]
/// ```
public struct MelSpectrogram: Sendable {
    /// Every setting of the front end, with librosa's (and GE2E's) defaults.
    public struct Configuration: Sendable, Equatable {
        /// Samples per second the audio must have.
        public var sampleRate = 16_000
        /// n_fft: samples per FFT frame.
        public var fftSize = 400
        /// Samples between frames.
        public var hopLength = 160
        /// Hann window length; nil for `fftSize`.
        public var windowLength: Int? = nil
        /// Centre frame t on sample t·hop (pad `fftSize / 2` at each end).
        public var center = true
        /// Padding of centred frames: zeros (librosa ≥ 0.10, the default) or reflection
        /// (librosa < 0.10).
        public var padding = SpectrogramPadding.constant
        /// Exponent of the magnitude: 2 for power.
        public var power = 2.0
        /// Number of mel filters.
        public var melCount = 40
        /// Lowest filter edge in hertz.
        public var minimumFrequency = 0.0
        /// Highest filter edge in hertz; nil for `sampleRate / 2`.
        public var maximumFrequency: Double? = nil
        /// Slaney (librosa's default) or HTK mel scale.
        public var scale = MelScale.slaney
        /// Slaney unit-area filters (librosa's default) or peak 1.
        public var normalization = MelNormalization.slaney

        /// The GE2E defaults; change fields to taste.
        public init() {}
    }

    /// The settings this spectrogram was built with.
    public let configuration: Configuration
    /// The framing, window and FFT.
    public let spectrogram: PowerSpectrogram
    /// The mel filters.
    public let filterBank: MelFilterBank

    /// Builds the front end, checking every setting.
    /// - Throws: `SpectrogramError.invalidSetting` naming the setting.
    public init(_ configuration: Configuration = Configuration()) throws(SpectrogramError) {
        self.configuration = configuration
        spectrogram = try PowerSpectrogram(
            fftSize: configuration.fftSize, hopLength: configuration.hopLength, windowLength: configuration.windowLength,
            center: configuration.center, padding: configuration.padding, power: configuration.power)
        filterBank = try MelFilterBank(
            sampleRate: configuration.sampleRate, fftSize: configuration.fftSize, melCount: configuration.melCount,
            minimumFrequency: configuration.minimumFrequency, maximumFrequency: configuration.maximumFrequency,
            scale: configuration.scale, normalization: configuration.normalization)
    }

    /// The number of frames for `sampleCount` samples.
    public func frameCount(sampleCount: Int) -> Int { spectrogram.frameCount(sampleCount: sampleCount) }

    /// The mel spectrogram of `samples` (mono, at ``Configuration/sampleRate``).
    /// - Returns: `[frames, melCount]`, Float32.
    /// - Throws: `SpectrogramError.emptyAudio`, or `.audioShorterThanWindow` without centring.
    public func callAsFunction(_ samples: [Float]) throws(SpectrogramError) -> Tensor {
        try spectrogram.checkLength(samples.count)
        let frames = frameCount(sampleCount: samples.count), mels = filterBank.melCount
        let output = Tensor.uninitialized([frames, mels])
        let target = UncheckedSendable(output.storage.pointer)
        samples.withUnsafeBufferPointer { signal in
            let source = UncheckedSendable(signal)
            Parallel.forEachRange(frames, costPerItem: 16 * spectrogram.fftSize) { range in
                let framer = FramePowers(spectrogram)
                var melValues = [Double](repeating: 0, count: mels)
                for frame in range {
                    framer.power(frame: frame, of: source.value)
                    framer.powers.withUnsafeBufferPointer { powers in
                        melValues.withUnsafeMutableBufferPointer { values in
                            filterBank.apply(powers.baseAddress!, to: values.baseAddress!)
                        }
                    }
                    let row = target.value + frame * mels
                    for mel in 0..<mels { row[mel] = Float(melValues[mel]) }
                }
            }
        }
        return output
    }

    /// The mel spectrogram of a clip, which must be at ``Configuration/sampleRate``.
    /// - Throws: `SpectrogramError.invalidSetting` when the clip's rate differs (resample
    ///   it with `AudioFile.read(_:sampleRate:)`), or the errors of ``callAsFunction(_:)``.
    public func callAsFunction(_ clip: AudioClip) throws(SpectrogramError) -> Tensor {
        guard clip.sampleRate == configuration.sampleRate else {
            throw .invalidSetting(name: "the clip's sample rate", value: "\(clip.sampleRate) Hz",
                                  requirement: "\(configuration.sampleRate) Hz; read the file with AudioFile.read(url, sampleRate: \(configuration.sampleRate))")
        }
        return try self(clip.samples)
    }
}
