// ParameterGroup: a list of parameter tensors that share a learning rate and a weight decay,
// and ParameterState, the per-parameter buffers an optimizer keeps (step count, momentum,
// moments). It is not an optimizer and knows nothing of modules: parameters are plain
// contiguous leaf tensors, so layer-wise rates are just several groups.

/// Parameters that are updated with one learning rate and one weight decay.
///
/// The rate given at creation is remembered as ``baseLearningRate``; learning-rate
/// schedules scale it, so groups with different rates stay proportional.
public struct ParameterGroup {
    /// The tensors this group updates: contiguous leaves. Frozen ones
    /// (`requiresGradient == false`) and ones without a gradient are skipped by `step()`.
    public var parameters: [Tensor]
    /// The rate used by the next `step()`.
    public var learningRate: Float {
        didSet { ParameterGroup.checkRate(learningRate, "learningRate") }
    }
    /// The rate schedules scale (the rate the group was created with, unless changed).
    public var baseLearningRate: Float {
        didSet { ParameterGroup.checkRate(baseLearningRate, "baseLearningRate") }
    }
    /// The weight-decay coefficient (L2 for SGD and Adam, decoupled for AdamW).
    public var weightDecay: Float {
        didSet { ParameterGroup.checkRate(weightDecay, "weightDecay") }
    }
    /// An optional label ("encoder", "head"), for logs.
    public var name: String?

    /// Creates a group.
    ///
    /// - Parameters:
    ///   - parameters: contiguous leaf tensors (views or results of operations are refused).
    ///   - learningRate: the group's rate, also recorded as ``baseLearningRate``.
    ///   - weightDecay: the weight-decay coefficient, 0 for none.
    ///   - name: an optional label.
    public init(parameters: [Tensor], learningRate: Float, weightDecay: Float = 0, name: String? = nil) {
        ParameterGroup.checkRate(learningRate, "learningRate")
        ParameterGroup.checkRate(weightDecay, "weightDecay")
        for (index, parameter) in parameters.enumerated() {
            precondition(parameter.isLeaf,
                         "ParameterGroup\(name.map { " \($0)" } ?? ""): parameter \(index) (shape \(parameter.shape)) is the result of an operation, not a leaf tensor")
            precondition(parameter.isContiguous,
                         "ParameterGroup\(name.map { " \($0)" } ?? ""): parameter \(index) (shape \(parameter.shape)) is not contiguous; optimizers update raw storage")
        }
        self.parameters = parameters
        self.learningRate = learningRate
        self.baseLearningRate = learningRate
        self.weightDecay = weightDecay
        self.name = name
    }

    /// The parameters `step()` updates now: trainable and holding a gradient.
    public var updatableParameters: [Tensor] {
        parameters.filter { $0.requiresGradient && $0.gradient != nil }
    }

    /// Total number of elements over all parameters (frozen ones included).
    public var elementCount: Int { parameters.reduce(0) { $0 + $1.count } }

    private static func checkRate(_ value: Float, _ label: String) {
        precondition(value.isFinite && value >= 0, "ParameterGroup: \(label) must be finite and >= 0, got \(value)")
    }
}

/// What an optimizer remembers about one parameter.
///
/// Created on the first step in which the parameter is updated; frozen parameters and
/// parameters that never receive a gradient never get one.
public final class ParameterState {
    /// How many updates this parameter has received (Adam's bias correction uses it).
    public internal(set) var step: Int = 0
    /// Named buffers of the parameter's shape: `"momentumBuffer"` (SGD), `"firstMoment"`,
    /// `"secondMoment"` and `"maximumSecondMoment"` (Adam, AdamW).
    public internal(set) var buffers: [String: Tensor] = [:]

    init() {}

    /// The buffer named `name`, created filled with zeros (shape of `parameter`) if missing.
    func buffer(_ name: String, like parameter: Tensor) -> Tensor {
        if let existing = buffers[name] { return existing }
        let created = Tensor.zeros(parameter.shape)
        buffers[name] = created
        return created
    }

    /// The values of buffer `name`, for tests and inspection.
    public func values(_ name: String) -> [Float]? { buffers[name]?.scalars }
}

/// Per-parameter states keyed by the parameter's identity; shared by every optimizer.
public struct OptimizerStateTable {
    private var states: [ObjectIdentifier: ParameterState] = [:]

    /// Creates an empty table.
    public init() {}

    /// The state of `parameter`, or `nil` if it was never updated.
    public func state(for parameter: Tensor) -> ParameterState? { states[ObjectIdentifier(parameter)] }

    /// Number of parameters with a state.
    public var count: Int { states.count }

    /// The state of `parameter`, created if missing.
    mutating func stateCreatingIfNeeded(for parameter: Tensor) -> ParameterState {
        let key = ObjectIdentifier(parameter)
        if let existing = states[key] { return existing }
        let created = ParameterState()
        states[key] = created
        return created
    }
}
