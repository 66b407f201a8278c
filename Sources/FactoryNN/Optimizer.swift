// Optimizer: the protocol SGD, Adam and AdamW share (groups, step, zeroGradients, state),
// the checks every optimizer makes on its groups, and the raw-storage helpers their fused
// update loops use. It is not an update rule itself and does not know about modules.

/// Updates parameter tensors from their accumulated gradients.
///
/// Optimizers are classes: `step()` mutates their state. Learning rates live in
/// ``groups`` and may be changed between steps (directly or through a schedule).
public protocol Optimizer: AnyObject {
    /// The parameter groups, each with its own rate and weight decay.
    var groups: [ParameterGroup] { get set }
    /// Per-parameter state (step counts and buffers); settable so a checkpoint can restore it.
    var state: OptimizerStateTable { get set }
    /// Applies one update to every trainable parameter that has a gradient.
    func step()
}

extension Optimizer {
    /// Clears the gradient of every parameter in every group (sets it to `nil`).
    public func zeroGradients() {
        for group in groups {
            for parameter in group.parameters { parameter.zeroGradient() }
        }
    }

    /// The current learning rate of each group, in group order.
    public var learningRates: [Float] { groups.map(\.learningRate) }

    /// Sets the learning rate of group `index` (its base rate is unchanged).
    public func setLearningRate(_ learningRate: Float, group index: Int) {
        precondition(groups.indices.contains(index), "Optimizer: no group \(index) (there are \(groups.count))")
        groups[index].learningRate = learningRate
    }

    /// Sets every group's rate to its base rate times `multiplier`, so layer-wise rates
    /// stay proportional.
    public func scaleLearningRates(by multiplier: Float) {
        precondition(multiplier.isFinite && multiplier >= 0, "Optimizer: learning-rate multiplier must be finite and >= 0, got \(multiplier)")
        for index in groups.indices {
            groups[index].learningRate = groups[index].baseLearningRate * multiplier
        }
    }
}

/// Checks shared by every optimizer's initialiser.
enum OptimizerChecks {
    /// Refuses an empty list of groups and a parameter listed twice.
    static func validate(_ groups: [ParameterGroup], optimizer: String) {
        precondition(!groups.isEmpty, "\(optimizer): at least one parameter group is needed")
        var seen = Set<ObjectIdentifier>()
        for (groupIndex, group) in groups.enumerated() {
            for parameter in group.parameters {
                precondition(seen.insert(ObjectIdentifier(parameter)).inserted,
                             "\(optimizer): a parameter of shape \(parameter.shape) appears more than once (again in group \(groupIndex)); each parameter belongs to one group")
            }
        }
    }

    /// The gradient of `parameter` as a contiguous tensor of its shape, or `nil` when the
    /// parameter is frozen or has no gradient.
    static func updatableGradient(of parameter: Tensor, optimizer: String) -> Tensor? {
        guard parameter.requiresGradient, let gradient = parameter.gradient else { return nil }
        precondition(gradient.shape == parameter.shape,
                     "\(optimizer): gradient shape \(gradient.shape) differs from parameter shape \(parameter.shape)")
        precondition(parameter.isContiguous, "\(optimizer): parameter of shape \(parameter.shape) is not contiguous")
        return gradient.isContiguous ? gradient : gradient.contiguousCopy()
    }
}

/// Eight floats at `pointer`, no alignment needed.
@inline(__always)
func loadVector(_ pointer: UnsafeMutablePointer<Float>) -> Float8 {
    UnsafeRawPointer(pointer).loadUnaligned(as: Float8.self)
}

/// Writes eight floats at `pointer`, no alignment needed.
@inline(__always)
func storeVector(_ value: Float8, _ pointer: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: Float8.self)
}

extension Tensor {
    /// Pointer to the first element of a contiguous tensor's elements (for update loops).
    var elementPointer: UnsafeMutablePointer<Float> { storage.pointer + offset }
}
