// The augmentation transforms against hand-derived results: flips of a known tensor, crop
// boxes inside the image and resized, rotation by 0 (identity) and by 90 degrees, colour
// jitter formulas, gain in decibels, noise at a measured SNR, time shift, SpecAugment masks,
// token dropout's rate; and seeded reproducibility of the per-example generators.

import FactoryKit
import Foundation
import Testing

@Suite("Augmentation transforms")
struct AugmentationTransformTests {
    /// [2, 2, 3]: channel 0 holds 0...5, channel 1 holds 10...15, row-major.
    let image = Tensor([0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15].map { Float($0) / 20 }, shape: [2, 2, 3])

    @Test func horizontalAndVerticalFlips() {
        let horizontal = ImageAugmentation.horizontalFlip(image)
        #expect(horizontal.shape == [2, 2, 3])
        #expect(horizontal.scalars == [2, 1, 0, 5, 4, 3, 12, 11, 10, 15, 14, 13].map { Float($0) / 20 })
        let vertical = ImageAugmentation.verticalFlip(image)
        #expect(vertical.scalars == [3, 4, 5, 0, 1, 2, 13, 14, 15, 10, 11, 12].map { Float($0) / 20 })
        #expect(ImageAugmentation.horizontalFlip(horizontal).scalars == image.scalars, "flipping twice is the identity")
    }

    @Test func rotationByZeroIsTheIdentityAndByNinetyMovesCorners() {
        #expect(ImageAugmentation.rotate(image, degrees: 0).scalars == image.scalars)
        // A 3 x 3 single-channel image: 90 degrees counter-clockwise puts the top-right
        // corner at the top left (sampling hits pixel centres exactly; tolerance 1e-6).
        let square = Tensor((1...9).map(Float.init), shape: [1, 3, 3])
        let rotated = ImageAugmentation.rotate(square, degrees: 90).scalars
        let expected: [Float] = [3, 6, 9, 2, 5, 8, 1, 4, 7]
        for (value, target) in zip(rotated, expected) { #expect(abs(value - target) < 1e-6, "\(rotated)") }
    }

    @Test func randomCropBoxesStayInsideAndResizeBack() {
        var generator = SeededGenerator(seed: 3)
        for _ in 0..<500 {
            let box = ImageAugmentation.randomCropBox(height: 24, width: 32, scale: 0.2...1, ratio: 0.75...(4.0 / 3), generator: &generator)
            #expect(box.top >= 0 && box.left >= 0 && box.height >= 1 && box.width >= 1)
            #expect(box.top + box.height <= 24 && box.left + box.width <= 32, "\(box)")
            let area = Double(box.height * box.width) / Double(24 * 32)
            // Rounding the sides to whole pixels moves the area a little below the minimum at most.
            #expect(area >= 0.17 && area <= 1, "\(box)")
        }
        // The crop of a known box, at its own size, is exactly those pixels.
        let box = ImageCropBox(top: 0, left: 1, height: 2, width: 2)
        let crop = ImageAugmentation.resizedCrop(image, box: box, height: 2, width: 2)
        #expect(crop.scalars == [1, 2, 4, 5, 11, 12, 14, 15].map { Float($0) / 20 })
        let resized = ImageAugmentation.resizedCrop(image, box: box, height: 4, width: 6)
        #expect(resized.shape == [2, 4, 6])
        // Bilinear upsampling of a constant image is the constant.
        let flat = Tensor([Float](repeating: 0.25, count: 3 * 8 * 8), shape: [3, 8, 8])
        var draw = SeededGenerator(seed: 9)
        let cropBox = ImageAugmentation.randomCropBox(height: 8, width: 8, scale: 0.3...0.5, ratio: 0.75...(4.0 / 3), generator: &draw)
        #expect(ImageAugmentation.resizedCrop(flat, box: cropBox, height: 8, width: 8).scalars.allSatisfy { abs($0 - 0.25) < 1e-6 })
    }

    @Test func colourJitterFollowsTheFormulas() {
        let rgb = Tensor([0.2, 0.8, 0.4, 0.6, 0.1, 0.3], shape: [3, 1, 2])  // pixels (0.2,0.4,0.1) and (0.8,0.6,0.3)
        let brighter = ImageAugmentation.adjustBrightness(rgb, factor: 1.5).scalars
        for (value, target) in zip(brighter, [0.3, 1.0, 0.6, 0.9, 0.15, 0.45] as [Float]) { #expect(abs(value - target) < 1e-6, "clamped at 1") }
        // Contrast: grey = 0.299 R + 0.587 G + 0.114 B per pixel; mean over the pixels.
        let grey: [Float] = [0.299 * 0.2 + 0.587 * 0.4 + 0.114 * 0.1, 0.299 * 0.8 + 0.587 * 0.6 + 0.114 * 0.3]
        let mean = (grey[0] + grey[1]) / 2
        let contrast = ImageAugmentation.adjustContrast(rgb, factor: 0.5).scalars
        for (value, original) in zip(contrast, rgb.scalars) { #expect(abs(value - (mean + 0.5 * (original - mean))) < 1e-6) }
        let saturation = ImageAugmentation.adjustSaturation(rgb, factor: 0).scalars
        #expect(abs(saturation[0] - grey[0]) < 1e-6 && abs(saturation[2] - grey[0]) < 1e-6 && abs(saturation[5] - grey[1]) < 1e-6, "factor 0 is grey")
        for (value, original) in zip(ImageAugmentation.adjustSaturation(rgb, factor: 1).scalars, rgb.scalars) {
            #expect(abs(value - original) < 1e-6, "factor 1 is the identity up to rounding")
        }
    }

    @Test func gainScalesByTheDecibelFactor() {
        let samples: [Float] = [0.5, -0.25, 0.1]
        let louder = AudioAugmentation.gain(samples, decibels: 6)
        let factor = Float(pow(10, 6.0 / 20))  // 1.9953
        for (value, original) in zip(louder, samples) { #expect(abs(value - original * factor) < 1e-6) }
        #expect(abs(AudioAugmentation.gain([1], decibels: -20)[0] - 0.1) < 1e-6)
    }

    @Test(arguments: [0.0, 10.0, 20.0, 40.0])
    func noiseHasTheRequestedSNR(snr: Double) {
        let samples = (0..<8000).map { Float(sin(Double($0) * 0.05)) * 0.3 }
        var generator = SeededGenerator(seed: 11)
        let noisy = AudioAugmentation.addNoise(samples, snrDecibels: snr, generator: &generator)
        let noise = zip(noisy, samples).map { $0 - $1 }
        let measured = 10 * log10(AudioAugmentation.power(samples) / AudioAugmentation.power(noise))
        // The noise is rescaled to the exact power; Float32 rounding leaves < 0.01 dB.
        #expect(abs(measured - snr) < 0.01, "measured \(measured) dB for \(snr) dB")
        #expect(AudioAugmentation.addNoise([0, 0, 0], snrDecibels: 10, generator: &generator) == [0, 0, 0], "silence stays silent")
    }

    @Test func timeShiftFillsWithZeros() {
        #expect(AudioAugmentation.timeShift([1, 2, 3, 4], offset: 1) == [0, 1, 2, 3])
        #expect(AudioAugmentation.timeShift([1, 2, 3, 4], offset: -2) == [3, 4, 0, 0])
        #expect(AudioAugmentation.timeShift([1, 2, 3, 4], offset: 0) == [1, 2, 3, 4])
    }

    @Test func specAugmentMasksTheRightBins() {
        let spectrogram = Tensor((0..<(10 * 6)).map { Float($0) + 1 }, shape: [10, 6])  // [frames, bins], no zero
        let timeMasked = AudioAugmentation.maskTime(spectrogram, frames: 2..<5, fill: 0)
        let maskedFrames = (0..<10).filter { frame in (0..<6).allSatisfy { timeMasked.scalars[frame * 6 + $0] == 0 } }
        #expect(maskedFrames == [2, 3, 4])
        #expect(timeMasked.scalars.filter { $0 == 0 }.count == 3 * 6)
        let frequencyMasked = AudioAugmentation.maskFrequency(spectrogram, bins: 1..<3, fill: -1)
        let maskedBins = (0..<6).filter { bin in (0..<10).allSatisfy { frequencyMasked.scalars[$0 * 6 + bin] == -1 } }
        #expect(maskedBins == [1, 2])
        #expect(frequencyMasked.scalars.filter { $0 == -1 }.count == 2 * 10)
        var generator = SeededGenerator(seed: 5)
        for _ in 0..<200 {
            let range = AudioAugmentation.randomMaskRange(size: 10, maximumWidth: 4, generator: &generator)
            #expect(range.count <= 4 && range.lowerBound >= 0 && range.upperBound <= 10)
        }
    }

    @Test func tokenDropoutRemovesAboutPAndKeepsProtectedTokens() {
        let ids = [101] + Array(1000..<11_000) + [102]
        let protected = [true] + [Bool](repeating: false, count: 10_000) + [true]
        var generator = SeededGenerator(seed: 21)
        let kept = TextAugmentation.tokenDropout(ids, probability: 0.2, isProtected: protected, generator: &generator)
        #expect(kept.first == 101 && kept.last == 102)
        let dropped = Double(ids.count - kept.count) / 10_000
        // Binomial(10 000, 0.2): standard deviation 0.004; 0.02 is five of them.
        #expect(abs(dropped - 0.2) < 0.02, "dropped \(dropped)")
        #expect(Array(kept.dropFirst().dropLast()) == kept.dropFirst().dropLast().sorted(), "order is kept")
        #expect(TextAugmentation.tokenDropout(ids, probability: 0, generator: &generator) == ids)
    }

    @Test func perExampleGeneratorsAreSeededByRunEpochAndExample() {
        var settings = AugmentationSettings()
        settings.horizontalFlip = 0.5
        settings.brightness = 0.4
        settings.tokenDropout = 0.3
        let batch = BatchAugmentation(settings: settings, seed: 42, epoch: 3, exampleIndices: [17, 5])
        let again = BatchAugmentation(settings: settings, seed: 42, epoch: 3, exampleIndices: [5, 17])
        let nextEpoch = BatchAugmentation(settings: settings, seed: 42, epoch: 4, exampleIndices: [17, 5])
        let otherSeed = BatchAugmentation(settings: settings, seed: 43, epoch: 3, exampleIndices: [17, 5])
        let picture = Tensor((0..<(3 * 8 * 8)).map { Float($0 % 7) / 7 }, shape: [3, 8, 8])
        // The same training example in another batch position: the same augmentation.
        #expect(batch.augmentImage(picture, exampleIndex: 0).scalars == again.augmentImage(picture, exampleIndex: 1).scalars)
        #expect(batch.augmentImage(picture, exampleIndex: 0).scalars != nextEpoch.augmentImage(picture, exampleIndex: 0).scalars)
        #expect(batch.augmentImage(picture, exampleIndex: 0).scalars != otherSeed.augmentImage(picture, exampleIndex: 0).scalars)
        #expect(batch.augmentImage(picture, exampleIndex: 0).scalars != picture.scalars)
        let tokens = Array(0..<200)
        #expect(batch.augmentTokens(tokens, exampleIndex: 1) == again.augmentTokens(tokens, exampleIndex: 0))
        #expect(batch.augmentTokens(tokens, exampleIndex: 1) != nextEpoch.augmentTokens(tokens, exampleIndex: 1))
        // Everything off: inputs come back unchanged.
        let off = BatchAugmentation(settings: AugmentationSettings(), seed: 1, epoch: 0, exampleIndices: [0])
        #expect(off.augmentImage(picture, exampleIndex: 0).scalars == picture.scalars)
        #expect(off.augmentWaveform([0.1, 0.2], exampleIndex: 0) == [0.1, 0.2])
        #expect(off.augmentTokens(tokens, exampleIndex: 0) == tokens)
    }

    @Test func spectrogramAndWaveformAugmentationAreReproducible() {
        var settings = AugmentationSettings()
        settings.timeMasks = 2
        settings.timeMaskWidth = 3
        settings.frequencyMasks = 1
        settings.frequencyMaskWidth = 2
        settings.gainDecibels = 6
        settings.noiseProbability = 1
        settings.noiseSNRDecibels = 15
        let batch = BatchAugmentation(settings: settings, seed: 7, epoch: 0, exampleIndices: [2])
        let spectrogram = Tensor((0..<(20 * 8)).map { Float($0) }, shape: [20, 8])
        let first = batch.augmentSpectrogram(spectrogram, exampleIndex: 0)
        #expect(first.scalars == batch.augmentSpectrogram(spectrogram, exampleIndex: 0).scalars)
        // Masked cells hold the mean (79.5); the rest is untouched.
        let changed = zip(first.scalars, spectrogram.scalars).filter { $0 != $1 }
        #expect(changed.allSatisfy { $0.0 == 79.5 })
        let waveform = (0..<1000).map { Float(sin(Double($0) * 0.1)) }
        #expect(batch.augmentWaveform(waveform, exampleIndex: 0) == batch.augmentWaveform(waveform, exampleIndex: 0))
        #expect(batch.augmentWaveform(waveform, exampleIndex: 0) != waveform)
    }
}
