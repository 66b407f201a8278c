// Frozen running statistics: the protocol a normalisation layer with running statistics
// adopts (BatchNorm2d does; a third party's own layer can too), and the Module methods that
// freeze or unfreeze those statistics across a tree, by key prefix. A layer with frozen
// statistics normalises with its running mean and variance and never updates them, even in
// training mode, while its weight and bias still train: the usual setting when fine-tuning
// on small batches. Not here: freezing parameters (`Module.freeze`), the arithmetic
// (`Tensor.batchNorm`).

/// A layer that keeps running statistics and can be told to stop using batch statistics.
///
/// Adopt it in a normalisation layer of your own so that
/// ``Module/freezeRunningStatistics(_:keyPrefix:)`` reaches it:
///
/// ```swift
/// final class GroupedBatchNorm: Module, RunningStatisticsLayer {
///     var runningStatisticsFrozen = false
///     // in the forward pass: training = isTraining && !runningStatisticsFrozen
/// }
/// ```
public protocol RunningStatisticsLayer: Module {
    /// When `true`, the layer normalises with its running statistics and leaves them
    /// unchanged, in training mode too.
    var runningStatisticsFrozen: Bool { get set }
}

extension Module {
    /// Every layer with running statistics in this tree, with its full key, in tree order.
    public func runningStatisticsLayers() -> [(key: String, layer: any RunningStatisticsLayer)] {
        namedModules().compactMap { key, module in
            (module as? any RunningStatisticsLayer).map { (key, $0) }
        }
    }

    /// Freezes (or, with `false`, unfreezes) the running statistics of every
    /// ``RunningStatisticsLayer`` whose key is `keyPrefix` or lies under it, matching whole
    /// key components. Training mode and parameters are not touched.
    /// - Parameters:
    ///   - frozen: `true` to normalise with the running statistics and stop updating them.
    ///   - keyPrefix: a module key such as `_blocks.3`; empty (the default) means the whole tree.
    /// - Returns: the keys of the layers changed.
    /// - Throws: ``ModuleKeyError/noRunningStatisticsMatches(keyPrefix:suggestions:)`` when no
    ///   such layer lies under `keyPrefix` (a misspelt key, or a model without batch norm).
    @discardableResult
    public func freezeRunningStatistics(_ frozen: Bool = true, keyPrefix: String = "") throws(ModuleKeyError) -> [String] {
        let layers = runningStatisticsLayers()
        let matching = layers.filter { Module.key($0.key, isUnder: keyPrefix) }
        guard !matching.isEmpty else {
            throw ModuleKeyError.noRunningStatisticsMatches(
                keyPrefix: keyPrefix, suggestions: Module.prefixSuggestions(for: keyPrefix, among: layers.map(\.key)))
        }
        for (_, layer) in matching { layer.runningStatisticsFrozen = frozen }
        return matching.map(\.key)
    }
}
