// Adam and AdamW: the two adaptive-moment optimizers of torch.optim, as thin subclasses of
// one class over the shared fused loop in AdamUpdate.swift. They differ only in weight
// decay: Adam adds it to the gradient (L2); AdamW shrinks the weights directly (decoupled),
// which is what fine-tuning recipes mean by "weight decay". Not here: the update loop
// itself, schedules, gradient clipping.

/// What Adam and AdamW share: groups, per-parameter state, the moment settings and `step()`.
/// Create an ``Adam`` or an ``AdamW``, not this class.
public class AdaptiveMomentOptimizer: Optimizer {
    /// The parameter groups.
    public var groups: [ParameterGroup]
    /// Step counts and `"firstMoment"`, `"secondMoment"` (and `"maximumSecondMoment"` with
    /// AMSGrad) buffers, created on a parameter's first update.
    public var state = OptimizerStateTable()
    let rule: AdamUpdate
    let name: String

    /// The decay rates of the first and second moment estimates.
    public var betas: (Double, Double) { (rule.beta1, rule.beta2) }
    /// Added to the denominator for numerical stability.
    public var epsilon: Float { rule.epsilon }
    /// Whether the AMSGrad variant (running maximum of the second moment) is used.
    public var amsgrad: Bool { rule.amsgrad }

    init(groups: [ParameterGroup], betas: (Double, Double), epsilon: Float, amsgrad: Bool,
         weightDecayKind: AdamWeightDecay, name: String) {
        OptimizerChecks.validate(groups, optimizer: name)
        self.groups = groups
        self.name = name
        self.rule = AdamUpdate(betas: betas, epsilon: epsilon, amsgrad: amsgrad, weightDecayKind: weightDecayKind, optimizer: name)
    }

    /// Applies one update to every trainable parameter that has a gradient.
    public func step() { rule.step(groups: groups, state: &state, optimizer: name) }
}

/// Adam, as `torch.optim.Adam`: weight decay is L2 regularisation added to the gradient.
public final class Adam: AdaptiveMomentOptimizer {
    /// Creates an Adam optimizer.
    ///
    /// - Parameters:
    ///   - groups: parameter groups; each group's `weightDecay` is added to its gradients (L2).
    ///   - betas: decay rates of the moment estimates, each in [0, 1).
    ///   - epsilon: added to the denominator.
    ///   - amsgrad: use the AMSGrad variant.
    public init(groups: [ParameterGroup], betas: (Double, Double) = (0.9, 0.999), epsilon: Float = 1e-8, amsgrad: Bool = false) {
        super.init(groups: groups, betas: betas, epsilon: epsilon, amsgrad: amsgrad, weightDecayKind: .l2, name: "Adam")
    }

    /// Creates an Adam optimizer over one group.
    public convenience init(parameters: [Tensor], learningRate: Float = 1e-3, weightDecay: Float = 0,
                            betas: (Double, Double) = (0.9, 0.999), epsilon: Float = 1e-8, amsgrad: Bool = false) {
        self.init(groups: [ParameterGroup(parameters: parameters, learningRate: learningRate, weightDecay: weightDecay)],
                  betas: betas, epsilon: epsilon, amsgrad: amsgrad)
    }
}

/// AdamW, as `torch.optim.AdamW`: weight decay is decoupled (`p ← p·(1 − η·d)` before the
/// Adam update), so it does not pass through the adaptive denominator.
public final class AdamW: AdaptiveMomentOptimizer {
    /// Creates an AdamW optimizer.
    ///
    /// - Parameters:
    ///   - groups: parameter groups; each group's `weightDecay` shrinks its weights directly
    ///     (`torch.optim.AdamW`'s default decay is 0.01: set it on the groups).
    ///   - betas: decay rates of the moment estimates, each in [0, 1).
    ///   - epsilon: added to the denominator.
    ///   - amsgrad: use the AMSGrad variant.
    public init(groups: [ParameterGroup], betas: (Double, Double) = (0.9, 0.999), epsilon: Float = 1e-8, amsgrad: Bool = false) {
        super.init(groups: groups, betas: betas, epsilon: epsilon, amsgrad: amsgrad, weightDecayKind: .decoupled, name: "AdamW")
    }

    /// Creates an AdamW optimizer over one group (weight decay 0.01 by default, as torch).
    public convenience init(parameters: [Tensor], learningRate: Float = 1e-3, weightDecay: Float = 0.01,
                            betas: (Double, Double) = (0.9, 0.999), epsilon: Float = 1e-8, amsgrad: Bool = false) {
        self.init(groups: [ParameterGroup(parameters: parameters, learningRate: learningRate, weightDecay: weightDecay)],
                  betas: betas, epsilon: epsilon, amsgrad: amsgrad)
    }
}
