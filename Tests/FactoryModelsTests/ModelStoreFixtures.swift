// Test fixtures for the model store: temporary folders, a small test registry with made-up
// files and their pins, wheels built with ZIPFoundation, and fake `python` scripts that act
// like pip (succeeding, failing, hanging) without touching the network.

import Foundation
import ZIPFoundation
import FactoryModels

/// A fresh folder under the system temporary folder, deleted when the value goes away.
final class TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("factory-store-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// The names in `relativePath` (hidden ones included), sorted.
    func contents(_ relativePath: String = "") -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: url.appendingPathComponent(relativePath).path)) ?? []).sorted()
    }
}

/// A made-up registry: a folder backbone (`tiny-bert`) and a single-file one (`tiny-voice`).
enum FakeBackbones {
    static let bertFiles: [String: Data] = [
        "config.json": Data(#"{"model_type": "bert", "hidden_size": 8}"#.utf8),
        "model.safetensors": Data((0..<3000).map { UInt8(truncatingIfNeeded: $0 &* 7) }),
        "tokenizer.json": Data(#"{"model": {"type": "WordPiece"}}"#.utf8),
    ]
    static let voiceWeights = Data((0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 1) })

    static let bert = Backbone(
        name: "tiny-bert", summary: "a tiny test encoder", architecture: "bert", package: "tiny-bert-weights",
        version: "1.2.3", path: "tiny_bert_weights/model/", weights: "model.safetensors",
        files: ["config.json", "model.safetensors", "tokenizer.json"].map { pin($0, bertFiles[$0]!) },
        license: "MIT", parameters: 750)
    static let voice = Backbone(
        name: "tiny-voice", summary: "a tiny test speaker encoder", architecture: "ge2e-lstm", package: "Tiny.Voice",
        version: "0.1.0", path: "tiny_voice/weights.pt", weights: "weights.pt",
        files: [pin("weights.pt", voiceWeights)], parameters: 1250)

    static let catalog = BackboneCatalog(backbones: [bert, voice])

    static func pin(_ name: String, _ data: Data) -> BackboneFile {
        BackboneFile(name: name, sha256: SHA256.hash(data).hexString, size: Int64(data.count))
    }

    /// The wheel entries of `backbone` (its pinned files plus unrelated package files).
    static func wheelEntries(_ backbone: Backbone) -> [String: Data] {
        var entries: [String: Data] = [:]
        if backbone.name == bert.name {
            for (name, data) in bertFiles { entries[backbone.path + name] = data }
            entries["tiny_bert_weights/model/README.md"] = Data("not part of the model".utf8)
        } else {
            entries[backbone.path] = voiceWeights
        }
        let distribution = distributionName(backbone.package)
        entries["\(distribution)-\(backbone.version).dist-info/METADATA"] = Data("Name: \(backbone.package)\n".utf8)
        entries["\(distribution)/__init__.py"] = Data()
        return entries
    }

    /// Writes a wheel of `backbone` into `folder` (named the way pip names it) and returns it.
    @discardableResult
    static func makeWheel(_ backbone: Backbone, in folder: URL, entries: [String: Data]? = nil) throws -> URL {
        let distribution = distributionName(backbone.package)
        let wheel = folder.appendingPathComponent("\(distribution)-\(backbone.version)-py3-none-any.whl")
        try writeZip(at: wheel, entries: entries ?? wheelEntries(backbone))
        return wheel
    }

    /// A package name the way wheel file names spell it: lowercase, `-` and `.` as `_`.
    static func distributionName(_ package: String) -> String {
        package.lowercased().replacingOccurrences(of: "-", with: "_").replacingOccurrences(of: ".", with: "_")
    }

    static func writeZip(at url: URL, entries: [String: Data]) throws {
        let archive = try Archive(url: url, accessMode: .create)
        for (path, data) in entries.sorted(by: { $0.key < $1.key }) {
            try archive.addEntry(
                with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate
            ) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
    }
}

/// Executable shell scripts standing in for `python3` in tests.
enum FakePython {
    /// Writes an executable script `name` with `body` into `folder` and returns its path.
    static func script(_ name: String, in folder: URL, body: String) throws -> String {
        let url = folder.appendingPathComponent(name)
        try Data("#!/bin/sh\n\(body)\n".utf8).write(to: url)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
        return url.path
    }

    /// A `python` that acts like `pip download`: records its arguments in `arguments.txt`
    /// next to itself and copies `wheel` into the folder after `-d`.
    static func pipThatServes(_ wheel: URL, in folder: URL) throws -> String {
        try script("python-serving", in: folder, body: """
            printf '%s\\n' "$@" > '\(folder.path)/arguments.txt'
            destination=""
            previous=""
            for argument in "$@"; do
              if [ "$previous" = "-d" ]; then destination="$argument"; fi
              previous="$argument"
            done
            echo "Collecting the package"
            cp '\(wheel.path)' "$destination/" || exit 3
            echo "Saved $destination"
            """)
    }
}
