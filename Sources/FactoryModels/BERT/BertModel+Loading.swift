// Loading a BERT-family model from disk: config.json gives the architecture, model.safetensors
// (or any tensor archive FactoryIO reads) gives the weights by name. Checkpoint names are
// normalised first — a `bert.` prefix (task checkpoints) is dropped, old `gamma`/`beta`
// LayerNorm names become `weight`/`bias` — and tensors that are not part of the encoder
// (`position_ids`, task heads such as `cls.*` or `classifier.*`) are skipped and reported.
// Not here: installing backbones (ModelStore), tokenizers.

import Foundation
import FactoryIO
import FactoryNN
import FactoryTensor

/// What loading a BERT checkpoint did besides filling the model.
public struct BertLoadReport: Sendable, Equatable {
    /// Checkpoint tensors that are not part of the encoder and were left out (task heads,
    /// `position_ids`), by their names in the file.
    public var skippedTensors: [String]
    /// Whether the checkpoint had a pooler (`pooler.dense.*`), so the model has one.
    public var hasPooler: Bool
}

extension BertModel {
    /// Loads `config.json` and `model.safetensors` from a Hugging Face-style folder.
    /// - Parameter folder: the model folder (an installed backbone or any BERT checkpoint folder).
    /// - Throws: ``BertLoadError`` naming the file and every problem.
    public static func load(folder: URL) throws(BertLoadError) -> BertModel {
        try load(folder: folder, report: nil)
    }

    /// Loads `config.json` and `model.safetensors` from a folder and says what was skipped.
    /// - Parameters:
    ///   - folder: the model folder.
    ///   - report: receives the names of skipped tensors and whether a pooler was loaded.
    public static func load(folder: URL, report: ((BertLoadReport) -> Void)?) throws(BertLoadError) -> BertModel {
        let configuration = try BertConfiguration.load(contentsOf: folder.appendingPathComponent("config.json"))
        return try load(configuration: configuration, weights: folder.appendingPathComponent("model.safetensors"), report: report)
    }

    /// Builds a model for `configuration` and fills it from a weights file.
    /// - Parameters:
    ///   - configuration: the architecture.
    ///   - weights: a safetensors file or PyTorch checkpoint with BERT names.
    ///   - report: receives what was skipped.
    /// - Throws: ``BertLoadError/weightsDoNotFit(file:error:)`` naming every missing,
    ///   unexpected and mis-shaped key.
    public static func load(
        configuration: BertConfiguration, weights: URL, report: ((BertLoadReport) -> Void)? = nil
    ) throws(BertLoadError) -> BertModel {
        guard FileManager.default.fileExists(atPath: weights.path) else {
            throw .missingFile(weights.path, what: "the model weights (model.safetensors)")
        }
        var state: [String: Tensor] = [:]
        var skipped: [String] = []
        do {
            let archive = try TensorArchives.open(weights)
            for name in archive.tensorNames {
                guard let key = encoderKey(forCheckpointName: name) else { skipped.append(name); continue }
                state[key] = try archive.tensor(named: name)
            }
        } catch {
            throw .unreadableWeights(file: weights.path, reason: "\(error)")
        }
        let hasPooler = state["pooler.dense.weight"] != nil
        let model = BertModel(configuration: configuration, includesPooler: hasPooler)
        do {
            try model.load(stateDictionary: state, strict: true)
        } catch {
            throw .weightsDoNotFit(file: weights.path, error: error)
        }
        report?(BertLoadReport(skippedTensors: skipped, hasPooler: hasPooler))
        return model
    }

    /// The model key a checkpoint tensor name maps to, or `nil` for a tensor that is not
    /// part of the encoder (`embeddings.position_ids`, `cls.*`, `classifier.*`, `qa_outputs.*`).
    ///
    /// `bert.encoder.layer.0.attention.output.LayerNorm.gamma` →
    /// `encoder.layer.0.attention.output.LayerNorm.weight`.
    public static func encoderKey(forCheckpointName name: String) -> String? {
        var key = name
        if key.hasPrefix("bert.") { key.removeFirst("bert.".count) }
        guard key.hasPrefix("embeddings.") || key.hasPrefix("encoder.") || key.hasPrefix("pooler.") else { return nil }
        if key.hasSuffix("position_ids") { return nil }
        if key.hasSuffix(".gamma") { key = String(key.dropLast("gamma".count)) + "weight" }
        if key.hasSuffix(".beta") { key = String(key.dropLast("beta".count)) + "bias" }
        return key
    }
}
