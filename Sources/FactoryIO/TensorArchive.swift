// TensorArchive: the one interface over every weight file FactoryIO reads (safetensors and
// PyTorch checkpoints), the format detection by magic bytes, and the summary that
// `factory models inspect` prints. It does not parse any format itself.

import FactoryTensor
import Foundation

/// The on-disk format of a weight file.
public enum TensorArchiveFormat: String, Sendable, Equatable, CaseIterable {
    /// safetensors: 8-byte header length, JSON header, raw little-endian data.
    case safetensors
    /// torch.save's zip layout (`archive/data.pkl` + `archive/data/<key>`).
    case torchZip = "torch-zip"
    /// torch.save's legacy layout (magic-number pickle, sys info, object pickle, raw storages).
    case torchLegacy = "torch-legacy"
}

/// Errors shared by every weight-file reader.
public enum TensorArchiveError: Error, CustomStringConvertible, Equatable, Sendable {
    /// No tensor of this name; `suggestions` are the closest names in the file.
    case unknownTensor(name: String, path: String, suggestions: [String])
    /// `integers(named:)` was asked for a floating-point tensor.
    case notIntegerTensor(name: String, path: String, dtype: TensorDType)
    /// The first bytes match no supported format.
    case unrecognizedFormat(path: String, firstBytes: [UInt8])

    public var description: String {
        switch self {
        case let .unknownTensor(name, path, suggestions):
            let hint = suggestions.isEmpty
                ? "Run `factory models inspect \(path)` to list its tensors."
                : "Did you mean: \(suggestions.joined(separator: ", "))?"
            return "\(path): no tensor named '\(name)'. \(hint)"
        case let .notIntegerTensor(name, path, dtype):
            return "\(path): tensor '\(name)' holds \(dtype.rawValue) values, not integers; read it with tensor(named:)."
        case let .unrecognizedFormat(path, firstBytes):
            let hex = firstBytes.map { String(format: "%02x", $0) }.joined(separator: " ")
            return "\(path): not a safetensors file or PyTorch checkpoint (first bytes: \(hex)). "
                + "Supported: .safetensors, torch.save zip and legacy files."
        }
    }
}

/// A file of named tensors that can be listed and read one by one.
public protocol TensorArchive: AnyObject {
    /// The file this archive was read from.
    var url: URL { get }
    /// The file's format.
    var format: TensorArchiveFormat { get }
    /// Tensor names, in the file's order.
    var tensorNames: [String] { get }
    /// The dtype, shape and byte count of the tensor called `name`.
    func info(for name: String) throws -> TensorInfo
    /// The tensor called `name` as a contiguous Float32 tensor (other dtypes are converted).
    func tensor(named name: String) throws -> Tensor
    /// The elements of the integer (or boolean) tensor called `name`, in row-major order.
    func integers(named name: String) throws -> [Int]
}

extension TensorArchive {
    /// The infos of every tensor, in file order.
    public func infos() throws -> [TensorInfo] { try tensorNames.map { try info(for: $0) } }

    /// Whether the archive has a tensor called `name`.
    public func contains(_ name: String) -> Bool { tensorNames.contains(name) }
}

/// Everything `factory models inspect` shows about a weight file.
public struct TensorArchiveSummary: Sendable, Equatable {
    /// The detected format.
    public let format: TensorArchiveFormat
    /// Every tensor, in file order.
    public let tensors: [TensorInfo]
    /// The globals a pickle names (`module.name`), in order of first appearance; empty for safetensors.
    public let globals: [String]
    /// For checkpoints: the key path of the state dict the tensors come from (empty = top level).
    public let stateDictPath: [String]
    /// For checkpoints: each top-level key with a one-line description of its value.
    public let topLevelKeys: [PickleKeySummary]
    /// safetensors `__metadata__` (empty for checkpoints).
    public let metadata: [String: String]

    /// Total bytes of tensor data.
    public var totalBytes: Int { tensors.reduce(0) { $0 + $1.byteCount } }
}

/// Opens weight files of any supported format.
public enum TensorArchives {
    /// The format of the file at `url`, judged by its first bytes.
    /// - Throws: `TensorArchiveError.unrecognizedFormat` or `MappedFileError`.
    public static func format(of url: URL) throws -> TensorArchiveFormat {
        try format(of: MappedFile.contents(of: url), path: url.path)
    }

    static func format(of data: Data, path: String) throws -> TensorArchiveFormat {
        let head = [UInt8](data.prefix(16))
        if head.count >= 4, head[0] == 0x50, head[1] == 0x4B, head[2] == 0x03, head[3] == 0x04 { return .torchZip }
        // A safetensors header length can begin with 0x80 0x02..0x05 too (a 640-byte header), so the
        // JSON brace at byte 8 is checked first; torch's legacy magic LONG1 then never has one there.
        if head.count >= 9, head[8] == UInt8(ascii: "{") { return .safetensors }
        if head.count >= 2, head[0] == 0x80, (2...5).contains(head[1]) { return .torchLegacy }
        throw TensorArchiveError.unrecognizedFormat(path: path, firstBytes: Array(head.prefix(12)))
    }

    /// Opens `url` as whatever supported format its magic bytes say.
    /// - Throws: the format reader's typed error (`SafetensorsError`, `TorchCheckpointError`, `PickleError`, ...).
    public static func open(_ url: URL) throws -> any TensorArchive {
        switch try format(of: url) {
        case .safetensors: return try SafetensorsFile(contentsOf: url)
        case .torchZip, .torchLegacy: return try TorchCheckpoint(contentsOf: url)
        }
    }

    /// Everything `factory models inspect` prints about `url`.
    ///
    /// A pickle that names a global outside the allow-list throws `PickleError.disallowedGlobal`,
    /// whose message lists every global the pickle names; `TorchCheckpoint.globals(in:)` gives
    /// that list without loading anything.
    public static func summary(of url: URL) throws -> TensorArchiveSummary {
        switch try format(of: url) {
        case .safetensors:
            let file = try SafetensorsFile(contentsOf: url)
            return TensorArchiveSummary(format: .safetensors, tensors: try file.infos(), globals: [], stateDictPath: [],
                                        topLevelKeys: [], metadata: file.metadata)
        case .torchZip, .torchLegacy:
            let checkpoint = try TorchCheckpoint(contentsOf: url)
            return TensorArchiveSummary(format: checkpoint.format, tensors: try checkpoint.infos(), globals: checkpoint.globals,
                                        stateDictPath: checkpoint.stateDictPath, topLevelKeys: checkpoint.topLevelKeys,
                                        metadata: [:])
        }
    }
}
