// Embedding: a learned lookup table from token (or position, or type) ids to vectors, as
// PyTorch's `nn.Embedding` (weight [count, dimensions], initialised N(0, 1)). Gradients
// scatter-add into the dense table. Not here: padding_idx, max_norm, sparse gradients.

/// A lookup table: row `i` of `weight` is the vector for id `i`.
///
/// Key: `weight` `[count, dimensions]`.
public final class Embedding: Module {
    /// The table, `[count, dimensions]`.
    public let weight: Tensor

    /// How many ids the table holds.
    public var count: Int { weight.shape[0] }
    /// The length of each vector.
    public var dimensions: Int { weight.shape[1] }

    /// Creates a table initialised from N(0, 1), as PyTorch does.
    /// - Parameters:
    ///   - count: the number of ids (vocabulary size).
    ///   - dimensions: the length of each vector.
    ///   - generator: the random source for the initial values.
    public init(count: Int, dimensions: Int, generator: inout SeededGenerator) {
        precondition(count > 0 && dimensions > 0,
                     "Embedding: count \(count) and dimensions \(dimensions) must be positive")
        weight = Tensor.normal([count, dimensions], using: &generator)
        weight.requiresGradient = true
        super.init()
    }

    /// Creates a table initialised from N(0, 1) with a generator seeded with `seed`.
    /// - Parameters:
    ///   - count: the number of ids (vocabulary size).
    ///   - dimensions: the length of each vector.
    ///   - seed: seeds the random initial values.
    public convenience init(count: Int, dimensions: Int, seed: UInt64 = 0) {
        var generator = SeededGenerator(seed: seed)
        self.init(count: count, dimensions: dimensions, generator: &generator)
    }

    override public var ownParameters: [(key: String, tensor: Tensor)] { [("weight", weight)] }

    /// Looks up `ids` (row-major over `shape`, such as `[B, T]`).
    /// - Parameters:
    ///   - ids: ids in `0..<count`.
    ///   - shape: the shape of `ids`; `nil` means `[ids.count]`.
    /// - Returns: `shape + [dimensions]`.
    public func callAsFunction(_ ids: [Int], shape: [Int]? = nil) -> Tensor {
        if let shape {
            precondition(Shape.count(shape) == ids.count,
                         "Embedding: \(ids.count) ids do not fill shape \(shape) (table \(weight.shape))")
        }
        if let bad = ids.firstIndex(where: { $0 < 0 || $0 >= count }) {
            preconditionFailure("Embedding: id \(ids[bad]) at position \(bad) is outside 0..<\(count) (table \(weight.shape))")
        }
        return Tensor.embedding(weight, indices: ids, shape: shape)
    }
}
