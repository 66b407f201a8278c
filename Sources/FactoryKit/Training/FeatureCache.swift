// FeatureCache: the frozen backbone's outputs for a run's examples, kept on disk
// (`output/cache/features.safetensors`) with a fingerprint of everything they depend on —
// every example's content in order, the task and plugin version, the backbone's name and a
// hash of every parameter below the head, and the `model.*` / preprocessing options — so a
// second run with the same data, backbone and preprocessing reuses them, and any change
// rebuilds them. Also: when caching is allowed at all (`train.feature_cache`, no
// augmentation). Not here: deciding per run and training on the cache (FineTuningRun+Cache).

import Foundation

/// Fingerprints, reads and writes cached backbone features.
public enum FeatureCache {
    /// The option that turns caching off.
    public static let options: [ConfigOption] = [
        ConfigOption("train.feature_cache", .choice(["auto", "off"]), default: .string("auto"),
                     summary: "with a frozen backbone, compute its output once per example and train the head on that (auto), or run the backbone every step (off)"),
    ]

    static let fingerprintKey = "fingerprint", trainCountKey = "train_examples", formatKey = "format", formatValue = "factory-feature-cache-1"

    /// Why augmentation rules the cache out, or `nil`: any transform of the `augmentation.*`
    /// options that is on (neutral values, such as a crop scale of 1, are off).
    public static func augmentationReason(_ config: ProjectConfig) -> String? {
        let settings = AugmentationSettings(config)
        var on: [String] = []
        if settings.augmentsImages { on.append("image transforms") }
        if settings.augmentsWaveforms { on.append("waveform transforms") }
        if settings.augmentsSpectrograms { on.append("SpecAugment masks") }
        if settings.tokenDropout > 0 { on.append("augmentation.text.token_dropout \(settings.tokenDropout)") }
        return on.isEmpty ? nil : on.joined(separator: ", ")
    }

    /// The options that change what the backbone computes: `model.*` except the head's
    /// dropout and the freezing policy, and any `preprocessing.*` / `augmentation.*`.
    static func relevantOptions(_ config: ProjectConfig) -> [(String, ConfigValue)] {
        config.values.keys.sorted().filter { key in
            (key.hasPrefix("model.") && key != "model.head_dropout" && key != "model.freeze")
                || key.hasPrefix("preprocessing.") || key.hasPrefix("augmentation.")
        }.map { ($0, config.values[$0]!) }
    }

    /// The fingerprint of a cache: SHA-256 over the examples' content fingerprints, the task,
    /// the options and the backbone's weights (key, shape and every bit of each parameter).
    public static func fingerprint(examples: [String], task: TaskDescriptor, options: [(String, ConfigValue)],
                                   backboneParameters: [(key: String, tensor: Tensor)]) -> String {
        var hash = SHA256()
        func add(_ text: String) {
            var bytes = Array(text.utf8)
            bytes.append(0)
            bytes.withUnsafeBytes { hash.update($0) }
        }
        add(formatValue)
        add("\(task.id) \(task.version)")
        for (key, value) in options { add("\(key)=\(value)") }
        add("examples \(examples.count)")
        for example in examples { add(example) }
        for (key, tensor) in backboneParameters {
            add("\(key) \(tensor.shape) \(weightsHash(tensor))")
        }
        return hash.finalize().description
    }

    /// A fast 64-bit hash of a tensor's values (every bit), for the weights' identity.
    static func weightsHash(_ tensor: Tensor) -> String {
        withoutGradients {
            tensor.contiguous().withContiguousElements { values -> String in
                var state: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(values.count)
                for value in values {
                    state = (state ^ UInt64(value.bitPattern)) &* 0x0000_0100_0000_01B3
                    state ^= state >> 29
                }
                return String(state, radix: 16)
            }
        }
    }

    /// The cached features in `url` when its fingerprint is `fingerprint` and it has `count`
    /// rows; `nil` when there is no such file or it is stale or unreadable.
    static func read(_ url: URL, fingerprint: String, count: Int) -> Tensor? {
        guard FileManager.default.fileExists(atPath: url.path),
              let file = try? SafetensorsFile(contentsOf: url),
              file.metadata[formatKey] == formatValue, file.metadata[fingerprintKey] == fingerprint,
              let features = try? file.tensor(named: "features"), features.rank >= 1, features.shape[0] == count
        else { return nil }
        return features
    }

    /// Writes `features` (`[N, ...]`) with its fingerprint, atomically.
    static func write(_ features: Tensor, fingerprint: String, trainCount: Int, to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try SafetensorsWriter.write([("features", features)], metadata: [
            formatKey: formatValue, fingerprintKey: fingerprint, trainCountKey: String(trainCount),
        ], to: url)
    }
}
