// Tests of parameter groups and of what optimizers skip: per-group rates and decays, frozen
// parameters (no update, no state), parameters without a gradient, base rates, and the
// preconditions on groups. Values are hand-computed (see each test).

import FactoryNN
import Testing

private let tolerance: Float = 1e-6

@Suite struct ParameterGroupTests {
    @Test func groupsUseTheirOwnRateAndDecay() {
        // SGD. Group "body": η = 0.1, d = 0: a = [1, 2] − 0.1·[1, 1] = [0.9, 1.9].
        // Group "head": η = 0.01, d = 0.5: g + d·p = 2 + 1.5 = 3.5; b = 3 − 0.035 = 2.965.
        let a = makeParameter([1, 2]), b = makeParameter([3])
        let optimizer = SGD(groups: [
            ParameterGroup(parameters: [a], learningRate: 0.1, name: "body"),
            ParameterGroup(parameters: [b], learningRate: 0.01, weightDecay: 0.5, name: "head"),
        ])
        setGradient(a, [1, 1])
        setGradient(b, [2])
        optimizer.step()
        #expect(close(a.scalars, [0.9, 1.9], tolerance), "\(a)")
        #expect(close(b.scalars, [2.965], tolerance), "\(b)")
    }

    @Test func adamWGroupsDecayIndependently() {
        // AdamW step 1 moves by η·sign(g) after p *= 1 − η·d.
        // Group 1: η = 0.1, d = 0: [1, 2] → [0.9, 2.1] (gradients +1, −1).
        // Group 2: η = 0.01, d = 0.5: 3·(1 − 0.005) − 0.01 = 2.975.
        let a = makeParameter([1, 2]), b = makeParameter([3])
        let optimizer = AdamW(groups: [
            ParameterGroup(parameters: [a], learningRate: 0.1),
            ParameterGroup(parameters: [b], learningRate: 0.01, weightDecay: 0.5),
        ])
        setGradient(a, [1, -1])
        setGradient(b, [2])
        optimizer.step()
        #expect(close(a.scalars, [0.9, 2.1], tolerance), "\(a)")
        #expect(close(b.scalars, [2.975], tolerance), "\(b)")
    }

    @Test func frozenParametersGetNoUpdateAndNoState() {
        // A frozen parameter that still holds a (stale) gradient must not move, and no
        // moment buffers may be allocated for it.
        let trainable = makeParameter(), other = makeParameter(), frozen = makeParameter([5, 6])
        frozen.requiresGradient = false
        setGradient(trainable, gradientValues[0])
        setGradient(other, gradientValues[0])
        setGradient(frozen, [1, 1])
        for optimizer in [AdamW(parameters: [trainable, frozen], learningRate: 0.1) as any Optimizer,
                          SGD(parameters: [other, frozen], learningRate: 0.1, momentum: 0.9)] {
            optimizer.step()
            #expect(optimizer.state.state(for: frozen) == nil)
            #expect(optimizer.state.count == 1)
        }
        #expect(frozen.scalars == [5, 6])
        #expect(trainable.scalars != startValues)
    }

    @Test func parameterWithoutGradientIsSkipped() {
        // Step 1: only `first` has a gradient. Step 2: both do, and `second` starts its own
        // step count at 1 (Adam's bias correction is per parameter, as torch).
        let first = makeParameter(), second = makeParameter([1, 1])
        let optimizer = Adam(parameters: [first, second], learningRate: 0.1)
        setGradient(first, gradientValues[0])
        optimizer.step()
        #expect(second.scalars == [1, 1])
        #expect(optimizer.state.state(for: second) == nil)
        setGradient(first, gradientValues[1])
        setGradient(second, [1, -1])
        optimizer.step()
        #expect(optimizer.state.state(for: first)?.step == 2)
        #expect(optimizer.state.state(for: second)?.step == 1)
        #expect(close(second.scalars, [0.9, 1.1], tolerance), "first step of a fresh parameter is η·sign(g)")
    }

    @Test func learningRatesAreSettablePerGroupAndScaleFromTheBase() {
        let optimizer = SGD(groups: [
            ParameterGroup(parameters: [makeParameter()], learningRate: 0.1),
            ParameterGroup(parameters: [makeParameter()], learningRate: 0.01),
        ])
        optimizer.setLearningRate(0.5, group: 1)
        #expect(optimizer.learningRates == [0.1, 0.5])
        #expect(optimizer.groups[1].baseLearningRate == 0.01)
        optimizer.scaleLearningRates(by: 0.5)
        #expect(close(optimizer.learningRates, [0.05, 0.005], 1e-9))
    }

    @Test func groupCountsElementsIncludingFrozenOnes() {
        let frozen = Tensor.zeros([4, 5])
        let group = ParameterGroup(parameters: [makeParameter(), frozen], learningRate: 1)
        #expect(group.elementCount == 23)
        #expect(group.updatableParameters.isEmpty, "no gradients yet")
    }
}
