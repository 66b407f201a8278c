// ConfigWriter: the rendered factory.yaml lists every option under its comment, and reads
// back through ConfigLoader to exactly the values it was rendered from.

import FactoryKit
import Foundation
import Testing

@Suite struct ConfigWriterTests {
    @Test func layoutOfASmallSchema() {
        let schema = ConfigSchema(
            options: [
                ConfigOption("task", .choice(["a", "b"]), default: "a", summary: "The task"),
                ConfigOption("train.epochs", .integer(atLeast: 1), default: 3, summary: "Passes over the data"),
                ConfigOption("train.name", .optionalString, default: .null, summary: "A name", help: "Longer help."),
                ConfigOption("train.schedule.kind", .choice(["x", "y"]), default: "x", summary: "Kind"),
                ConfigOption("train.rate", .number(0...1), default: 0.5, summary: "Rate"),
            ],
            sectionSummaries: ["train": "Training", "train.schedule": "The schedule"])
        let text = ConfigWriter.render(schema: schema, values: ["train.epochs": 7], header: "Title\n\nSecond line")
        #expect(
            text == """
                # Title
                #
                # Second line

                # The task (choices: a, b)
                task: a

                # Training
                train:
                  # Passes over the data (integer, at least 1)
                  epochs: 7
                  # A name (may be null)
                  # Longer help.
                  name: null
                  # The schedule
                  schedule:
                    # Kind (choices: x, y)
                    kind: x
                  # Rate (number, from 0.0 to 1.0)
                  rate: 0.5

                """)
    }

    @Test func everyOptionIsWrittenUnderItsComment() {
        let schema = ConfigTestSchemas.merged
        let text = ConfigWriter.render(schema: schema, header: "factory project")
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for option in schema.options {
            let name = option.path.last!
            let indent = String(repeating: " ", count: 2 * (option.path.count - 1))
            let matches = lines.indices.filter { lines[$0].hasPrefix(indent + name + ": ") }
            #expect(matches.count >= 1, "\(option.key) is missing")
            // The line above the option (or above its help) is its summary comment.
            let summaryLine = lines[..<matches[0]].lastIndex { $0.hasPrefix(indent + "# " + option.summary) }
            #expect(summaryLine != nil, "\(option.key) has no summary comment")
        }
        #expect(text.contains("  # The optimizer (choices: sgd, adam, adamw)\n  optimizer: adamw\n"))
        #expect(text.contains("# Seed for splitting, shuffling and initialization (integer, at least 0)\nseed: 42\n"))
        // The core's section comment wins over the plugin's; the plugin's own section has its own.
        #expect(text.contains("\n\n# Where the examples come from and how they are split\ndata:\n"))
        #expect(text.contains("\n\n# Tokenization\ntext:\n"))
        // Sections are separated by blank lines; each top-level name appears once.
        for name in schema.topLevelNames {
            #expect(lines.filter { $0.hasPrefix(name + ":") }.count == 1, "\(name)")
        }
        // Long help is wrapped.
        #expect(lines.allSatisfy { $0.count <= 92 })
        #expect(lines.contains("  # The rate after warmup. Start around 1e-4 for a fine-tuned transformer backbone and"))
        #expect(lines.contains("  # around 1e-3 for a new head alone; lower it if the loss jumps."))
    }

    @Test func defaultsRoundTrip() throws {
        let schema = ConfigTestSchemas.merged
        let text = ConfigWriter.render(schema: schema, header: "defaults")
        let loaded = try ConfigLoader.parse(yaml: text, file: nil, schema: schema)
        #expect(loaded.values == ProjectConfig(schema: schema).values)
    }

    @Test func trickyValuesRoundTrip() throws {
        let schema = ConfigTestSchemas.merged
        let values: [String: ConfigValue] = [
            "task": "translation",
            "seed": .integer(Int.max),
            "data.path": "my data/train set #1.csv",
            "data.validation_fraction": 0.30000000000000004,
            "data.test_file": "yes",
            "data.text_column": "",
            "data.labels": [
                "no", "null", "3", "1e-4", "true", "~", "a, b", "[x]", "- dash", "key: value", "it's \"quoted\"",
                "back\\slash", "tab\there", "new\nline", "é ü 日本", "\u{7}bell", " leading space", "#hash", "",
            ],
            "model.backbone": "/absolute/path/model",
            "model.frozen_blocks": 2,
            "train.learning_rate": 1e-300,
            "train.gradient_clip": .null,
            "train.label_smoothing": 1e-5,
            "train.mixed": true,
            "train.schedule.kind": "cosine",
            "text.max_tokens": 512,
            "early_stopping.patience": 1,
        ]
        let text = ConfigWriter.render(schema: schema, values: values, header: "tricky\nvalues")
        let loaded = try ConfigLoader.parse(yaml: text, file: nil, schema: schema)
        for key in schema.keys {
            #expect(loaded[key] == (values[key] ?? schema.option(key)!.defaultValue), "\(key)")
        }
        // Rendering what was loaded gives the same text again.
        #expect(ConfigWriter.render(loaded, header: "tricky\nvalues") == text)
    }

    @Test(arguments: [1e-4, 0.1, 1e20, 123456789.125, Double.leastNonzeroMagnitude, 1.7976931348623157e308, 0, -2.5])
    func numbersRoundTrip(number: Double) throws {
        let schema = ConfigSchema(options: [ConfigOption("x", .number(nil), default: .number(number), summary: "x")])
        let loaded = try ConfigLoader.parse(yaml: ConfigWriter.render(schema: schema, header: ""), schema: schema)
        #expect(loaded["x"] == .number(number))
    }

    @Test func writesAtomicallyAndLoadsBack() throws {
        let folder = try ConfigTestSchemas.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("factory.yaml")
        let config = try ProjectConfig(schema: ConfigTestSchemas.merged).setting("train.epochs", to: 11)
        try ConfigWriter.write(config, header: "written", to: file)
        try ConfigWriter.write(config.setting("train.epochs", to: 12), header: "written again", to: file)
        let loaded = try ConfigLoader.load(folder, schema: ConfigTestSchemas.merged)
        #expect(loaded.integer("train.epochs") == 12)
        // Only the file remains: no temporary files beside it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["factory.yaml"])

        let nowhere = folder.appendingPathComponent("missing-folder/factory.yaml")
        let failed = #expect(throws: ConfigError.self) { try ConfigWriter.write(config, header: "", to: nowhere) }
        #expect(failed?.file == nowhere.path)
        #expect(failed?.message.hasPrefix("cannot write the file: ") == true)
    }
}
