// BertModel: a BERT-family encoder (embeddings, N transformer layers, optional pooler) with
// Hugging Face's keys, so `load(stateDictionary:)` takes a checkpoint's tensors by name. It
// returns the last hidden state; pooling into one vector per sequence is SentencePooling.
// Not here: reading files (BertModel+Loading.swift), task heads (plugins add them).

import FactoryNN
import FactoryTensor

/// The stack of layers, keyed `layer.N` as in Hugging Face's `BertEncoder`.
public final class BertEncoder: Module {
    /// The transformer layers, bottom first.
    public let layer: ModuleList<BertLayer>

    init(configuration: BertConfiguration, generator: inout SeededGenerator) {
        var layers: [BertLayer] = []
        for _ in 0..<configuration.layerCount { layers.append(BertLayer(configuration: configuration, generator: &generator)) }
        layer = ModuleList(layers)
        super.init()
    }

    override public var children: [(key: String, module: Module)] { [("layer", layer)] }
}

/// BERT's pooler: `tanh(dense(h[:, 0]))`, the [CLS] vector through a trained projection.
public final class BertPooler: Module {
    /// C → C.
    public let dense: Linear

    init(configuration: BertConfiguration, generator: inout SeededGenerator) {
        dense = Linear(inputFeatures: configuration.hiddenSize, outputFeatures: configuration.hiddenSize, generator: &generator)
        super.init()
    }

    override public var children: [(key: String, module: Module)] { [("dense", dense)] }

    /// Pools `[B, T, C]` into `[B, C]`.
    public func callAsFunction(_ hiddenStates: Tensor) -> Tensor {
        dense(SentencePooling.firstToken(hiddenStates)).tanh()
    }
}

/// A BERT-family encoder: `embeddings.*`, `encoder.layer.N.*` and (optionally) `pooler.dense.*`.
///
/// ```swift
/// let bert = try BertModel.load(folder: folder)      // config.json + model.safetensors
/// bert.train(false)
/// let hidden = bert(BertInput(try tokenizer.encodeBatch(texts)))   // [B, T, C]
/// ```
public final class BertModel: Module {
    /// The architecture this model was built from.
    public let configuration: BertConfiguration
    /// Word, position and token-type embeddings.
    public let embeddings: BertEmbeddings
    /// The transformer layers.
    public let encoder: BertEncoder
    /// The pooler, when the model has one.
    public let pooler: BertPooler?

    /// Creates a randomly initialised model (PyTorch's default initialisation per layer).
    /// - Parameters:
    ///   - configuration: the architecture; must have no ``BertConfiguration/problems``.
    ///   - includesPooler: whether to build `pooler.dense`.
    ///   - seed: seeds the weights and every dropout layer.
    public init(configuration: BertConfiguration, includesPooler: Bool = true, seed: UInt64 = 0) {
        precondition(configuration.problems.isEmpty,
                     "BertModel: bad configuration: \(configuration.problems.joined(separator: "; "))")
        var generator = SeededGenerator(seed: seed)
        self.configuration = configuration
        embeddings = BertEmbeddings(configuration: configuration, generator: &generator)
        encoder = BertEncoder(configuration: configuration, generator: &generator)
        pooler = includesPooler ? BertPooler(configuration: configuration, generator: &generator) : nil
        super.init()
    }

    override public var children: [(key: String, module: Module)] {
        var result: [(key: String, module: Module)] = [("embeddings", embeddings), ("encoder", encoder)]
        if let pooler { result.append(("pooler", pooler)) }
        return result
    }

    /// The transformer layers, bottom first (`encoder.layer`).
    public var layers: [BertLayer] { encoder.layer.modules }

    /// Encodes a batch.
    /// - Returns: the last hidden state, `[B, T, C]`.
    public func callAsFunction(_ input: BertInput) -> Tensor {
        if let hidden = encodedSequencesPerThread(input) { return hidden }
        return encode(input)
    }

    /// Embeddings and layers on the whole batch, each kernel threaded on its own.
    func encode(_ input: BertInput) -> Tensor {
        let mask = input.hasNoPadding ? nil : input.maskTensor
        var hidden = embeddings(input)
        for layer in layers { hidden = layer(hidden, attentionMask: mask) }
        return hidden
    }
}
