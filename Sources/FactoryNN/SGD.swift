// SGD: stochastic gradient descent with optional momentum, dampening, Nesterov momentum
// and L2 weight decay, exactly as torch.optim.SGD. One fused, vectorised, threaded loop per
// parameter over raw storage. It is not a schedule: learning rates live in the groups.
//
// Per element, with d = weightDecay, μ = momentum, τ = dampening, η = learningRate:
//   g ← g + d·p
//   first step: b ← g;  later: b ← μ·b + (1 − τ)·g       (only when μ ≠ 0)
//   g ← g + μ·b (Nesterov)  or  g ← b
//   p ← p − η·g

/// Stochastic gradient descent, as `torch.optim.SGD`.
public final class SGD: Optimizer {
    /// The parameter groups.
    public var groups: [ParameterGroup]
    /// Momentum buffers (`"momentumBuffer"`), created on a parameter's first update.
    public var state = OptimizerStateTable()
    /// The momentum factor μ (0 for plain SGD).
    public let momentum: Float
    /// The dampening τ applied to the gradient in the momentum update (after the first step).
    public let dampening: Float
    /// Whether to use Nesterov momentum.
    public let nesterov: Bool

    /// Creates an SGD optimizer.
    ///
    /// - Parameters:
    ///   - groups: parameter groups with their rates and weight decays.
    ///   - momentum: the momentum factor, 0 for none.
    ///   - dampening: dampening for momentum; must be 0 with Nesterov.
    ///   - nesterov: use Nesterov momentum (needs `momentum > 0`).
    public init(groups: [ParameterGroup], momentum: Float = 0, dampening: Float = 0, nesterov: Bool = false) {
        OptimizerChecks.validate(groups, optimizer: "SGD")
        precondition(momentum.isFinite && momentum >= 0, "SGD: momentum must be finite and >= 0, got \(momentum)")
        precondition(dampening.isFinite, "SGD: dampening must be finite, got \(dampening)")
        precondition(!nesterov || (momentum > 0 && dampening == 0),
                     "SGD: Nesterov momentum needs momentum > 0 and dampening = 0 (got momentum \(momentum), dampening \(dampening))")
        self.groups = groups
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
    }

    /// Creates an SGD optimizer over one group.
    public convenience init(parameters: [Tensor], learningRate: Float, weightDecay: Float = 0,
                            momentum: Float = 0, dampening: Float = 0, nesterov: Bool = false) {
        self.init(groups: [ParameterGroup(parameters: parameters, learningRate: learningRate, weightDecay: weightDecay)],
                  momentum: momentum, dampening: dampening, nesterov: nesterov)
    }

    /// Applies one SGD update to every trainable parameter that has a gradient.
    public func step() {
        withoutGradients {
            for group in groups {
                for parameter in group.parameters {
                    guard let gradient = OptimizerChecks.updatableGradient(of: parameter, optimizer: "SGD") else { continue }
                    update(parameter, gradient: gradient, learningRate: group.learningRate, weightDecay: group.weightDecay)
                }
            }
        }
    }

    private func update(_ parameter: Tensor, gradient: Tensor, learningRate: Float, weightDecay: Float) {
        let parameterState = state.stateCreatingIfNeeded(for: parameter)
        let isFirst = parameterState.step == 0
        parameterState.step += 1
        let weights = parameter.elementPointer
        let gradients = gradient.elementPointer
        guard momentum != 0 else {
            SGD.plainUpdate(weights, gradients, count: parameter.count, learningRate: learningRate, weightDecay: weightDecay)
            return
        }
        let momentumBuffer = parameterState.buffer("momentumBuffer", like: parameter).elementPointer
        // First step: b = g, which is the general rule with μ·0 + 1·g (dampening skipped).
        let keep = isFirst ? Float(0) : momentum
        let take = isFirst ? Float(1) : 1 - dampening
        SGD.momentumUpdate(weights, gradients, momentumBuffer, count: parameter.count,
                           learningRate: learningRate, weightDecay: weightDecay,
                           keep: keep, take: take, nesterovMomentum: nesterov ? momentum : nil)
    }

    /// p ← p − η·(g + d·p).
    static func plainUpdate(_ weights: UnsafeMutablePointer<Float>, _ gradients: UnsafeMutablePointer<Float>,
                            count: Int, learningRate: Float, weightDecay: Float) {
        Parallel.forEachRange(count, costPerItem: 2) { range in
            let rate = Float8(repeating: learningRate), decay = Float8(repeating: weightDecay)
            var index = range.lowerBound
            while index + 8 <= range.upperBound {
                let p = loadVector(weights + index)
                let g = loadVector(gradients + index) + decay * p
                storeVector(p - rate * g, weights + index)
                index += 8
            }
            while index < range.upperBound {
                let g = gradients[index] + weightDecay * weights[index]
                weights[index] -= learningRate * g
                index += 1
            }
        }
    }

    /// g ← g + d·p;  b ← keep·b + take·g;  p ← p − η·(nesterov ? g + μ·b : b).
    static func momentumUpdate(_ weights: UnsafeMutablePointer<Float>, _ gradients: UnsafeMutablePointer<Float>,
                               _ buffer: UnsafeMutablePointer<Float>, count: Int,
                               learningRate: Float, weightDecay: Float, keep: Float, take: Float,
                               nesterovMomentum: Float?) {
        let isNesterov = nesterovMomentum != nil
        let mu = nesterovMomentum ?? 0
        Parallel.forEachRange(count, costPerItem: 3) { range in
            let rate = Float8(repeating: learningRate), decay = Float8(repeating: weightDecay)
            let keepVector = Float8(repeating: keep), takeVector = Float8(repeating: take), muVector = Float8(repeating: mu)
            var index = range.lowerBound
            while index + 8 <= range.upperBound {
                let p = loadVector(weights + index)
                let g = loadVector(gradients + index) + decay * p
                let b = keepVector * loadVector(buffer + index) + takeVector * g
                storeVector(b, buffer + index)
                let direction = isNesterov ? g + muVector * b : b
                storeVector(p - rate * direction, weights + index)
                index += 8
            }
            while index < range.upperBound {
                let p = weights[index]
                let g = gradients[index] + weightDecay * p
                let b = keep * buffer[index] + take * g
                buffer[index] = b
                let direction = isNesterov ? g + mu * b : b
                weights[index] = p - learningRate * direction
                index += 1
            }
        }
    }
}
