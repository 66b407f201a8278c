// Tests of the learning-rate schedules at chosen steps (values by hand from transformers'
// and torch's formulas), of applying a schedule to groups with different base rates, and of
// ReduceOnPlateau's patience, relative threshold, cooldown and minimum rate.

import FactoryNN
import Foundation
import Testing

private let tolerance: Float = 1e-6

@Suite struct LearningRateScheduleTests {
    @Test(arguments: [
        // warm-up 10, total 110: step/10 below 10, then (110 − step)/100, floored at 0.
        (0, Float(0)), (5, 0.5), (10, 1), (60, 0.5), (100, 0.1), (110, 0), (200, 0),
    ])
    func linearWarmupDecay(step: Int, expected: Float) {
        let schedule = LinearWarmupDecay(warmupSteps: 10, totalSteps: 110)
        #expect(abs(schedule.multiplier(atStep: step) - expected) < tolerance)
    }

    @Test(arguments: [
        // warm-up 10, total 110, half a cosine: ½(1 + cos(π·progress)), progress = (step − 10)/100.
        // progress 0.25 → ½(1 + √½) = 0.8535534; 0.5 → 0.5; 0.75 → 0.1464466; 1 → 0.
        (0, Float(0)), (5, 0.5), (10, 1), (35, 0.8535534), (60, 0.5), (85, 0.1464466), (110, 0), (150, 0),
    ])
    func cosineWarmupDecay(step: Int, expected: Float) {
        let schedule = CosineWarmupDecay(warmupSteps: 10, totalSteps: 110)
        #expect(abs(schedule.multiplier(atStep: step) - expected) < tolerance)
    }

    @Test(arguments: [(0, Float(1)), (29, 1), (30, 0.1), (59, 0.1), (65, 0.01), (90, 0.001)])
    func stepDecay(step: Int, expected: Float) {
        let schedule = StepDecay(stepSize: 30, gamma: 0.1)
        #expect(abs(schedule.multiplier(atStep: step) - expected) < tolerance * expected)
    }

    @Test func constantRateWarmsUpThenHolds() {
        let schedule = ConstantRate(warmupSteps: 4)
        #expect([0, 1, 2, 4, 1000].map { schedule.multiplier(atStep: $0) } == [0, 0.25, 0.5, 1, 1])
    }

    @Test func applyingAScheduleKeepsGroupRatesProportional() {
        // Layer-wise rates 1e-3 (head) and 1e-4 (encoder); at step 5 of a 10-step warm-up
        // both are halved, and at step 60 of 110 both are at half again (decay).
        let optimizer = AdamW(groups: [
            ParameterGroup(parameters: [makeParameter()], learningRate: 1e-3, name: "head"),
            ParameterGroup(parameters: [makeParameter()], learningRate: 1e-4, name: "encoder"),
        ])
        let schedule = LinearWarmupDecay(warmupSteps: 10, totalSteps: 110)
        optimizer.applySchedule(schedule, step: 5)
        #expect(close(optimizer.learningRates, [5e-4, 5e-5], 1e-10))
        optimizer.applySchedule(schedule, step: 10)
        #expect(close(optimizer.learningRates, [1e-3, 1e-4], 1e-10))
        optimizer.applySchedule(schedule, step: 100)
        #expect(close(optimizer.learningRates, [1e-4, 1e-5], 1e-10))
        #expect(abs(schedule.learningRate(atStep: 60, baseLearningRate: 2) - 1) < tolerance)
    }

    @Test func reduceOnPlateauWithPatienceCooldownAndMinimum() {
        // mode min, factor 0.5, patience 2, relative threshold 0.1, cooldown 1, minimum 0.004.
        // epoch 1: 1.0 → best 1.0. Epochs 2–4: 0.95 is not < 1.0·0.9, bad = 1, 2, 3 > 2 →
        // reduce at epoch 4 (0.1 → 0.05, 0.01 → 0.005), cooldown 1. Epoch 5: bad = 1 but
        // cooldown resets it to 0. Epochs 6–8: bad = 1, 2, 3 → reduce at epoch 8
        // (0.025, and max(0.0025, 0.004) = 0.004). Epoch 9: 0.5 improves, best 0.5.
        let optimizer = SGD(groups: [
            ParameterGroup(parameters: [makeParameter()], learningRate: 0.1),
            ParameterGroup(parameters: [makeParameter()], learningRate: 0.01),
        ])
        let plateau = ReduceOnPlateau(mode: .min, factor: 0.5, patience: 2, threshold: 0.1, cooldown: 1, minimumRate: 0.004)
        let metrics: [Float] = [1.0, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.5]
        var reducedAt: [Int] = []
        var ratesAfterFirst: [Float] = []
        for (index, metric) in metrics.enumerated() {
            if plateau.step(metric: metric, optimizer: optimizer) { reducedAt.append(index + 1) }
            if index + 1 == 4 { ratesAfterFirst = optimizer.learningRates }
        }
        #expect(reducedAt == [4, 8])
        #expect(close(ratesAfterFirst, [0.05, 0.005], 1e-9))
        #expect(close(optimizer.learningRates, [0.025, 0.004], 1e-9))
        #expect(plateau.best == 0.5 && plateau.badEpochs == 0 && plateau.reductionCount == 2)
        #expect(optimizer.groups[0].baseLearningRate == 0.1, "base rates are not touched")
    }

    @Test func reduceOnPlateauInMaxModeWithNoPatience() {
        // max mode, threshold 0.1: 0.6 > 0.5·1.1 improves; the next 0.6 is not > 0.66 and,
        // with patience 0, one bad epoch reduces at once (factor 0.1 by default).
        let optimizer = SGD(parameters: [makeParameter()], learningRate: 1)
        let plateau = ReduceOnPlateau(mode: .max, patience: 0, threshold: 0.1)
        let reductions = [0.5, 0.6, 0.6].map { plateau.step(metric: $0, optimizer: optimizer) }
        #expect(reductions == [false, false, true])
        #expect(close(optimizer.learningRates, [0.1], 1e-7))
    }
}
