// BenchmarkRunner: runs the workloads of BENCHMARKS.md (2 warm-up rounds, median of 5 timed
// rounds) and formats their one-line JSON results. It measures; it does not print.

import Foundation
import FactoryTensor

/// One benchmark workload: a name, how many samples one round processes, and the round.
public struct BenchmarkWorkload: Sendable {
    /// The workload id, as in BENCHMARKS.md.
    public let name: String
    /// One-line description for `factory bench --list`.
    public let summary: String
    /// Builds the workload's state (weights, inputs) and returns the closure that runs one
    /// round, plus the number of samples per round and extra fields computed from the
    /// median round time.
    public let prepare: @Sendable () throws -> PreparedWorkload

    public init(name: String, summary: String, prepare: @escaping @Sendable () throws -> PreparedWorkload) {
        self.name = name
        self.summary = summary
        self.prepare = prepare
    }
}

/// A workload ready to run.
public struct PreparedWorkload {
    public let samplesPerRound: Double
    public let round: () -> Void
    /// Extra result fields given the median seconds per round (e.g. `gflops`).
    public let extraFields: (Double) -> [(String, Double)]

    public init(samplesPerRound: Double, round: @escaping () -> Void, extraFields: @escaping (Double) -> [(String, Double)] = { _ in [] }) {
        self.samplesPerRound = samplesPerRound
        self.round = round
        self.extraFields = extraFields
    }
}

/// The measured result of one workload.
public struct BenchmarkResult {
    public let workload: String
    public let samplesPerSecond: Double
    public let medianSeconds: Double
    public let extraFields: [(String, Double)]

    /// The BENCHMARKS.md JSON line: workload, engine, samples_per_s, then extra fields.
    public var jsonLine: String {
        var parts = [
            "\"workload\": \"\(workload)\"",
            "\"engine\": \"factory-\(FactoryVersion.current)\"",
            "\"samples_per_s\": \(BenchmarkResult.format(samplesPerSecond))",
        ]
        for (key, value) in extraFields { parts.append("\"\(key)\": \(BenchmarkResult.format(value))") }
        return "{" + parts.joined(separator: ", ") + "}"
    }

    static func format(_ value: Double) -> String {
        value.isFinite ? String(format: "%.4g", value) : "null"
    }
}

/// Runs workloads with the timing protocol of BENCHMARKS.md.
public enum BenchmarkRunner {
    public static let warmUpRounds = 2
    public static let timedRounds = 5

    /// Runs `workload`: warm-up rounds, then timed rounds; reports the median.
    public static func run(_ workload: BenchmarkWorkload, progress: (String) -> Void = { _ in }) throws -> BenchmarkResult {
        progress("\(workload.name): preparing")
        let prepared = try workload.prepare()
        for round in 1...warmUpRounds {
            progress("\(workload.name): warm-up \(round)/\(warmUpRounds)")
            prepared.round()
        }
        var seconds: [Double] = []
        for round in 1...timedRounds {
            let start = DispatchTime.now().uptimeNanoseconds
            prepared.round()
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            seconds.append(elapsed)
            progress("\(workload.name): round \(round)/\(timedRounds) \(String(format: "%.4f", elapsed)) s")
        }
        let median = seconds.sorted()[seconds.count / 2]
        return BenchmarkResult(
            workload: workload.name, samplesPerSecond: prepared.samplesPerRound / median,
            medianSeconds: median, extraFields: prepared.extraFields(median))
    }
}
