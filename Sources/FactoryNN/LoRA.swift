// LoRA (low-rank adaptation, Hu et al. 2021): a frozen Linear layer y = x Wᵀ + b gets a
// trainable low-rank update, y = x Wᵀ + b + (alpha / r) · dropout(x) Aᵀ Bᵀ, with A `[r, in]`
// and B `[out, r]`. B starts at zero, so a freshly adapted model computes exactly what the
// base model does; A starts as PyTorch initialises a Linear (uniform ±1/sqrt(in), seeded).
// Fusing folds the update into the base weight, W ← W + (alpha / r) · B A, and removes the
// adapter, leaving a plain Linear (for export and fast inference).
//
// Design: the adapter is attached TO the Linear rather than wrapping it. Our modules hold their
// children in `let` properties (`attention.self.query` is a `Linear` stored in the attention
// layer), so replacing a layer by a wrapper would mean making every layer's children mutable.
// Instead `Linear` has an optional `adapter`, adds its output in `callAsFunction`, and lists
// the adapter's layers as its own children — which gives the same keys as PEFT
// (`…query.lora_A.weight`, `…query.lora_B.weight`), so an adapter file reads like PEFT's.
// The base weight and bias are untouched by everything here except `fuseLoRA()`.
//
// Not here: which layers a task adapts and freezing the rest (FactoryKit's fine-tuning core),
// reading or writing adapter files (FactoryKit).

import Foundation

/// The settings of LoRA adapters.
public struct LoRAConfiguration: Sendable, Equatable {
    /// The rank r of the update.
    public var rank: Int
    /// The scale numerator: the update is multiplied by `alpha / rank`.
    public var alpha: Float
    /// Dropout on the adapter's input while training.
    public var dropout: Float
    /// Which Linear layers get adapters: each pattern matches a layer key by its trailing
    /// components (`attention.self.query` matches `encoder.layer.3.attention.self.query`);
    /// `*` matches any one component (`encoder.layer.*.output.dense`).
    public var targets: [String]
    /// Seeds the initial A matrices and the adapters' dropout.
    public var seed: UInt64

    /// Creates a configuration.
    /// - Parameters:
    ///   - rank: the rank r (at least 1).
    ///   - alpha: the scale numerator (`alpha / rank` scales the update).
    ///   - dropout: the adapters' input dropout, in [0, 1).
    ///   - targets: key patterns of the Linear layers to adapt.
    ///   - seed: seeds A and the dropout masks.
    public init(rank: Int = 8, alpha: Float = 16, dropout: Float = 0.05,
                targets: [String] = ["attention.self.query", "attention.self.value"], seed: UInt64 = 0) {
        self.rank = rank
        self.alpha = alpha
        self.dropout = dropout
        self.targets = targets
        self.seed = seed
    }

    /// The factor of the low-rank update, `alpha / rank`.
    public var scale: Float { alpha / Float(rank) }
}

/// LoRA settings or targets that cannot be applied.
public struct LoRAError: Error, Equatable, CustomStringConvertible {
    /// What is wrong and what to do.
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The low-rank update of one Linear layer: `scale · lora_B(lora_A(lora_dropout(x)))`.
public final class LoRAAdapter {
    /// Down-projection, weight `[rank, in]`, no bias.
    public let down: Linear
    /// Up-projection, weight `[out, rank]`, no bias; starts at zero.
    public let up: Linear
    /// Dropout on the input while training.
    public let dropout: Dropout
    /// `alpha / rank`.
    public let scale: Float

    /// Creates an adapter for a layer of `inputFeatures` → `outputFeatures`.
    init(inputFeatures: Int, outputFeatures: Int, configuration: LoRAConfiguration, seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        down = Linear(inputFeatures: inputFeatures, outputFeatures: configuration.rank, bias: false, generator: &generator)
        up = Linear(inputFeatures: configuration.rank, outputFeatures: outputFeatures, bias: false, generator: &generator)
        Module.copy(Tensor.zeros(up.weight.shape), into: up.weight)
        dropout = Dropout(probability: configuration.dropout, seed: generator.next())
        scale = configuration.scale
    }

    /// The adapter's layers under the keys PEFT gives them.
    var modules: [(key: String, module: Module)] { [("lora_A", down), ("lora_B", up), ("lora_dropout", dropout)] }

    /// The update for `input` `[..., in]`: `[..., out]`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        up(down(dropout(input))) * scale
    }

    /// `scale · B A`, `[out, in]`: what fusing adds to the base weight.
    public func weightUpdate() -> Tensor {
        withoutGradients { up.weight.matmul(down.weight) * scale }
    }
}

extension Module {
    /// Attaches a fresh LoRA adapter to every Linear layer whose key matches one of
    /// `configuration.targets`, skipping layers under `excludingKeyPrefixes` (a task's head).
    ///
    /// The adapters' parameters require gradients; nothing else changes (freezing the rest
    /// is the caller's choice). Adapter i (in tree order) is seeded from `configuration.seed`
    /// and i, so the same configuration always gives the same initial adapters.
    /// - Returns: the keys of the adapted layers, in tree order.
    /// - Throws: ``LoRAError`` when a pattern matches no Linear layer (naming some that exist),
    ///   a layer already has an adapter, or the rank is not positive.
    @discardableResult
    public func attachLoRA(_ configuration: LoRAConfiguration, excludingKeyPrefixes: [String] = []) throws(LoRAError) -> [String] {
        guard configuration.rank >= 1 else { throw LoRAError("lora.rank must be at least 1, got \(configuration.rank)") }
        guard configuration.dropout >= 0 && configuration.dropout < 1 else {
            throw LoRAError("lora.dropout must be in [0, 1), got \(configuration.dropout)")
        }
        guard !configuration.targets.isEmpty else { throw LoRAError("lora.targets is empty; name the Linear layers to adapt, such as attention.self.query") }
        let linears = namedModules().compactMap { entry -> (key: String, layer: Linear)? in
            guard let layer = entry.module as? Linear else { return nil }
            guard !excludingKeyPrefixes.contains(where: { Module.key(entry.key, isUnder: $0) }) else { return nil }
            // The adapter's own layers are Linears too; they are never adapted.
            guard !entry.key.split(separator: ".").contains(where: { $0 == "lora_A" || $0 == "lora_B" }) else { return nil }
            return (entry.key, layer)
        }
        for pattern in configuration.targets where !linears.contains(where: { Module.key($0.key, matchesPattern: pattern) }) {
            let examples = linears.prefix(6).map(\.key).joined(separator: ", ")
            throw LoRAError("lora.targets: \"\(pattern)\" matches no Linear layer; layers are named like \(examples)")
        }
        var adapted: [String] = []
        for (key, layer) in linears where configuration.targets.contains(where: { Module.key(key, matchesPattern: $0) }) {
            guard layer.adapter == nil else { throw LoRAError("\(key) already has a LoRA adapter") }
            let seed = configuration.seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(adapted.count) &+ 1
            layer.adapter = LoRAAdapter(inputFeatures: layer.inputFeatures, outputFeatures: layer.outputFeatures,
                                        configuration: configuration, seed: seed)
            adapted.append(key)
        }
        return adapted
    }

    /// Folds every adapter into its layer's weight (`W += alpha/r · B A`) and removes it,
    /// leaving plain Linear layers that compute what the adapted ones did (in inference mode).
    /// - Returns: the keys of the layers that were fused.
    @discardableResult
    public func fuseLoRA() -> [String] {
        var fused: [String] = []
        for (key, module) in namedModules() {
            guard let layer = module as? Linear, let adapter = layer.adapter else { continue }
            let merged = withoutGradients { layer.weight.detached() + adapter.weightUpdate() }
            Module.copy(merged, into: layer.weight)
            layer.adapter = nil
            fused.append(key)
        }
        return fused
    }

    /// The adapters' parameters (`…lora_A.weight`, `…lora_B.weight`) with their full keys.
    public func loraParameters() -> [(key: String, tensor: Tensor)] {
        parameters().filter { Module.isLoRAKey($0.key) }
    }

    /// Whether `key` names a LoRA adapter tensor (it has a `lora_A` or `lora_B` component).
    public static func isLoRAKey(_ key: String) -> Bool {
        key.split(separator: ".").contains { $0 == "lora_A" || $0 == "lora_B" }
    }

    /// Whether `key` ends with the components of `pattern` (`*` matches any one component).
    static func key(_ key: String, matchesPattern pattern: String) -> Bool {
        let keyParts = key.split(separator: ".", omittingEmptySubsequences: false)
        let patternParts = pattern.split(separator: ".", omittingEmptySubsequences: false)
        guard !patternParts.isEmpty, patternParts.count <= keyParts.count else { return false }
        return zip(keyParts.suffix(patternParts.count), patternParts).allSatisfy { $1 == "*" || $0 == $1 }
    }
}
