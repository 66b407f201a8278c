// Saving and restoring an optimizer's per-parameter state (step counts, moment and momentum
// buffers) by parameter key, so a checkpointed run resumes with exactly the optimizer it had
// (torch's `optimizer.state_dict()` / `load_state_dict`). Tensors are named
// `<parameter key>.<buffer>`; step counts are a separate map. Not here: file formats
// (the fine-tuning core writes these into its checkpoints) or learning rates (schedules
// recompute them from the step).

extension Optimizer {
    /// Every parameter state as named tensors and step counts.
    /// - Parameter parameters: the model's parameters by key (`module.parameters()`); states
    ///   of parameters not listed are left out.
    /// - Returns: buffers named `<key>.<buffer>` (copies) and each key's step count.
    public func stateDictionary(parameters: [(key: String, tensor: Tensor)]) -> (buffers: [String: Tensor], steps: [String: Int]) {
        var buffers: [String: Tensor] = [:], steps: [String: Int] = [:]
        for (key, parameter) in parameters {
            guard let parameterState = state.state(for: parameter) else { continue }
            steps[key] = parameterState.step
            for (name, buffer) in parameterState.buffers { buffers["\(key).\(name)"] = buffer.contiguousCopy() }
        }
        return (buffers, steps)
    }

    /// Restores states saved by ``stateDictionary(parameters:)``.
    /// - Parameters:
    ///   - buffers: tensors named `<key>.<buffer>`.
    ///   - steps: step counts by key; a key without a step count gets no state.
    ///   - parameters: the model's parameters by key.
    /// - Throws: ``ModuleLoadError`` when a saved key names no parameter or a buffer's shape
    ///   differs from its parameter's; nothing is restored then.
    public func loadStateDictionary(
        buffers: [String: Tensor], steps: [String: Int], parameters: [(key: String, tensor: Tensor)]
    ) throws(ModuleLoadError) {
        let byKey = Dictionary(parameters.map { ($0.key, $0.tensor) }, uniquingKeysWith: { first, _ in first })
        var unexpected: [String] = [], mismatched: [ShapeMismatch] = []
        var restored: [(Tensor, Int, [String: Tensor])] = []
        for (key, step) in steps.sorted(by: { $0.key < $1.key }) {
            guard let parameter = byKey[key] else { unexpected.append(key); continue }
            var named: [String: Tensor] = [:]
            for (name, buffer) in buffers where name.hasPrefix(key + ".") && !name.dropFirst(key.count + 1).contains(".") {
                if buffer.shape != parameter.shape {
                    mismatched.append(ShapeMismatch(key: name, expected: parameter.shape, found: buffer.shape))
                }
                named[String(name.dropFirst(key.count + 1))] = buffer
            }
            restored.append((parameter, step, named))
        }
        guard unexpected.isEmpty && mismatched.isEmpty else {
            throw ModuleLoadError(moduleType: "optimizer state", missingKeys: [], unexpectedKeys: unexpected, mismatchedShapes: mismatched)
        }
        var table = OptimizerStateTable()
        for (parameter, step, named) in restored {
            let parameterState = table.stateCreatingIfNeeded(for: parameter)
            parameterState.step = step
            for (name, buffer) in named { parameterState.buffers[name] = buffer.contiguousCopy() }
        }
        state = table
    }
}
