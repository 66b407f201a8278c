// BertLoadError: why a BERT-family model could not be built or loaded from a folder — a
// missing file, a config.json with bad or unsupported values, an unreadable weights file, or
// weights that do not fit the configuration (every offending key named). Each message says
// which file and what to do. Not here: errors of the model store (installing) or tokenizers.

import FactoryNN

/// A BERT-family model folder that cannot be loaded.
public enum BertLoadError: Error, CustomStringConvertible, Equatable {
    /// A file the model needs is not there.
    case missingFile(String, what: String)
    /// config.json has missing, mistyped or unsupported values.
    case badConfiguration(file: String, problems: [String])
    /// The weights file could not be read.
    case unreadableWeights(file: String, reason: String)
    /// The weights do not fit the configuration.
    case weightsDoNotFit(file: String, error: ModuleLoadError)

    public var description: String {
        switch self {
        case .missingFile(let path, let what):
            return "\(path): no such file; it should hold \(what). Install the backbone with `factory models install NAME`, or point at a complete Hugging Face model folder (config.json, model.safetensors, tokenizer.json)."
        case .badConfiguration(let file, let problems):
            return "\(file): the BERT configuration cannot be used:\n  - " + problems.joined(separator: "\n  - ")
                + "\nFix these keys, or use the config.json that came with the weights."
        case .unreadableWeights(let file, let reason):
            return "\(file): the weights cannot be read: \(reason). Reinstall the backbone (`factory models install NAME --force`) or re-download the file."
        case .weightsDoNotFit(let file, let error):
            return "\(file): the weights do not fit the BERT configuration next to them (config.json).\n\(error.description)\nCheck that config.json and model.safetensors belong to the same model."
        }
    }
}
