// ProjectConfig: typed accessors, checked `setting`, the Codable snapshot a checkpoint stores
// (stable JSON, kinds preserved), restoring from it, and the changes reported on resume.

import FactoryKit
import Foundation
import Testing

@Suite struct ProjectConfigTests {
    let schema = ConfigTestSchemas.merged

    @Test func defaultsAndTypedAccessors() {
        let config = ProjectConfig(schema: schema)
        #expect(config.file == nil)
        #expect(config.integer("seed") == 42)
        #expect(config.number("train.learning_rate") == 1e-4)
        #expect(config.string("train.optimizer") == "adamw")
        #expect(config.string("data.path") == "data/train.csv")
        #expect(config.boolean("train.mixed") == false)
        #expect(config.strings("data.labels") == ["negative", "positive"])
        #expect(config.optionalString("data.test_file") == nil)
        #expect(config.optionalInteger("model.frozen_blocks") == nil)
        #expect(config.optionalNumber("train.gradient_clip") == 1.0)
        #expect(config["text.max_tokens"] == .integer(128))
    }

    @Test func settingChecksTheValue() throws {
        let config = ProjectConfig(schema: schema)
        let changed = try config.setting("train.learning_rate", to: 1).setting("data.test_file", to: "t.csv")
        #expect(changed["train.learning_rate"] == .number(1))
        #expect(changed.optionalString("data.test_file") == "t.csv")
        #expect(config.number("train.learning_rate") == 1e-4)  // the original is unchanged

        let wrong = #expect(throws: ConfigError.self) { try config.setting("train.epochs", to: "three") }
        #expect(wrong == ConfigError(key: "train.epochs", message: #"expected an integer, found the string "three""#))
        let unknown = #expect(throws: ConfigError.self) { try config.setting("train.epocs", to: 3) }
        #expect(unknown?.description == "train.epocs: no such option; did you mean train.epochs?")
        let range = #expect(throws: ConfigError.self) { try config.setting("train.batch_size", to: 0) }
        #expect(range?.message == "must be from 1 to 4096, found 0")
        #expect(throws: ConfigError.self) { try config.setting("train.epochs", to: .null) }
    }

    @Test func theWrongAccessorIsAProgrammerError() async {
        await #expect(processExitsWith: .failure) {
            _ = ProjectConfig(schema: ConfigTestSchemas.merged).integer("train.learning_rate")
        }
        await #expect(processExitsWith: .failure) {
            _ = ProjectConfig(schema: ConfigTestSchemas.merged).string("no.such.option")
        }
    }

    @Test func theSnapshotIsStableJSON() throws {
        let small = ConfigSchema(options: [
            ConfigOption("seed", .integer(nil), default: 42, summary: "s"),
            ConfigOption("train.rate", .number(nil), default: 2, summary: "r"),
            ConfigOption("train.name", .optionalString, default: .null, summary: "n"),
            ConfigOption("train.labels", .strings, default: ["a", "b"], summary: "l"),
            ConfigOption("train.mixed", .boolean, default: true, summary: "m"),
            ConfigOption("train.kind", .string, default: "k", summary: "k"),
        ])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(ProjectConfig(schema: small).snapshot), as: UTF8.self)
        #expect(
            json == #"{"values":{"seed":{"integer":42},"train.kind":{"string":"k"},"train.labels":{"strings":["a","b"]},"#
                + #""train.mixed":{"boolean":true},"train.name":{"null":true},"train.rate":{"number":2}}}"#)
    }

    @Test func aSnapshotRestoresTheSameValues() throws {
        let config = try ConfigLoader.parse(
            yaml: "train:\n  learning_rate: 1\n  epochs: 4\ndata:\n  test_file: t.csv\n", schema: schema)
        let data = try JSONEncoder().encode(config.snapshot)
        let snapshot = try JSONDecoder().decode(ProjectConfig.Snapshot.self, from: data)
        #expect(snapshot == config.snapshot)
        #expect(snapshot.values["train.learning_rate"] == .number(1))  // a whole number stays a number
        let restored = try ProjectConfig(snapshot: snapshot, schema: schema)
        #expect(restored.values == config.values)
        #expect(restored.changes(since: snapshot).isEmpty)
    }

    @Test func changesSinceASnapshot() throws {
        let stored = try ProjectConfig(schema: ConfigTestSchemas.core).setting("train.epochs", to: 3).snapshot
        let now = try ProjectConfig(schema: schema).setting("train.epochs", to: 5).setting("train.optimizer", to: "sgd")
        let pluginKeys = ConfigTestSchemas.textPlugin.keys.sorted()
        #expect(now.changes(since: stored)
            == ["data.labels: [negative, positive] (not in the stored configuration)",
                "data.text_column: text (not in the stored configuration)",
                "text.max_tokens: 128 (not in the stored configuration)",
                "train.epochs: 5 (was 3)",
                "train.label_smoothing: 0.0 (not in the stored configuration)",
                "train.optimizer: sgd (was adamw)"])
        #expect(pluginKeys == ["data.labels", "data.text_column", "text.max_tokens", "train.label_smoothing"])
        // Restoring: options the snapshot lacks take their defaults; keys the schema lacks are errors.
        let restored = try ProjectConfig(snapshot: stored, schema: schema)
        #expect(restored.integer("train.epochs") == 3)
        #expect(restored.string("data.text_column") == "text")
        var extra = stored
        extra.values["train.retired"] = 1
        let removed = #expect(throws: ConfigError.self) { try ProjectConfig(snapshot: extra, schema: schema) }
        #expect(removed?.key == "train.retired")
        #expect(removed?.message.hasPrefix("in the stored configuration: no such option") == true)
        #expect(ProjectConfig(schema: ConfigTestSchemas.core).changes(since: now.snapshot).contains(
            "data.text_column: no longer an option (was text)"))
    }
}
