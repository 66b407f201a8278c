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
    /// Optionally, the same map given, per input, a tensor of that input's shape holding the
    /// gradient it has received so far (owned by the engine alone, dense), or `nil`. For an
    /// input given one, the function may add its gradient into it in place and return it
    /// (so a product can accumulate with beta = 1 instead of writing a new tensor that is
    /// then added to the old one), or return a new gradient or `nil` as `backward` does.
    let accumulatingBackward: ((Tensor, [Tensor?]) -> [Tensor?])?

    init(operation: String, inputs: [Tensor], backward: @escaping (Tensor) -> [Tensor?],
         accumulatingBackward: ((Tensor, [Tensor?]) -> [Tensor?])? = nil) {
        self.operation = operation
        self.inputs = inputs
        self.backward = backward
        self.accumulatingBackward = accumulatingBackward
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

    /// Like ``recordGradient(_:inputs:backward:)``, with a backward that can add into the
    /// gradients inputs have already received (see `GradientFunction.accumulatingBackward`):
    /// `backward(gradient, accumulators)`, where `accumulators` is all `nil` when there is none.
    @discardableResult
    func recordGradient(
        _ operation: String, inputs: [Tensor], accumulatingBackward backward: @escaping (Tensor, [Tensor?]) -> [Tensor?]
    ) -> Tensor {
        guard Tensor.needsGradient(inputs) else { return self }
        let count = inputs.count
        gradientFunction = GradientFunction(
            operation: operation, inputs: inputs,
            backward: { gradient in backward(gradient, [Tensor?](repeating: nil, count: count)) },
            accumulatingBackward: backward)
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
            var accumulators = [Tensor?](repeating: nil, count: function.inputs.count)
            if function.accumulatingBackward != nil {
                for (index, input) in function.inputs.enumerated() where input.requiresGradient {
                    accumulators[index] = Tensor.takeAccumulator(from: &pending, for: input)
                }
            }
            let inputGradients = function.accumulatingBackward.map { $0(incoming, accumulators) } ?? function.backward(incoming)
            precondition(inputGradients.count == function.inputs.count,
                         "backward: \(function.operation) returned \(inputGradients.count) gradients for \(function.inputs.count) inputs")
            for (index, (input, gradient)) in zip(function.inputs, inputGradients).enumerated() {
                if let accumulator = accumulators[index] {
                    // Added into in place (returned itself), nothing to add (nil), or a new
                    // gradient to add to it as usual.
                    if let gradient, gradient !== accumulator {
                        pending[ObjectIdentifier(input)] = accumulator + gradient.summed(toShape: input.shape)
                    } else {
                        pending[ObjectIdentifier(input)] = accumulator
                    }
                    continue
                }
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

    /// Takes `input`'s pending gradient out of `pending` as an accumulator a backward may add
    /// into in place: only when it is dense, of `input`'s shape, and neither it nor its
    /// storage is held by anything else (so no other gradient, saved tensor or caller sees
    /// the change). Otherwise leaves `pending` as it was and returns `nil`.
    private static func takeAccumulator(from pending: inout [ObjectIdentifier: Tensor], for input: Tensor) -> Tensor? {
        let key = ObjectIdentifier(input)
        guard isDense(pending[key], shape: input.shape) else { return nil }
        var taken = pending.removeValue(forKey: key)
        guard isKnownUniquelyReferenced(&taken!) else {
            pending[key] = taken
            return nil
        }
        var storage = taken!.storage
        let shape = taken!.shape
        taken = nil  // the tensor was held only here: this releases its hold on the storage
        let unshared = isKnownUniquelyReferenced(&storage)
        let dense = Tensor(storage: storage, shape: shape)
        guard unshared else {
            pending[key] = dense  // the same values, still shared: not writable
            return nil
        }
        return dense
    }

    /// Whether `tensor` is a dense, offset-free tensor of `shape` covering its whole storage.
    private static func isDense(_ tensor: Tensor?, shape: [Int]) -> Bool {
        guard let tensor else { return false }
        return tensor.shape == shape && tensor.isContiguous && tensor.offset == 0 && tensor.count == tensor.storage.count
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
