// Catalog merging for external plugins: the built-in catalog plus external catalogs
// (FACTORY_CATALOG, the user catalog) — first one wins a conflict and the others are reported
// naming both files; entries for another plugin API version, with a missing executable, or
// malformed are reported naming the file and the entry, and never hide the good tasks; the
// user catalog is changed atomically and keeps entries it does not touch.

import FactoryKit
import Foundation
import Testing

@Suite struct MergedTaskCatalogTests {
    /// A scratch folder with an executable stand-in for a plugin.
    struct Scratch {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("factory-catalogs-\(UUID().uuidString)")
        var executable: URL { folder.appendingPathComponent("plugin-exe") }

        init() throws {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: executable.path, contents: Data("#!/bin/sh\nexit 0\n".utf8), attributes: [.posixPermissions: 0o755])
        }

        /// Writes `json` to `name` in the folder.
        func file(_ name: String, _ json: String) throws -> URL {
            let url = folder.appendingPathComponent(name)
            try Data(json.utf8).write(to: url)
            return url
        }

        func remove() { try? FileManager.default.removeItem(at: folder) }
    }

    static func descriptor(_ id: String, apiVersion: Int = PluginAPI.version) -> TaskDescriptor {
        TaskDescriptor(id: id, name: id, summary: "the \(id) task", version: "1.2.3", apiVersion: apiVersion, type: "M.P", inputFormats: ["csv"],
                       outputs: ["label"], backbones: ["none"], metrics: ["accuracy"], sample: "Samples/\(id)", tags: ["words"])
    }

    static let builtIn = TaskCatalog(tasks: [descriptor("sentiment")], source: URL(fileURLWithPath: "/factory/catalog.json"))

    /// A catalog file text listing `entries` (JSON object texts).
    static func catalog(_ entries: [String], apiVersion: Int = PluginAPI.version) -> String {
        #"{"apiVersion": \#(apiVersion), "tasks": [\#(entries.joined(separator: ", "))]}"#
    }

    /// One entry's JSON text.
    static func entry(_ id: String, command: String, apiVersion: Int = PluginAPI.version) -> String {
        ExternalTask(descriptor: descriptor(id, apiVersion: apiVersion), command: command, file: URL(fileURLWithPath: "/x")).entry.serialized()
    }

    @Test func externalTasksJoinTheBuiltInOnesAndTheFirstCatalogWinsAConflict() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let first = try scratch.file("first.json", Self.catalog([Self.entry("acme", command: scratch.executable.path)]))
        let second = try scratch.file("second.json", Self.catalog([Self.entry("acme", command: scratch.executable.path), Self.entry("zeta", command: scratch.executable.path)]))
        let merged = MergedTaskCatalog(builtIn: Self.builtIn, externalFiles: [first, second])
        #expect(merged.tasks.map(\.id) == ["sentiment", "acme", "zeta"])
        #expect(merged.entry("sentiment")?.provider == .builtIn)
        guard case .external(let acme)? = merged.entry("acme")?.provider else { Issue.record("acme is not external"); return }
        #expect(acme.file == first && acme.command == scratch.executable.path && acme.descriptor == Self.descriptor("acme"))
        // The loser is kept for `plugin list` with its status, and reported naming both files.
        #expect(merged.externalTasks.count == 3)
        #expect(merged.externalTasks[1].status == .shadowed(by: first.path))
        #expect(merged.problems.count == 1)
        let problem = try #require(merged.problems.first)
        #expect(problem.file == second.path && problem.taskID == "acme" && problem.description.contains(first.path), "\(problem)")
    }

    @Test func anExternalTaskCannotReplaceABuiltInOne() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let file = try scratch.file("c.json", Self.catalog([Self.entry("sentiment", command: scratch.executable.path)]))
        let merged = MergedTaskCatalog(builtIn: Self.builtIn, externalFiles: [file])
        #expect(merged.entry("sentiment")?.provider == .builtIn)
        #expect(merged.problems.count == 1)
        #expect(merged.problems.first?.description.contains("built-in catalog (/factory/catalog.json)") == true, "\(merged.problems)")
        #expect(merged.externalTasks.first?.status == .shadowed(by: "the built-in catalog (/factory/catalog.json)"))
    }

    @Test func aPluginExecutableSkipsItsOwnRegistrationSilently() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        // The plugin's executable compiles in task acme, and the user catalog points at it.
        let own = TaskCatalog(tasks: [Self.descriptor("acme")], source: scratch.folder.appendingPathComponent("own.json"))
        let user = try scratch.file("user.json", Self.catalog([Self.entry("acme", command: scratch.executable.path)]))
        let merged = MergedTaskCatalog(builtIn: Self.builtIn, added: [own], externalFiles: [user], currentExecutable: scratch.executable)
        #expect(merged.tasks.map(\.id) == ["sentiment", "acme"])
        #expect(merged.entry("acme")?.provider == .plugin)
        #expect(merged.problems.isEmpty, "\(merged.problems)")
        #expect(merged.sampleFolder(of: "acme") == scratch.folder.appendingPathComponent("Samples/acme"))
        // Another executable with the same id is a conflict.
        let other = MergedTaskCatalog(builtIn: Self.builtIn, added: [own], externalFiles: [user], currentExecutable: URL(fileURLWithPath: "/usr/bin/env"))
        #expect(other.problems.count == 1 && other.entry("acme")?.provider == .plugin)
    }

    @Test func wrongAPIVersionAndMissingExecutableAreReportedNotListed() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let missing = scratch.folder.appendingPathComponent("gone/plugin").path
        let file = try scratch.file("c.json", Self.catalog([
            Self.entry("future", command: scratch.executable.path, apiVersion: PluginAPI.version + 1),
            Self.entry("gone", command: missing),
            Self.entry("fine", command: scratch.executable.path),
        ]))
        let merged = MergedTaskCatalog(builtIn: Self.builtIn, externalFiles: [file])
        #expect(merged.tasks.map(\.id) == ["sentiment", "fine"])
        #expect(merged.externalTasks.map(\.status) == [.wrongAPIVersion(PluginAPI.version + 1), .executableMissing, .ok])
        let future = merged.problems(for: "future").map(\.description).joined()
        #expect(future.contains(file.path) && future.contains("version \(PluginAPI.version + 1)") && future.contains("version \(PluginAPI.version)"), "\(future)")
        let gone = merged.unavailableMessage("gone")
        #expect(gone.contains(missing) && gone.contains("missing") && gone.contains("factory plugin remove gone"), "\(gone)")
        #expect(merged.externalTasks[1].status.description == "executable missing")
        // A whole file for another version: every task in it is refused.
        let old = try scratch.file("old.json", Self.catalog([Self.entry("older", command: scratch.executable.path)], apiVersion: 0))
        let refused = MergedTaskCatalog(builtIn: Self.builtIn, externalFiles: [old])
        #expect(refused.tasks.map(\.id) == ["sentiment"])
        #expect(refused.externalTasks.first?.status == .wrongAPIVersion(0))
    }

    @Test func malformedEntriesAndFilesNameTheFileAndTheEntry() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let exe = scratch.executable.path
        let file = try scratch.file("bad.json", Self.catalog([
            #""just a string""#,
            #"{"id": "no-version", "name": "N", "apiVersion": 1, "command": "\#(exe)"}"#,
            #"{"id": "text-api", "name": "N", "version": "1", "apiVersion": "one", "command": "\#(exe)"}"#,
            #"{"id": "relative", "name": "N", "version": "1", "apiVersion": 1, "command": "bin/plugin"}"#,
            #"{"id": "Bad_Id", "name": "N", "version": "1", "apiVersion": 1, "command": "\#(exe)"}"#,
            #"{"id": "no-command", "name": "N", "version": "1", "apiVersion": 1}"#,
            #"{"id": "good", "name": "Good", "version": "1", "apiVersion": 1, "command": "\#(exe)", "tags": ["a"]}"#,
        ]))
        let merged = MergedTaskCatalog(builtIn: Self.builtIn, externalFiles: [file])
        #expect(merged.tasks.map(\.id) == ["sentiment", "good"])
        let messages = merged.problems.map(\.description)
        #expect(messages.count == 6, "\(messages)")
        let expected = [
            ["tasks[0]", "JSON string"], ["tasks[1] (id \"no-version\")", "\"version\""], ["tasks[2] (id \"text-api\")", "\"apiVersion\" must be an integer"],
            ["tasks[3] (id \"relative\")", "absolute path"], ["tasks[4] (id \"Bad_Id\")", "not a task id"], ["tasks[5] (id \"no-command\")", "\"command\"", "factory plugin add"],
        ]
        for (message, fragments) in zip(messages, expected) {
            #expect(message.hasPrefix(file.path + ": "), "\(message)")
            for fragment in fragments { #expect(message.contains(fragment), "\(message) lacks \(fragment)") }
        }
        // Whole files: not JSON (with its line), not an object, no tasks, not there.
        let notJSON = try scratch.file("notjson.json", "{\n  \"apiVersion\": 1,\n  \"tasks\": [,]\n}")
        let array = try scratch.file("array.json", "[]")
        let noTasks = try scratch.file("notasks.json", #"{"apiVersion": 1}"#)
        let absent = scratch.folder.appendingPathComponent("absent.json")
        let files = MergedTaskCatalog(builtIn: Self.builtIn, externalFiles: [notJSON, array, noTasks, absent])
        #expect(files.tasks.map(\.id) == ["sentiment"])
        let fileMessages = files.problems.map(\.description)
        #expect(fileMessages.count == 4, "\(fileMessages)")
        #expect(fileMessages[0].contains(notJSON.path) && fileMessages[0].contains("not valid JSON") && fileMessages[0].contains("line 3"), "\(fileMessages[0])")
        #expect(fileMessages[1].contains(array.path) && fileMessages[1].contains("array"))
        #expect(fileMessages[2].contains(noTasks.path) && fileMessages[2].contains("\"tasks\""))
        #expect(fileMessages[3].contains(absent.path) && fileMessages[3].contains("FACTORY_CATALOG"))
    }

    @Test func searchAndUnknownIDsCoverExternalTasks() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let file = try scratch.file("c.json", Self.catalog([Self.entry("acme-keywords", command: scratch.executable.path)]))
        let merged = MergedTaskCatalog(builtIn: Self.builtIn, externalFiles: [file])
        #expect(merged.search("ACME words").map(\.descriptor.id) == ["acme-keywords"])
        #expect(merged.search("task").map(\.descriptor.id) == ["sentiment", "acme-keywords"])
        let unknown = merged.unavailableMessage("acme-keyword")
        #expect(unknown.contains("unknown task") && unknown.contains("did you mean acme-keywords"), "\(unknown)")
    }

    @Test func catalogLocationsFollowXDGAndFACTORYCATALOG() throws {
        #expect(CatalogLocations.userCatalog(environment: ["XDG_CONFIG_HOME": "/cfg", "HOME": "/home/u"]).path == "/cfg/factory/catalog.json")
        #expect(CatalogLocations.userCatalog(environment: ["HOME": "/home/u"]).path == "/home/u/.config/factory/catalog.json")
        // A relative XDG_CONFIG_HOME is invalid by the specification and ignored.
        #expect(CatalogLocations.userCatalog(environment: ["XDG_CONFIG_HOME": "cfg", "HOME": "/home/u"]).path == "/home/u/.config/factory/catalog.json")
        #expect(CatalogLocations.extraCatalogs(environment: ["FACTORY_CATALOG": "/a.json::/b.json"]).map(\.path) == ["/a.json", "/b.json"])
        let scratch = try Scratch()
        defer { scratch.remove() }
        let environment = ["XDG_CONFIG_HOME": scratch.folder.path, "FACTORY_CATALOG": "/a.json"]
        #expect(CatalogLocations.externalCatalogs(environment: environment).map(\.path) == ["/a.json"])
        let user = UserTaskCatalog(environment: environment)
        try user.add(ExternalTask(descriptor: Self.descriptor("acme"), command: scratch.executable.path, file: user.file))
        #expect(CatalogLocations.externalCatalogs(environment: environment).map(\.path) == ["/a.json", user.file.path])
    }

    @Test func theUserCatalogIsChangedAtomicallyAndKeepsOtherEntries() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let user = UserTaskCatalog(file: scratch.folder.appendingPathComponent("config/factory/catalog.json"))
        #expect(try user.rawEntries().isEmpty)
        let acme = ExternalTask(descriptor: Self.descriptor("acme"), command: scratch.executable.path, package: "/src/acme", file: user.file)
        try user.add(acme)
        try user.add(ExternalTask(descriptor: Self.descriptor("zeta"), command: scratch.executable.path, file: user.file))
        // A hand-added entry factory cannot use survives every change.
        var text = try String(contentsOf: user.file, encoding: .utf8)
        text = text.replacingOccurrences(of: #""tasks": ["#, with: #""tasks": [{"id": "broken", "note": "kept"},"#)
        try Data(text.utf8).write(to: user.file)
        var updated = acme
        updated.descriptor.version = "2.0.0"
        try user.add(updated)   // replaces acme's entry
        #expect(try user.rawEntries().compactMap { $0["id"]?.stringValue } == ["broken", "zeta", "acme"])
        let read = ExternalCatalogFile.read(user.file)
        #expect(read.tasks.map(\.descriptor.version) == ["1.2.3", "2.0.0"])
        #expect(read.tasks.last == updated)   // every field, command and package included, reads back
        #expect(read.problems.count == 1 && read.problems[0].description.contains("tasks[0] (id \"broken\")"))
        #expect(try user.remove("acme") == 1)
        #expect(try user.remove("acme") == 0)
        #expect(try user.rawEntries().compactMap { $0["id"]?.stringValue } == ["broken", "zeta"])
        // Only the catalog is in its folder: no temporary files left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: user.file.deletingLastPathComponent().path) == ["catalog.json"])
        // A file that is not JSON is refused, not overwritten.
        try Data("{oops".utf8).write(to: user.file)
        #expect(throws: CatalogFileError.self) { try user.add(acme) }
        #expect(try String(contentsOf: user.file, encoding: .utf8) == "{oops")
    }
}
