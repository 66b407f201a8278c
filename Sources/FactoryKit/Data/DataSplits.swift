// DataSplits: train / validation / test as indices into a task's examples, and the seeded,
// stratified 8:1:1 (or any ratio) split the core makes when the user gives none. Classes are
// split separately so each split keeps the class proportions; small classes still get at
// least one validation and one test example when they have three or more. Not here:
// reading user split files (plugins do, and fill `TaskData.userSplits`), k-fold.

/// Indices of the examples in each split.
public struct DataSplits: Sendable, Equatable, Codable {
    /// Examples to train on.
    public var train: [Int]
    /// Examples for model selection (early stopping, best checkpoint).
    public var validation: [Int]
    /// Held-out examples for the final evaluation.
    public var test: [Int]

    /// Creates splits from index lists.
    public init(train: [Int], validation: [Int], test: [Int]) {
        self.train = train
        self.validation = validation
        self.test = test
    }

    /// The indices of the split named `name` (`train`, `validation`/`val`, `test`).
    public func indices(named name: String) -> [Int]? {
        switch name {
        case "train": train
        case "validation", "val": validation
        case "test": test
        default: nil
        }
    }
}

/// Splits examples into train, validation and test.
public enum DataSplitter {
    /// A seeded split by fractions, stratified by `strata` (examples with a `nil` stratum
    /// form one group of their own).
    /// - Parameters:
    ///   - strata: one entry per example (a class index, or `nil`).
    ///   - validationFraction: the share for validation (default 0.1).
    ///   - testFraction: the share for test (default 0.1); train gets the rest.
    ///   - seed: the same seed gives the same split.
    /// - Returns: sorted indices for each split.
    public static func split(strata: [Int?], validationFraction: Double = 0.1, testFraction: Double = 0.1, seed: UInt64) -> DataSplits {
        precondition(validationFraction >= 0 && testFraction >= 0 && validationFraction + testFraction < 1,
                     "DataSplitter: validation \(validationFraction) + test \(testFraction) must leave a training share")
        var groups: [Int?: [Int]] = [:]
        for (index, stratum) in strata.enumerated() { groups[stratum, default: []].append(index) }
        var generator = SeededGenerator(seed: seed)
        var result = DataSplits(train: [], validation: [], test: [])
        let orderedKeys = groups.keys.sorted { ($0 ?? -1) < ($1 ?? -1) }
        for key in orderedKeys {
            var members = groups[key]!
            members.shuffle(using: &generator)
            let count = members.count
            var testCount = Int((Double(count) * testFraction).rounded())
            var validationCount = Int((Double(count) * validationFraction).rounded())
            if count >= 3 {
                if testFraction > 0 { testCount = Swift.max(testCount, 1) }
                if validationFraction > 0 { validationCount = Swift.max(validationCount, 1) }
            }
            testCount = Swift.min(testCount, Swift.max(count - 1, 0))
            validationCount = Swift.min(validationCount, Swift.max(count - 1 - testCount, 0))
            result.test += members[0..<testCount]
            result.validation += members[testCount..<(testCount + validationCount)]
            result.train += members[(testCount + validationCount)...]
        }
        result.train.sort()
        result.validation.sort()
        result.test.sort()
        return result
    }
}
