// Tests of Adam and AdamW against hand-computed steps. Expected values come from a few lines
// of numpy (in float64) implementing torch.optim.Adam / AdamW's single-tensor formulas:
//   Adam: g += d·p;  AdamW: p *= 1 − η·d;  then m = β1·m + (1−β1)·g, v = β2·v + (1−β2)·g²,
//   p −= η/(1 − β1ᵗ) · m / (√v/√(1 − β2ᵗ) + ε),  with η = 0.1, β = (0.9, 0.999), ε = 1e-8.
// Sanity check by hand: at t = 1 the corrections make m̂ = g and v̂ = g², so without weight
// decay every element moves by exactly η·sign(g): [1, −2, 0.5] → [0.9, −1.9, 0.4].
// Those use three elements (the scalar tail of the loop); AdamVectorLoopTests runs the
// eight-wide loop, with its own square root, against a float64 reference.

import FactoryNN
import FactoryTensor
import Foundation
import Testing

/// Our loop runs in Float32 against a float64 reference; at step 3 the update divides by
/// √v ≈ 0.01, which amplifies rounding: 2e-6 on O(1) parameters covers it with margin.
private let parameterTolerance: Float = 2e-6

/// Adam with no weight decay (equal to AdamW with none): three steps.
private let plainTrajectory: [[Float]] = [
    [0.9, -1.9, 0.4],
    [0.811562364, -1.873366303, 0.429356121],
    [0.793891535, -1.90063598, 0.446504229],
]
private let plainFirstMoment: [Float] = [0.0141, 0.0128, -0.0157]
private let plainSecondMoment: [Float] = [2.598200222e-04, 8.991004268e-05, 3.420700972e-04]

@Suite struct AdamTests {
    @Test func adamThreeStepsWithBiasCorrection() {
        let parameter = makeParameter()
        let optimizer = Adam(parameters: [parameter], learningRate: 0.1)
        let trajectory = runSteps(optimizer, parameter, steps: 3)
        for (got, expected) in zip(trajectory, plainTrajectory) {
            #expect(close(got, expected, parameterTolerance), "\(got) vs \(expected)")
        }
        let state = optimizer.state.state(for: parameter)
        #expect(state?.step == 3)
        // m = 0.9²·0.1·g1 + 0.9·0.1·g2 + 0.1·g3; v likewise with 0.999 and g².
        #expect(close(state?.values("firstMoment") ?? [], plainFirstMoment, 1e-8))
        #expect(close(state?.values("secondMoment") ?? [], plainSecondMoment, 1e-10))
        #expect(state?.buffers["maximumSecondMoment"] == nil, "no AMSGrad buffer unless asked for")
    }

    @Test func adamWWithoutDecayEqualsAdam() {
        let parameter = makeParameter()
        let optimizer = AdamW(parameters: [parameter], learningRate: 0.1, weightDecay: 0)
        let trajectory = runSteps(optimizer, parameter, steps: 3)
        for (got, expected) in zip(trajectory, plainTrajectory) {
            #expect(close(got, expected, parameterTolerance), "\(got) vs \(expected)")
        }
    }

    @Test func adamWeightDecayIsL2ThroughTheMoments() {
        // d = 0.1 added to the gradient: the decay enters m and v, so it is normalised away
        // at step 1 (still η·sign(g + d·p)) and the moments differ from the plain case.
        let parameter = makeParameter()
        let optimizer = Adam(parameters: [parameter], learningRate: 0.1, weightDecay: 0.1)
        let trajectory = runSteps(optimizer, parameter, steps: 3)
        let expected: [[Float]] = [
            [0.900000005, -1.900000002, 0.400000003],
            [0.805788911, -1.818287555, 0.418670769],
            [0.76299902, -1.758016872, 0.422890316],
        ]
        for (got, want) in zip(trajectory, expected) {
            #expect(close(got, want, parameterTolerance), "\(got) vs \(want)")
        }
        let moments = optimizer.state.state(for: parameter)?.values("firstMoment") ?? []
        #expect(close(moments, [0.038357889, -0.038682875, -0.003863291], 1e-7), "\(moments)")
    }

    @Test func adamWWeightDecayIsDecoupled() {
        // d = 0.1: p *= 1 − 0.01 before each Adam update. The moments are the plain ones
        // (decay never touches the gradient), and step 1 is 0.99·p − 0.1·sign(g):
        // [0.89, −1.88, 0.395]. Compare with L2 above: the two decays differ from step 1.
        let parameter = makeParameter()
        let optimizer = AdamW(parameters: [parameter], learningRate: 0.1, weightDecay: 0.1)
        let trajectory = runSteps(optimizer, parameter, steps: 3)
        let expected: [[Float]] = [
            [0.89000001, -1.880000005, 0.395000003],
            [0.792662364, -1.834566303, 0.420406121],
            [0.767064911, -1.843490317, 0.433350168],
        ]
        for (got, want) in zip(trajectory, expected) {
            #expect(close(got, want, parameterTolerance), "\(got) vs \(want)")
        }
        let state = optimizer.state.state(for: parameter)
        #expect(close(state?.values("firstMoment") ?? [], plainFirstMoment, 1e-8))
        #expect(close(state?.values("secondMoment") ?? [], plainSecondMoment, 1e-10))
    }

    @Test func amsgradUsesTheRunningMaximumOfTheSecondMoment() {
        // Steps 1–2 use g1, g2; step 3 has a zero gradient, so v shrinks (v3 = 0.999·v2)
        // while the maximum keeps v2 = [1.6999e-4, 4.996e-5, 3.3991e-4]. numpy (float64):
        // AMSGrad p3 = [0.7432339976, −1.8527886705, 0.4520371396];
        // plain Adam p3 = [0.7431998078, −1.852778374, 0.4520484886] (3e-5 away).
        let gradients: [[Float]] = [gradientValues[0], gradientValues[1], [0, 0, 0]]
        func run(amsgrad: Bool) -> (Tensor, Adam) {
            let parameter = makeParameter()
            let optimizer = Adam(parameters: [parameter], learningRate: 0.1, amsgrad: amsgrad)
            for values in gradients {
                setGradient(parameter, values)
                optimizer.step()
            }
            return (parameter, optimizer)
        }
        let (withMaximum, optimizer) = run(amsgrad: true)
        let (without, _) = run(amsgrad: false)
        #expect(close(withMaximum.scalars, [0.7432339976, -1.8527886705, 0.4520371396], parameterTolerance), "\(withMaximum)")
        #expect(close(without.scalars, [0.7431998078, -1.852778374, 0.4520484886], parameterTolerance), "\(without)")
        let maximum = optimizer.state.state(for: withMaximum)?.values("maximumSecondMoment") ?? []
        #expect(close(maximum, [1.6999e-4, 4.996e-5, 3.3991e-4], 1e-10), "\(maximum)")
    }

    @Test func largeParameterTakesTheThreadedPathWithTheSameResult() {
        // 100 005 elements (over the threading threshold, odd length so the scalar tail
        // runs too): every element follows the small AdamW case.
        let repeats = 33_335
        let tile = { (values: [Float]) in Array((0..<repeats).map { _ in values }.joined()) }
        let parameter = makeParameter(tile(startValues))
        let optimizer = AdamW(parameters: [parameter], learningRate: 0.1, weightDecay: 0.1)
        for index in 0..<3 {
            setGradient(parameter, tile(gradientValues[index]))
            optimizer.step()
        }
        #expect(close(parameter.scalars, tile([0.767064911, -1.843490317, 0.433350168]), parameterTolerance))
    }
}

/// The vector loop (eight elements at a time, with its own square root) against a float64
/// reference of torch.optim.AdamW's formula, on 1003 elements whose gradients span many
/// magnitudes, including exact zeros (v = 0) and tiny values (subnormal v).
@Suite struct AdamVectorLoopTests {
    @Test func adamWOnManyElementsMatchesFloat64Reference() {
        let count = 1003
        var generator = SeededGenerator(seed: 5)
        var weights: [Float] = [], gradients: [[Float]] = []
        for _ in 0..<count { weights.append(2 * generator.nextUnitFloat() - 1) }
        for _ in 0..<3 {
            gradients.append((0..<count).map { index in
                if index % 17 == 0 { return 0 }
                if index % 29 == 0 { return 1e-21 }  // g² is subnormal
                let magnitude = Float(pow(10, Double(-6 + Int(generator.next() % 7))))
                return magnitude * (2 * generator.nextUnitFloat() - 1)
            })
        }
        let parameter = Tensor(weights)
        parameter.requiresGradient = true
        let optimizer = AdamW(parameters: [parameter], learningRate: 0.01, weightDecay: 0.01)
        var p = weights.map(Double.init), m = [Double](repeating: 0, count: count), v = m
        for step in 1...3 {
            parameter.gradient = Tensor(gradients[step - 1])
            optimizer.step()
            let c1 = 1 - pow(0.9, Double(step)), c2 = 1 - pow(0.999, Double(step))
            for index in 0..<count {
                let g = Double(gradients[step - 1][index])
                p[index] *= 1 - 0.01 * 0.01
                m[index] = 0.9 * m[index] + 0.1 * g
                v[index] = 0.999 * v[index] + 0.001 * g * g
                p[index] -= 0.01 / c1 * m[index] / (v[index].squareRoot() / c2.squareRoot() + 1e-8)
            }
        }
        let got = parameter.scalars
        let worst = (0..<count).map { Swift.abs(Double(got[$0]) - p[$0]) }.max()!
        // Each step moves an element by at most about η = 0.01; float32 rounding of the
        // update and of O(1) weights stays below 1e-6 (the 3-element tests allow 2e-6).
        #expect(worst < 1e-6, "worst error \(worst)")
    }
}
