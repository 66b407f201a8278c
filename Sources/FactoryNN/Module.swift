// Module: the base class of every layer and model, in the mlx-swift style. A module names
// its own parameters, its buffers (state that is saved but never trained, such as batch
// norm's running statistics) and its child modules; everything else (full keys, freezing,
// train/eval mode) is derived here by walking that tree. The key of a parameter is its
// checkpoint name: `encoder.layer.3.attention.self.query.weight`.
//
// Discovery is explicit, not reflective: a subclass overrides `ownParameters`,
// `ownBuffers` and `children` to return its stored tensors and submodules in checkpoint
// order (no Mirror, no property wrappers). That is three short lists per layer, it costs
// nothing at run time beyond building the arrays, and the key of every tensor is written
// next to the property it names, so a reader can check it against the checkpoint.
//
// Frozen means `requiresGradient == false` on the parameter tensor itself: there is no
// separate flag that could disagree with what autodiff does.
//
// Not here: state dictionaries and loading (Module+StateDictionary.swift), lists of
// modules (ModuleList.swift), optimizers (they take the `[Tensor]` from
// `trainableParameters()`).

/// The base class of layers and models: parameters and submodules found by key.
///
/// Subclass it, keep parameters as stored `Tensor` properties and submodules as stored
/// `Module` properties, and list them by their checkpoint names:
///
/// ```swift
/// final class SelfOutput: Module {
///     let dense: Linear
///     let layerNorm: LayerNorm
///     override var children: [(key: String, module: Module)] {
///         [("dense", dense), ("LayerNorm", layerNorm)]
///     }
/// }
/// ```
///
/// New parameters require gradients; ``freeze()`` turns that off. Modules start in
/// training mode; ``train(_:)`` switches the whole tree.
open class Module {
    /// Whether this module is in training mode (dropout active, batch norm using batch
    /// statistics). Set for a whole tree with ``train(_:)``.
    public private(set) var isTraining = true

    /// Creates a module in training mode.
    public init() {}

    // MARK: What a subclass declares

    /// This module's own trainable tensors with their local keys (`weight`, `bias`), in
    /// checkpoint order. Not those of its children. Override; the default is none.
    open var ownParameters: [(key: String, tensor: Tensor)] { [] }

    /// This module's own buffers with their local keys (`running_mean`): tensors saved in
    /// the state dictionary but never trained. Override; the default is none.
    open var ownBuffers: [(key: String, tensor: Tensor)] { [] }

    /// The direct submodules with their local keys (`query`, `LayerNorm`, `0`), in
    /// checkpoint order. Override; the default is none.
    open var children: [(key: String, module: Module)] { [] }

    // MARK: Walking the tree

    /// Every module in this tree with its full key, this module first (key `""`), then
    /// depth first in ``children`` order.
    public func namedModules() -> [(key: String, module: Module)] {
        var result: [(key: String, module: Module)] = []
        visitModules(prefix: "") { key, module in result.append((key, module)) }
        return result
    }

    /// Every parameter in this tree with its full key (`encoder.layer.0.output.dense.bias`),
    /// a module's own parameters before its children's.
    ///
    /// A tensor shared by two modules (tied weights) is listed once, under its first key,
    /// so an optimizer never updates it twice. ``stateDictionary()`` lists every key.
    public func parameters() -> [(key: String, tensor: Tensor)] {
        var seen = Set<ObjectIdentifier>()
        return allParameters().filter { seen.insert(ObjectIdentifier($0.tensor)).inserted }
    }

    /// The parameters that are not frozen (those with `requiresGradient`), in
    /// ``parameters()`` order: what an optimizer should update.
    public func trainableParameters() -> [(key: String, tensor: Tensor)] {
        parameters().filter { $0.tensor.requiresGradient }
    }

    /// Every buffer in this tree with its full key (`bn1.running_mean`).
    public func buffers() -> [(key: String, tensor: Tensor)] {
        var result: [(key: String, tensor: Tensor)] = []
        visitModules(prefix: "") { key, module in
            for (name, tensor) in module.ownBuffers { result.append((Module.join(key, name), tensor)) }
        }
        return result
    }

    /// Every parameter with its full key, tied tensors listed under each of their keys.
    func allParameters() -> [(key: String, tensor: Tensor)] {
        var result: [(key: String, tensor: Tensor)] = []
        visitModules(prefix: "") { key, module in
            for (name, tensor) in module.ownParameters { result.append((Module.join(key, name), tensor)) }
        }
        return result
    }

    private func visitModules(prefix: String, _ body: (String, Module) -> Void) {
        body(prefix, self)
        for (name, child) in children {
            child.visitModules(prefix: Module.join(prefix, name), body)
        }
    }

    /// `prefix.name`, or `name` at the root.
    static func join(_ prefix: String, _ name: String) -> String {
        prefix.isEmpty ? name : prefix + "." + name
    }

    /// Whether `key` is `prefix` itself or lies under it (`encoder.layer.1` matches
    /// `encoder.layer.1.output.dense.weight` but not `encoder.layer.10.…`).
    static func key(_ key: String, isUnder prefix: String) -> Bool {
        prefix.isEmpty || key == prefix || key.hasPrefix(prefix + ".")
    }

    // MARK: Freezing

    /// Freezes every parameter of this tree: they stop requiring gradients and leave
    /// ``trainableParameters()``. Their gradients are cleared.
    public func freeze() {
        for (_, tensor) in allParameters() { setFrozen(tensor, true) }
    }

    /// Makes every parameter of this tree trainable again.
    public func unfreeze() {
        for (_, tensor) in allParameters() { setFrozen(tensor, false) }
    }

    /// Freezes the parameters whose key is `keyPrefix` or lies under it, matching whole
    /// key components (`encoder.layer.1` does not match `encoder.layer.10`).
    /// - Parameter keyPrefix: a parameter key or a module key, such as `encoder.layer.0`.
    /// - Returns: the keys that were frozen.
    /// - Throws: ``ModuleKeyError/noParameterMatches(keyPrefix:suggestions:)`` when no
    ///   parameter lies under `keyPrefix` (usually a misspelt key from a config file).
    @discardableResult
    public func freeze(keyPrefix: String) throws(ModuleKeyError) -> [String] {
        try setFrozen(true, keyPrefix: keyPrefix)
    }

    /// Unfreezes the parameters whose key is `keyPrefix` or lies under it (see
    /// ``freeze(keyPrefix:)``).
    /// - Returns: the keys that were unfrozen.
    /// - Throws: ``ModuleKeyError/noParameterMatches(keyPrefix:suggestions:)`` when no
    ///   parameter lies under `keyPrefix`.
    @discardableResult
    public func unfreeze(keyPrefix: String) throws(ModuleKeyError) -> [String] {
        try setFrozen(false, keyPrefix: keyPrefix)
    }

    private func setFrozen(_ frozen: Bool, keyPrefix: String) throws(ModuleKeyError) -> [String] {
        let all = allParameters()
        let matching = all.filter { Module.key($0.key, isUnder: keyPrefix) }
        guard !matching.isEmpty else {
            throw ModuleKeyError.noParameterMatches(
                keyPrefix: keyPrefix, suggestions: Module.prefixSuggestions(for: keyPrefix, among: all.map(\.key)))
        }
        for (_, tensor) in matching { setFrozen(tensor, frozen) }
        return matching.map(\.key)
    }

    private func setFrozen(_ tensor: Tensor, _ frozen: Bool) {
        tensor.requiresGradient = !frozen
        if frozen { tensor.zeroGradient() }
    }

    /// Module keys close to a prefix that matched nothing: those sharing its longest
    /// leading run of components, at the same depth.
    static func prefixSuggestions(for keyPrefix: String, among keys: [String]) -> [String] {
        let wanted = keyPrefix.split(separator: ".").map(String.init)
        var prefixes: [String] = []
        var seen = Set<String>()
        for key in keys {
            let components = key.split(separator: ".").map(String.init)
            let candidate = components.prefix(max(1, min(wanted.count, components.count))).joined(separator: ".")
            if seen.insert(candidate).inserted { prefixes.append(candidate) }
        }
        var sharedLength = 0
        for length in stride(from: wanted.count - 1, through: 0, by: -1) {
            let head = wanted.prefix(length).joined(separator: ".")
            if prefixes.contains(where: { length == 0 || Module.key($0, isUnder: head) }) { sharedLength = length; break }
        }
        let head = wanted.prefix(sharedLength).joined(separator: ".")
        return Array(prefixes.filter { sharedLength == 0 || Module.key($0, isUnder: head) }.prefix(5))
    }

    // MARK: Training mode

    /// Switches this module and every module below it to training (`true`) or evaluation
    /// (`false`) mode.
    /// - Parameter on: training mode when `true`, evaluation mode when `false`.
    public func train(_ on: Bool = true) {
        for (_, module) in namedModules() { module.isTraining = on }
    }

    /// Switches this tree to evaluation mode: the same as `train(false)`.
    public func eval() { train(false) }
}
