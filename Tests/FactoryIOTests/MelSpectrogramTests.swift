// MelSpectrogramTests: the audio front end piece by piece against values known in closed
// form: the power of an on-bin sine through a periodic Hann window, the Hann window's DC
// and first bins, numpy's reflect and constant padding, the Slaney and HTK mel scales, the
// first Slaney filter worked out by hand, unit filter area, frame counts, and the typed
// errors of bad settings and input. Parity with librosa on real speech is in
// FactoryModelsTests (GE2EParityTests), next to the encoder that consumes it.

import FactoryIO
import FactoryTensor
import Foundation
import Testing

@Suite struct MelSpectrogramTests {
    /// A 1 kHz sine of amplitude A = 0.5 sits exactly on bin 25 (40 Hz bins at 16 kHz, n_fft
    /// 400). Through a periodic Hann window its interior frames have |X_25| = A·N/4 = 50 and
    /// |X_24| = |X_26| = A·N/8 = 25, so powers 2500 and 625, and nothing elsewhere.
    @Test func onBinSineThroughHannWindow() throws {
        let samples = (0..<16_000).map { Float(0.5 * sin(2 * Double.pi * 1000 * Double($0) / 16_000)) }
        let spectrogram = try PowerSpectrogram()
        let powers = try spectrogram(samples)
        #expect(powers.shape == [101, 201])
        // Float32 samples carry 6e-8 relative rounding, so the powers are within 1e-5 relative.
        for frame in [5, 50, 95] {
            #expect(abs(powers[frame, 25] - 2500) <= 2500 * 1e-5, "frame \(frame): \(powers[frame, 25])")
            #expect(abs(powers[frame, 24] - 625) <= 625 * 1e-5 && abs(powers[frame, 26] - 625) <= 625 * 1e-5)
            for bin in 0..<201 where !(24...26).contains(bin) {
                #expect(powers[frame, bin] < 1e-6, "frame \(frame) bin \(bin): \(powers[frame, bin])")
            }
        }
    }

    /// A constant 1 through the periodic Hann window: Σw = N/2 exactly (the symmetric window
    /// would give (N-1)/2), and the cosine term puts N/4 in bin 1.
    @Test func periodicHannWindowSumsToHalfItsLength() throws {
        let spectrogram = try PowerSpectrogram(fftSize: 400, hopLength: 160)
        let powers = try spectrogram([Float](repeating: 1, count: 4000))
        #expect(abs(powers[10, 0] - 40_000) <= 40_000 * 1e-6)   // (N/2)²
        #expect(abs(powers[10, 1] - 10_000) <= 10_000 * 1e-6)   // (N/4)²
        #expect(powers[10, 2] < 1e-6)
    }

    /// Frame 0 of a 5-sample signal with n_fft 16 spans samples -8..<8: with reflection these
    /// are numpy.pad([1,2,3,4,5], 8, 'reflect')[0:16]; with constant padding, zeros around.
    @Test(arguments: SpectrogramPadding.allCases)
    func centredFramesArePaddedAsNumpyDoes(padding: SpectrogramPadding) throws {
        let signal: [Float] = [1, 2, 3, 4, 5]
        let framed: [Double] = padding == .reflect
            ? [1, 2, 3, 4, 5, 4, 3, 2, 1, 2, 3, 4, 5, 4, 3, 2]      // numpy's output, copied
            : [0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 0, 0, 0]
        let spectrogram = try PowerSpectrogram(fftSize: 16, hopLength: 4, padding: padding)
        let powers = try spectrogram(signal)
        #expect(powers.shape == [2, 9])
        let windowed = framed.enumerated().map { $0.element * (0.5 - 0.5 * cos(2 * Double.pi * Double($0.offset) / 16)) }
        let reference = naiveDFT(real: windowed, imaginary: [Double](repeating: 0, count: 16))
        for bin in 0..<9 {
            let expected = reference.real[bin] * reference.real[bin] + reference.imaginary[bin] * reference.imaginary[bin]
            #expect(abs(Double(powers[0, bin]) - expected) <= 1e-5 * max(1, expected), "bin \(bin): \(powers[0, bin]) vs \(expected)")
        }
    }

    @Test func melScales() {
        // Slaney: linear 200/3 Hz per mel below 1 kHz (so 1 kHz is mel 15), log step ln(6.4)/27 above.
        #expect(abs(MelScale.slaney.mel(fromHertz: 1000) - 15) < 1e-12)
        #expect(abs(MelScale.slaney.mel(fromHertz: 8000) - (15 + 27 * log(8) / log(6.4))) < 1e-12)
        #expect(abs(MelScale.slaney.mel(fromHertz: 500) - 7.5) < 1e-12)
        // HTK: 2595 log10(1 + f/700).
        #expect(abs(MelScale.htk.mel(fromHertz: 700) - 2595 * log10(2)) < 1e-9)
        for scale in MelScale.allCases {
            for frequency in [0.0, 40, 500, 999.9, 1000, 1000.1, 4000, 8000, 11_025] {
                let back = scale.hertz(fromMel: scale.mel(fromHertz: frequency))
                #expect(abs(back - frequency) < 1e-9 * max(1, frequency), "\(scale) \(frequency) Hz -> \(back) Hz")
            }
        }
    }

    /// 16 kHz, n_fft 400, 40 mels: the points are k·Δ mels with Δ = mel(8000) / 41, all three
    /// of the first filter in the linear region (f = 200/3 · mel). Bins are 40 Hz apart, so
    /// the first filter is 0 at 0 Hz, rises to 40/f₁ and falls through (f₂-80)/f₁ and
    /// (f₂-120)/f₁ (f₂ = 2f₁), times the area factor 2 / f₂.
    @Test func firstSlaneyFilterByHand() throws {
        let bank = try MelFilterBank(sampleRate: 16_000, fftSize: 400, melCount: 40)
        let matrix = bank.matrix
        #expect(matrix.shape == [40, 201])
        let delta = (15 + 27 * log(8) / log(6.4)) / 41
        let f1 = 200.0 / 3 * delta, f2 = 2 * f1
        let expected = [0, 40 / f1, (f2 - 80) / f1, (f2 - 120) / f1, 0].map { $0 * 2 / f2 }
        for (bin, value) in expected.enumerated() {
            #expect(abs(Double(matrix[0, bin]) - value) < 1e-7, "bin \(bin): \(matrix[0, bin]) vs \(value)")
        }
        #expect(matrix.scalars[5..<201].allSatisfy { $0 == 0 })
        // The last filter ends at the Nyquist frequency: its last weight (8000 Hz) is 0.
        #expect(matrix[39, 200] == 0 && matrix[39, 199] > 0)
    }

    /// Slaney normalisation gives each triangle unit area: with 0.98 Hz bins the Riemann sum
    /// Σ w·Δf is within 1e-3 of 1 (the kinks cost O(Δf² · slope change)).
    @Test func slaneyFiltersHaveUnitArea() throws {
        let bank = try MelFilterBank(sampleRate: 16_000, fftSize: 16_384, melCount: 40)
        let matrix = bank.matrix, binWidth = 8000.0 / 8192
        for filter in 0..<40 {
            let area = (0..<bank.binCount).reduce(0.0) { $0 + Double(matrix[filter, $1]) } * binWidth
            #expect(abs(area - 1) < 1e-3, "filter \(filter): area \(area)")
        }
        let peaked = try MelFilterBank(sampleRate: 16_000, fftSize: 16_384, melCount: 40, normalization: .none)
        #expect(abs(peaked.matrix.scalars.max()! - 1) < 1e-2)
    }

    @Test func frameCounts() throws {
        let mel = try MelSpectrogram()
        #expect(mel.frameCount(sampleCount: 71_347) == 446)      // the parity clip
        #expect(mel.frameCount(sampleCount: 1) == 1)
        #expect(mel.frameCount(sampleCount: 160) == 2)
        var configuration = MelSpectrogram.Configuration()
        configuration.center = false
        let uncentred = try MelSpectrogram(configuration)
        #expect(uncentred.frameCount(sampleCount: 1000) == 4)     // 1 + (1000 - 400) / 160
        #expect(try uncentred([Float](repeating: 0.1, count: 1000)).shape == [4, 40])
        #expect(try mel([Float](repeating: 0.1, count: 1)).shape == [1, 40])
    }

    @Test func badSettingsAndInputThrowTypedErrors() throws {
        var configuration = MelSpectrogram.Configuration()
        configuration.fftSize = 0
        #expect(throws: SpectrogramError.invalidSetting(name: "fftSize", value: "0", requirement: "at least 1")) {
            try MelSpectrogram(configuration)
        }
        configuration = MelSpectrogram.Configuration()
        configuration.hopLength = -1
        #expect(throws: SpectrogramError.self) { try MelSpectrogram(configuration) }
        configuration = MelSpectrogram.Configuration()
        configuration.maximumFrequency = 9000
        do {
            _ = try MelSpectrogram(configuration)
            Issue.record("a maximum frequency above Nyquist was accepted")
        } catch {
            #expect(error.description.contains("maximumFrequency") && error.description.contains("8000"))
        }
        configuration = MelSpectrogram.Configuration()
        configuration.melCount = 0
        #expect(throws: SpectrogramError.self) { try MelSpectrogram(configuration) }
        configuration = MelSpectrogram.Configuration()
        configuration.power = 0
        #expect(throws: SpectrogramError.self) { try MelSpectrogram(configuration) }

        let mel = try MelSpectrogram()
        #expect(throws: SpectrogramError.emptyAudio) { try mel([Float]()) }
        configuration = MelSpectrogram.Configuration()
        configuration.center = false
        #expect(throws: SpectrogramError.audioShorterThanWindow(samples: 399, fftSize: 400)) {
            try MelSpectrogram(configuration)([Float](repeating: 0, count: 399))
        }
        let clip = AudioClip(samples: [0, 0.1, 0.2], sampleRate: 8000)
        do {
            _ = try mel(clip)
            Issue.record("an 8 kHz clip was accepted by a 16 kHz front end")
        } catch {
            #expect(error.description.contains("8000 Hz") && error.description.contains("sampleRate: 16000"))
        }
    }

    /// Power 1 is the magnitude: its square is the power spectrum.
    @Test func magnitudeIsTheSquareRootOfPower() throws {
        let samples: [Float] = (0..<3200).map { index in
            let time = Double(index)
            return Float(0.3 * sin(time * 0.37) + 0.2 * cos(time * 0.05))
        }
        let power = try PowerSpectrogram(power: 2)(samples).scalars
        let magnitude = try PowerSpectrogram(power: 1)(samples).scalars
        var largest: Float = 0
        for (p, m) in zip(power, magnitude) { largest = max(largest, abs(m * m - p) / max(1, p)) }
        #expect(largest <= 1e-5)
    }
}
