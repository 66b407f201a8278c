// The typed errors of loading pretrained EfficientNet-Lite weights: a model of another
// architecture, a variant that cannot be told from the name, a missing or unreadable
// weights file, and a checkpoint whose keys or shapes do not fit the network (every such
// key named). Each message says what, where and what to do. Not here: errors of the model
// store (ModelStoreError) or of the checkpoint readers themselves (their messages are kept
// in `reason`).

import FactoryNN

/// Why pretrained EfficientNet-Lite weights could not be loaded.
public enum EfficientNetLiteLoadError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The resolved model `model` has architecture `architecture`, not `efficientnet-lite`.
    case notEfficientNetLite(model: String, architecture: String?)
    /// Which of Lite0–Lite4 `model` is cannot be told from its name.
    case unknownVariant(model: String)
    /// No weights file at `path`.
    case weightsFileMissing(path: String)
    /// The weights file at `path` could not be read; `reason` is the reader's message.
    case unreadableWeights(path: String, reason: String)
    /// The checkpoint at `path` does not fit EfficientNet-`variant`; `detail` lists every
    /// missing, unexpected and mis-shaped key.
    case weightsDoNotFit(path: String, variant: String, detail: ModuleLoadError)

    public var description: String {
        switch self {
        case let .notEfficientNetLite(model, architecture):
            return "'\(model)' is a \(architecture ?? "model of unknown architecture"), not an EfficientNet-Lite. "
                + "Use an efficientnet-lite backbone (`factory models list`) or a model of this architecture."
        case let .unknownVariant(model):
            return "cannot tell which EfficientNet-Lite variant '\(model)' is: its name should end in lite0 ... lite4 "
                + "(e.g. efficientnet-lite0). Pass the variant explicitly."
        case let .weightsFileMissing(path):
            return "no EfficientNet-Lite weights at \(path). Install the backbone (`factory models install efficientnet-lite0`) "
                + "or check the path."
        case let .unreadableWeights(path, reason):
            return "cannot read the EfficientNet-Lite weights at \(path): \(reason)"
        case let .weightsDoNotFit(path, variant, detail):
            return "the weights at \(path) do not fit EfficientNet-\(variant.capitalized): \(detail.description)\n"
                + "Check that the file is an EfficientNet-\(variant.capitalized) checkpoint with PyTorch's key names "
                + "(`_conv_stem.weight`, `_blocks.0._depthwise_conv.weight`, ...)."
        }
    }
}
