// PluginScaffold+Tests: the template of a new plugin's test target — its catalog entry agrees
// with the plugin, keyword features are deterministic, bad data is a clear error, and the
// plugin trains, evaluates and predicts on its own sample through the fine-tuning core, as
// `factory train|eval|predict` would run it. Not here: the plugin (PluginScaffold+Plugin).

extension PluginScaffold {
    var testSource: String {
        fill(#"""
        // {{MODULE}}Tests: the plugin end to end, through FactoryKit's core as factory runs it:
        // the catalog entry agrees with the plugin, features are deterministic, bad data is a
        // clear error, and training on the sample beats guessing by far. Run: swift test -c release

        import FactoryKit
        import Foundation
        import Testing
        import {{MODULE}}

        @Suite struct {{MODULE}}Tests {
            /// This package's folder (this file is Tests/{{MODULE}}Tests/{{MODULE}}Tests.swift).
            static let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

            static func temporaryFolder() -> URL {
                FileManager.default.temporaryDirectory.appendingPathComponent("{{ID}}-test-\(UUID().uuidString)")
            }

            /// A new project from the sample, opened as `factory train` opens it.
            static func sampleProject(_ folder: URL, overrides: [String] = []) throws -> TaskContext {
                let plugin = {{TYPE}}()
                let catalog = try TaskCatalog.load(from: package.appendingPathComponent("catalog.json"))
                let entry = try #require(catalog.task(plugin.descriptor.id))
                try Project.create(at: folder, plugin: plugin, sample: try #require(catalog.sampleFolder(of: entry)))
                var registry = PluginRegistry()
                try registry.register(plugin)
                return try Project.open(folder, registry: registry, overrides: overrides, modelStore: ModelStore.standard()) { _ in }.context
            }

            @Test func catalogEntryIsThePluginsDescriptor() throws {
                let catalog = try TaskCatalog.load(from: Self.package.appendingPathComponent("catalog.json"))
                #expect(catalog.task("{{ID}}") == {{TYPE}}().descriptor)
            }

            @Test func keywordFeaturesIgnoreCaseAndPunctuationAndAreStable() {
                let features = KeywordFeatures(buckets: 4096, wordPairs: true)
                #expect(KeywordFeatures.words("Refund, PLEASE!") == ["refund", "please"])
                #expect(features.buckets(of: "Refund, PLEASE!") == features.buckets(of: "refund please"))
                // Two words and one pair: at most three buckets, each in range.
                let buckets = features.buckets(of: "refund please")
                #expect((1...3).contains(buckets.count) && buckets.allSatisfy { (0..<4096).contains($0) })
                // Every row of the matrix has unit length.
                let row = features.matrix(["refund please"]).scalars
                #expect(abs(row.map { $0 * $0 }.reduce(0, +) - 1) < 1e-5)
            }

            @Test func badDataIsAClearError() throws {
                let folder = Self.temporaryFolder()
                defer { try? FileManager.default.removeItem(at: folder) }
                let context = try Self.sampleProject(folder)
                try Data("text,label\nfine,billing\n  ,delivery\n".utf8).write(to: folder.appendingPathComponent("data/tickets.csv"))
                #expect(throws: {{MODULE}}DataError.self) { try {{TYPE}}().loadData(context) }
                do { _ = try {{TYPE}}().loadData(context) } catch { #expect("\(error)".contains("tickets.csv:3"), "\(error)") }
            }

            @Test func trainsEvaluatesAndPredictsOnTheSample() throws {
                let folder = Self.temporaryFolder()
                defer { try? FileManager.default.removeItem(at: folder) }
                let context = try Self.sampleProject(folder)
                let run = try FineTuningRun(plugin: {{TYPE}}(), context: context, progress: ProgressReporter(isTerminal: false) { _ in })
                let summary = try run.train()
                #expect(summary.epochsCompleted >= 1)
                #expect(FileManager.default.fileExists(atPath: run.files.bestCheckpoint.path))
                // Three balanced labels: guessing gets a third right.
                let accuracy = try #require(try run.evaluate(split: "test").metrics["accuracy"])
                #expect(accuracy >= 0.75, "test accuracy \(accuracy)")
                let answers = try run.predict(["I was charged twice and need a refund on my invoice", "The courier lost my parcel and tracking shows nothing"])
                #expect(answers.map { $0.fields["label"] } == [.string("billing"), .string("delivery")])
            }
        }

        """#)
    }
}
