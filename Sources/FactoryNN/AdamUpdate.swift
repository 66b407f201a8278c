// AdamUpdate: the fused Adam/AdamW update loop over raw storage, shared by `Adam` (L2 weight
// decay added to the gradient) and `AdamW` (decoupled decay), exactly as torch.optim's
// single-tensor implementation. It is not an optimizer: it owns no groups or state.
//
// Per element, at step t with β1, β2, ε, rate η and decay d:
//   Adam:  g ← g + d·p            AdamW:  p ← p·(1 − η·d)
//   m ← β1·m + (1 − β1)·g
//   v ← β2·v + (1 − β2)·g²                  (AMSGrad: v̂ ← max(v̂, v), used below instead of v)
//   p ← p − η/(1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + ε)

import Foundation
#if arch(x86_64) && canImport(_Builtin_intrinsics)
import _Builtin_intrinsics.intel
#endif

/// How weight decay enters an Adam update.
enum AdamWeightDecay {
    /// Added to the gradient (L2 regularisation), as `torch.optim.Adam`.
    case l2
    /// Applied to the weights before the update, as `torch.optim.AdamW`.
    case decoupled
}

/// The hyper-parameters and update rule Adam and AdamW share.
struct AdamUpdate {
    /// Kept in Double, as torch keeps them as Python floats: `1 − β2` is then the float
    /// nearest 0.001, not `1 − Float(0.999)` (1.3e-5 off).
    let beta1: Double
    let beta2: Double
    let epsilon: Float
    let amsgrad: Bool
    let weightDecayKind: AdamWeightDecay

    init(betas: (Double, Double), epsilon: Float, amsgrad: Bool, weightDecayKind: AdamWeightDecay, optimizer: String) {
        precondition(betas.0 >= 0 && betas.0 < 1, "\(optimizer): beta1 must be in [0, 1), got \(betas.0)")
        precondition(betas.1 >= 0 && betas.1 < 1, "\(optimizer): beta2 must be in [0, 1), got \(betas.1)")
        precondition(epsilon.isFinite && epsilon >= 0, "\(optimizer): epsilon must be finite and >= 0, got \(epsilon)")
        self.beta1 = betas.0
        self.beta2 = betas.1
        self.epsilon = epsilon
        self.amsgrad = amsgrad
        self.weightDecayKind = weightDecayKind
    }

    /// Runs one step over every trainable parameter with a gradient in `groups`.
    func step(groups: [ParameterGroup], state: inout OptimizerStateTable, optimizer: String) {
        withoutGradients {
            for group in groups {
                for parameter in group.parameters {
                    guard let gradient = OptimizerChecks.updatableGradient(of: parameter, optimizer: optimizer) else { continue }
                    let parameterState = state.stateCreatingIfNeeded(for: parameter)
                    update(parameter, gradient: gradient, state: parameterState,
                           learningRate: group.learningRate, weightDecay: group.weightDecay)
                }
            }
        }
    }

    private func update(_ parameter: Tensor, gradient: Tensor, state: ParameterState,
                        learningRate: Float, weightDecay: Float) {
        state.step += 1
        let t = Double(state.step)
        // Bias corrections in Double: β2ᵗ for β2 = 0.999 loses digits in Float after many steps.
        let biasCorrection1 = 1 - pow(beta1, t)
        let biasCorrection2 = 1 - pow(beta2, t)
        let stepSize = Float(Double(learningRate) / biasCorrection1)
        let inverseCorrection2 = Float(1 / biasCorrection2.squareRoot())
        let l2 = weightDecayKind == .l2 ? weightDecay : 0
        let shrink = weightDecayKind == .decoupled ? 1 - learningRate * weightDecay : 1

        let weights = parameter.elementPointer
        let gradients = gradient.elementPointer
        let firstMoment = state.buffer("firstMoment", like: parameter).elementPointer
        let secondMoment = state.buffer("secondMoment", like: parameter).elementPointer
        let maximum = amsgrad ? state.buffer("maximumSecondMoment", like: parameter).elementPointer : nil
        let beta1 = Float(self.beta1), keep1 = Float(1 - self.beta1)
        let beta2 = Float(self.beta2), keep2 = Float(1 - self.beta2)
        let epsilon = self.epsilon

        Parallel.forEachRange(parameter.count, costPerItem: 8) { range in
            let b1 = Float8(repeating: beta1), c1 = Float8(repeating: keep1)
            let b2 = Float8(repeating: beta2), c2 = Float8(repeating: keep2)
            let eps = Float8(repeating: epsilon), size = Float8(repeating: stepSize)
            let correction = Float8(repeating: inverseCorrection2)
            let decay = Float8(repeating: l2), keep = Float8(repeating: shrink)
            var index = range.lowerBound
            while index + 8 <= range.upperBound {
                var p = loadVector(weights + index)
                let g = loadVector(gradients + index) + decay * p
                p *= keep
                let m = b1 * loadVector(firstMoment + index) + c1 * g
                var v = b2 * loadVector(secondMoment + index) + c2 * g * g
                storeVector(m, firstMoment + index)
                storeVector(v, secondMoment + index)
                if let maximum {
                    v = pointwiseMax(loadVector(maximum + index), v)
                    storeVector(v, maximum + index)
                }
                let denominator = squareRoot(v) * correction + eps
                storeVector(p - size * m / denominator, weights + index)
                index += 8
            }
            while index < range.upperBound {
                var p = weights[index]
                let g = gradients[index] + l2 * p
                p *= shrink
                let m = beta1 * firstMoment[index] + keep1 * g
                var v = beta2 * secondMoment[index] + keep2 * g * g
                firstMoment[index] = m
                secondMoment[index] = v
                if let maximum {
                    v = Swift.max(maximum[index], v)
                    maximum[index] = v
                }
                weights[index] = p - stepSize * m / (v.squareRoot() * inverseCorrection2 + epsilon)
                index += 1
            }
        }
    }
}

/// √v lanewise, correctly rounded. `Float8.squareRoot()` takes each lane's root in turn
/// (eight scalar roots, each through libm's errno check on Linux), which made it the cost of
/// the update loop; on x86-64 this is one vector square root instruction (`vsqrtps`, or two
/// `sqrtps` on CPUs without AVX).
@inline(__always)
func squareRoot(_ v: Float8) -> Float8 {
    #if arch(x86_64) && canImport(_Builtin_intrinsics)
    return _mm256_sqrt_ps(v)
    #else
    return v.squareRoot()
    #endif
}
