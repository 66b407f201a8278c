// A miniature BERT assembled from FactoryNN layers, with Hugging Face's module names, for
// the key-discovery, freezing and state-dictionary tests. It has no forward pass: the tests
// only need its tree of names. Not a model to use (that lives in FactoryModels).

import FactoryNN

final class TinySelfOutput: Module {
    let dense: Linear
    let layerNorm: LayerNorm
    init(hidden: Int, generator: inout SeededGenerator) {
        dense = Linear(inputFeatures: hidden, outputFeatures: hidden, generator: &generator)
        layerNorm = LayerNorm(dimensions: hidden, epsilon: 1e-12)
    }
    override var children: [(key: String, module: Module)] { [("dense", dense), ("LayerNorm", layerNorm)] }
}

final class TinyAttention: Module {
    let selfAttention: MultiHeadSelfAttention
    let output: TinySelfOutput
    init(hidden: Int, generator: inout SeededGenerator) {
        selfAttention = MultiHeadSelfAttention(hiddenSize: hidden, headCount: 2, attentionDropout: 0.1, generator: &generator)
        output = TinySelfOutput(hidden: hidden, generator: &generator)
    }
    override var children: [(key: String, module: Module)] { [("self", selfAttention), ("output", output)] }
}

final class TinyIntermediate: Module {
    let dense: Linear
    init(hidden: Int, generator: inout SeededGenerator) {
        dense = Linear(inputFeatures: hidden, outputFeatures: 2 * hidden, generator: &generator)
    }
    override var children: [(key: String, module: Module)] { [("dense", dense)] }
}

final class TinyOutput: Module {
    let dense: Linear
    let layerNorm: LayerNorm
    init(hidden: Int, generator: inout SeededGenerator) {
        dense = Linear(inputFeatures: 2 * hidden, outputFeatures: hidden, generator: &generator)
        layerNorm = LayerNorm(dimensions: hidden, epsilon: 1e-12)
    }
    override var children: [(key: String, module: Module)] { [("dense", dense), ("LayerNorm", layerNorm)] }
}

final class TinyLayer: Module {
    let attention: TinyAttention
    let intermediate: TinyIntermediate
    let output: TinyOutput
    init(hidden: Int, generator: inout SeededGenerator) {
        attention = TinyAttention(hidden: hidden, generator: &generator)
        intermediate = TinyIntermediate(hidden: hidden, generator: &generator)
        output = TinyOutput(hidden: hidden, generator: &generator)
    }
    override var children: [(key: String, module: Module)] {
        [("attention", attention), ("intermediate", intermediate), ("output", output)]
    }
}

final class TinyEncoder: Module {
    let layer: ModuleList<TinyLayer>
    init(hidden: Int, layers: Int, generator: inout SeededGenerator) {
        var built: [TinyLayer] = []
        for _ in 0..<layers { built.append(TinyLayer(hidden: hidden, generator: &generator)) }
        layer = ModuleList(built)
    }
    override var children: [(key: String, module: Module)] { [("layer", layer)] }
}

final class TinyEmbeddings: Module {
    let wordEmbeddings: Embedding
    let positionEmbeddings: Embedding
    let tokenTypeEmbeddings: Embedding
    let layerNorm: LayerNorm
    let dropout = Dropout(probability: 0.1)
    init(hidden: Int, generator: inout SeededGenerator) {
        wordEmbeddings = Embedding(count: 10, dimensions: hidden, generator: &generator)
        positionEmbeddings = Embedding(count: 6, dimensions: hidden, generator: &generator)
        tokenTypeEmbeddings = Embedding(count: 2, dimensions: hidden, generator: &generator)
        layerNorm = LayerNorm(dimensions: hidden, epsilon: 1e-12)
    }
    override var children: [(key: String, module: Module)] {
        [("word_embeddings", wordEmbeddings), ("position_embeddings", positionEmbeddings),
         ("token_type_embeddings", tokenTypeEmbeddings), ("LayerNorm", layerNorm), ("dropout", dropout)]
    }
}

final class TinyBert: Module {
    let embeddings: TinyEmbeddings
    let encoder: TinyEncoder
    init(hidden: Int = 4, layers: Int = 2, seed: UInt64 = 0) {
        var generator = SeededGenerator(seed: seed)
        embeddings = TinyEmbeddings(hidden: hidden, generator: &generator)
        encoder = TinyEncoder(hidden: hidden, layers: layers, generator: &generator)
    }
    override var children: [(key: String, module: Module)] { [("embeddings", embeddings), ("encoder", encoder)] }

    /// The parameter keys of Hugging Face's `BertModel` (without pooler), written out.
    static func checkpointKeys(layers: Int) -> [String] {
        var keys = ["embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight",
                    "embeddings.token_type_embeddings.weight", "embeddings.LayerNorm.weight", "embeddings.LayerNorm.bias"]
        for layer in 0..<layers {
            let p = "encoder.layer.\(layer)."
            keys += [p + "attention.self.query.weight", p + "attention.self.query.bias",
                     p + "attention.self.key.weight", p + "attention.self.key.bias",
                     p + "attention.self.value.weight", p + "attention.self.value.bias",
                     p + "attention.output.dense.weight", p + "attention.output.dense.bias",
                     p + "attention.output.LayerNorm.weight", p + "attention.output.LayerNorm.bias",
                     p + "intermediate.dense.weight", p + "intermediate.dense.bias",
                     p + "output.dense.weight", p + "output.dense.bias",
                     p + "output.LayerNorm.weight", p + "output.LayerNorm.bias"]
        }
        return keys
    }
}

/// A convolution followed by batch norm, for buffer tests.
final class TinyConvBlock: Module {
    let conv = Conv2d(inputChannels: 2, outputChannels: 3, kernelSize: 3, padding: 1, bias: false, seed: 5)
    let bn = BatchNorm2d(channels: 3)
    override var children: [(key: String, module: Module)] { [("conv", conv), ("bn", bn)] }
}
