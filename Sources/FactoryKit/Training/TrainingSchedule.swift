// TrainingSchedule: the learning-rate multiplier at each optimizer step for the core's
// schedules — linear or cosine decay after warm-up (transformers' definitions), constant
// after warm-up, step decay every N epochs, and reduce-on-plateau (a factor the Trainer
// lowers when the monitored metric stalls). Not here: applying it (Optimizer.scaleLearningRates).

import Foundation
import FactoryNN

/// The learning-rate multiplier of a run's schedule.
public struct TrainingSchedule: Sendable {
    public let kind: String
    public let warmupSteps: Int
    public let totalSteps: Int
    public let stepsPerEpoch: Int
    public let stepEpochs: Int
    public let gamma: Float

    /// Creates the schedule for `settings` over `totalSteps` optimizer steps.
    public init(settings: TrainingSettings, stepsPerEpoch: Int) {
        kind = settings.schedule
        self.stepsPerEpoch = Swift.max(stepsPerEpoch, 1)
        totalSteps = Swift.max(self.stepsPerEpoch * settings.epochs, 1)
        warmupSteps = Int((settings.warmup * Double(totalSteps)).rounded())
        stepEpochs = settings.stepEpochs
        gamma = settings.gamma
    }

    /// The multiplier before optimizer step `step` (0-based), with the plateau factor.
    public func multiplier(atStep step: Int, plateauFactor: Float) -> Float {
        switch kind {
        case "linear": return LinearWarmupDecay(warmupSteps: warmupSteps, totalSteps: totalSteps).multiplier(atStep: step)
        case "cosine": return CosineWarmupDecay(warmupSteps: warmupSteps, totalSteps: totalSteps).multiplier(atStep: step)
        case "step":
            let decays = step / (stepsPerEpoch * stepEpochs)
            return warmup(step) * Float(Foundation.pow(Double(gamma), Double(decays)))
        case "plateau": return warmup(step) * plateauFactor
        default: return warmup(step)
        }
    }

    /// Linear warm-up from 0 to 1 over `warmupSteps`, then 1.
    func warmup(_ step: Int) -> Float {
        warmupSteps > 0 && step < warmupSteps ? Float(step) / Float(warmupSteps) : 1
    }
}
