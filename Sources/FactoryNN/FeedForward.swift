// FeedForward: the position-wise block of a transformer layer, Linear -> GELU -> Linear
// (BERT's `intermediate.dense` and `output.dense`). Keys here are `intermediate.*` and
// `output.*`; a BERT model that nests them as `intermediate.dense` / `output.dense` holds
// the two Linear layers itself or renames keys. Not here: the residual connection, the
// LayerNorm after it, dropout, or gated variants (SwiGLU).

/// `output(gelu(intermediate(x)))` over the last axis.
///
/// Keys: `intermediate.weight` `[I, C]`, `intermediate.bias` `[I]`, `output.weight`
/// `[C, I]`, `output.bias` `[C]` (C hidden size, I intermediate size).
public final class FeedForward: Module {
    /// The expansion, C -> I.
    public let intermediate: Linear
    /// The projection back, I -> C.
    public let output: Linear

    /// Creates the block with PyTorch-initialised layers.
    /// - Parameters:
    ///   - hiddenSize: C, the size of the input's and output's last axis.
    ///   - intermediateSize: I, the size after the expansion (BERT: 4 C).
    ///   - generator: the random source for the initial weights.
    public init(hiddenSize: Int, intermediateSize: Int, generator: inout SeededGenerator) {
        intermediate = Linear(inputFeatures: hiddenSize, outputFeatures: intermediateSize, generator: &generator)
        output = Linear(inputFeatures: intermediateSize, outputFeatures: hiddenSize, generator: &generator)
        super.init()
    }

    /// Creates the block from a generator seeded with `seed`.
    /// - Parameters:
    ///   - hiddenSize: C, the size of the input's and output's last axis.
    ///   - intermediateSize: I, the size after the expansion.
    ///   - seed: seeds the initial weights.
    public convenience init(hiddenSize: Int, intermediateSize: Int, seed: UInt64 = 0) {
        var generator = SeededGenerator(seed: seed)
        self.init(hiddenSize: hiddenSize, intermediateSize: intermediateSize, generator: &generator)
    }

    override public var children: [(key: String, module: Module)] {
        [("intermediate", intermediate), ("output", output)]
    }

    /// Applies the block to `input` `[..., C]`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.rank >= 1 && input.shape[input.rank - 1] == intermediate.inputFeatures,
                     "FeedForward: input shape \(input.shape) does not end in hidden size \(intermediate.inputFeatures)")
        return output(intermediate(input).gelu())
    }
}
