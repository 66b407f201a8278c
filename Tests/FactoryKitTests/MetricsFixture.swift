// MetricsFixture: reads ../shared/fixtures/metrics/classification.json (scikit-learn reference
// values: sections binary, multiclass, regression, verification) for the metric tests.
// NOT a general JSON helper: it knows this one file's layout and fails loudly on any other.

import Foundation
import TestSupport

/// The sections of classification.json, as plain dictionaries with typed accessors.
struct MetricsFixture {
    /// One section (binary, multiclass, …) of the fixture.
    struct Section {
        let name: String
        let values: [String: Any]

        func double(_ key: String) throws -> Double {
            guard let value = values[key] as? Double else { throw missing(key, "a number") }
            return value
        }

        func doubles(_ key: String) throws -> [Double] {
            guard let value = values[key] as? [Double] else { throw missing(key, "an array of numbers") }
            return value
        }

        func integers(_ key: String) throws -> [Int] {
            guard let value = values[key] as? [Int] else { throw missing(key, "an array of integers") }
            return value
        }

        func doubleRows(_ key: String) throws -> [[Double]] {
            guard let value = values[key] as? [[Double]] else { throw missing(key, "an array of number arrays") }
            return value
        }

        func integerRows(_ key: String) throws -> [[Int]] {
            guard let value = values[key] as? [[Int]] else { throw missing(key, "an array of integer arrays") }
            return value
        }

        func section(_ key: String) throws -> Section {
            guard let value = values[key] as? [String: Any] else { throw missing(key, "an object") }
            return Section(name: "\(name).\(key)", values: value)
        }

        private func missing(_ key: String, _ kind: String) -> ParityFixtureError {
            ParityFixtureError("classification.json: \(name).\(key) is missing or not \(kind)")
        }
    }

    /// `<repository root>/../shared/fixtures/metrics/classification.json`.
    static var url: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // FactoryKitTests
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()  // repository root
            .deletingLastPathComponent()
            .appendingPathComponent("shared/fixtures/metrics/classification.json")
    }

    let root: [String: Any]

    init() throws {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.url))
        guard let root = object as? [String: Any] else { throw ParityFixtureError("classification.json: not an object") }
        self.root = root
    }

    func section(_ name: String) throws -> Section {
        guard let values = root[name] as? [String: Any] else { throw ParityFixtureError("classification.json: no section \(name)") }
        return Section(name: name, values: values)
    }
}
