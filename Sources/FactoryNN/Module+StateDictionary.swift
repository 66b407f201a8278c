// State dictionaries: every parameter and buffer of a module tree by full key, as PyTorch's
// `state_dict()`, and loading one back into the existing tensors. Loading checks every key
// and shape first and reports all problems in one `ModuleLoadError`; only then does it copy,
// so a failed load changes nothing.
// Not here: reading or writing checkpoint files (FactoryIO), renaming keys between model
// families, or dtype conversion (tensors are Float32 throughout).

extension Module {
    /// Every parameter and buffer of this tree by full key. The tensors are the module's
    /// own (not copies): detach or copy them before changing them.
    ///
    /// Tied tensors appear under each of their keys, as in PyTorch.
    public func stateDictionary() -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for (key, tensor) in allParameters() + buffers() { result[key] = tensor }
        return result
    }

    /// Every key ``stateDictionary()`` has, parameters then buffers, in tree order.
    public func stateKeys() -> [String] {
        (allParameters() + buffers()).map(\.key)
    }

    /// Copies the values of `stateDictionary` into this module's parameters and buffers.
    ///
    /// All keys and shapes are checked before anything is copied: on error the module is
    /// unchanged. Values are copied into the existing tensors, so references to them (an
    /// optimizer's parameter list) stay valid; frozen state and gradients are untouched.
    /// - Parameters:
    ///   - stateDictionary: tensors by full key (`encoder.layer.0.output.dense.weight`).
    ///   - strict: when `true`, missing and unexpected keys are errors; when `false` they
    ///     are skipped and returned. Mis-shaped keys are errors either way.
    /// - Returns: the keys that were skipped (always empty when `strict`).
    /// - Throws: ``ModuleLoadError`` listing every missing, unexpected and mis-shaped key.
    @discardableResult
    public func load(stateDictionary: [String: Tensor], strict: Bool = true) throws(ModuleLoadError) -> SkippedKeys {
        let entries = allParameters() + buffers()
        let known = Set(entries.map(\.key))
        let missing = entries.map(\.key).filter { stateDictionary[$0] == nil }
        let unexpected = stateDictionary.keys.filter { !known.contains($0) }.sorted()
        var mismatched: [ShapeMismatch] = []
        for (key, tensor) in entries {
            if let source = stateDictionary[key], source.shape != tensor.shape {
                mismatched.append(ShapeMismatch(key: key, expected: tensor.shape, found: source.shape))
            }
        }
        if !mismatched.isEmpty || (strict && (!missing.isEmpty || !unexpected.isEmpty)) {
            throw ModuleLoadError(
                moduleType: String(describing: type(of: self)),
                missingKeys: strict ? missing : [], unexpectedKeys: strict ? unexpected : [],
                mismatchedShapes: mismatched)
        }
        for (key, tensor) in entries {
            if let source = stateDictionary[key], source !== tensor { Module.copy(source, into: tensor) }
        }
        return SkippedKeys(missingKeys: missing, unexpectedKeys: unexpected)
    }

    /// Writes `source`'s elements into `destination`'s storage (same shape), in place.
    static func copy(_ source: Tensor, into destination: Tensor) {
        let values = withoutGradients { source.scalars }
        let base = destination.storage.pointer + destination.offset
        if destination.isContiguous {
            values.withUnsafeBufferPointer { base.update(from: $0.baseAddress!, count: values.count) }
            return
        }
        // A strided destination (a view): walk it in row-major order.
        var index = [Int](repeating: 0, count: destination.rank)
        for value in values {
            var position = 0
            for axis in 0..<destination.rank { position += index[axis] * destination.strides[axis] }
            base[position] = value
            var axis = destination.rank - 1
            while axis >= 0 {
                index[axis] += 1
                if index[axis] < destination.shape[axis] { break }
                index[axis] = 0
                axis -= 1
            }
        }
    }
}

/// The keys a non-strict ``Module/load(stateDictionary:strict:)`` skipped.
public struct SkippedKeys: Equatable, Sendable {
    /// Keys of the module that the state dictionary lacked; they keep their values.
    public let missingKeys: [String]
    /// Keys of the state dictionary that the module lacks; they were ignored.
    public let unexpectedKeys: [String]

    /// Whether every key matched.
    public var isEmpty: Bool { missingKeys.isEmpty && unexpectedKeys.isEmpty }
}
