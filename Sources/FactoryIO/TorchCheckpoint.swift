// TorchCheckpoint: a PyTorch checkpoint (torch.save, zip or legacy layout) as a TensorArchive:
// it finds the state dict (the top level, or a nested dict such as `model_state`), lists its
// tensors and materialises each one as a contiguous Float32 tensor, honouring storage offsets
// and non-contiguous strides. Reading the layouts is TorchCheckpointLayout.swift; unpickling
// is PickleMachine.swift. Nothing here runs code or writes files.

import FactoryTensor
import Foundation

/// One top-level key of a checkpoint and a short description of its value.
public struct PickleKeySummary: Sendable, Equatable, CustomStringConvertible {
    public let key: String
    /// E.g. "dict (16 keys, 16 tensors)", "int 1564501".
    public let summary: String
    public var description: String { "\(key): \(summary)" }
}

/// A PyTorch checkpoint file, read without Python and without executing anything.
///
/// ```swift
/// let checkpoint = try TorchCheckpoint(contentsOf: url)          // finds `model_state` etc.
/// print(checkpoint.stateDictPath, checkpoint.globals)
/// let weight = try checkpoint.tensor(named: "lstm.weight_ih_l0")
/// ```
public final class TorchCheckpoint: TensorArchive {
    /// Keys tried, in order, when the top level holds no tensors itself.
    public static let preferredStateDictKeys = ["state_dict", "model_state", "model_state_dict", "model", "module", "net", "params"]

    public let url: URL
    public let format: TensorArchiveFormat
    /// The unpickled object (inert values; tensors are storage references).
    public let root: PickleValue
    /// Every global the object pickle names (`module.name`), in order of first appearance.
    public let globals: [String]
    /// The key path of the state dict inside `root` (empty: `root` itself).
    public let stateDictPath: [String]
    /// The root's keys with a one-line summary of each value (empty if the root is not a dict).
    public let topLevelKeys: [PickleKeySummary]
    /// Tensor names in the state dict's order (nested dicts flattened with ".").
    public let tensorNames: [String]

    private let tensors: [String: TorchTensorReference]
    private let storages: TorchStorageSource

    /// Reads the checkpoint at `url`.
    /// - Parameters:
    ///   - url: A file written by `torch.save` (zip or legacy layout).
    ///   - stateDictPath: Where the state dict is (e.g. `["model_state"]`); nil finds it: the top
    ///     level if it holds tensors, else the first of `preferredStateDictKeys`, else the first
    ///     nested dict that holds tensors.
    /// - Throws: `PickleError` (including `.disallowedGlobal` for any global off the allow-list),
    ///   `TorchCheckpointError`, `ByteReaderError` on truncation, `MappedFileError`.
    public convenience init(contentsOf url: URL, stateDictPath: [String]? = nil) throws {
        let data = try MappedFile.contents(of: url)
        let contents: TorchCheckpointContents
        do {
            contents = try TorchCheckpointLayout.read(data: data, url: url)
        } catch let PickleError.disallowedGlobal(source, offset, global, _) {
            // Name every global the file mentions, so the user sees the whole picture.
            let all = (try? TorchCheckpoint.globals(in: data, url: url)) ?? [global]
            throw PickleError.disallowedGlobal(source: source, offset: offset, global: global, allNamed: all)
        }
        try self.init(contents: contents, url: url, stateDictPath: stateDictPath)
    }

    init(contents: TorchCheckpointContents, url: URL, stateDictPath requested: [String]?) throws {
        let path = url.path
        self.url = url
        self.format = contents.format
        self.root = contents.root
        self.globals = contents.globals.map(\.description)
        self.storages = contents.storages
        self.topLevelKeys = contents.root.dictValue?.entries.map { entry in
            PickleKeySummary(key: PickleDictKey(entry.key)?.text ?? entry.key.summary, summary: entry.value.summary)
        } ?? []

        let (keyPath, dict) = try Self.findStateDict(in: contents.root, requested: requested, path: path)
        self.stateDictPath = keyPath
        var names: [String] = []
        var tensors: [String: TorchTensorReference] = [:]
        var visited = Set<ObjectIdentifier>()
        Self.collectTensors(dict, prefix: "", depth: 0, names: &names, tensors: &tensors, visited: &visited)
        self.tensorNames = names
        self.tensors = tensors
    }

    /// The globals the pickle in `url` names, found without refusing any (for `factory models
    /// inspect` on a file that `init` refuses). Nothing is called or loaded.
    public static func globals(in url: URL) throws -> [String] {
        try globals(in: MappedFile.contents(of: url), url: url)
    }

    static func globals(in data: Data, url: URL) throws -> [String] {
        try TorchCheckpointLayout.read(data: data, url: url, refusesUnknownGlobals: false).globals.map(\.description)
    }

    /// The value at `keyPath` inside the root (string or integer keys), or nil.
    public func value(at keyPath: [String]) -> PickleValue? {
        var current = root
        for key in keyPath {
            guard let dict = current.dictValue, let next = Self.lookup(dict, key) else { return nil }
            current = next
        }
        return current
    }

    // MARK: - TensorArchive

    private func reference(_ name: String) throws -> TorchTensorReference {
        guard let reference = tensors[name] else {
            throw TensorArchiveError.unknownTensor(name: name, path: url.path,
                                                   suggestions: NameSuggestions.closest(to: name, in: tensorNames))
        }
        return reference
    }

    public func info(for name: String) throws -> TensorInfo {
        let reference = try reference(name)
        let count = StoredElementLayout.elementCount(reference.shape) ?? 0
        let (bytes, overflow) = count.multipliedReportingOverflow(by: reference.storage.dtype.byteSize)
        return TensorInfo(name: name, dtype: reference.storage.dtype, shape: reference.shape, byteCount: overflow ? Int.max : bytes)
    }

    public func tensor(named name: String) throws -> Tensor {
        let reference = try reference(name)
        return try withElements(of: reference, name: name) { raw, layout in
            StoredElements.tensor(raw, dtype: reference.storage.dtype, layout: layout)
        }
    }

    public func integers(named name: String) throws -> [Int] {
        let reference = try reference(name)
        guard reference.storage.dtype.isInteger else {
            throw TensorArchiveError.notIntegerTensor(name: name, path: url.path, dtype: reference.storage.dtype)
        }
        return try withElements(of: reference, name: name) { raw, layout in
            StoredElements.integers(raw, dtype: reference.storage.dtype, layout: layout)
        }
    }

    /// Loads the storage of `reference`, checks the view against it and hands both to `body`.
    private func withElements<Result>(of reference: TorchTensorReference, name: String,
                                      _ body: (UnsafeRawBufferPointer, StoredElementLayout) -> Result) throws -> Result {
        let path = url.path
        let bytes = try storages.bytes(forKey: reference.storage.key, path: path)
        let available = bytes.count / reference.storage.dtype.byteSize
        let (offset, overflow) = reference.storageOffset.addingReportingOverflow(reference.storage.viewOffset)
        let layout = StoredElementLayout(shape: reference.shape, strides: reference.strides, offset: overflow ? -1 : offset)
        if let problem = layout.problem(available: available) {
            throw TorchCheckpointError.invalidTensorLayout(path: path, tensor: name, reason: problem)
        }
        return bytes.withUnsafeBytes { raw in body(raw, layout) }
    }

    // MARK: - Finding the state dict

    private static func lookup(_ dict: PickleDict, _ key: String) -> PickleValue? {
        if let value = dict[key] { return value }
        if let number = Int(key) {
            return dict.entries.first { PickleDictKey($0.key) == .int(number) }?.value
        }
        return nil
    }

    private static func holdsTensors(_ dict: PickleDict) -> Bool {
        dict.entries.contains { if case .tensor = $0.value { return true } else { return false } }
    }

    private static func findStateDict(in root: PickleValue, requested: [String]?, path: String) throws -> ([String], PickleDict) {
        if let requested {
            var current = root
            for (depth, key) in requested.enumerated() {
                guard let dict = current.dictValue, let next = lookup(dict, key) else {
                    let available = current.dictValue?.keyStrings ?? []
                    throw TorchCheckpointError.keyPathNotFound(path: path, keyPath: Array(requested[...depth]), available: available)
                }
                current = next
            }
            guard let dict = current.dictValue else {
                throw TorchCheckpointError.keyPathNotFound(path: path, keyPath: requested, available: [])
            }
            return (requested, dict)
        }
        guard let top = root.dictValue else { throw TorchCheckpointError.noStateDict(path: path, topLevelKeys: []) }
        if holdsTensors(top) { return ([], top) }
        for key in preferredStateDictKeys {
            if let dict = top[key]?.dictValue, holdsTensors(dict) { return ([key], dict) }
        }
        // Breadth-first, in key order, three levels down at most.
        // A dict reached twice (the memo lets a pickle share one) is looked at once.
        var queue: [([String], PickleDict)] = [([], top)]
        var seen: Set<ObjectIdentifier> = [ObjectIdentifier(top)]
        var index = 0
        while index < queue.count {
            let (keyPath, dict) = queue[index]
            index += 1
            for entry in dict.entries {
                guard let child = entry.value.dictValue, let key = PickleDictKey(entry.key)?.text,
                      seen.insert(ObjectIdentifier(child)).inserted else { continue }
                if holdsTensors(child) { return (keyPath + [key], child) }
                if keyPath.count < 2 { queue.append((keyPath + [key], child)) }
            }
        }
        throw TorchCheckpointError.noStateDict(path: path, topLevelKeys: top.keyStrings)
    }

    /// Tensors of `dict` in order; nested dicts contribute "outer.inner" names. A state dict
    /// is a tree: a dict the pickle shares under several keys (through its memo) is walked
    /// only the first time, so a small file cannot fan out into exponentially many names.
    private static func collectTensors(_ dict: PickleDict, prefix: String, depth: Int, names: inout [String],
                                       tensors: inout [String: TorchTensorReference], visited: inout Set<ObjectIdentifier>) {
        guard visited.insert(ObjectIdentifier(dict)).inserted else { return }
        for entry in dict.entries {
            guard let key = PickleDictKey(entry.key)?.text else { continue }
            let name = prefix + key
            switch entry.value {
            case let .tensor(reference):
                if tensors[name] == nil { names.append(name) }
                tensors[name] = reference
            case let .dict(child) where depth < 16:
                collectTensors(child, prefix: name + ".", depth: depth + 1, names: &names, tensors: &tensors, visited: &visited)
            default:
                continue
            }
        }
    }
}
