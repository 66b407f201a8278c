// External plugins through the real `factory`, without building one: a stand-in plugin
// executable (a shell script) shows that new / train / eval / predict / catalog show are
// handed to the plugin's executable with the same arguments, stdin and exit status; broken
// plugins (another plugin API version, a missing executable, a malformed entry) in
// FACTORY_CATALOG are clear errors for their own tasks and warnings otherwise, while every
// other task keeps working; `plugin new` refuses bad names.

import Foundation
import Testing

@Suite("External plugin catalogs", .serialized)
struct ExternalPluginCatalogTests {
    /// A scratch folder with a stand-in plugin, broken catalogs and an empty user config.
    struct Scratch {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("factory-external-\(UUID().uuidString)")
        var fakePlugin: URL { root.appendingPathComponent("bin/fake-plugin") }
        var catalogs: [String: URL] = [:]

        init() throws {
            let fileManager = FileManager.default
            try fileManager.createDirectory(at: root.appendingPathComponent("bin"), withIntermediateDirectories: true)
            try fileManager.createDirectory(at: root.appendingPathComponent("config"), withIntermediateDirectories: true)
            // Echoes what it was run with; `predict` also echoes stdin. Exits 7 so forwarding of the status shows.
            let script = "#!/bin/sh\necho \"fake plugin: $*\"\necho \"forwarded: $FACTORY_FORWARDED_TASK\"\nif [ \"$1\" = predict ]; then cat; fi\nexit 7\n"
            _ = fileManager.createFile(atPath: fakePlugin.path, contents: Data(script.utf8), attributes: [.posixPermissions: 0o755])
            func entry(_ id: String, api: String = "1", command: String) -> String {
                #"{"id": "\#(id)", "name": "\#(id)", "summary": "a test task", "version": "0.1.0", "apiVersion": \#(api), "type": "T.P", "inputFormats": ["csv"], "outputs": ["label"], "backbones": ["none"], "metrics": ["accuracy"], "sample": "Samples/x", "tags": [], "command": "\#(command)"}"#
            }
            let files = [
                "fake": #"{"apiVersion": 1, "tasks": [\#(entry("fake-task", command: fakePlugin.path))]}"#,
                "wrong-api": #"{"apiVersion": 1, "tasks": [\#(entry("old-api", api: "2", command: fakePlugin.path))]}"#,
                "missing": #"{"apiVersion": 1, "tasks": [\#(entry("gone", command: "/nonexistent/bin/gone-plugin"))]}"#,
                "malformed": #"{"apiVersion": 1, "tasks": [\#(entry("mangled", api: "\"one\"", command: fakePlugin.path))]}"#,
            ]
            for (name, text) in files {
                let url = root.appendingPathComponent("\(name).json")
                try Data(text.utf8).write(to: url)
                catalogs[name] = url
            }
        }

        var environment: [String: String] {
            ["XDG_CONFIG_HOME": root.appendingPathComponent("config").path,
             "FACTORY_CATALOG": ["fake", "wrong-api", "missing", "malformed"].map { catalogs[$0]!.path }.joined(separator: ":")]
        }

        func factory(_ arguments: [String], input: String? = nil) throws -> (status: Int32, output: String, error: String) {
            try runFactory(arguments, environment: environment, input: input)
        }

        /// A project folder whose factory.yaml is for `task`.
        func project(for task: String) throws -> URL {
            let folder = root.appendingPathComponent("project-\(task)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data("task: \(task)\n".utf8).write(to: folder.appendingPathComponent("factory.yaml"))
            return folder
        }

        func remove() { try? FileManager.default.removeItem(at: root) }
    }

    @Test func commandsForAnExternalTaskRunInItsExecutable() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let created = try scratch.factory(["new", "--task", "fake-task", "my-project"])
        #expect(created.status == 7, "\(created.error)")
        #expect(created.output.contains("fake plugin: new --task fake-task my-project") && created.output.contains("forwarded: fake-task"), "\(created.output)")
        let project = try scratch.project(for: "fake-task")
        for command in [["train", "--set", "train.epochs=1"], ["eval", "--split", "validation"], ["predict", "some text"]] {
            let result = try scratch.factory([command[0], "--project", project.path] + command.dropFirst())
            #expect(result.status == 7, "\(command): \(result.error)")
            let expected = "fake plugin: " + ([command[0], "--project", project.path] + command.dropFirst()).joined(separator: " ")
            #expect(result.output.contains(expected), "\(command): \(result.output)")
        }
        // predict's inputs on stdin reach the plugin untouched.
        let piped = try scratch.factory(["predict", "--project", project.path], input: "first line\nsecond line\n")
        #expect(piped.status == 7)
        #expect(piped.output.contains("first line\nsecond line"), "\(piped.output)")
        let shown = try scratch.factory(["catalog", "show", "fake-task"])
        #expect(shown.status == 7 && shown.output.contains("fake plugin: catalog show fake-task"), "\(shown.output)")
        // The listing marks it external, with its executable.
        let list = try scratch.factory(["catalog", "list", "--json"])
        #expect(list.status == 0, "\(list.error)")
        let tasks = try #require(try JSONSerialization.jsonObject(with: Data(list.output.utf8)) as? [[String: Any]])
        let fake = try #require(tasks.first { $0["id"] as? String == "fake-task" })
        #expect(fake["provider"] as? String == "external" && fake["command"] as? String == scratch.fakePlugin.path)
        #expect(tasks.first { $0["id"] as? String == "sentiment" }?["provider"] as? String == "built-in")
    }

    @Test func brokenPluginsAreClearErrorsAndEverythingElseWorks() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let list = try scratch.factory(["catalog", "list"])
        #expect(list.status == 0, "\(list.error)")
        #expect(list.output.contains("sentiment") && list.output.contains("fake-task"))
        for hidden in ["old-api", "gone", "mangled"] { #expect(!list.output.contains(hidden), "\(hidden) listed") }
        let warnings = list.error
        #expect(warnings.contains(scratch.catalogs["wrong-api"]!.path) && warnings.contains("version 2") && warnings.contains("version 1"), "\(warnings)")
        #expect(warnings.contains(scratch.catalogs["missing"]!.path) && warnings.contains("/nonexistent/bin/gone-plugin is missing"), "\(warnings)")
        #expect(warnings.contains(scratch.catalogs["malformed"]!.path + ": tasks[0] (id \"mangled\"): \"apiVersion\" must be an integer"), "\(warnings)")

        let cases: [(task: String, fragments: [String])] = [
            ("old-api", [scratch.catalogs["wrong-api"]!.path, "version 2", "implements version 1", "Rebuild"]),
            ("gone", ["/nonexistent/bin/gone-plugin", "missing", "factory plugin remove gone"]),
            ("mangled", [scratch.catalogs["malformed"]!.path, "apiVersion"]),
        ]
        for testCase in cases {
            let target = scratch.root.appendingPathComponent("new-\(testCase.task)")
            let created = try scratch.factory(["new", "--task", testCase.task, target.path])
            #expect(created.status == 2, "\(testCase.task): \(created.error)")
            for fragment in testCase.fragments { #expect(created.error.contains(fragment), "\(testCase.task): \(created.error)") }
            #expect(!FileManager.default.fileExists(atPath: target.path))
            let project = try scratch.project(for: testCase.task)
            let trained = try scratch.factory(["train", "--project", project.path])
            #expect(trained.status == 2, "\(testCase.task): \(trained.error)")
            #expect(trained.error.contains("factory.yaml") && trained.error.contains(testCase.fragments[0]), "\(testCase.task): \(trained.error)")
        }
        // The built-in task is untouched by all of it.
        let sentiment = scratch.root.appendingPathComponent("reviews")
        let created = try scratch.factory(["new", "--task", "sentiment", sentiment.path])
        #expect(created.status == 0, "\(created.error)")
        #expect(FileManager.default.fileExists(atPath: sentiment.appendingPathComponent("data/reviews.csv").path))
        let shown = try scratch.factory(["catalog", "show", "sentiment"])
        #expect(shown.status == 0 && shown.output.contains("Example configuration"))

        let plugins = try scratch.factory(["plugin", "list"])
        #expect(plugins.status == 0, "\(plugins.error)")
        let rows = plugins.output.split(separator: "\n").map(String.init)
        #expect(rows.contains { $0.hasPrefix("fake-task ") && $0.contains(" ok ") && $0.contains(scratch.fakePlugin.path) }, "\(plugins.output)")
        #expect(rows.contains { $0.hasPrefix("old-api ") && $0.contains("wrong apiVersion (2; this factory: 1)") }, "\(plugins.output)")
        #expect(rows.contains { $0.hasPrefix("gone ") && $0.contains("executable missing") }, "\(plugins.output)")
        #expect(plugins.error.contains("mangled"), "\(plugins.error)")
        let removed = try scratch.factory(["plugin", "remove", "gone"])
        #expect(removed.status == 2 && removed.error.contains("FACTORY_CATALOG") && removed.error.contains(scratch.catalogs["missing"]!.path), "\(removed.error)")
    }

    @Test func pluginNewRefusesBadNamesAndFolders() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let cases: [(name: String, fragment: String)] = [
            ("Acme_Keywords", "lower-case letters, digits and single dashes"), ("9lives", "starting with a letter"),
            ("acme--x", "single dashes"), ("sentiment", "already a task"), ("factory-tools", "Swift module FactoryTools"),
        ]
        for testCase in cases {
            let result = try scratch.factory(["plugin", "new", testCase.name, scratch.root.appendingPathComponent("p-\(testCase.name)").path])
            #expect(result.status == 2 && result.error.contains(testCase.fragment), "\(testCase.name): \(result.error)")
            #expect(!FileManager.default.fileExists(atPath: scratch.root.appendingPathComponent("p-\(testCase.name)").path))
        }
        let notFactory = try scratch.factory(["plugin", "new", "acme-x", scratch.root.appendingPathComponent("p").path, "--factory-path", scratch.root.path])
        #expect(notFactory.status == 2 && notFactory.error.contains("not the factory source folder"), "\(notFactory.error)")
        let created = try scratch.factory(["plugin", "new", "acme-x", scratch.root.appendingPathComponent("p").path])
        #expect(created.status == 0, "\(created.error)")
        let again = try scratch.factory(["plugin", "new", "acme-x", scratch.root.appendingPathComponent("p").path])
        #expect(again.status == 2 && again.error.contains("not an empty folder"), "\(again.error)")
        let missing = try scratch.factory(["plugin", "add", scratch.root.appendingPathComponent("nowhere").path])
        #expect(missing.status == 2 && missing.error.contains("no Package.swift"), "\(missing.error)")
    }
}
