// MelFilterBank: triangular mel filters over FFT bins, as librosa.filters.mel builds them:
// n_mels + 2 points evenly spaced on the mel scale between fmin and fmax (Slaney's scale,
// linear below 1 kHz and logarithmic above, or HTK's 2595 log10(1 + f/700)), each filter
// rising from point i to i+1 and falling to i+2 over the bin frequencies linspace(0, sr/2),
// then (Slaney normalisation) scaled by 2 / (f[i+2] - f[i]) so each has unit area.
// Weights are kept in Double with each filter's non-zero bin range. Not here: the FFT
// or the spectrogram (ShortTimeFourierTransform.swift, MelSpectrogram.swift).

import FactoryTensor
import Foundation

/// Which mel scale converts between hertz and mels.
public enum MelScale: String, Sendable, Equatable, CaseIterable {
    /// Slaney's Auditory Toolbox scale (librosa's default, `htk=False`).
    case slaney
    /// The HTK formula 2595 log10(1 + f / 700) (`htk=True`).
    case htk

    /// Hertz to mels.
    public func mel(fromHertz frequency: Double) -> Double {
        switch self {
        case .htk:
            return 2595 * log10(1 + frequency / 700)
        case .slaney:
            let linearStep = 200.0 / 3, logStart = 1000.0
            if frequency < logStart { return frequency / linearStep }
            return logStart / linearStep + log(frequency / logStart) / MelScale.slaneyLogStep
        }
    }

    /// Mels to hertz.
    public func hertz(fromMel mel: Double) -> Double {
        switch self {
        case .htk:
            return 700 * (Foundation.pow(10, mel / 2595) - 1)
        case .slaney:
            let linearStep = 200.0 / 3, logStart = 1000.0, logStartMel = logStart / linearStep
            if mel < logStartMel { return mel * linearStep }
            return logStart * Foundation.exp(MelScale.slaneyLogStep * (mel - logStartMel))
        }
    }

    /// ln(6.4) / 27: the step of Slaney's logarithmic region, per mel.
    static let slaneyLogStep = log(6.4) / 27
}

/// How each mel filter is scaled.
public enum MelNormalization: String, Sendable, Equatable, CaseIterable {
    /// Unit area: divide by half the filter's width in hertz (librosa `norm='slaney'`).
    case slaney
    /// Peak 1 (librosa `norm=None`).
    case none
}

/// Triangular mel filters over the bins of an FFT.
public struct MelFilterBank: Sendable {
    /// The number of filters (mel channels).
    public let melCount: Int
    /// The number of FFT bins each filter spans, `fftSize / 2 + 1`.
    public let binCount: Int
    /// Per filter: the first bin with a non-zero weight and the weights from there on.
    let filters: [(firstBin: Int, weights: [Double])]

    /// Builds the filters.
    /// - Parameters:
    ///   - sampleRate: samples per second of the audio.
    ///   - fftSize: n_fft of the spectrogram.
    ///   - melCount: number of filters.
    ///   - minimumFrequency: lowest edge in hertz (≥ 0).
    ///   - maximumFrequency: highest edge in hertz; nil for `sampleRate / 2`.
    ///   - scale: Slaney (librosa default) or HTK.
    ///   - normalization: Slaney unit area (librosa default) or peak 1.
    /// - Throws: `SpectrogramError.invalidSetting` naming the setting.
    public init(
        sampleRate: Int, fftSize: Int, melCount: Int, minimumFrequency: Double = 0, maximumFrequency: Double? = nil,
        scale: MelScale = .slaney, normalization: MelNormalization = .slaney
    ) throws(SpectrogramError) {
        guard sampleRate >= 1 else { throw .invalidSetting(name: "sampleRate", value: "\(sampleRate)", requirement: "at least 1") }
        guard fftSize >= 1 else { throw .invalidSetting(name: "fftSize", value: "\(fftSize)", requirement: "at least 1") }
        guard melCount >= 1 else { throw .invalidSetting(name: "melCount", value: "\(melCount)", requirement: "at least 1") }
        let nyquist = Double(sampleRate) / 2
        let top = maximumFrequency ?? nyquist
        guard minimumFrequency.isFinite && minimumFrequency >= 0 else {
            throw .invalidSetting(name: "minimumFrequency", value: "\(minimumFrequency)", requirement: "a frequency ≥ 0 Hz")
        }
        guard top.isFinite && top > minimumFrequency && top <= nyquist else {
            throw .invalidSetting(name: "maximumFrequency", value: "\(top)",
                                  requirement: "above minimumFrequency (\(minimumFrequency) Hz) and at most half the sample rate (\(nyquist) Hz)")
        }
        let bins = fftSize / 2 + 1
        self.melCount = melCount
        self.binCount = bins
        // Bin centre frequencies: numpy.linspace(0, sr/2, bins).
        let binFrequencies = (0..<bins).map { bins == 1 ? 0 : nyquist * Double($0) / Double(bins - 1) }
        let lowMel = scale.mel(fromHertz: minimumFrequency), highMel = scale.mel(fromHertz: top)
        let points = (0..<(melCount + 2)).map { index in
            scale.hertz(fromMel: lowMel + (highMel - lowMel) * Double(index) / Double(melCount + 1))
        }
        var filters: [(firstBin: Int, weights: [Double])] = []
        for filter in 0..<melCount {
            let left = points[filter], middle = points[filter + 1], right = points[filter + 2]
            let area = normalization == .slaney ? 2 / (right - left) : 1
            var weights = [Double](repeating: 0, count: bins)
            for bin in 0..<bins {
                let rising = (binFrequencies[bin] - left) / (middle - left)
                let falling = (right - binFrequencies[bin]) / (right - middle)
                weights[bin] = Swift.max(0, Swift.min(rising, falling)) * area
            }
            let first = weights.firstIndex { $0 != 0 } ?? 0
            let last = weights.lastIndex { $0 != 0 } ?? -1
            filters.append((first, last >= first ? Array(weights[first...last]) : []))
        }
        self.filters = filters
    }

    /// The filters as a dense `[melCount, binCount]` matrix (librosa's `mel_basis`).
    public var matrix: Tensor {
        var values = [Float](repeating: 0, count: melCount * binCount)
        for (filter, entry) in filters.enumerated() {
            for (offset, weight) in entry.weights.enumerated() {
                values[filter * binCount + entry.firstBin + offset] = Float(weight)
            }
        }
        return Tensor(values, shape: [melCount, binCount])
    }

    /// Writes the `melCount` filter outputs of one spectrum (`binCount` powers) to `output`.
    func apply(_ powers: UnsafePointer<Double>, to output: UnsafeMutablePointer<Double>) {
        for (filter, entry) in filters.enumerated() {
            var sum = 0.0
            for (offset, weight) in entry.weights.enumerated() { sum += weight * powers[entry.firstBin + offset] }
            output[filter] = sum
        }
    }
}
