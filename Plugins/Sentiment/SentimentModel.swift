// SentimentModel: a BERT-family backbone (MiniLM by default) with a classification head on
// the [CLS] vector or the masked mean of the last hidden state, and the backbone's own
// tokenizer. Keys: `backbone.*` (the checkpoint's names) and `head.*`. Not here: training.

import FactoryKit
import Foundation

/// Backbone + pooling + classification head.
public final class SentimentModel: Module, FineTunableModel {
    /// The pretrained encoder.
    public let backbone: BertModel
    /// The new head.
    public let head: ClassificationHead
    /// How token states become one vector.
    public let pooling: SentencePooling
    /// The backbone's tokenizer.
    public let tokenizer: Tokenizer
    /// Per-class loss weights (`train.class_weights: balanced`), or `nil`.
    public var classWeights: Tensor?
    /// The id that pads short texts.
    public let padID: Int
    /// The longest input in tokens (longer texts are truncated).
    public let maximumLength: Int

    init(backbone: BertModel, head: ClassificationHead, pooling: SentencePooling, tokenizer: Tokenizer, padID: Int, maximumLength: Int) {
        self.backbone = backbone
        self.head = head
        self.pooling = pooling
        self.tokenizer = tokenizer
        self.padID = padID
        self.maximumLength = Swift.min(maximumLength, backbone.configuration.maximumPositions)
        super.init()
    }

    override public var children: [(key: String, module: Module)] { [("backbone", backbone), ("head", head)] }

    public var backboneBlockKeyPrefixes: [String] {
        ["backbone.embeddings"] + (0..<backbone.layers.count).map { "backbone.encoder.layer.\($0)" }
    }
    public var headKeyPrefixes: [String] { ["head"] }

    /// Logits `[B, classes]` for texts.
    public func logits(_ texts: [String]) throws -> Tensor {
        head(try sentenceVectors(texts))
    }

    /// Logits `[B, classes]` for token id sequences (with their special tokens).
    public func logits(tokenIDs encoded: [[Int]]) -> Tensor {
        head(sentenceVectors(tokenIDs: encoded))
    }

    /// The pooled sentence vectors `[B, hidden]` the head reads: what the feature cache keeps.
    public func sentenceVectors(_ texts: [String]) throws -> Tensor {
        sentenceVectors(tokenIDs: try texts.map { try tokenizer.encode($0).ids })
    }

    /// The pooled sentence vectors `[B, hidden]` for token id sequences (with their special tokens).
    public func sentenceVectors(tokenIDs encoded: [[Int]]) -> Tensor {
        let padded = PaddedSequences(encoded, padID: padID, maximumLength: maximumLength)
        let input = BertInput(ids: padded.ids, attentionMask: padded.mask, batchSize: padded.count, sequenceLength: padded.length)
        let hidden = backbone(input)
        return pooling(hidden, attentionMask: input.hasNoPadding ? nil : input.maskTensor)
    }
}
