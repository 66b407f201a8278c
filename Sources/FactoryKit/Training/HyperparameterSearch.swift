// HyperparameterSearch: the trials of `factory tune` drawn from a SearchSpace — a grid (every
// combination of the listed values, the last parameter varying fastest) or a seeded random
// search (each parameter drawn independently: list values uniformly, `uniform` ranges
// uniformly, `log_uniform` ranges uniformly in the logarithm; whole numbers for integer
// options) — and each trial's configuration with its values set and checked. Same seed,
// same trials. Not here: running the trials (FineTuningRun+Tune, SuccessiveHalving).

import Foundation

/// One searched option's value in a trial.
public struct ParameterValue: Sendable, Equatable {
    /// The option's dotted key.
    public var key: String
    /// The value the trial uses.
    public var value: ConfigValue

    /// Creates a parameter value.
    public init(key: String, value: ConfigValue) {
        self.key = key
        self.value = value
    }
}

/// Drawing trials from a search space.
public enum HyperparameterSearch {
    /// The most trials a grid may have.
    public static let maximumGridSize = 10_000

    /// Every combination of the parameters' listed values, in order (the first parameter
    /// varies slowest).
    /// - Throws: ``ConfigError`` naming the key of a range (a grid needs lists) or when the
    ///   grid has more than ``maximumGridSize`` trials.
    public static func grid(_ space: SearchSpace, fileName: String? = nil) throws(ConfigError) -> [[ParameterValue]] {
        var trials: [[ParameterValue]] = [[]]
        for parameter in space.parameters {
            guard case .values(let values) = parameter.domain else {
                throw ConfigError(file: fileName, line: parameter.line, key: "\(TuneOptions.spaceSection).\(parameter.key)",
                                  message: "a grid search needs a list of values, not a range; list them (such as [1e-5, 1e-4, 1e-3]) or set tune.method: random")
            }
            guard trials.count * values.count <= maximumGridSize else {
                throw ConfigError(file: fileName, key: TuneOptions.spaceSection,
                                  message: "the grid has more than \(maximumGridSize) combinations; list fewer values or use tune.method: random")
            }
            trials = trials.flatMap { trial in values.map { trial + [ParameterValue(key: parameter.key, value: $0)] } }
        }
        return trials
    }

    /// `count` trials drawn at random, reproducibly from `seed`.
    public static func random(_ space: SearchSpace, count: Int, seed: UInt64) -> [[ParameterValue]] {
        var generator = SeededGenerator(seed: seed ^ 0x7E57_5EA2_C400_0001)
        return (0..<count).map { _ in
            space.parameters.map { ParameterValue(key: $0.key, value: draw($0, using: &generator)) }
        }
    }

    /// One value of `parameter`.
    static func draw(_ parameter: SearchParameter, using generator: inout SeededGenerator) -> ConfigValue {
        // 53 random bits: a uniform double in [0, 1).
        let unit = Double(generator.next() >> 11) * 0x1p-53
        switch parameter.domain {
        case .values(let values):
            return values[Swift.min(Int(unit * Double(values.count)), values.count - 1)]
        case .uniform(let low, let high):
            if parameter.isInteger {
                let span = Int(high) - Int(low) + 1
                return .integer(Int(low) + Swift.min(Int(unit * Double(span)), span - 1))
            }
            return .number(Swift.min(Swift.max(low + unit * (high - low), low), high))
        case .logUniform(let low, let high):
            let value = Swift.min(Swift.max(exp(log(low) + unit * (log(high) - log(low))), low), high)
            return parameter.isInteger ? .integer(Swift.min(Swift.max(Int(value.rounded()), Int(low)), Int(high))) : .number(value)
        }
    }

    /// `config` with a trial's values set; each trial's settings are checked as a run would.
    /// - Throws: ``ConfigError`` naming the trial and the key when a value cannot be used.
    public static func configuration(_ config: ProjectConfig, trial: Int, values: [ParameterValue]) throws(ConfigError) -> ProjectConfig {
        var result = config
        for parameter in values {
            do {
                result = try result.setting(parameter.key, to: parameter.value)
            } catch {
                throw ConfigError(file: config.file.map(ConfigLoader.displayName), key: "\(TuneOptions.spaceSection).\(parameter.key)",
                                  message: "trial \(trial) sets \(parameter.value): \(error.message)")
            }
        }
        do {
            _ = try TrainingSettings(result)
        } catch {
            throw ConfigError(file: config.file.map(ConfigLoader.displayName), key: error.key.map { "\(TuneOptions.spaceSection).\($0)" },
                              message: "trial \(trial): \(error.message)")
        }
        return result
    }
}

extension ConfigValue {
    /// The value as JSON (for trials.json).
    public var json: JSONValue {
        switch self {
        case .integer(let value): .integer(value)
        case .number(let value): .double(value)
        case .string(let value): .string(value)
        case .boolean(let value): .bool(value)
        case .strings(let values): .array(values.map { .string($0) })
        case .null: .null
        }
    }
}
