// Turning what a user typed for a model — a backbone name like `minilm-l6`, or the path of a
// Hugging Face-style folder (config.json + model.safetensors + tokenizer.json) — into a folder
// on disk and the kind of model in it. It does NOT install anything or read the weights.

import Foundation

/// A model found on disk: the folder, where it came from, and its main files.
public struct ResolvedModel: Sendable, Equatable {
    /// Where a resolved model came from.
    public enum Kind: Sendable, Equatable {
        /// An installed catalog backbone, by name.
        case backbone(name: String)
        /// A Hugging Face-style folder given by path.
        case huggingFaceFolder
    }

    /// The files a Hugging Face-style folder must hold.
    public static let huggingFaceFiles = ["config.json", "model.safetensors", "tokenizer.json"]

    /// The folder holding the model files.
    public var folder: URL
    /// Where the model came from.
    public var kind: Kind
    /// The architecture: the catalog's for a backbone, config.json's `model_type` for a folder
    /// (nil when config.json does not say).
    public var architecture: String?
    /// The file holding the weights.
    public var weightsFile: URL
}

extension ModelStore {
    /// Resolves a backbone name or a model folder path.
    ///
    /// A value holding a `/`, or starting with `.` or `~`, is a folder path; so is a name the
    /// catalog lacks when a folder of that name exists. Anything else is a backbone name,
    /// which must be installed.
    /// - Throws: `CatalogError.unknownBackbone`, `ModelStoreError.notInstalled`, or
    ///   `ModelStoreError.incompleteModelFolder` naming the missing files.
    public func resolve(_ nameOrPath: String) throws -> ResolvedModel {
        let looksLikePath = nameOrPath.contains("/") || nameOrPath.hasPrefix(".") || nameOrPath.hasPrefix("~")
        let isCatalogName = catalog.backbones.contains { $0.name == nameOrPath }
        var isFolder: ObjCBool = false
        let expanded = (nameOrPath as NSString).expandingTildeInPath
        let folderExists = FileManager.default.fileExists(atPath: expanded, isDirectory: &isFolder) && isFolder.boolValue
        if looksLikePath || (!isCatalogName && folderExists) {
            return try Self.resolveFolder(URL(fileURLWithPath: expanded, isDirectory: true))
        }
        let backbone = try catalog.backbone(named: nameOrPath)
        let folder = try path(backbone.name)
        return ResolvedModel(
            folder: folder, kind: .backbone(name: backbone.name), architecture: backbone.architecture,
            weightsFile: folder.appendingPathComponent(backbone.weights))
    }

    /// Checks that `folder` is a Hugging Face-style model folder and describes it.
    /// - Throws: `ModelStoreError.incompleteModelFolder` naming what is missing.
    public static func resolveFolder(_ folder: URL) throws -> ResolvedModel {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder), isFolder.boolValue else {
            throw ModelStoreError.incompleteModelFolder(folder: folder.path, missing: ["the folder itself (no such folder)"])
        }
        let missing = ResolvedModel.huggingFaceFiles.filter {
            !FileManager.default.fileExists(atPath: folder.appendingPathComponent($0).path)
        }
        guard missing.isEmpty else { throw ModelStoreError.incompleteModelFolder(folder: folder.path, missing: missing) }
        struct Config: Decodable { var model_type: String? }
        let configData = try? Data(contentsOf: folder.appendingPathComponent("config.json"))
        let architecture = configData.flatMap { try? JSONDecoder().decode(Config.self, from: $0) }?.model_type
        return ResolvedModel(
            folder: folder.standardizedFileURL, kind: .huggingFaceFolder, architecture: architecture,
            weightsFile: folder.standardizedFileURL.appendingPathComponent("model.safetensors"))
    }
}
