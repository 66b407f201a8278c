// BertConfiguration: the architecture of a BERT-family encoder as a Hugging Face
// `config.json` states it (hidden size, layers, heads, intermediate size, positions, type
// vocabulary, layer-norm epsilon, activation, dropout), read and checked with errors that
// name the file and the key. It does NOT read weights or tokenizers.

import Foundation
import FactoryIO

/// The hidden activation of a BERT feed-forward block (`hidden_act`).
public enum BertActivation: String, Sendable, Equatable, CaseIterable {
    /// The exact (erf) GELU, Hugging Face's `gelu`.
    case gelu
    /// The tanh approximation of GELU, Hugging Face's `gelu_new` / `gelu_pytorch_tanh`.
    case geluTanh = "gelu_new"
    /// `max(0, x)`.
    case relu
}

/// The shape and hyperparameters of a BERT-family encoder.
public struct BertConfiguration: Sendable, Equatable {
    /// Rows of the word-embedding table (`vocab_size`).
    public var vocabularySize: Int
    /// C, the width of every hidden state (`hidden_size`).
    public var hiddenSize: Int
    /// The number of transformer layers (`num_hidden_layers`).
    public var layerCount: Int
    /// H, attention heads per layer (`num_attention_heads`); divides `hiddenSize`.
    public var headCount: Int
    /// The feed-forward expansion width (`intermediate_size`).
    public var intermediateSize: Int
    /// The longest sequence the position table covers (`max_position_embeddings`).
    public var maximumPositions: Int
    /// Rows of the token-type (segment) table (`type_vocab_size`).
    public var typeVocabularySize: Int
    /// The epsilon of every LayerNorm (`layer_norm_eps`).
    public var layerNormEpsilon: Float
    /// The feed-forward activation (`hidden_act`).
    public var activation: BertActivation
    /// Dropout after the embeddings and each residual branch (`hidden_dropout_prob`).
    public var hiddenDropout: Float
    /// Dropout on attention probabilities (`attention_probs_dropout_prob`).
    public var attentionDropout: Float

    /// Creates a configuration; BERT-base's dropouts and epsilon are the defaults.
    public init(
        vocabularySize: Int, hiddenSize: Int, layerCount: Int, headCount: Int, intermediateSize: Int,
        maximumPositions: Int = 512, typeVocabularySize: Int = 2, layerNormEpsilon: Float = 1e-12,
        activation: BertActivation = .gelu, hiddenDropout: Float = 0.1, attentionDropout: Float = 0.1
    ) {
        self.vocabularySize = vocabularySize
        self.hiddenSize = hiddenSize
        self.layerCount = layerCount
        self.headCount = headCount
        self.intermediateSize = intermediateSize
        self.maximumPositions = maximumPositions
        self.typeVocabularySize = typeVocabularySize
        self.layerNormEpsilon = layerNormEpsilon
        self.activation = activation
        self.hiddenDropout = hiddenDropout
        self.attentionDropout = attentionDropout
    }

    /// Problems with the configuration's values, as messages (empty when it is usable).
    public var problems: [String] {
        var problems: [String] = []
        for (key, value) in [("vocab_size", vocabularySize), ("hidden_size", hiddenSize),
                             ("num_hidden_layers", layerCount), ("num_attention_heads", headCount),
                             ("intermediate_size", intermediateSize), ("max_position_embeddings", maximumPositions),
                             ("type_vocab_size", typeVocabularySize)] where value <= 0 {
            problems.append("\(key) is \(value); it must be positive")
        }
        if headCount > 0 && hiddenSize % headCount != 0 {
            problems.append("num_attention_heads \(headCount) does not divide hidden_size \(hiddenSize)")
        }
        for (key, value) in [("hidden_dropout_prob", hiddenDropout), ("attention_probs_dropout_prob", attentionDropout)]
        where !(value >= 0 && value < 1) {
            problems.append("\(key) is \(value); it must be in [0, 1)")
        }
        if !(layerNormEpsilon > 0) { problems.append("layer_norm_eps is \(layerNormEpsilon); it must be positive") }
        return problems
    }

    /// Reads a Hugging Face `config.json`.
    ///
    /// Required keys: `vocab_size`, `hidden_size`, `num_hidden_layers`, `num_attention_heads`,
    /// `intermediate_size`. Optional, with BERT's defaults: `max_position_embeddings` (512),
    /// `type_vocab_size` (2), `layer_norm_eps` (1e-12), `hidden_act` (gelu),
    /// `hidden_dropout_prob` and `attention_probs_dropout_prob` (0.1). A `position_embedding_type`
    /// other than `absolute` is refused.
    /// - Throws: ``BertLoadError/badConfiguration(file:problems:)`` listing every problem.
    public static func load(contentsOf url: URL) throws(BertLoadError) -> BertConfiguration {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw .missingFile(url.path, what: "the model configuration (config.json)")
        }
        let root: JSONValue
        do { root = try JSONParser.parse([UInt8](data)) } catch {
            throw .badConfiguration(file: url.path, problems: ["it is not valid JSON: \(error)"])
        }
        guard let object = root.objectValue else {
            throw .badConfiguration(file: url.path, problems: ["the top level is not a JSON object"])
        }
        var problems: [String] = []
        func integer(_ key: String, default defaultValue: Int? = nil) -> Int {
            guard let value = object[key], value != .null else {
                if let defaultValue { return defaultValue }
                problems.append("\(key) is missing")
                return 0
            }
            guard let integer = value.integerValue else {
                problems.append("\(key) is \(value), not an integer")
                return 0
            }
            return integer
        }
        func number(_ key: String, default defaultValue: Float) -> Float {
            guard let value = object[key], value != .null else { return defaultValue }
            guard let number = value.doubleValue else {
                problems.append("\(key) is \(value), not a number")
                return defaultValue
            }
            return Float(number)
        }
        var activation = BertActivation.gelu
        switch object["hidden_act"] {
        case .string(let name)?:
            switch name {
            case "gelu": activation = .gelu
            case "gelu_new", "gelu_pytorch_tanh": activation = .geluTanh
            case "relu": activation = .relu
            default: problems.append("hidden_act \"\(name)\" is not supported (supported: gelu, gelu_new, gelu_pytorch_tanh, relu)")
            }
        case nil, .null?: break
        case let other?: problems.append("hidden_act is \(other), not a string")
        }
        if case .string(let kind)? = object["position_embedding_type"], kind != "absolute" {
            problems.append("position_embedding_type \"\(kind)\" is not supported (only absolute)")
        }
        let configuration = BertConfiguration(
            vocabularySize: integer("vocab_size"), hiddenSize: integer("hidden_size"),
            layerCount: integer("num_hidden_layers"), headCount: integer("num_attention_heads"),
            intermediateSize: integer("intermediate_size"),
            maximumPositions: integer("max_position_embeddings", default: 512),
            typeVocabularySize: integer("type_vocab_size", default: 2),
            layerNormEpsilon: number("layer_norm_eps", default: 1e-12), activation: activation,
            hiddenDropout: number("hidden_dropout_prob", default: 0.1),
            attentionDropout: number("attention_probs_dropout_prob", default: 0.1))
        if problems.isEmpty { problems = configuration.problems }
        guard problems.isEmpty else { throw .badConfiguration(file: url.path, problems: problems) }
        return configuration
    }
}
