// ReduceOnPlateau: lowers the learning rates when a metric (validation loss, accuracy) has
// stopped improving, as torch.optim.lr_scheduler.ReduceLROnPlateau with the relative
// threshold. Fed one metric per epoch. It is not a function of the step number (see
// LearningRateSchedule.swift) and changes the groups' current rates, not their base rates.

/// Whether a smaller or a larger metric is better.
public enum PlateauMode: Sendable {
    /// Lower is better (losses).
    case min
    /// Higher is better (accuracy, F1).
    case max
}

/// Multiplies every group's learning rate by `factor` when the metric has not improved for
/// more than `patience` epochs, as `torch.optim.lr_scheduler.ReduceLROnPlateau`
/// (`threshold_mode="rel"`).
///
/// An epoch improves when the metric beats the best so far by the relative `threshold`
/// (`metric < best·(1 − threshold)` in `.min` mode, `metric > best·(1 + threshold)` in
/// `.max`). After a reduction, `cooldown` epochs pass in which bad epochs are not counted.
public final class ReduceOnPlateau {
    /// Whether lower or higher metrics are better.
    public let mode: PlateauMode
    /// The factor rates are multiplied by at a reduction, in (0, 1).
    public let factor: Float
    /// Epochs without improvement tolerated before a reduction.
    public let patience: Int
    /// The relative improvement needed to count as better.
    public let threshold: Float
    /// Epochs after a reduction during which bad epochs are not counted.
    public let cooldown: Int
    /// No group's rate is reduced below this.
    public let minimumRate: Float
    /// Rate changes smaller than this are skipped (torch's `eps`).
    public let minimumChange: Float

    /// The best metric seen so far (±infinity before the first).
    public private(set) var best: Float
    /// Consecutive epochs without improvement (outside cooldown).
    public private(set) var badEpochs = 0
    /// Epochs of cooldown left.
    public private(set) var cooldownRemaining = 0
    /// Number of epochs reported.
    public private(set) var epoch = 0
    /// Number of times the rates were reduced.
    public private(set) var reductionCount = 0

    /// Creates the scheduler.
    ///
    /// - Parameters:
    ///   - mode: `.min` for losses, `.max` for scores.
    ///   - factor: multiplier at a reduction, in (0, 1) (torch's default 0.1).
    ///   - patience: bad epochs tolerated (torch's default 10).
    ///   - threshold: relative improvement needed (torch's default 1e-4).
    ///   - cooldown: epochs to wait after a reduction (default 0).
    ///   - minimumRate: lower bound on every group's rate (default 0).
    ///   - minimumChange: smallest rate change applied (torch's `eps`, 1e-8).
    public init(mode: PlateauMode = .min, factor: Float = 0.1, patience: Int = 10, threshold: Float = 1e-4,
                cooldown: Int = 0, minimumRate: Float = 0, minimumChange: Float = 1e-8) {
        precondition(factor > 0 && factor < 1, "ReduceOnPlateau: factor must be in (0, 1), got \(factor)")
        precondition(patience >= 0, "ReduceOnPlateau: patience must be >= 0, got \(patience)")
        precondition(threshold >= 0 && threshold.isFinite, "ReduceOnPlateau: threshold must be finite and >= 0, got \(threshold)")
        precondition(cooldown >= 0, "ReduceOnPlateau: cooldown must be >= 0, got \(cooldown)")
        precondition(minimumRate >= 0 && minimumRate.isFinite, "ReduceOnPlateau: minimumRate must be finite and >= 0, got \(minimumRate)")
        self.mode = mode
        self.factor = factor
        self.patience = patience
        self.threshold = threshold
        self.cooldown = cooldown
        self.minimumRate = minimumRate
        self.minimumChange = minimumChange
        self.best = mode == .min ? .infinity : -.infinity
    }

    /// Whether `metric` improves on the best so far by the relative threshold.
    public func isImprovement(_ metric: Float) -> Bool {
        switch mode {
        case .min: return metric < best * (1 - threshold)
        case .max: return metric > best * (1 + threshold)
        }
    }

    /// Records one epoch's metric and reduces `optimizer`'s rates if it has plateaued.
    ///
    /// - Parameters:
    ///   - metric: this epoch's value of the monitored metric.
    ///   - optimizer: the optimizer whose groups' rates are reduced.
    /// - Returns: whether the rates were reduced at this epoch.
    @discardableResult
    public func step(metric: Float, optimizer: some Optimizer) -> Bool {
        guard recordAndCheck(metric) else { return false }
        for index in optimizer.groups.indices {
            let old = optimizer.groups[index].learningRate
            let new = Swift.max(old * factor, minimumRate)
            if old - new > minimumChange { optimizer.groups[index].learningRate = new }
        }
        return true
    }

    /// Updates the counters for `metric`; returns whether a reduction is due now.
    private func recordAndCheck(_ metric: Float) -> Bool {
        epoch += 1
        if isImprovement(metric) {
            best = metric
            badEpochs = 0
        } else {
            badEpochs += 1
        }
        if cooldownRemaining > 0 {
            cooldownRemaining -= 1
            badEpochs = 0
        }
        guard badEpochs > patience else { return false }
        cooldownRemaining = cooldown
        badEpochs = 0
        reductionCount += 1
        return true
    }
}
