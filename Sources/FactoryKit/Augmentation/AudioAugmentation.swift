// AudioAugmentation: the training-time audio transforms of the core, as pure functions:
// on waveforms ([Float] samples) a gain in decibels, Gaussian noise at a given
// signal-to-noise ratio and a time shift with zero fill; on spectrograms [frames, bins]
// (FactoryIO's MelSpectrogram layout) SpecAugment's time and frequency masks. The random
// ones take the generator they draw from. Not here: deciding when to augment
// (BatchAugmentation), reading audio or computing spectrograms (FactoryIO).

import Foundation

/// Audio transforms for data augmentation.
public enum AudioAugmentation {
    /// Scales the samples by `10^(decibels / 20)`.
    public static func gain(_ samples: [Float], decibels: Double) -> [Float] {
        let factor = Float(pow(10, decibels / 20))
        return samples.map { $0 * factor }
    }

    /// Adds white Gaussian noise scaled so that the signal-to-noise power ratio is exactly
    /// `snrDecibels` (the drawn noise is rescaled to the target power). Silence (zero power)
    /// is returned unchanged.
    /// - Parameters:
    ///   - samples: the waveform.
    ///   - snrDecibels: `10 log10(signal power / noise power)`.
    ///   - generator: the random source of the noise.
    public static func addNoise(_ samples: [Float], snrDecibels: Double, generator: inout SeededGenerator) -> [Float] {
        let signalPower = power(samples)
        guard signalPower > 0 else { return samples }
        var noise = samples.map { _ in generator.nextNormal() }
        let noisePower = power(noise)
        guard noisePower > 0 else { return samples }
        let scale = Float((signalPower / pow(10, snrDecibels / 10) / noisePower).squareRoot())
        for index in noise.indices { noise[index] = samples[index] + noise[index] * scale }
        return noise
    }

    /// Shifts the waveform by `offset` samples (positive: later), filling with zeros.
    public static func timeShift(_ samples: [Float], offset: Int) -> [Float] {
        guard offset != 0 else { return samples }
        var result = [Float](repeating: 0, count: samples.count)
        for index in samples.indices {
            let target = index + offset
            if target >= 0 && target < samples.count { result[target] = samples[index] }
        }
        return result
    }

    /// Sets frames `range` of a spectrogram [frames, bins] to `fill` (SpecAugment time mask).
    public static func maskTime(_ spectrogram: Tensor, frames range: Range<Int>, fill: Float = 0) -> Tensor {
        let (frames, bins) = dimensions(spectrogram, "maskTime")
        var values = spectrogram.scalars
        for frame in range.clamped(to: 0..<frames) {
            for bin in 0..<bins { values[frame * bins + bin] = fill }
        }
        return Tensor(values, shape: spectrogram.shape)
    }

    /// Sets bins `range` of a spectrogram [frames, bins] to `fill` (SpecAugment frequency mask).
    public static func maskFrequency(_ spectrogram: Tensor, bins range: Range<Int>, fill: Float = 0) -> Tensor {
        let (frames, bins) = dimensions(spectrogram, "maskFrequency")
        var values = spectrogram.scalars
        for frame in 0..<frames {
            for bin in range.clamped(to: 0..<bins) { values[frame * bins + bin] = fill }
        }
        return Tensor(values, shape: spectrogram.shape)
    }

    /// A random mask range as SpecAugment draws it: a width uniform in `0...maximumWidth`
    /// (at most `size`) and a start uniform over the positions where it fits.
    public static func randomMaskRange(size: Int, maximumWidth: Int, generator: inout SeededGenerator) -> Range<Int> {
        let width = Int(generator.next() % UInt64(Swift.max(0, Swift.min(maximumWidth, size)) + 1))
        let start = Int(generator.next() % UInt64(size - width + 1))
        return start ..< start + width
    }

    /// The mean power (mean square) of the samples, in Double.
    public static func power(_ samples: [Float]) -> Double {
        guard !samples.isEmpty else { return 0 }
        return samples.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(samples.count)
    }

    static func dimensions(_ spectrogram: Tensor, _ operation: String) -> (Int, Int) {
        precondition(spectrogram.rank == 2, "AudioAugmentation.\(operation): expected a spectrogram [frames, bins], got shape \(spectrogram.shape)")
        return (spectrogram.shape[0], spectrogram.shape[1])
    }
}
