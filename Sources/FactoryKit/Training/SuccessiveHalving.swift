// SuccessiveHalving: the early stopping of a hyperparameter search — every trial trains to
// the first rung of epochs, only the best 1/eta (at least one) go on to the next rung, and
// so on up to the full budget; the others stop where they are. The rungs are the full
// epochs divided by eta, eta², ... down to the smallest rung. It knows nothing of training:
// an `advance` closure trains a trial to a number of epochs and reports its value. Not
// here: what a trial is (FineTuningRun+Tune).

/// Synchronous successive halving over a fixed set of trials.
public struct SuccessiveHalving: Sendable, Equatable {
    /// The epochs of each rung, increasing; the last is the full budget.
    public var rungs: [Int]
    /// Only the best `1/eta` of a rung's trials go on.
    public var eta: Int
    /// Whether larger values are better.
    public var higherIsBetter: Bool

    /// Creates the schedule.
    public init(rungs: [Int], eta: Int, higherIsBetter: Bool) {
        precondition(!rungs.isEmpty && eta >= 2, "SuccessiveHalving: rungs \(rungs), eta \(eta)")
        self.rungs = rungs
        self.eta = eta
        self.higherIsBetter = higherIsBetter
    }

    /// The rungs for a budget: `maximumEpochs`, then that divided by eta, eta², ... (rounded)
    /// while at least `minimumEpochs`, in increasing order; when that leaves one rung and
    /// `minimumEpochs` is smaller, `minimumEpochs` is added as a first rung.
    /// Examples (eta 3, smallest 1): 9 → [1, 3, 9]; 4 → [1, 4]; 2 → [1, 2]; 1 → [1].
    public static func rungs(maximumEpochs: Int, minimumEpochs: Int, eta: Int) -> [Int] {
        precondition(maximumEpochs >= 1 && minimumEpochs >= 1 && eta >= 2, "SuccessiveHalving.rungs")
        let smallest = Swift.min(minimumEpochs, maximumEpochs)
        var rungs = [maximumEpochs]
        var budget = Double(maximumEpochs)
        while true {
            budget /= Double(eta)
            let epochs = Int(budget.rounded())
            guard epochs >= smallest else { break }
            if epochs < rungs[0] { rungs.insert(epochs, at: 0) }
        }
        if rungs.count == 1, smallest < maximumEpochs { rungs.insert(smallest, at: 0) }
        return rungs
    }

    /// How far a trial got, as `advance` reports it.
    public struct Progress: Sendable, Equatable {
        /// The trial's value so far (its best monitored value); nil when it failed.
        public var value: Double?
        /// Epochs it has trained.
        public var epochs: Int

        /// Creates a report.
        public init(value: Double?, epochs: Int) {
            self.value = value
            self.epochs = epochs
        }
    }

    /// Where a trial ended.
    public struct Outcome: Sendable, Equatable {
        /// The trial (0-based, as given to `advance`).
        public var trial: Int
        /// Its last reported value (nil: it failed).
        public var value: Double?
        /// Epochs it trained.
        public var epochs: Int
        /// Whether it reached the last rung (else halving stopped it, or it failed).
        public var completed: Bool
        /// The rung (0-based) it was last trained in.
        public var rung: Int
    }

    /// Runs the schedule over `count` trials.
    /// - Parameter advance: trains trial `t` to `epochs` epochs in total (it continues from
    ///   where the trial stopped) and reports its value. Called for every trial at rung 0,
    ///   then only for the trials kept, rung by rung.
    /// - Returns: one outcome per trial, in trial order.
    public func run(trials count: Int, advance: (_ trial: Int, _ epochs: Int) throws -> Progress) rethrows -> [Outcome] {
        var outcomes = (0..<count).map { Outcome(trial: $0, value: nil, epochs: 0, completed: false, rung: 0) }
        var active = Array(0..<count)
        for (rung, epochs) in rungs.enumerated() {
            for trial in active {
                let progress = try advance(trial, epochs)
                outcomes[trial].value = progress.value
                outcomes[trial].epochs = progress.epochs
                outcomes[trial].rung = rung
            }
            let kept = Swift.max(1, active.count / eta)
            active.removeAll { outcomes[$0].value == nil }
            if rung == rungs.count - 1 {
                for trial in active { outcomes[trial].completed = true }
                break
            }
            active = Array(active.sorted { isBetter(outcomes[$0], than: outcomes[$1]) }.prefix(kept)).sorted()
            if active.isEmpty { break }
        }
        return outcomes
    }

    /// Whether `a` ranks before `b`: a value before none, the better value first, then the
    /// earlier trial.
    public func isBetter(_ a: Outcome, than b: Outcome) -> Bool {
        switch (a.value, b.value) {
        case (let x?, let y?) where x != y: return higherIsBetter ? x > y : x < y
        case (.some, nil): return true
        case (nil, .some): return false
        default: return a.trial < b.trial
        }
    }
}
