// TuneOptions: the `tune:` options of factory.yaml that `factory tune` reads — the search
// method, the number of random trials, successive halving's eta and smallest rung, and the
// ensemble size — and the name of the free-form `tune.space` section where the searched
// options and their ranges go. Not here: reading the space (SearchSpace), searching.

/// The options of hyperparameter search.
public enum TuneOptions {
    /// The section that holds the search space (read by ``SearchSpace``, not by the schema).
    public static let spaceSection = "tune.space"

    /// The `tune.*` options, with their documentation.
    public static let options: [ConfigOption] = [
        ConfigOption("tune.method", .choice(["random", "grid"]), default: .string("random"),
                     summary: "search method: random (tune.trials samples) or grid (every combination of the listed values)",
                     help: "List the searched options in a section `space:` under `tune:`, one per line, such as "
                         + "`train.learning_rate: {log_uniform: [1e-5, 1e-3]}` (a range; also {uniform: [low, high]}; random search only) "
                         + "or `train.batch_size: [8, 16, 32]` (the values to try)."),
        ConfigOption("tune.trials", .integer(1...10_000), default: .integer(8), summary: "trials of a random search (a grid runs every combination)"),
        ConfigOption("tune.eta", .integer(2...100), default: .integer(3),
                     summary: "successive halving: after each rung of epochs only the best 1/eta of the trials go on"),
        ConfigOption("tune.min_epochs", .integer(1...10_000), default: .integer(1),
                     summary: "successive halving: epochs of the first rung (rungs grow by eta up to train.epochs)"),
        ConfigOption("tune.ensemble_size", .integer(0...100), default: .integer(3),
                     summary: "the best completed trials listed in output/tune/ensemble.json for --ensemble (0 = none)"),
    ]

    /// The settings of a search, read from a validated configuration.
    public struct Settings: Sendable, Equatable {
        public var method: String
        public var trials: Int
        public var eta: Int
        public var minimumEpochs: Int
        public var ensembleSize: Int

        /// Reads the `tune.*` options.
        public init(_ config: ProjectConfig) {
            method = config.string("tune.method")
            trials = config.integer("tune.trials")
            eta = config.integer("tune.eta")
            minimumEpochs = config.integer("tune.min_epochs")
            ensembleSize = config.integer("tune.ensemble_size")
        }
    }
}
