// Reverse-mode autodiff: the record each operation leaves on its result, the no-grad
// scope, and the backward pass (topological order, accumulation, broadcast reduction).
// Gradients of individual operations live beside their forward kernels, not here.

/// How one tensor was computed: its inputs and the function that maps the gradient of the
/// output to the gradients of the inputs.
public final class GradientFunction {
    /// The operation's name, for error messages and debugging.
    public let operation: String
    /// The tensors the operation read.
    public let inputs: [Tensor]
    /// Maps the output gradient (output's shape) to one gradient per input. A returned
    /// gradient may have the broadcast (larger) shape; the engine sums it back.
    let backward: (Tensor) -> [Tensor?]

    init(operation: String, inputs: [Tensor], backward: @escaping (Tensor) -> [Tensor?]) {
        self.operation = operation
        self.inputs = inputs
        self.backward = backward
    }
}

/// Whether operations record gradient history on this task/thread.
public enum GradientMode {
    @TaskLocal static var isEnabledValue = true

    /// `true` unless inside ``withoutGradients(_:)``.
    public static var isEnabled: Bool { isEnabledValue }
}

/// Runs `body` without recording gradient history (inference, optimizer updates, metrics).
public func withoutGradients<Result>(_ body: () throws -> Result) rethrows -> Result {
    try GradientMode.$isEnabledValue.withValue(false, operation: body)
}

extension Tensor {
    /// Whether an operation on `inputs` must record history.
    @inlinable
    static func needsGradient(_ inputs: [Tensor]) -> Bool {
        for input in inputs where input.requiresGradient { return GradientMode.isEnabled }
        return false
    }

    /// Attaches the backward rule of `operation` to `self` (a fresh result) when any input
    /// requires gradients and recording is enabled. Returns `self`.
    ///
    /// The closure must not capture `self` (that is a reference cycle: the result would own
    /// a closure that owns the result). Capture `self.detached()` when the backward needs
    /// the output's values.
    @discardableResult
    func recordGradient(
        _ operation: String, inputs: [Tensor], backward: @escaping (Tensor) -> [Tensor?]
    ) -> Tensor {
        guard Tensor.needsGradient(inputs) else { return self }
        gradientFunction = GradientFunction(operation: operation, inputs: inputs, backward: backward)
        requiresGradient = true
        return self
    }

    /// Whether this tensor is a leaf (not computed by a recorded operation).
    public var isLeaf: Bool { gradientFunction == nil }

    /// Clears the accumulated gradient of this leaf.
    public func zeroGradient() { gradient = nil }

    /// Back-propagates from this tensor. Leaves that require gradients receive (accumulate)
    /// their gradient in ``gradient``.
    ///
    /// - Parameter seed: the gradient of the final objective with respect to `self`; `nil`
    ///   means ones, which requires a one-element tensor (a loss).
    public func backward(_ seed: Tensor? = nil) {
        precondition(requiresGradient,
                     "backward: this tensor does not require gradients (no input had requiresGradient = true, or it was computed inside withoutGradients)")
        let start: Tensor
        if let seed {
            precondition(seed.shape == shape, "backward: seed shape \(seed.shape) differs from tensor shape \(shape)")
            start = seed
        } else {
            precondition(count == 1, "backward: a seed gradient is needed for a tensor of shape \(shape) (only one-element tensors default to 1)")
            start = Tensor.ones(shape)
        }
        withoutGradients { propagate(start) }
    }

    private func propagate(_ start: Tensor) {
        let order = topologicalOrder()
        var pending: [ObjectIdentifier: Tensor] = [ObjectIdentifier(self): start]
        for node in order.reversed() {
            var incoming = pending.removeValue(forKey: ObjectIdentifier(node))
            guard let function = node.gradientFunction else {
                if incoming != nil { node.accumulateLeafGradient(&incoming) }
                continue
            }
            guard let incoming else { continue }
            let inputGradients = function.backward(incoming)
            precondition(inputGradients.count == function.inputs.count,
                         "backward: \(function.operation) returned \(inputGradients.count) gradients for \(function.inputs.count) inputs")
            for (input, gradient) in zip(function.inputs, inputGradients) {
                guard input.requiresGradient, let gradient else { continue }
                let reduced = gradient.summed(toShape: input.shape)
                let key = ObjectIdentifier(input)
                if let existing = pending[key] {
                    pending[key] = existing + reduced
                } else {
                    pending[key] = reduced
                }
            }
        }
    }

    /// Adds `incoming` (taken: set to `nil`) to this leaf's gradient. A first gradient that
    /// is dense and whose storage nothing else holds (a fresh kernel output, such as an
    /// embedding table's gradient) becomes the leaf's gradient as it is; any other is copied,
    /// so a leaf's gradient never shares storage with another tensor.
    private func accumulateLeafGradient(_ incoming: inout Tensor?) {
        if let existing = gradient {
            gradient = existing + incoming!
            incoming = nil
            return
        }
        guard incoming!.isContiguous && incoming!.offset == 0 && incoming!.count == incoming!.storage.count else {
            gradient = incoming!.contiguousCopy()
            incoming = nil
            return
        }
        var storage = incoming!.storage
        let shape = incoming!.shape
        incoming = nil  // releases the tensor, and with it its hold on the storage, unless held elsewhere
        let unshared = isKnownUniquelyReferenced(&storage)
        let dense = Tensor(storage: storage, shape: shape)
        gradient = unshared ? dense : dense.contiguousCopy()
    }

    /// Every tensor reachable from `self` through recorded operations that requires
    /// gradients, inputs before the tensors computed from them. Iterative (graphs of an
    /// unrolled LSTM are deep).
    private func topologicalOrder() -> [Tensor] {
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(tensor: Tensor, expanded: Bool)] = [(self, false)]
        while let (tensor, expanded) = stack.popLast() {
            if expanded {
                order.append(tensor)
                continue
            }
            let key = ObjectIdentifier(tensor)
            if visited.contains(key) { continue }
            visited.insert(key)
            stack.append((tensor, true))
            for input in tensor.gradientFunction?.inputs ?? [] where input.requiresGradient {
                if !visited.contains(ObjectIdentifier(input)) { stack.append((input, false)) }
            }
        }
        return order
    }
}
