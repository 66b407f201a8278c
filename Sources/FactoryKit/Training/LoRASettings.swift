// LoRASettings: the `lora.*` options of factory.yaml (on/off, rank, alpha, dropout, which
// Linear layers, the learning rate LoRA trains with) and reading them into a
// `LoRAConfiguration`. The defaults adapt BERT's attention query and value projections, as
// the LoRA paper does. Not here: the adapters (FactoryNN/LoRA.swift), applying them in a run
// (FineTuningRun+LoRA.swift).

/// The LoRA options of a run.
public struct LoRASettings: Sendable, Equatable {
    /// Whether the backbone is adapted with LoRA (then only the adapters and the head train).
    public var enabled: Bool
    /// Rank, alpha, dropout and target layers.
    public var configuration: LoRAConfiguration
    /// The peak learning rate of the adapters and the head (replaces `train.learning_rate`).
    public var learningRate: Float

    /// The `lora.*` options, documented for factory.yaml.
    public static let options: [ConfigOption] = [
        ConfigOption("lora.enabled", .boolean, default: .boolean(false),
                     summary: "fine-tune with LoRA: small low-rank adapters on chosen Linear layers train, the backbone stays fixed"),
        ConfigOption("lora.rank", .integer(1...1024), default: .integer(8), summary: "rank r of each adapter"),
        ConfigOption("lora.alpha", .number(0...100_000), default: .number(16), summary: "adapter scale numerator: the update is multiplied by alpha / rank"),
        ConfigOption("lora.dropout", .number(0...0.9), default: .number(0.05), summary: "dropout on the adapters' input while training"),
        ConfigOption("lora.targets", .strings, default: .strings(["attention.self.query", "attention.self.value"]),
                     summary: "Linear layers to adapt, by the end of their key (* matches one part, e.g. encoder.layer.*.output.dense)"),
        ConfigOption("lora.learning_rate", .number(0...10), default: .number(3e-3),
                     summary: "peak learning rate of the adapters and the head when LoRA is on (replaces train.learning_rate)"),
    ]

    /// Reads the options of `config`.
    public init(_ config: ProjectConfig) {
        enabled = config.boolean("lora.enabled")
        configuration = LoRAConfiguration(
            rank: config.integer("lora.rank"), alpha: Float(config.number("lora.alpha")), dropout: Float(config.number("lora.dropout")),
            targets: config.strings("lora.targets"), seed: UInt64(config.integer("seed")))
        learningRate = Float(config.number("lora.learning_rate"))
    }
}
