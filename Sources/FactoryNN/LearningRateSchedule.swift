// Learning-rate schedules that are functions of the step number: warm-up then linear decay,
// warm-up then cosine decay (as transformers' get_linear_schedule_with_warmup and
// get_cosine_schedule_with_warmup), step decay (torch's StepLR), and a constant one. Each
// gives a multiplier of the groups' base rates, so layer-wise rates stay proportional.
// Not here: metric-driven schedules (ReduceOnPlateau.swift).

import Foundation

/// A learning-rate multiplier as a function of the step number.
///
/// Apply it with ``Optimizer/applySchedule(_:step:)``: each group's rate becomes its
/// `baseLearningRate` times ``multiplier(atStep:)``.
public protocol LearningRateSchedule: Sendable {
    /// The factor applied to every group's base rate at `step` (0 for the first step).
    func multiplier(atStep step: Int) -> Float
}

extension LearningRateSchedule {
    /// The rate at `step` for a group whose base rate is `baseLearningRate`.
    public func learningRate(atStep step: Int, baseLearningRate: Float) -> Float {
        baseLearningRate * multiplier(atStep: step)
    }
}

extension Optimizer {
    /// Sets every group's rate to its base rate times `schedule.multiplier(atStep: step)`.
    ///
    /// Call it before `step()` with the number of steps already taken (0 first), as
    /// transformers' `LambdaLR` does.
    public func applySchedule(_ schedule: some LearningRateSchedule, step: Int) {
        scaleLearningRates(by: schedule.multiplier(atStep: step))
    }
}

/// Linear warm-up from 0 to 1 over `warmupSteps`, then linear decay to 0 at `totalSteps`
/// (transformers' `get_linear_schedule_with_warmup`).
public struct LinearWarmupDecay: LearningRateSchedule {
    /// Steps of linear warm-up (0 for none).
    public let warmupSteps: Int
    /// The step at which the multiplier reaches 0.
    public let totalSteps: Int

    /// Creates the schedule.
    ///
    /// - Parameters:
    ///   - warmupSteps: steps of warm-up, >= 0.
    ///   - totalSteps: total training steps, >= `warmupSteps`.
    public init(warmupSteps: Int, totalSteps: Int) {
        precondition(warmupSteps >= 0 && totalSteps >= warmupSteps,
                     "LinearWarmupDecay: need 0 <= warmupSteps <= totalSteps, got \(warmupSteps) and \(totalSteps)")
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
    }

    /// `step / warmup` during warm-up, then `(total − step) / (total − warmup)`, never below 0.
    public func multiplier(atStep step: Int) -> Float {
        if step < warmupSteps { return Float(step) / Float(Swift.max(1, warmupSteps)) }
        return Swift.max(0, Float(totalSteps - step) / Float(Swift.max(1, totalSteps - warmupSteps)))
    }
}

/// Linear warm-up, then cosine decay from 1 to 0 over the remaining steps
/// (transformers' `get_cosine_schedule_with_warmup`).
public struct CosineWarmupDecay: LearningRateSchedule {
    /// Steps of linear warm-up (0 for none).
    public let warmupSteps: Int
    /// The step at which the (half-cycle) cosine reaches 0.
    public let totalSteps: Int
    /// Number of cosine periods over the decay (0.5: one half-cosine from 1 to 0).
    public let cycles: Double

    /// Creates the schedule.
    ///
    /// - Parameters:
    ///   - warmupSteps: steps of warm-up, >= 0.
    ///   - totalSteps: total training steps, >= `warmupSteps`.
    ///   - cycles: cosine periods over the decay phase (transformers' `num_cycles`, 0.5).
    public init(warmupSteps: Int, totalSteps: Int, cycles: Double = 0.5) {
        precondition(warmupSteps >= 0 && totalSteps >= warmupSteps,
                     "CosineWarmupDecay: need 0 <= warmupSteps <= totalSteps, got \(warmupSteps) and \(totalSteps)")
        precondition(cycles > 0, "CosineWarmupDecay: cycles must be > 0, got \(cycles)")
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
        self.cycles = cycles
    }

    /// `step / warmup` during warm-up, then `½(1 + cos(2π·cycles·progress))`, never below 0.
    ///
    /// Past `totalSteps` the multiplier keeps its final value (progress is capped at 1),
    /// where transformers' formula would let the cosine rise again.
    public func multiplier(atStep step: Int) -> Float {
        if step < warmupSteps { return Float(step) / Float(Swift.max(1, warmupSteps)) }
        let progress = Swift.min(1, Double(step - warmupSteps) / Double(Swift.max(1, totalSteps - warmupSteps)))
        return Float(Swift.max(0, 0.5 * (1 + cos(Double.pi * cycles * 2 * progress))))
    }
}

/// Multiplies the rate by `gamma` every `stepSize` steps (torch's `StepLR`).
public struct StepDecay: LearningRateSchedule {
    /// Steps between two decays.
    public let stepSize: Int
    /// The factor applied at each decay.
    public let gamma: Float

    /// Creates the schedule.
    ///
    /// - Parameters:
    ///   - stepSize: steps (or epochs) between decays, > 0.
    ///   - gamma: the decay factor, >= 0 (torch's default 0.1).
    public init(stepSize: Int, gamma: Float = 0.1) {
        precondition(stepSize > 0, "StepDecay: stepSize must be > 0, got \(stepSize)")
        precondition(gamma >= 0 && gamma.isFinite, "StepDecay: gamma must be finite and >= 0, got \(gamma)")
        self.stepSize = stepSize
        self.gamma = gamma
    }

    /// `gamma^(step / stepSize)` (integer division).
    public func multiplier(atStep step: Int) -> Float {
        Float(pow(Double(gamma), Double(step / stepSize)))
    }
}

/// The base rate at every step, optionally after a linear warm-up
/// (transformers' `get_constant_schedule_with_warmup`).
public struct ConstantRate: LearningRateSchedule {
    /// Steps of linear warm-up (0 for none).
    public let warmupSteps: Int

    /// Creates the schedule.
    ///
    /// - Parameter warmupSteps: steps of warm-up, >= 0.
    public init(warmupSteps: Int = 0) {
        precondition(warmupSteps >= 0, "ConstantRate: warmupSteps must be >= 0, got \(warmupSteps)")
        self.warmupSteps = warmupSteps
    }

    /// `step / warmup` during warm-up, then 1.
    public func multiplier(atStep step: Int) -> Float {
        step < warmupSteps ? Float(step) / Float(Swift.max(1, warmupSteps)) : 1
    }
}
