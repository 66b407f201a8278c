// `factory plugin add PACKAGE`: builds a plugin package's executable in release (the build's
// progress shown as it runs), asks the executable for the tasks it adds (`catalog list
// --json`, provider "plugin"), checks their plugin API version and ids, and registers them in
// the user catalog with the executable's absolute path, written atomically. Adding again
// rebuilds and replaces the entries. Not here: the catalog file (UserTaskCatalog), running
// plugins (ExternalPlugin).

import ArgumentParser
import FactoryKit
import Foundation

struct PluginAddCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Build a plugin package (release) and register its tasks.",
        discussion: "The first build compiles factory too (several minutes); later ones only what changed.")

    @Argument(help: "The plugin package folder (with Package.swift).")
    var package: String

    @Option(help: "The executable product to build (default: the package's only executable).")
    var product: String?

    @Option(name: .shortAndLong, help: "Parallel build jobs (default: swift's).")
    var jobs: Int?

    @Option(help: ArgumentHelp("CPU to compile for, as factory's Makefile does (default: haswell when this CPU has AVX2 and FMA; none: the baseline).", valueName: "cpu"))
    var targetCPU: String?

    func run() throws {
        try reportingProjectErrors {
            let folder = URL(fileURLWithPath: (package as NSString).expandingTildeInPath).standardizedFileURL
            guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("Package.swift").path) else {
                throw PluginError("\(folder.path) has no Package.swift; give the folder of a plugin package (`factory plugin new NAME` makes one)")
            }
            let swift = try SwiftToolchain()
            let name = try product ?? swift.executableProduct(of: folder)
            let flags = ["-c", "release", "--package-path", folder.path] + Self.cpuFlags(targetCPU)
            log("building \(name) in \(folder.path) (release)")
            let started = Date()
            let status = try swift.run(["build"] + flags + ["--product", name] + (jobs.map { ["-j", String($0)] } ?? []), passOutput: true).status
            guard status == 0 else { throw PluginError("building \(name) failed (swift build exit status \(status), output above); fix the package and run `factory plugin add` again") }
            log(String(format: "built in %.0f s", Date().timeIntervalSince(started)))
            let binFolder = try swift.run(["build"] + flags + ["--show-bin-path"]).output.trimmingCharacters(in: .whitespacesAndNewlines)
            let executable = URL(fileURLWithPath: binFolder).appendingPathComponent(name)
            guard FileManager.default.isExecutableFile(atPath: executable.path) else {
                throw PluginError("the build left no executable at \(executable.path); is \(name) an executable product?")
            }
            let tasks = try Self.tasks(of: executable)
            let builtInIDs = Set(try BuiltInPlugins.registry().plugins.map(\.descriptor.id))
            for task in tasks {
                guard task.apiVersion == PluginAPI.version else {
                    throw PluginError("task \(task.id) of \(executable.path) is built for plugin API version \(task.apiVersion); this factory implements version \(PluginAPI.version). Point the package at this factory's sources (Package.swift) and add it again")
                }
                guard !builtInIDs.contains(task.id) else {
                    throw PluginError("task \(task.id) of \(executable.path) has the id of a built-in task; rename it in the plugin and its catalog.json")
                }
            }
            let user = UserTaskCatalog()
            for task in tasks {
                try user.add(ExternalTask(descriptor: task, command: executable.path, package: folder.path, file: user.file))
                print("added task \(task.id) (version \(task.version), plugin API \(task.apiVersion)): \(executable.path)")
            }
            print("registered in \(user.file.path); try: factory new --task \(tasks[0].id) my-\(tasks[0].id)")
        }
    }

    func log(_ message: String) { FileHandle.standardError.write(Data("\(message)\n".utf8)) }

    /// The flags factory's Makefile builds with: `-target-cpu haswell` where the CPU has AVX2 and FMA.
    static func cpuFlags(_ requested: String?) -> [String] {
        var cpu = requested
        if cpu == nil, let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) {
            let words = Set(info.split { $0 == " " || $0 == "\n" || $0 == "\t" })
            if words.contains("avx2") && words.contains("fma") { cpu = "haswell" }
        }
        guard let cpu, cpu != "none", !cpu.isEmpty else { return [] }
        return ["-Xswiftc", "-target-cpu", "-Xswiftc", cpu, "-Xcc", "-march=\(cpu)"]
    }

    /// The tasks `executable` adds to factory's built-in ones (provider "plugin" in its catalog list).
    static func tasks(of executable: URL) throws -> [TaskDescriptor] {
        let process = Process()
        process.executableURL = executable
        process.arguments = ["catalog", "list", "--json"]
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: ExternalPlugin.forwardedVariable)
        process.environment = environment
        let result = try SwiftToolchain.capture(process)
        guard result.status == 0 else {
            throw PluginError("\(executable.path) catalog list --json failed (exit status \(result.status)): \(result.error)")
        }
        struct Listed: Decodable { var provider: String? }
        let data = Data(result.output.utf8)
        let descriptors: [TaskDescriptor], providers: [Listed]
        do {
            descriptors = try JSONDecoder().decode([TaskDescriptor].self, from: data)
            providers = try JSONDecoder().decode([Listed].self, from: data)
        } catch {
            throw PluginError("\(executable.path) catalog list --json did not give factory's task list (\(error)); is it a factory plugin executable?")
        }
        let own = zip(descriptors, providers).filter { $0.1.provider == "plugin" }.map(\.0)
        guard !own.isEmpty else {
            throw PluginError("\(executable.path) adds no task of its own; its main.swift must call FactoryCommandLine.main(plugins: [...], catalog: ...) and its catalog.json list the tasks")
        }
        return own
    }
}

/// The `swift` driver, run as a child process.
struct SwiftToolchain {
    let executable: URL

    /// Finds `swift` on PATH (or `$FACTORY_SWIFT`).
    init(environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        if let explicit = environment["FACTORY_SWIFT"], !explicit.isEmpty {
            executable = URL(fileURLWithPath: explicit)
            return
        }
        let folders = (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
        guard let found = folders.map({ URL(fileURLWithPath: $0).appendingPathComponent("swift") })
            .first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw PluginError("no `swift` on PATH; install the Swift toolchain (or set FACTORY_SWIFT) to build plugins")
        }
        executable = found
    }

    /// Runs `swift arguments`; with `passOutput` its output goes to this process's stderr as it comes.
    func run(_ arguments: [String], passOutput: Bool = false) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if passOutput {
            process.standardOutput = FileHandle.standardError
            process.standardError = FileHandle.standardError
            process.standardInput = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            return (process.terminationStatus, "")
        }
        let result = try Self.capture(process)
        guard result.status == 0 else {
            throw PluginError("swift \(arguments.joined(separator: " ")) failed (exit status \(result.status)): \(result.error)")
        }
        return (result.status, result.output)
    }

    /// The package's only executable product (`swift package describe`).
    func executableProduct(of folder: URL) throws -> String {
        let description = try run(["package", "--package-path", folder.path, "describe", "--type", "json"]).output
        guard let start = description.firstIndex(of: "{"), let root = try? JSONParser.parse(String(description[start...])),
              let products = root["products"]?.arrayValue else {
            throw PluginError("cannot read the products of \(folder.path) from `swift package describe`; pass --product NAME")
        }
        let executables = products.filter { $0["type"]?["executable"] != nil }.compactMap { $0["name"]?.stringValue }
        guard executables.count == 1 else {
            throw PluginError("\(folder.path) has \(executables.isEmpty ? "no executable product" : "several executable products (\(executables.joined(separator: ", ")))"); pass --product NAME")
        }
        return executables[0]
    }

    /// Runs `process` to the end, reading stdout and stderr on separate threads.
    static func capture(_ process: Process) throws -> (status: Int32, output: String, error: String) {
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let errorData = DataBox()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) { errorData.data = error.fileHandleForReading.readDataToEndOfFile() }
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outputData, as: UTF8.self), String(decoding: errorData.data, as: UTF8.self))
    }

    private final class DataBox: @unchecked Sendable { var data = Data() }
}
