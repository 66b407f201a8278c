// Dropout: the module form of inverted dropout. It owns a seeded generator, so a run is
// reproducible from its seed, and is the identity in evaluation mode (`train(false)`).
// Has no parameters or keys. Not here: the mask arithmetic (Tensor+Dropout.swift).

/// Inverted dropout while training; the identity in evaluation mode.
public final class Dropout: Module {
    /// The chance that an element is zeroed while training.
    public let probability: Float
    /// The random source for the masks; advanced by one draw per training call.
    public var generator: SeededGenerator

    /// Creates a dropout layer.
    /// - Parameters:
    ///   - probability: the chance that an element is zeroed, in [0, 1).
    ///   - seed: seeds the module's own generator.
    public init(probability: Float, seed: UInt64 = 0) {
        precondition(probability >= 0 && probability < 1,
                     "Dropout: probability \(probability) is outside [0, 1)")
        self.probability = probability
        self.generator = SeededGenerator(seed: seed)
        super.init()
    }

    /// Drops elements of `input` with the module's own generator (identity in evaluation).
    public func callAsFunction(_ input: Tensor) -> Tensor {
        // The identity leaves the generator untouched, so threads that run one model on
        // different inputs at inference share this module without a data race.
        guard isTraining && probability > 0 else { return input }
        return input.dropout(probability: probability, training: isTraining, generator: &generator)
    }

    /// `dropout(input) + residual` in one pass, with the module's own generator (the same
    /// mask and result as calling the module and then adding; `input + residual` in evaluation).
    public func callAsFunction(_ input: Tensor, adding residual: Tensor) -> Tensor {
        input.dropout(probability: probability, training: isTraining, generator: &generator, adding: residual)
    }

    /// Drops elements of `input` with a caller's generator (identity in evaluation).
    public func callAsFunction(_ input: Tensor, generator: inout SeededGenerator) -> Tensor {
        input.dropout(probability: probability, training: isTraining, generator: &generator)
    }
}
