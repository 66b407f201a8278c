// TorchCheckpointError: what can be wrong with a torch.save file beyond its pickles (those
// throw PickleError): its layout, its storages, the tensors' views of them, and finding the
// state dict.

/// Why a PyTorch checkpoint could not be read.
public enum TorchCheckpointError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file is neither torch.save layout (bad magic number, missing parts).
    case notACheckpoint(path: String, reason: String)
    /// The legacy layout's protocol version is not 1001, or the file was saved big-endian.
    case unsupportedLegacyFile(path: String, reason: String)
    /// The zip layout is damaged (unreadable archive, missing data.pkl or storage entry).
    case zipLayout(path: String, reason: String)
    /// A persistent id is not `('storage', StorageType, key, location, count[, view])`.
    case invalidPersistentID(path: String, offset: Int, reason: String)
    /// A tensor refers to a storage key the file does not hold.
    case missingStorage(path: String, key: String)
    /// A storage is shorter than declared or runs past the end of the file.
    case storageTruncated(path: String, key: String, offset: Int, needed: Int, available: Int)
    /// A tensor's shape, strides or offset reach outside its storage.
    case invalidTensorLayout(path: String, tensor: String, reason: String)
    /// No dict of tensors was found; `topLevelKeys` shows what there is.
    case noStateDict(path: String, topLevelKeys: [String])
    /// The requested key path does not lead to a dict.
    case keyPathNotFound(path: String, keyPath: [String], available: [String])

    public var description: String {
        switch self {
        case let .notACheckpoint(path, reason):
            return "\(path): not a PyTorch checkpoint (\(reason)). Expected a file written by torch.save."
        case let .unsupportedLegacyFile(path, reason):
            return "\(path): unsupported legacy PyTorch file: \(reason). Re-save it with a current torch.save or as safetensors."
        case let .zipLayout(path, reason):
            return "\(path): damaged PyTorch zip checkpoint: \(reason). Download or copy the file again."
        case let .invalidPersistentID(path, offset, reason):
            return "\(path): bad storage reference at byte \(offset): \(reason). The file is corrupt or from an unsupported PyTorch version."
        case let .missingStorage(path, key):
            return "\(path): a tensor refers to storage '\(key)', which the file does not contain. The file is truncated or corrupt."
        case let .storageTruncated(path, key, offset, needed, available):
            return "\(path): storage '\(key)' at byte \(offset) needs \(needed) bytes but only \(available) are there. The file is truncated."
        case let .invalidTensorLayout(path, tensor, reason):
            return "\(path): tensor '\(tensor)': \(reason). The file is corrupt."
        case let .noStateDict(path, keys):
            let shown = keys.isEmpty ? "it is not a dict" : "top-level keys: \(keys.prefix(20).joined(separator: ", "))"
            return "\(path): found no dict of tensors (\(shown)). Name the key path of the state dict explicitly."
        case let .keyPathNotFound(path, keyPath, available):
            return "\(path): no dict at key path '\(keyPath.joined(separator: "."))' (keys there: \(available.prefix(20).joined(separator: ", ")))."
        }
    }
}
