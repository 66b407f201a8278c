// The sentiment plugin's data reading: CSV, TSV and JSON Lines with configured columns, the
// label set from the data or the config, the user's own split files, and the errors for bad
// records (each naming the file and line). No model is built here.

import FactoryKit
import Foundation
import Sentiment
import Testing

@Suite struct SentimentDataTests {
    func project(files: [String: String], settings: [String: ConfigValue]) throws -> (URL, TaskContext) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("factory-sentiment-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (name, text) in files { try Data(text.utf8).write(to: folder.appendingPathComponent(name)) }
        let plugin = SentimentPlugin()
        var registry = PluginRegistry()
        try registry.register(plugin)
        try ConfigWriter.write(schema: Project.schema(for: plugin), values: settings.merging(["task": .string("sentiment")]) { $1 },
                               header: "test", to: folder.appendingPathComponent(Project.configFileName))
        let store = try ModelStore.standard(environment: ["FACTORY_CACHE_DIR": folder.appendingPathComponent("cache").path])
        return (folder, try Project.open(folder, registry: registry, modelStore: store) { _ in }.context)
    }

    @Test func readsCSVTSVAndJSONLines() throws {
        let csv = "review,stars\n\"Good, really\",pos\nAwful,neg\nFine,pos\n"
        let (a, context) = try project(files: ["d.csv": csv], settings: [
            "data.path": .string("d.csv"), "data.text_column": .string("review"), "data.label_column": .string("stars")])
        defer { try? FileManager.default.removeItem(at: a) }
        let data = try SentimentPlugin().loadData(context)
        #expect(data.labelNames == ["neg", "pos"])
        #expect(data.examples.map(\.text) == ["Good, really", "Awful", "Fine"])
        #expect(data.examples.map(\.label) == [1, 0, 1])
        #expect(data.examples[1].source == "d.csv:3")

        let (b, tsvContext) = try project(files: ["d.tsv": "text\tlabel\nok\tb\nno\ta\n"], settings: ["data.path": .string("d.tsv")])
        defer { try? FileManager.default.removeItem(at: b) }
        #expect(try SentimentPlugin().loadData(tsvContext).examples.map(\.label) == [1, 0])

        let jsonl = "{\"text\": \"yes\", \"label\": 1}\n{\"text\": \"no\", \"label\": 0}\n"
        let (c, jsonContext) = try project(files: ["d.jsonl": jsonl], settings: ["data.path": .string("d.jsonl"), "data.labels": .strings(["0", "1"])])
        defer { try? FileManager.default.removeItem(at: c) }
        let jsonData = try SentimentPlugin().loadData(jsonContext)
        #expect(jsonData.labelNames == ["0", "1"])
        #expect(jsonData.examples.map(\.label) == [1, 0])
    }

    @Test func userSplitFilesBecomeTheSplits() throws {
        let files = ["tr.csv": "text,label\na,x\nb,y\nc,x\n", "va.csv": "text,label\nd,y\n", "te.csv": "text,label\ne,x\nf,y\n"]
        let (folder, context) = try project(files: files, settings: [
            "data.train_path": .string("tr.csv"), "data.validation_path": .string("va.csv"), "data.test_path": .string("te.csv")])
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = try SentimentPlugin().loadData(context)
        #expect(data.userSplits == DataSplits(train: [0, 1, 2], validation: [3], test: [4, 5]))
    }

    @Test func badRecordsNameTheFileAndLine() throws {
        let cases: [(String, [String: ConfigValue], String)] = [
            ("text,label\nok,a\nfine,b\n", ["data.text_column": .string("body")], "body"),
            ("text,label\nok,a\nfine,c\n", ["data.labels": .strings(["a", "b"])], "d.csv:3"),
            ("text,label\nok,a\n   ,b\n", [:], "d.csv:3"),
            ("text,label\nok,a\n", [:], "at least two"),
            ("text,label\n", [:], "no records"),
        ]
        for (csv, settings, fragment) in cases {
            let (folder, context) = try project(files: ["d.csv": csv], settings: settings.merging(["data.path": .string("d.csv")]) { $1 })
            defer { try? FileManager.default.removeItem(at: folder) }
            #expect { try SentimentPlugin().loadData(context) } throws: { "\($0)".contains(fragment) }
        }
    }
}
