// BertEmbeddings: the input layer of a BERT-family encoder — word, absolute position and
// token-type embeddings summed, then LayerNorm and dropout — with Hugging Face's keys
// (`word_embeddings`, `position_embeddings`, `token_type_embeddings`, `LayerNorm`).
// Not here: relative or rotary positions, the `position_ids` buffer (positions are 0..<T).

import FactoryNN
import FactoryTensor

/// Word + position + token-type embeddings, normalised.
public final class BertEmbeddings: Module {
    /// `[vocabularySize, C]`.
    public let wordEmbeddings: Embedding
    /// `[maximumPositions, C]`.
    public let positionEmbeddings: Embedding
    /// `[typeVocabularySize, C]`.
    public let tokenTypeEmbeddings: Embedding
    /// The LayerNorm over the sum.
    public let layerNorm: LayerNorm
    /// Dropout after the LayerNorm.
    public let dropout: Dropout

    /// Creates the embeddings with PyTorch's initialisation (normal tables).
    public init(configuration: BertConfiguration, generator: inout SeededGenerator) {
        wordEmbeddings = Embedding(count: configuration.vocabularySize, dimensions: configuration.hiddenSize, generator: &generator)
        positionEmbeddings = Embedding(count: configuration.maximumPositions, dimensions: configuration.hiddenSize, generator: &generator)
        tokenTypeEmbeddings = Embedding(count: configuration.typeVocabularySize, dimensions: configuration.hiddenSize, generator: &generator)
        layerNorm = LayerNorm(dimensions: configuration.hiddenSize, epsilon: configuration.layerNormEpsilon)
        dropout = Dropout(probability: configuration.hiddenDropout, seed: generator.next())
        super.init()
    }

    override public var children: [(key: String, module: Module)] {
        [("word_embeddings", wordEmbeddings), ("position_embeddings", positionEmbeddings),
         ("token_type_embeddings", tokenTypeEmbeddings), ("LayerNorm", layerNorm), ("dropout", dropout)]
    }

    /// Embeds a batch.
    /// - Returns: `[B, T, C]`.
    public func callAsFunction(_ input: BertInput) -> Tensor {
        let B = input.batchSize, T = input.sequenceLength
        precondition(T <= positionEmbeddings.count,
                     "BertEmbeddings: sequence length \(T) exceeds the model's \(positionEmbeddings.count) positions; truncate the input")
        let words = wordEmbeddings(input.ids, shape: [B, T])
        let positions = positionEmbeddings(Array(0..<T), shape: [T])
        let types = tokenTypeEmbeddings(input.typeIDs, shape: [B, T])
        return dropout(layerNorm(words + types + positions))
    }
}
