// Tests of SGD against hand-computed steps (torch.optim.SGD's formulas, evaluated with
// numpy in float32 and written here as literals): plain, weight decay, momentum with
// dampening over two steps, Nesterov with weight decay over two steps.

import FactoryNN
import Testing

/// Every value is a few Float32 operations on O(1) numbers: a few ulps of 2.
private let tolerance: Float = 1e-6

@Suite struct SGDTests {
    @Test func plainStepIsRateTimesGradient() {
        // p − 0.1·g = [1 − 0.01, −2 + 0.02, 0.5 − 0.03].
        let parameter = makeParameter()
        let optimizer = SGD(parameters: [parameter], learningRate: 0.1)
        let trajectory = runSteps(optimizer, parameter, steps: 1)
        #expect(close(trajectory[0], [0.99, -1.98, 0.47], tolerance), "\(trajectory)")
        #expect(optimizer.state.state(for: parameter)?.buffers.isEmpty == true, "plain SGD keeps no buffer")
    }

    @Test func weightDecayIsAddedToTheGradient() {
        // g + 0.01·p = [0.11, −0.22, 0.305]; p − 0.1·that = [0.989, −1.978, 0.4695].
        let parameter = makeParameter()
        let optimizer = SGD(parameters: [parameter], learningRate: 0.1, weightDecay: 0.01)
        let trajectory = runSteps(optimizer, parameter, steps: 1)
        #expect(close(trajectory[0], [0.989, -1.978, 0.4695], tolerance), "\(trajectory)")
    }

    @Test func momentumStartsFromTheGradientThenDampens() {
        // μ = 0.9, τ = 0.1, η = 0.1.
        // Step 1: b = g1 = [0.1, −0.2, 0.3] (no dampening), p = [0.99, −1.98, 0.47].
        // Step 2: b = 0.9·b + 0.9·g2 = [0.45, −0.09, −0.18], p = [0.945, −1.971, 0.488].
        let parameter = makeParameter()
        let optimizer = SGD(parameters: [parameter], learningRate: 0.1, momentum: 0.9, dampening: 0.1)
        let trajectory = runSteps(optimizer, parameter, steps: 2)
        #expect(close(trajectory[0], [0.99, -1.98, 0.47], tolerance), "\(trajectory)")
        #expect(close(trajectory[1], [0.945, -1.971, 0.488], tolerance), "\(trajectory)")
        let buffer = optimizer.state.state(for: parameter)?.values("momentumBuffer") ?? []
        #expect(close(buffer, [0.45, -0.09, -0.18], tolerance), "\(buffer)")
        #expect(optimizer.state.state(for: parameter)?.step == 2)
    }

    @Test func nesterovUsesGradientPlusMomentumTimesBuffer() {
        // μ = 0.9, η = 0.1, d = 0.1.
        // Step 1: g = g1 + 0.1·p0 = [0.2, −0.4, 0.35]; b = g; p = p0 − 0.1·(g + 0.9·b)
        //         = [0.962, −1.924, 0.4335].
        // Step 2: g = g2 + 0.1·p1 = [0.4962, −0.0924, −0.45665]; b = 0.9·b + g
        //         = [0.6762, −0.4524, −0.14165]; p = p1 − 0.1·(g + 0.9·b)
        //         = [0.851522, −1.8740441, 0.4919135].
        let parameter = makeParameter()
        let optimizer = SGD(parameters: [parameter], learningRate: 0.1, weightDecay: 0.1, momentum: 0.9, nesterov: true)
        let trajectory = runSteps(optimizer, parameter, steps: 2)
        #expect(close(trajectory[0], [0.962, -1.924, 0.4335], tolerance), "\(trajectory)")
        #expect(close(trajectory[1], [0.851522, -1.8740441, 0.4919135], tolerance), "\(trajectory)")
        let buffer = optimizer.state.state(for: parameter)?.values("momentumBuffer") ?? []
        #expect(close(buffer, [0.6762, -0.4524, -0.14165], tolerance), "\(buffer)")
    }

    @Test func zeroGradientsClearsEveryGradient() {
        let first = makeParameter(), second = makeParameter([1, 2])
        setGradient(first, [1, 1, 1])
        setGradient(second, [1, 1])
        let optimizer = SGD(parameters: [first, second], learningRate: 0.1)
        optimizer.zeroGradients()
        #expect(first.gradient == nil && second.gradient == nil)
        optimizer.step()
        #expect(first.scalars == startValues, "no gradient, no update")
    }

    @Test func largeParameterTakesTheThreadedPathWithTheSameResult() {
        // 100 003 elements (over the threading threshold, not a multiple of 8): every
        // element must follow the same two-step momentum trajectory as the small case.
        let repeats = 33_335
        let tile = { (values: [Float]) in Array((0..<repeats).map { _ in values }.joined()) }
        let parameter = makeParameter(tile(startValues))
        let optimizer = SGD(parameters: [parameter], learningRate: 0.1, momentum: 0.9, dampening: 0.1)
        for index in 0..<2 {
            setGradient(parameter, tile(gradientValues[index]))
            optimizer.step()
        }
        #expect(close(parameter.scalars, tile([0.945, -1.971, 0.488]), tolerance))
    }
}
