// AugmentationOptions: the `augmentation.*` options of factory.yaml (all off by default) and
// AugmentationSettings, their values read out of a project's configuration. A project gets
// the options of its task's modalities, from the task's catalog tags: image / vision,
// audio / speech / voice, text / nlp (a task with none of these tags gets all of them).
// Not here: the transforms (Image/Audio/TextAugmentation), applying them (BatchAugmentation).

/// The kinds of input the augmentation options exist for.
public enum AugmentationModality: String, Sendable, CaseIterable {
    case image, audio, text

    /// The catalog tags that mark a task as taking this kind of input.
    var tags: Set<String> {
        switch self {
        case .image: ["image", "images", "vision"]
        case .audio: ["audio", "speech", "voice"]
        case .text: ["text", "nlp"]
        }
    }

    /// The modalities of a task, from its tags; every modality when no tag says.
    public static func of(_ descriptor: TaskDescriptor) -> [AugmentationModality] {
        let tags = Set(descriptor.tags.map { $0.lowercased() })
        let found = allCases.filter { !$0.tags.isDisjoint(with: tags) }
        return found.isEmpty ? allCases : found
    }
}

/// The core's augmentation options.
public enum AugmentationOptions {
    /// The augmentation options for a task's modalities (every default leaves data unchanged).
    public static func options(for descriptor: TaskDescriptor) -> [ConfigOption] {
        AugmentationModality.of(descriptor).flatMap(options(for:))
    }

    /// The options of one modality.
    public static func options(for modality: AugmentationModality) -> [ConfigOption] {
        switch modality {
        case .image:
            [
                ConfigOption("augmentation.image.crop_scale", .number(0.05...1), default: .number(1),
                             summary: "random resized crop: smallest crop area as a share of the image, aspect 3:4 to 4:3 (1 = off)"),
                ConfigOption("augmentation.image.horizontal_flip", .number(0...1), default: .number(0),
                             summary: "chance of mirroring an image left to right (0 = off)"),
                ConfigOption("augmentation.image.vertical_flip", .number(0...1), default: .number(0),
                             summary: "chance of mirroring an image top to bottom (0 = off)"),
                ConfigOption("augmentation.image.rotation", .number(0...45), default: .number(0),
                             summary: "largest random rotation in degrees, either way (0 = off)"),
                ConfigOption("augmentation.image.brightness", .number(0...1), default: .number(0),
                             summary: "colour jitter: brightness factor drawn from [1 - x, 1 + x] (0 = off)"),
                ConfigOption("augmentation.image.contrast", .number(0...1), default: .number(0),
                             summary: "colour jitter: contrast factor drawn from [1 - x, 1 + x] (0 = off)"),
                ConfigOption("augmentation.image.saturation", .number(0...1), default: .number(0),
                             summary: "colour jitter: saturation factor drawn from [1 - x, 1 + x] (0 = off)"),
            ]
        case .audio:
            [
                ConfigOption("augmentation.audio.gain_db", .number(0...24), default: .number(0),
                             summary: "random gain drawn from [-x, +x] decibels (0 = off)"),
                ConfigOption("augmentation.audio.noise_probability", .number(0...1), default: .number(0),
                             summary: "chance of adding white noise at noise_snr_db (0 = off)"),
                ConfigOption("augmentation.audio.noise_snr_db", .number(-10...80), default: .number(20),
                             summary: "signal-to-noise ratio of the added noise, in decibels"),
                ConfigOption("augmentation.audio.time_shift", .number(0...0.5), default: .number(0),
                             summary: "largest random time shift as a share of the clip, either way, zero filled (0 = off)"),
                ConfigOption("augmentation.audio.time_masks", .integer(0...10), default: .integer(0),
                             summary: "SpecAugment: time masks per spectrogram (0 = off)"),
                ConfigOption("augmentation.audio.time_mask_width", .integer(1...1000), default: .integer(20),
                             summary: "SpecAugment: widest time mask, in frames"),
                ConfigOption("augmentation.audio.frequency_masks", .integer(0...10), default: .integer(0),
                             summary: "SpecAugment: frequency masks per spectrogram (0 = off)"),
                ConfigOption("augmentation.audio.frequency_mask_width", .integer(1...200), default: .integer(8),
                             summary: "SpecAugment: widest frequency mask, in bins"),
            ]
        case .text:
            [
                ConfigOption("augmentation.text.token_dropout", .number(0...0.5), default: .number(0),
                             summary: "chance of removing each token (not [CLS]/[SEP]) from a training text (0 = off)"),
            ]
        }
    }
}

/// The augmentation settings of a run (every value neutral when the option is absent).
public struct AugmentationSettings: Sendable, Equatable {
    /// Smallest crop area share of the random resized crop (1: no crop).
    public var cropScale: Double = 1
    /// Chances of horizontal and vertical flips.
    public var horizontalFlip: Double = 0
    public var verticalFlip: Double = 0
    /// Largest rotation in degrees.
    public var rotation: Double = 0
    /// Colour jitter strengths.
    public var brightness: Double = 0
    public var contrast: Double = 0
    public var saturation: Double = 0
    /// Largest gain in decibels.
    public var gainDecibels: Double = 0
    /// Chance of adding noise, and its signal-to-noise ratio in decibels.
    public var noiseProbability: Double = 0
    public var noiseSNRDecibels: Double = 20
    /// Largest time shift as a share of the clip.
    public var timeShift: Double = 0
    /// SpecAugment masks: how many, and the widest, along time and frequency.
    public var timeMasks: Int = 0
    public var timeMaskWidth: Int = 20
    public var frequencyMasks: Int = 0
    public var frequencyMaskWidth: Int = 8
    /// Chance of removing each unprotected token.
    public var tokenDropout: Double = 0

    /// Every transform off.
    public init() {}

    /// Reads the `augmentation.*` options present in `config`.
    public init(_ config: ProjectConfig) {
        func number(_ key: String, _ fallback: Double) -> Double {
            if case .number(let value)? = config.values[key] { return value }
            if case .integer(let value)? = config.values[key] { return Double(value) }
            return fallback
        }
        func integer(_ key: String, _ fallback: Int) -> Int {
            if case .integer(let value)? = config.values[key] { return value }
            return fallback
        }
        cropScale = number("augmentation.image.crop_scale", 1)
        horizontalFlip = number("augmentation.image.horizontal_flip", 0)
        verticalFlip = number("augmentation.image.vertical_flip", 0)
        rotation = number("augmentation.image.rotation", 0)
        brightness = number("augmentation.image.brightness", 0)
        contrast = number("augmentation.image.contrast", 0)
        saturation = number("augmentation.image.saturation", 0)
        gainDecibels = number("augmentation.audio.gain_db", 0)
        noiseProbability = number("augmentation.audio.noise_probability", 0)
        noiseSNRDecibels = number("augmentation.audio.noise_snr_db", 20)
        timeShift = number("augmentation.audio.time_shift", 0)
        timeMasks = integer("augmentation.audio.time_masks", 0)
        timeMaskWidth = integer("augmentation.audio.time_mask_width", 20)
        frequencyMasks = integer("augmentation.audio.frequency_masks", 0)
        frequencyMaskWidth = integer("augmentation.audio.frequency_mask_width", 8)
        tokenDropout = number("augmentation.text.token_dropout", 0)
    }

    /// Whether any image transform is on.
    public var augmentsImages: Bool {
        cropScale < 1 || horizontalFlip > 0 || verticalFlip > 0 || rotation > 0 || brightness > 0 || contrast > 0 || saturation > 0
    }
    /// Whether any waveform transform is on.
    public var augmentsWaveforms: Bool { gainDecibels > 0 || noiseProbability > 0 || timeShift > 0 }
    /// Whether any spectrogram transform is on.
    public var augmentsSpectrograms: Bool { timeMasks > 0 || frequencyMasks > 0 }
    /// Whether any transform at all is on.
    public var isEnabled: Bool { augmentsImages || augmentsWaveforms || augmentsSpectrograms || tokenDropout > 0 }
}
