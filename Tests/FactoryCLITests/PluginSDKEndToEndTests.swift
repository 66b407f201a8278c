// The plugin SDK end to end, as a third party uses it, with the real `factory` in a folder
// outside the repository and a private user config: `plugin new acme-keywords` scaffolds a
// package, `plugin add` builds it in release (compiling factory again in the package's own
// build folder: minutes, progress shown) and registers it, `catalog list` shows it, and
// new → train → eval → predict run through the everyday `factory` in the plugin's
// executable; `plugin remove` unregisters it. The one slow test of the suite.

import Foundation
import Testing

@Suite("Plugin SDK end to end", .serialized)
struct PluginSDKEndToEndTests {
    @Test func scaffoldAddRunAndRemoveAPlugin() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("factory-plugin-sdk-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let environment = ["XDG_CONFIG_HOME": root.appendingPathComponent("config").path, "FACTORY_CATALOG": ""]
        func factory(_ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
            try runFactory(arguments, environment: environment)
        }
        func log(_ message: String) { FileHandle.standardError.write(Data("[plugin sdk] \(message)\n".utf8)) }

        // 1. Scaffold.
        let package = root.appendingPathComponent("acme-keywords")
        let created = try factory(["plugin", "new", "acme-keywords", package.path])
        #expect(created.status == 0, "\(created.error)")
        for file in ["Package.swift", "catalog.json", "README.md", "Samples/acme-keywords/tickets.csv", "Sources/AcmeKeywords/AcmeKeywordsPlugin.swift",
                     "Sources/AcmeKeywordsMain/main.swift", "Tests/AcmeKeywordsTests/AcmeKeywordsTests.swift"] {
            #expect(FileManager.default.fileExists(atPath: package.appendingPathComponent(file).path), "\(file)")
        }

        // 2. Build and register (the build's progress goes to this test's stderr).
        log("factory plugin add \(package.path) (builds factory again in release in the package's build folder)")
        let started = Date()
        let added = try runFactoryShowingProgress(["plugin", "add", package.path, "--jobs", "1"], environment: environment)
        log(String(format: "plugin add took %.0f s", Date().timeIntervalSince(started)))
        try #require(added.status == 0, "plugin add failed: \(added.output)")
        #expect(added.output.contains("added task acme-keywords (version 0.1.0, plugin API 1)"), "\(added.output)")
        let userCatalog = root.appendingPathComponent("config/factory/catalog.json")
        let registered = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: userCatalog)) as? [String: Any])
        let entry = try #require((registered["tasks"] as? [[String: Any]])?.first)
        let command = try #require(entry["command"] as? String)
        #expect(command.hasPrefix(package.path + "/.build/") && command.hasSuffix("/acme-keywords") && FileManager.default.isExecutableFile(atPath: command))
        #expect(entry["package"] as? String == package.path)

        // The package's own test target compiles against the same build and passes (it trains
        // the plugin through FactoryKit's core; the factory modules are not rebuilt).
        let testStarted = Date()
        let swiftFlags = ["-c", "release", "--package-path", package.path, "-j", "1"] + cpuFlags()
        let packageTests = try runShowingProgress(swiftExecutable(), ["build", "--build-tests"] + swiftFlags, environment: environment)
        #expect(packageTests.status == 0, "the generated test target does not build")
        let ranTests = try runShowingProgress(swiftExecutable(), ["test", "--skip-build"] + swiftFlags, environment: environment)
        #expect(ranTests.status == 0, "the generated tests fail")
        log(String(format: "building and running the generated tests took %.0f s", Date().timeIntervalSince(testStarted)))

        // 3. The everyday factory lists it.
        let list = try factory(["catalog", "list", "--json"])
        #expect(list.status == 0, "\(list.error)")
        let tasks = try #require(try JSONSerialization.jsonObject(with: Data(list.output.utf8)) as? [[String: Any]])
        let acme = try #require(tasks.first { $0["id"] as? String == "acme-keywords" })
        #expect(acme["provider"] as? String == "external" && acme["command"] as? String == command && acme["apiVersion"] as? Int == 1)
        #expect(tasks.contains { $0["id"] as? String == "sentiment" })
        let plugins = try factory(["plugin", "list"])
        #expect(plugins.output.contains("acme-keywords") && plugins.output.contains(" ok "), "\(plugins.output)")
        let shown = try factory(["catalog", "show", "acme-keywords"])
        #expect(shown.status == 0 && shown.output.contains("Example configuration") && shown.output.contains("buckets:"), "\(shown.output)")

        // 4. new -> train -> eval -> predict with it, through the everyday factory.
        let project = root.appendingPathComponent("tickets")
        let made = try factory(["new", "--task", "acme-keywords", project.path])
        #expect(made.status == 0, "\(made.error)")
        let yaml = try String(contentsOf: project.appendingPathComponent("factory.yaml"), encoding: .utf8)
        #expect(yaml.contains("task: acme-keywords") && yaml.contains("buckets"))
        #expect(FileManager.default.fileExists(atPath: project.appendingPathComponent("data/tickets.csv").path))
        let trainStarted = Date()
        let trained = try factory(["train", "--project", project.path])
        log(String(format: "train took %.1f s", Date().timeIntervalSince(trainStarted)))
        #expect(trained.status == 0, "\(trained.error)")
        #expect(trained.error.contains("epoch 1/"), "progress on stderr")
        #expect(FileManager.default.fileExists(atPath: project.appendingPathComponent("output/checkpoints/best.safetensors").path))
        let evaluated = try factory(["eval", "--project", project.path])
        #expect(evaluated.status == 0 && evaluated.output.contains("macro_f1"), "\(evaluated.error)")
        let eval = try JSONSerialization.jsonObject(with: Data(contentsOf: project.appendingPathComponent("output/eval.json"))) as? [String: Any]
        let accuracy = try #require((eval?["metrics"] as? [String: Double])?["accuracy"])
        // Three balanced labels: guessing gets a third right.
        #expect(accuracy >= 0.75, "test accuracy \(accuracy)")
        log("acme-keywords test accuracy \(accuracy)")
        let predicted = try factory(["predict", "--project", project.path, "--json",
                                     "I was charged twice and need a refund on my invoice", "The courier lost my parcel and tracking shows nothing"])
        #expect(predicted.status == 0, "\(predicted.error)")
        let labels = predicted.output.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["label"] as? String
        }
        #expect(labels == ["billing", "delivery"], "\(predicted.output)")

        // 5. Unregister: the task is gone from the catalog, and its projects say so clearly.
        let removed = try factory(["plugin", "remove", "acme-keywords"])
        #expect(removed.status == 0, "\(removed.error)")
        let after = try factory(["catalog", "list"])
        #expect(!after.output.contains("acme-keywords") && after.output.contains("sentiment"))
        let orphan = try factory(["train", "--project", project.path])
        #expect(orphan.status == 2 && orphan.error.contains("unknown task \"acme-keywords\""), "\(orphan.error)")
    }
}

/// Runs the built `factory` with its stderr passed through to this process's (for long
/// builds); returns the exit status and stdout.
func runFactoryShowingProgress(_ arguments: [String], environment overrides: [String: String]) throws -> (status: Int32, output: String) {
    let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    var folder = runner.deletingLastPathComponent()
    while !FileManager.default.isExecutableFile(atPath: folder.appendingPathComponent("factory").path) {
        let parent = folder.deletingLastPathComponent()
        guard parent.path != folder.path else { throw CocoaError(.fileNoSuchFile) }
        folder = parent
    }
    return try runShowingProgress(folder.appendingPathComponent("factory"), arguments, environment: overrides)
}

/// The `swift` driver on PATH.
func swiftExecutable() throws -> URL {
    let folders = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
    guard let found = folders.map({ URL(fileURLWithPath: String($0)).appendingPathComponent("swift") })
        .first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else { throw CocoaError(.fileNoSuchFile) }
    return found
}

/// The Makefile's CPU flags on a CPU with AVX2 and FMA (what `factory plugin add` passes too).
func cpuFlags() -> [String] {
    let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
    let words = Set(info.split { $0 == " " || $0 == "\n" || $0 == "\t" })
    return words.contains("avx2") && words.contains("fma") ? ["-Xswiftc", "-target-cpu", "-Xswiftc", "haswell", "-Xcc", "-march=haswell"] : []
}

/// Runs `executable` with its stderr passed through to this process's; returns the exit status and stdout.
func runShowingProgress(_ executable: URL, _ arguments: [String], environment overrides: [String: String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(overrides) { $1 }
    process.standardInput = FileHandle.nullDevice
    process.standardError = FileHandle.standardError
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}
