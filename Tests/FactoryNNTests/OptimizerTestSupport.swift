// Helpers shared by the optimizer tests: the fixed parameter and gradients the hand-computed
// cases use, and a float comparison with a stated tolerance. Not tests themselves.

import FactoryNN
import TestSupport

/// The starting parameter of every hand-computed case.
let startValues: [Float] = [1.0, -2.0, 0.5]
/// Gradients fed at steps 1, 2 and 3 (set directly on `gradient`, no backward needed).
let gradientValues: [[Float]] = [[0.1, -0.2, 0.3], [0.4, 0.1, -0.5], [-0.3, 0.2, 0.05]]

/// A fresh trainable parameter holding `startValues` (or `values`).
func makeParameter(_ values: [Float] = startValues) -> Tensor {
    let parameter = Tensor(values)
    parameter.requiresGradient = true
    return parameter
}

/// Sets `parameter`'s gradient to `values`.
func setGradient(_ parameter: Tensor, _ values: [Float]) {
    parameter.gradient = Tensor(values, shape: parameter.shape)
}

/// Runs `steps` steps of `optimizer` on `parameter`, feeding `gradientValues` in order,
/// and returns the parameter's values after each step.
func runSteps(_ optimizer: some Optimizer, _ parameter: Tensor, steps: Int) -> [[Float]] {
    var trajectory: [[Float]] = []
    for index in 0..<steps {
        setGradient(parameter, gradientValues[index])
        optimizer.step()
        trajectory.append(parameter.scalars)
    }
    return trajectory
}

/// Whether `a` and `b` agree element by element within `tolerance`.
func close(_ a: [Float], _ b: [Float], _ tolerance: Float) -> Bool {
    a.count == b.count && TestData.maximumDifference(a, b) <= tolerance
}
