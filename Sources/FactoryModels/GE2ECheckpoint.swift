// Loading a pretrained GE2E speaker encoder: resemblyzer's pretrained.pt (a legacy torch.save
// file whose `model_state` holds `lstm.*`, `linear.*` and the GE2E loss's `similarity_weight`
// / `similarity_bias`; a safetensors file of the same keys loads too), by file or by backbone
// name through the model store. The encoder's keys must all be there with their shapes; the
// two similarity keys go to a GE2ELoss (defaults 10 and -5 when a file lacks them); any other
// key is an error, since it means the file is some other model. Not here: the encoder's
// computation, the loss, or installing backbones (ModelStore).

import FactoryNN
import FactoryTensor
import Foundation

/// A pretrained GE2E encoder and the loss parameters trained with it.
public struct PretrainedGE2E {
    /// The encoder with the checkpoint's weights, in evaluation mode.
    public let encoder: GE2ESpeakerEncoder
    /// The GE2E loss with the checkpoint's w and b, for further speaker fine-tuning.
    public let loss: GE2ELoss
    /// The file the weights came from.
    public let weightsFile: URL
}

/// Why a GE2E checkpoint could not be loaded.
public enum GE2ELoadError: Error, Equatable, CustomStringConvertible {
    /// The file could not be read as a PyTorch checkpoint; `reason` is the reader's message.
    case unreadableCheckpoint(path: String, reason: String)
    /// The file's tensors do not fit the encoder (missing, unexpected or mis-shaped keys).
    case stateDoesNotFit(path: String, problem: ModuleLoadError)
    /// The backbone `name` is not a GE2E encoder (its architecture is `architecture`).
    case notAGE2EBackbone(name: String, architecture: String?)

    public var description: String {
        switch self {
        case let .unreadableCheckpoint(path, reason):
            return "cannot read the GE2E checkpoint \(path): \(reason). Reinstall the backbone "
                + "(`factory models install ge2e --force`) or point at resemblyzer's pretrained.pt"
        case let .stateDoesNotFit(path, problem):
            return "\(path) is not a GE2E speaker encoder (3-layer LSTM over 40 mels, Linear 256→256): \(problem). "
                + "Use resemblyzer's pretrained.pt or a checkpoint saved from this encoder"
        case let .notAGE2EBackbone(name, architecture):
            return "backbone '\(name)' is a '\(architecture ?? "unknown")' model, not a GE2E speaker encoder "
                + "('\(GE2ESpeakerEncoder.architecture)'). Use the 'ge2e' backbone"
        }
    }
}

extension GE2ESpeakerEncoder {
    /// The checkpoint keys that belong to the GE2E loss rather than the encoder.
    public static let lossKeys = ["similarity_weight", "similarity_bias"]

    /// Loads the encoder (and the loss's w and b) from a PyTorch checkpoint.
    ///
    /// The state dict is found as `TorchCheckpoint` finds it (`model_state` in
    /// resemblyzer's file, or the top level); a safetensors file of the same keys works too.
    /// The layer sizes are read from the weights, so an encoder of another width or depth
    /// loads as well.
    /// - Parameter url: a `torch.save` file (legacy or zip layout) or a safetensors file.
    /// - Returns: the encoder in evaluation mode and the loss, both trainable.
    /// - Throws: ``GE2ELoadError`` naming the file and every offending key.
    public static func load(contentsOf url: URL) throws(GE2ELoadError) -> PretrainedGE2E {
        var state: [String: Tensor] = [:]
        do {
            let archive = try TensorArchives.open(url)
            for name in archive.tensorNames { state[name] = try archive.tensor(named: name) }
        } catch {
            throw .unreadableCheckpoint(path: url.path, reason: "\(error)")
        }
        let encoder = GE2ESpeakerEncoder(shapesFrom: state)
        var encoderState = state
        for key in lossKeys { encoderState[key] = nil }
        do {
            try encoder.load(stateDictionary: encoderState)
        } catch {
            throw .stateDoesNotFit(path: url.path, problem: error)
        }
        let loss = GE2ELoss()
        var lossState: [String: Tensor] = [:]
        for key in lossKeys { lossState[key] = state[key] }
        do {
            try loss.load(stateDictionary: lossState, strict: false)
        } catch {
            throw .stateDoesNotFit(path: url.path, problem: error)
        }
        encoder.eval()
        return PretrainedGE2E(encoder: encoder, loss: loss, weightsFile: url)
    }

    /// Loads the installed backbone `name` (default `ge2e`) from `store`.
    /// - Throws: `CatalogError.unknownBackbone`, `ModelStoreError.notInstalled` (run
    ///   `factory models install ge2e`), ``GE2ELoadError/notAGE2EBackbone(name:architecture:)``,
    ///   or the errors of ``load(contentsOf:)``.
    public static func load(backbone name: String = "ge2e", from store: ModelStore) throws -> PretrainedGE2E {
        let resolved = try store.resolve(name)
        guard resolved.architecture == architecture else {
            throw GE2ELoadError.notAGE2EBackbone(name: name, architecture: resolved.architecture)
        }
        return try load(contentsOf: resolved.weightsFile)
    }

    /// An encoder sized from a state dict's shapes (resemblyzer's sizes where keys are
    /// absent, so that the load reports them as missing).
    convenience init(shapesFrom state: [String: Tensor]) {
        let firstInput = state["lstm.weight_ih_l0"]?.shape
        let melChannels = firstInput?.count == 2 && firstInput![1] > 0 ? firstInput![1] : 40
        let hiddenShape = state["lstm.weight_hh_l0"]?.shape
        let hiddenSize = hiddenShape?.count == 2 && hiddenShape![1] > 0 ? hiddenShape![1] : 256
        var layers = 0
        while state["lstm.weight_ih_l\(layers)"] != nil { layers += 1 }
        let linearShape = state["linear.weight"]?.shape
        let embeddingSize = linearShape?.count == 2 && linearShape![0] > 0 ? linearShape![0] : 256
        self.init(melChannels: melChannels, hiddenSize: hiddenSize, layers: max(layers, 1), embeddingSize: embeddingSize)
    }
}
