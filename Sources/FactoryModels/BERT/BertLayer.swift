// BertLayer: one post-norm transformer layer of a BERT-family encoder, with Hugging Face's
// module tree so every key is the checkpoint's name:
//   attention.self.{query,key,value}   attention.output.{dense,LayerNorm}
//   intermediate.dense                 output.{dense,LayerNorm}
// The small classes below exist to give those keys; they have no behaviour of their own.
// Not here: pre-norm layers, cross-attention, the embeddings or pooler.

import FactoryNN
import FactoryTensor

/// A dense projection followed by dropout, a residual add and LayerNorm
/// (`attention.output` and `output` of a BERT layer).
public final class BertResidualOutput: Module {
    /// The projection.
    public let dense: Linear
    /// The LayerNorm after the residual add.
    public let layerNorm: LayerNorm
    /// Dropout on the projection, before the add.
    public let dropout: Dropout

    init(inputSize: Int, configuration: BertConfiguration, generator: inout SeededGenerator) {
        dense = Linear(inputFeatures: inputSize, outputFeatures: configuration.hiddenSize, generator: &generator)
        layerNorm = LayerNorm(dimensions: configuration.hiddenSize, epsilon: configuration.layerNormEpsilon)
        dropout = Dropout(probability: configuration.hiddenDropout, seed: generator.next())
        super.init()
    }

    override public var children: [(key: String, module: Module)] {
        [("dense", dense), ("LayerNorm", layerNorm), ("dropout", dropout)]
    }

    /// `LayerNorm(dropout(dense(input)) + residual)`.
    public func callAsFunction(_ input: Tensor, residual: Tensor) -> Tensor {
        if dense.adapter == nil && (!dropout.isTraining || dropout.probability == 0) {
            // Dropout is the identity: the residual is added inside the product and, at
            // inference, each thread normalises its rows in place right after its product.
            return Tensor.linearLayerNorm(
                input, weight: dense.weight, bias: dense.bias, adding: residual,
                normWeight: layerNorm.weight, normBias: layerNorm.bias, epsilon: layerNorm.epsilon)
        }
        return layerNorm(dropout(dense(input), adding: residual))
    }
}

/// Self-attention and its output block (`attention.self`, `attention.output`).
public final class BertAttention: Module {
    /// Queries, keys, values and the attention itself (`attention.self`).
    public let selfAttention: MultiHeadSelfAttention
    /// The output projection, residual and LayerNorm (`attention.output`).
    public let output: BertResidualOutput

    init(configuration: BertConfiguration, generator: inout SeededGenerator) {
        selfAttention = MultiHeadSelfAttention(
            hiddenSize: configuration.hiddenSize, headCount: configuration.headCount,
            attentionDropout: configuration.attentionDropout, generator: &generator)
        output = BertResidualOutput(inputSize: configuration.hiddenSize, configuration: configuration, generator: &generator)
        super.init()
    }

    override public var children: [(key: String, module: Module)] { [("self", selfAttention), ("output", output)] }
}

/// The feed-forward expansion (`intermediate.dense` and the activation).
public final class BertIntermediate: Module {
    /// C → intermediate size.
    public let dense: Linear
    /// The activation after it.
    public let activation: BertActivation

    init(configuration: BertConfiguration, generator: inout SeededGenerator) {
        dense = Linear(inputFeatures: configuration.hiddenSize, outputFeatures: configuration.intermediateSize, generator: &generator)
        activation = configuration.activation
        super.init()
    }

    override public var children: [(key: String, module: Module)] { [("dense", dense)] }

    /// `activation(dense(input))`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        if activation == .gelu && dense.adapter == nil {
            return Tensor.linearGELU(input, weight: dense.weight, bias: dense.bias)
        }
        let projected = dense(input)
        switch activation {
        case .gelu: return projected.gelu()
        case .relu: return projected.relu()
        case .geluTanh:
            // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
            let inner = (projected + projected * projected * projected * 0.044715) * Float(0.7978845608028654)
            return projected * (inner.tanh() + 1) * 0.5
        }
    }
}

/// One BERT transformer layer.
public final class BertLayer: Module {
    /// Self-attention with its residual block.
    public let attention: BertAttention
    /// The feed-forward expansion.
    public let intermediate: BertIntermediate
    /// The feed-forward projection with its residual block.
    public let output: BertResidualOutput

    /// Creates a layer with PyTorch-initialised weights.
    public init(configuration: BertConfiguration, generator: inout SeededGenerator) {
        attention = BertAttention(configuration: configuration, generator: &generator)
        intermediate = BertIntermediate(configuration: configuration, generator: &generator)
        output = BertResidualOutput(inputSize: configuration.intermediateSize, configuration: configuration, generator: &generator)
        super.init()
    }

    override public var children: [(key: String, module: Module)] {
        [("attention", attention), ("intermediate", intermediate), ("output", output)]
    }

    /// Applies the layer.
    /// - Parameters:
    ///   - hiddenStates: `[B, T, C]`.
    ///   - attentionMask: `[B, T]` of 0/1, or `nil` when nothing is padded.
    /// - Returns: `[B, T, C]`.
    public func callAsFunction(_ hiddenStates: Tensor, attentionMask: Tensor?) -> Tensor {
        let context = attention.selfAttention(hiddenStates, attentionMask: attentionMask)
        let attended = attention.output(context, residual: hiddenStates)
        return output(intermediate(attended), residual: attended)
    }
}
