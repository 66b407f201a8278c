// FoldSplitter: seeded, stratified k-fold splits for cross-validation — the examples outside
// the test split dealt into K folds class by class, so every fold holds each class's share
// to within one example and the folds' sizes differ by at most one; and, per fold, the
// DataSplits a fold's run trains with (train and validation from the other K-1 folds, the
// fold itself as the scored split). Not here: running the folds (CrossValidation).

/// Splits examples into K stratified folds.
public enum FoldSplitter {
    /// Deals `indices` into `count` disjoint folds, stratified by class.
    ///
    /// Each class's members are shuffled (seeded) and dealt round-robin; the next class
    /// starts at the fold after the one the previous class ended on, so fold sizes stay
    /// within one of each other. Each class `c` with `n_c` members gets `⌊n_c/K⌋` or
    /// `⌈n_c/K⌉` examples in every fold.
    /// - Parameters:
    ///   - indices: the examples to split (for cross-validation: everything but the test split).
    ///   - strata: the class of every example of the data set (indexed by example, not by
    ///     position in `indices`); `nil` examples form a group of their own.
    ///   - count: K, at least 2 and at most `indices.count`.
    ///   - seed: the same seed gives the same folds.
    /// - Returns: `count` folds of sorted indices that together are exactly `indices`.
    public static func folds(of indices: [Int], strata: [Int?], count: Int, seed: UInt64) -> [[Int]] {
        precondition(count >= 2 && count <= indices.count, "FoldSplitter: \(count) folds of \(indices.count) examples")
        var groups: [Int?: [Int]] = [:]
        for index in indices { groups[strata[index], default: []].append(index) }
        var generator = SeededGenerator(seed: seed ^ 0xF01D_F01D)
        var folds = [[Int]](repeating: [], count: count)
        var next = 0
        for key in groups.keys.sorted(by: { ($0 ?? -1) < ($1 ?? -1) }) {
            var members = groups[key]!
            members.sort()
            members.shuffle(using: &generator)
            for member in members {
                folds[next].append(member)
                next = (next + 1) % count
            }
        }
        return folds.map { $0.sorted() }
    }

    /// The splits fold `fold` trains with: the other folds train, except a stratified
    /// `validationFraction` of them held out for early stopping and the best checkpoint;
    /// the fold itself is the `test` split the fold's run is scored on.
    /// - Parameters:
    ///   - folds: the folds from ``folds(of:strata:count:seed:)``.
    ///   - fold: which fold is held out (0-based).
    ///   - strata: the class of every example.
    ///   - validationFraction: the share of the training folds used for validation (0: none).
    ///   - seed: the seed of the validation split.
    public static func splits(folds: [[Int]], holdingOut fold: Int, strata: [Int?], validationFraction: Double, seed: UInt64) -> DataSplits {
        let pool = folds.enumerated().filter { $0.offset != fold }.flatMap(\.element).sorted()
        let inner = DataSplitter.split(strata: pool.map { strata[$0] }, validationFraction: validationFraction,
                                       testFraction: 0, seed: seed &+ UInt64(fold))
        return DataSplits(train: inner.train.map { pool[$0] }, validation: inner.validation.map { pool[$0] }, test: folds[fold])
    }
}
