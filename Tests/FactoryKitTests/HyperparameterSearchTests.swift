// The search space and the trials drawn from it: a grid enumerates the full product; random
// search is seeded (same seed, same trials) and stays inside its ranges (log-uniform too,
// integers whole); any schema option can be searched; bad spaces give errors naming the
// file, line and key; factory.yaml with a tune.space section still loads.

import FactoryKit
import Foundation
import Testing

@Suite("Hyperparameter search space")
struct HyperparameterSearchTests {
    let schema = Project.schema(for: TinyPlugin())

    func space(_ lines: String) throws(ConfigError) -> SearchSpace {
        try SearchSpace.parse(yaml: "task: tiny\ntune:\n  method: random\n  space:\n" + lines, fileName: "factory.yaml", schema: schema)
    }

    func error(_ lines: String) -> ConfigError? {
        do { _ = try space(lines); return nil } catch { return error }
    }

    @Test func readsListsAndRangesInFileOrder() throws {
        let read = try space("""
                train.learning_rate: {log_uniform: [1e-5, 1e-3]}
                train.batch_size: [8, 16, 32]
                model.freeze: [none, backbone]
                train:
                  layer_decay: {uniform: [0.5, 1]}
                data.count: {uniform: [50, 60]}

            """)
        #expect(read.parameters.map(\.key) == ["train.learning_rate", "train.batch_size", "model.freeze", "train.layer_decay", "data.count"])
        #expect(read.parameters[0].domain == .logUniform(low: 1e-5, high: 1e-3))
        #expect(read.parameters[1].domain == .values([.integer(8), .integer(16), .integer(32)]))
        #expect(read.parameters[2].domain == .values([.string("none"), .string("backbone")]))
        #expect(read.parameters[3].domain == .uniform(low: 0.5, high: 1))
        #expect(read.parameters[4].isInteger && !read.parameters[0].isInteger)
        #expect(read.parameters[0].line == 5)
    }

    @Test func theConfigurationLoadsWithASearchSpace() throws {
        let yaml = "task: tiny\ntune:\n  method: grid\n  space:\n    train.batch_size: [8, 16]\n    weird: {anything: 1}\n"
        let config = try ConfigLoader.parse(yaml: yaml, schema: schema)
        #expect(config.string("tune.method") == "grid")
        let dotted = try ConfigLoader.parse(yaml: "task: tiny\ntune.space:\n  train.batch_size: [8]\n", schema: schema)
        #expect(dotted.integer("tune.trials") == 8)
    }

    @Test func gridEnumeratesTheFullProduct() throws {
        let read = try space("    train.batch_size: [8, 16, 32]\n    model.freeze: [none, backbone]\n    train.epochs: [1, 2]\n")
        let trials = try HyperparameterSearch.grid(read)
        #expect(trials.count == 12)
        let combinations = Set(trials.map { $0.map { "\($0.key)=\($0.value)" }.joined(separator: " ") })
        #expect(combinations.count == 12, "every combination once")
        #expect(trials[0].map(\.value) == [.integer(8), .string("none"), .integer(1)])
        #expect(trials[1].map(\.value) == [.integer(8), .string("none"), .integer(2)], "the last parameter varies fastest")
        #expect(trials[11].map(\.value) == [.integer(32), .string("backbone"), .integer(2)])
    }

    @Test func randomSearchIsSeededAndStaysInBounds() throws {
        let read = try space("""
                train.learning_rate: {log_uniform: [1e-5, 1e-3]}
                train.layer_decay: {uniform: [0.5, 0.9]}
                data.count: {log_uniform: [10, 1000]}
                train.batch_size: [8, 16, 32]

            """)
        let first = HyperparameterSearch.random(read, count: 200, seed: 42)
        #expect(first == HyperparameterSearch.random(read, count: 200, seed: 42), "same seed, same trials")
        #expect(first != HyperparameterSearch.random(read, count: 200, seed: 43))
        var learningRates: [Double] = [], sizes: Set<String> = []
        for trial in first {
            guard case .number(let rate) = trial[0].value, case .number(let decay) = trial[1].value,
                  case .integer(let count) = trial[2].value else { Issue.record("types \(trial)"); continue }
            #expect(rate >= 1e-5 && rate <= 1e-3)
            #expect(decay >= 0.5 && decay <= 0.9)
            #expect(count >= 10 && count <= 1000)
            learningRates.append(log10(rate))
            sizes.insert("\(trial[3].value)")
        }
        // Log-uniform: the exponent is uniform on [-5, -3], so about half the draws lie below 1e-4.
        let below = learningRates.filter { $0 < -4 }.count
        #expect(below > 70 && below < 130, "\(below) of 200 below 1e-4")
        #expect(sizes == ["8", "16", "32"])
    }

    @Test func trialConfigurationsCarryTheirValues() throws {
        let base = try ConfigLoader.parse(yaml: "task: tiny\n", schema: schema)
        let config = try HyperparameterSearch.configuration(base, trial: 1, values: [
            ParameterValue(key: "train.learning_rate", value: .number(0.01)), ParameterValue(key: "model.freeze", value: .string("backbone")),
        ])
        #expect(config.number("train.learning_rate") == 0.01 && config.string("model.freeze") == "backbone")
        #expect(throws: ConfigError.self) {
            try HyperparameterSearch.configuration(base, trial: 3, values: [ParameterValue(key: "model.freeze", value: .string("first-x"))])
        }
    }

    @Test func badSpacesAreClearErrors() throws {
        let cases: [(lines: String, fragments: [String])] = [
            ("    train.learnig_rate: [0.1]\n", ["factory.yaml:5", "tune.space.train.learnig_rate", "did you mean train.learning_rate"]),
            ("    train.batch_size: [8, sixteen]\n", ["factory.yaml:5", "tune.space.train.batch_size", "value 2", "integer"]),
            ("    train.batch_size: [0, 8]\n", ["tune.space.train.batch_size", "value 1"]),
            ("    train.optimizer: [adamw, adamx]\n", ["tune.space.train.optimizer", "did you mean adam"]),
            ("    train.learning_rate: 0.1\n", ["tune.space.train.learning_rate", "list of values", "range"]),
            ("    train.learning_rate: []\n", ["tune.space.train.learning_rate", "empty list"]),
            ("    train.learning_rate: {log_uniform: [0, 1e-3]}\n", ["log_uniform", "positive"]),
            ("    train.learning_rate: {uniform: [1e-3, 1e-5]}\n", ["below"]),
            ("    train.learning_rate: {uniform: [1e-3]}\n", ["two numbers"]),
            ("    train.learning_rate: {uniform: [0, 20]}\n", ["out of range", "20"]),
            ("    train.batch_size: {uniform: [8.5, 32]}\n", ["whole number"]),
            ("    model.freeze: {uniform: [0, 1]}\n", ["tune.space.model.freeze", "number option"]),
            ("    tune.trials: [1, 2]\n", ["tune.trials cannot be searched"]),
            ("    train.epochs: [1]\n    train:\n      epochs: [2]\n", ["factory.yaml:7", "searched twice", "line 5"]),
            ("  - train.epochs\n", ["tune.space", "expected the searched options"]),
        ]
        for testCase in cases {
            let found = error(testCase.lines)
            let text = found.map(String.init(describing:)) ?? "no error"
            for fragment in testCase.fragments { #expect(text.contains(fragment), "\(testCase.lines): \(text)") }
        }
        let ranged = try space("    train.learning_rate: {log_uniform: [1e-5, 1e-3]}\n")
        #expect(throws: ConfigError.self) { try HyperparameterSearch.grid(ranged, fileName: "factory.yaml") }
        do { _ = try HyperparameterSearch.grid(ranged, fileName: "factory.yaml") } catch {
            #expect("\(error)".contains("factory.yaml:5: tune.space.train.learning_rate: a grid search needs a list"), "\(error)")
        }
    }
}
