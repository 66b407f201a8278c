// BatchAugmentation: what a plugin's `forward` gets in `context.augmentation` for a training
// batch (and only then: validation, evaluation and prediction batches see `nil`) — the run's
// augmentation settings and, per example, a generator seeded by (seed, epoch, the example's
// index in the training split, the kind of transform). So an example is augmented the same
// way whatever batch it lands in, a resumed run repeats the augmentation of an
// uninterrupted one, and each epoch draws anew. Not here: the transforms themselves.

/// The augmentation of one training batch.
public struct BatchAugmentation: Sendable {
    /// The run's settings (some or all transforms may be off).
    public let settings: AugmentationSettings
    /// The run's seed.
    public let seed: UInt64
    /// The epoch, from 0.
    public let epoch: Int
    /// For each example of the batch (in the order `forward` gets them), its index in the
    /// training split.
    public let exampleIndices: [Int]

    /// Creates the augmentation of a batch.
    public init(settings: AugmentationSettings, seed: UInt64, epoch: Int, exampleIndices: [Int]) {
        self.settings = settings
        self.seed = seed
        self.epoch = epoch
        self.exampleIndices = exampleIndices
    }

    /// Independent random streams per kind of transform, so that augmenting an example's
    /// waveform does not change how its spectrogram is masked.
    public enum Stream: UInt64, Sendable {
        case image = 1, waveform = 2, spectrogram = 3, text = 4, plugin = 5
    }

    /// The generator of the example at `exampleIndex` in the batch (its position in the
    /// `examples` that `forward` got) for `stream`: the same (seed, epoch, training example,
    /// stream) always gives the same sequence.
    public func generator(exampleIndex: Int, stream: Stream = .plugin) -> SeededGenerator {
        precondition(exampleIndices.indices.contains(exampleIndex),
                     "BatchAugmentation: example \(exampleIndex) is not in this batch of \(exampleIndices.count)")
        var key = Self.mix(seed ^ 0x5A17_AD0C_3E11_0F5B) &+ UInt64(epoch) &* 0x9E37_79B9_7F4A_7C15
        key = Self.mix(key) &+ UInt64(exampleIndices[exampleIndex]) &* 0xBF58_476D_1CE4_E5B9
        key = Self.mix(key) &+ stream.rawValue &* 0x94D0_49BB_1331_11EB
        return SeededGenerator(seed: key)
    }

    /// A well-mixed function of `value` (the first output of a generator seeded with it).
    static func mix(_ value: UInt64) -> UInt64 {
        var generator = SeededGenerator(seed: value)
        return generator.next()
    }

    /// The image [C, H, W] (values in [0, 1], before normalisation) with the configured
    /// transforms: random resized crop (back to the same size), flips, rotation, then
    /// brightness, contrast and saturation. Unchanged when none is on.
    public func augmentImage(_ image: Tensor, exampleIndex: Int) -> Tensor {
        guard settings.augmentsImages else { return image }
        var generator = self.generator(exampleIndex: exampleIndex, stream: .image)
        var result = image
        let height = image.shape[1], width = image.shape[2]
        if settings.cropScale < 1 {
            let box = ImageAugmentation.randomCropBox(height: height, width: width, scale: settings.cropScale...1,
                                                      ratio: (3.0 / 4)...(4.0 / 3), generator: &generator)
            result = ImageAugmentation.resizedCrop(result, box: box, height: height, width: width)
        }
        if settings.horizontalFlip > 0, unit(&generator) < settings.horizontalFlip { result = ImageAugmentation.horizontalFlip(result) }
        if settings.verticalFlip > 0, unit(&generator) < settings.verticalFlip { result = ImageAugmentation.verticalFlip(result) }
        if settings.rotation > 0 {
            result = ImageAugmentation.rotate(result, degrees: ImageAugmentation.uniform(-settings.rotation...settings.rotation, &generator))
        }
        if settings.brightness > 0 {
            result = ImageAugmentation.adjustBrightness(result, factor: factor(settings.brightness, &generator))
        }
        if settings.contrast > 0 {
            result = ImageAugmentation.adjustContrast(result, factor: factor(settings.contrast, &generator))
        }
        if settings.saturation > 0 {
            result = ImageAugmentation.adjustSaturation(result, factor: factor(settings.saturation, &generator))
        }
        return result
    }

    /// The waveform with the configured transforms: time shift, gain, then noise.
    /// Unchanged when none is on.
    public func augmentWaveform(_ samples: [Float], exampleIndex: Int) -> [Float] {
        guard settings.augmentsWaveforms, !samples.isEmpty else { return samples }
        var generator = self.generator(exampleIndex: exampleIndex, stream: .waveform)
        var result = samples
        if settings.timeShift > 0 {
            let largest = Int((settings.timeShift * Double(samples.count)).rounded(.down))
            let offset = Int(generator.next() % UInt64(2 * largest + 1)) - largest
            result = AudioAugmentation.timeShift(result, offset: offset)
        }
        if settings.gainDecibels > 0 {
            result = AudioAugmentation.gain(result, decibels: ImageAugmentation.uniform(-settings.gainDecibels...settings.gainDecibels, &generator))
        }
        if settings.noiseProbability > 0, unit(&generator) < settings.noiseProbability {
            result = AudioAugmentation.addNoise(result, snrDecibels: settings.noiseSNRDecibels, generator: &generator)
        }
        return result
    }

    /// The spectrogram [frames, bins] with SpecAugment's time and frequency masks, filled
    /// with the spectrogram's mean value. Unchanged when no mask is on.
    public func augmentSpectrogram(_ spectrogram: Tensor, exampleIndex: Int) -> Tensor {
        guard settings.augmentsSpectrograms else { return spectrogram }
        var generator = self.generator(exampleIndex: exampleIndex, stream: .spectrogram)
        let values = spectrogram.scalars
        let fill = values.isEmpty ? 0 : values.reduce(0, +) / Float(values.count)
        var result = spectrogram
        for _ in 0..<settings.timeMasks {
            let range = AudioAugmentation.randomMaskRange(size: spectrogram.shape[0], maximumWidth: settings.timeMaskWidth, generator: &generator)
            result = AudioAugmentation.maskTime(result, frames: range, fill: fill)
        }
        for _ in 0..<settings.frequencyMasks {
            let range = AudioAugmentation.randomMaskRange(size: spectrogram.shape[1], maximumWidth: settings.frequencyMaskWidth, generator: &generator)
            result = AudioAugmentation.maskFrequency(result, bins: range, fill: fill)
        }
        return result
    }

    /// The token ids with token dropout (`augmentation.text.token_dropout`); tokens marked in
    /// `isProtected` (special tokens) always stay. Unchanged when token dropout is off.
    public func augmentTokens(_ ids: [Int], exampleIndex: Int, isProtected: [Bool]? = nil) -> [Int] {
        guard settings.tokenDropout > 0 else { return ids }
        var generator = self.generator(exampleIndex: exampleIndex, stream: .text)
        return TextAugmentation.tokenDropout(ids, probability: settings.tokenDropout, isProtected: isProtected, generator: &generator)
    }

    private func unit(_ generator: inout SeededGenerator) -> Double { Double(generator.next() >> 11) * 0x1p-53 }

    private func factor(_ strength: Double, _ generator: inout SeededGenerator) -> Float {
        Float(ImageAugmentation.uniform(Swift.max(0, 1 - strength)...(1 + strength), &generator))
    }
}

extension TaskContext {
    /// This context with `augmentation` set, as the core hands it to `forward` for a training batch.
    public func withAugmentation(_ augmentation: BatchAugmentation) -> TaskContext {
        var context = self
        context.augmentation = augmentation
        return context
    }
}
