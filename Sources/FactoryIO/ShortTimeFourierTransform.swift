// ShortTimeFourierTransform: framing, windowing and the power spectrum of each frame, as
// librosa.stft followed by |·|^power computes them: a periodic Hann window
// (scipy get_window('hann', n, fftbins=True)), frames centred on t·hop by padding n_fft/2
// samples each side (zeros, librosa ≥ 0.10's default, or numpy-style reflection), and a
// real FFT per frame in Double. Output [frames, n_fft/2 + 1], Float32. Frames run on
// several threads for long audio. Not here: mel filters (MelFilterBank.swift), phase or
// complex output, inverse transforms.

import FactoryTensor
import Foundation

/// How centred frames are padded at the ends of the signal.
public enum SpectrogramPadding: String, Sendable, Equatable, CaseIterable {
    /// Zeros, as librosa 0.10 and later (`pad_mode='constant'`).
    case constant
    /// The signal mirrored without repeating its end sample (numpy `mode='reflect'`), as
    /// librosa before 0.10.
    case reflect
}

/// The power spectrogram of mono audio.
public struct PowerSpectrogram: Sendable {
    /// Samples per FFT frame, n_fft.
    public let fftSize: Int
    /// Samples between the starts of consecutive frames.
    public let hopLength: Int
    /// Length of the Hann window, centred in the frame (≤ ``fftSize``).
    public let windowLength: Int
    /// Whether frame t is centred on sample t·hop (padding both ends) or starts there.
    public let center: Bool
    /// How the ends are padded when centring.
    public let padding: SpectrogramPadding
    /// The exponent applied to each bin's magnitude (2: power, 1: magnitude).
    public let power: Double

    let plan: RealFFTPlan
    /// The window padded to ``fftSize``.
    let window: [Double]

    /// Creates the transform, checking every setting.
    /// - Parameters:
    ///   - fftSize: n_fft, samples per frame (≥ 1).
    ///   - hopLength: samples between frames (≥ 1).
    ///   - windowLength: Hann window length, nil for `fftSize`.
    ///   - center: centre frames on t·hop by padding `fftSize / 2` samples at each end.
    ///   - padding: zeros (librosa ≥ 0.10) or reflection (librosa < 0.10).
    ///   - power: 2 for power, 1 for magnitude; any positive exponent.
    /// - Throws: `SpectrogramError.invalidSetting` naming the setting.
    public init(
        fftSize: Int = 400, hopLength: Int = 160, windowLength: Int? = nil, center: Bool = true,
        padding: SpectrogramPadding = .constant, power: Double = 2
    ) throws(SpectrogramError) {
        guard fftSize >= 1 else { throw .invalidSetting(name: "fftSize", value: "\(fftSize)", requirement: "at least 1") }
        guard hopLength >= 1 else { throw .invalidSetting(name: "hopLength", value: "\(hopLength)", requirement: "at least 1") }
        let windowLength = windowLength ?? fftSize
        guard (1...fftSize).contains(windowLength) else {
            throw .invalidSetting(name: "windowLength", value: "\(windowLength)", requirement: "between 1 and fftSize (\(fftSize))")
        }
        guard power.isFinite && power > 0 else {
            throw .invalidSetting(name: "power", value: "\(power)", requirement: "a positive number (2 for power, 1 for magnitude)")
        }
        self.fftSize = fftSize
        self.hopLength = hopLength
        self.windowLength = windowLength
        self.center = center
        self.padding = padding
        self.power = power
        self.plan = RealFFTPlan(size: fftSize)
        self.window = PowerSpectrogram.hannWindow(length: windowLength, paddedTo: fftSize)
    }

    /// The number of frequency bins, `fftSize / 2 + 1`.
    public var binCount: Int { fftSize / 2 + 1 }

    /// The number of frames for `sampleCount` samples: `1 + sampleCount / hop` when centred
    /// (even `fftSize`), `1 + (sampleCount - fftSize) / hop` otherwise.
    public func frameCount(sampleCount: Int) -> Int {
        if center { return 1 + (sampleCount + 2 * (fftSize / 2) - fftSize) / hopLength }
        return sampleCount >= fftSize ? 1 + (sampleCount - fftSize) / hopLength : 0
    }

    /// The power spectrogram of `samples`.
    /// - Returns: `[frames, fftSize / 2 + 1]`.
    /// - Throws: `SpectrogramError.emptyAudio`, or `.audioShorterThanWindow` without centring.
    public func callAsFunction(_ samples: [Float]) throws(SpectrogramError) -> Tensor {
        try checkLength(samples.count)
        let frames = frameCount(sampleCount: samples.count), bins = binCount
        let output = Tensor.uninitialized([frames, bins])
        let target = UncheckedSendable(output.storage.pointer)
        samples.withUnsafeBufferPointer { signal in
            let source = UncheckedSendable(signal)
            Parallel.forEachRange(frames, costPerItem: 16 * fftSize) { range in
                let framer = FramePowers(self)
                for frame in range {
                    framer.power(frame: frame, of: source.value)
                    let row = target.value + frame * bins
                    for bin in 0..<bins { row[bin] = Float(framer.powers[bin]) }
                }
            }
        }
        return output
    }

    func checkLength(_ count: Int) throws(SpectrogramError) {
        guard count > 0 else { throw .emptyAudio }
        if !center && count < fftSize { throw .audioShorterThanWindow(samples: count, fftSize: fftSize) }
    }

    /// The periodic Hann window 0.5 - 0.5 cos(2πj/N), j < N, centred in `paddedTo` samples
    /// (librosa's pad_center: (paddedTo - N) / 2 zeros before).
    static func hannWindow(length: Int, paddedTo size: Int) -> [Double] {
        var window = [Double](repeating: 0, count: size)
        let start = (size - length) / 2
        for j in 0..<length {
            window[start + j] = 0.5 - 0.5 * cos(2 * Double.pi * Double(j) / Double(length))
        }
        return window
    }
}

/// Per-thread buffers that turn one frame of a signal into its power spectrum.
final class FramePowers {
    let spectrogram: PowerSpectrogram
    let workspace: RealFFTPlan.Workspace
    var frame: [Double]
    var real: [Double]
    var imaginary: [Double]
    /// The last frame's powers, ``PowerSpectrogram/binCount`` values.
    var powers: [Double]

    init(_ spectrogram: PowerSpectrogram) {
        self.spectrogram = spectrogram
        workspace = spectrogram.plan.makeWorkspace()
        frame = [Double](repeating: 0, count: spectrogram.fftSize)
        real = [Double](repeating: 0, count: spectrogram.binCount)
        imaginary = real
        powers = real
    }

    /// Windows frame `index` of `signal` and leaves |FFT|^power in ``powers``.
    func power(frame index: Int, of signal: UnsafeBufferPointer<Float>) {
        let n = spectrogram.fftSize, count = signal.count
        let start = index * spectrogram.hopLength - (spectrogram.center ? n / 2 : 0)
        let reflect = spectrogram.center && spectrogram.padding == .reflect
        spectrogram.window.withUnsafeBufferPointer { window in
            frame.withUnsafeMutableBufferPointer { frame in
                for j in 0..<n {
                    let position = start + j
                    let sample: Float
                    if position >= 0 && position < count {
                        sample = signal[position]
                    } else if reflect {
                        sample = signal[PowerSpectrogram.reflectedIndex(position, count: count)]
                    } else {
                        sample = 0
                    }
                    frame[j] = Double(sample) * window[j]
                }
            }
        }
        frame.withUnsafeBufferPointer { input in
            real.withUnsafeMutableBufferPointer { re in
                imaginary.withUnsafeMutableBufferPointer { im in
                    spectrogram.plan.forward(input.baseAddress!, real: re.baseAddress!, imaginary: im.baseAddress!, workspace: workspace)
                }
            }
        }
        let exponent = spectrogram.power
        for bin in 0..<spectrogram.binCount {
            let squared = real[bin] * real[bin] + imaginary[bin] * imaginary[bin]
            powers[bin] = exponent == 2 ? squared : Foundation.pow(squared.squareRoot(), exponent)
        }
    }
}

extension PowerSpectrogram {
    /// numpy's `reflect` padding as an index map: the signal mirrored about its first and
    /// last samples (not repeating them), periodically for pads longer than the signal.
    static func reflectedIndex(_ position: Int, count: Int) -> Int {
        if count == 1 { return 0 }
        let period = 2 * (count - 1)
        var folded = position % period
        if folded < 0 { folded += period }
        return folded >= count ? period - folded : folded
    }
}
