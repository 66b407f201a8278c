// ParameterGrouping: turning a fine-tunable model into optimizer parameter groups — one
// learning rate per depth (layer-wise decay: the head and the top block get the base rate,
// each block below gets `layerDecay` times the one above), and weight decay only on
// weights of rank 2 and more (biases and normalisation weights are excluded) — and applying
// a freezing policy by block. Not here: the optimizers themselves (FactoryNN).

import Foundation
/// Builds parameter groups and applies freezing for a ``FineTunableModel``.
public enum ParameterGrouping {
    /// Whether parameter `key` lies under `prefix` (whole key components).
    static func key(_ key: String, isUnder prefix: String) -> Bool {
        prefix.isEmpty || key == prefix || key.hasPrefix(prefix + ".")
    }

    /// The backbone block index of `key` (0 = first of `blockPrefixes`), or `nil` for the
    /// head and anything outside the listed blocks.
    static func blockIndex(of key: String, blockPrefixes: [String]) -> Int? {
        blockPrefixes.lastIndex { Self.key(key, isUnder: $0) }
    }

    /// Optimizer groups by depth and decay (fixed parameters left out): the head, parameters
    /// outside the blocks and the top block get `learningRate`; block i of n gets `learningRate * layerDecay^(n - 1 - i)`.
    /// Parameters of rank 2 and more get `weightDecay`; biases and norm weights get none.
    public static func groups(for model: some FineTunableModel, learningRate: Float, layerDecay: Float, weightDecay: Float) -> [ParameterGroup] {
        let blocks = model.backboneBlockKeyPrefixes
        // Depth 0: head and other parameters; depth d >= 1: block (n - d), so the top block has
        // depth 1 and its rate is learningRate * layerDecay^0 = learningRate.
        var byGroup: [String: (depth: Int, decays: Bool, parameters: [Tensor], keys: [String])] = [:]
        for (key, tensor) in model.parameters() where !model.isFixed(key) {
            let depth = blockIndex(of: key, blockPrefixes: blocks).map { blocks.count - $0 } ?? 0
            let decays = tensor.rank >= 2
            let name = "depth\(depth)-\(decays ? "decay" : "no_decay")"
            var entry = byGroup[name] ?? (depth, decays, [], [])
            entry.parameters.append(tensor)
            entry.keys.append(key)
            byGroup[name] = entry
        }
        return byGroup.sorted { ($0.value.depth, $0.value.decays ? 1 : 0) < ($1.value.depth, $1.value.decays ? 1 : 0) }.map { name, entry in
            let exponent = Swift.max(entry.depth - 1, 0)
            let rate = learningRate * Float(Foundation.pow(Double(layerDecay), Double(exponent)))
            return ParameterGroup(parameters: entry.parameters, learningRate: rate, weightDecay: entry.decays ? weightDecay : 0, name: name)
        }
    }

    /// Freezes and unfreezes by `policy` for `epoch` (0-based; only `gradual` depends on it).
    /// The head always trains; the model's fixed parameters never do.
    /// - Returns: the number of trainable parameters (elements).
    @discardableResult
    public static func applyFreezing(_ policy: FreezingPolicy, to model: some FineTunableModel, epoch: Int) -> Int {
        let blocks = model.backboneBlockKeyPrefixes
        let frozenBlockCount: Int
        switch policy {
        case .none: frozenBlockCount = 0
        case .backbone: frozenBlockCount = blocks.count
        case .firstBlocks(let count): frozenBlockCount = Swift.min(count, blocks.count)
        case .gradual: frozenBlockCount = Swift.max(blocks.count - epoch, 0)
        }
        model.unfreeze()
        var trainable = 0
        for (key, tensor) in model.parameters() {
            if model.isFixed(key) || blockIndex(of: key, blockPrefixes: blocks).map({ $0 < frozenBlockCount }) == true {
                tensor.requiresGradient = false
                tensor.zeroGradient()
            } else {
                trainable += tensor.count
            }
        }
        return trainable
    }
}
