// BatchOrder: which examples go into which batch in each epoch — shuffled with a generator
// seeded by (seed, epoch), so epoch 3 of a resumed run sees exactly the batches epoch 3 of an
// uninterrupted run saw. Not here: collating examples into tensors (plugins, with the
// padding helpers).

/// The batches of an epoch, as positions into a list of examples.
public enum BatchOrder {
    /// The batches of epoch `epoch` (0-based) over `count` examples.
    /// - Parameters:
    ///   - count: the number of examples.
    ///   - batchSize: examples per batch; the last batch may be smaller.
    ///   - shuffle: whether to shuffle (training) or keep order (evaluation).
    ///   - seed: the run's seed.
    ///   - epoch: the epoch; each epoch has its own order.
    public static func batches(count: Int, batchSize: Int, shuffle: Bool, seed: UInt64, epoch: Int) -> [[Int]] {
        precondition(batchSize > 0, "BatchOrder: batch size must be positive, got \(batchSize)")
        var order = Array(0..<count)
        if shuffle {
            var generator = SeededGenerator(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(epoch) &+ 1)
            order.shuffle(using: &generator)
        }
        return stride(from: 0, to: count, by: batchSize).map { Array(order[$0 ..< Swift.min($0 + batchSize, count)]) }
    }
}
