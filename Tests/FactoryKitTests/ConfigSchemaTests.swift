// ConfigSchema: merging the core's options with a plugin's, lookups, sections, suggestions;
// ConfigOption and ConfigValueKind checks. Programmer errors (a key defined twice) trap, which
// exit tests prove.

import FactoryKit
import Testing

@Suite struct ConfigSchemaTests {
    @Test func mergingAppendsThePluginsOptions() {
        let core = ConfigTestSchemas.core
        let plugin = ConfigTestSchemas.textPlugin
        let merged = core.merging(plugin)
        #expect(merged.keys == core.keys + plugin.keys)
        #expect(merged.option("data.text_column")?.kind == .string)
        #expect(merged.option("train.epochs")?.defaultValue == 3)
        #expect(merged.option("train.epoch") == nil)
        #expect(core.option("data.text_column") == nil)
        // Core sections first, then the plugin's new one.
        #expect(merged.topLevelNames == ["task", "seed", "data", "model", "train", "early_stopping", "text"])
        // The core's section summary wins; the plugin's fills in its own section.
        #expect(merged.sectionSummaries["data"] == "Where the examples come from and how they are split")
        #expect(merged.sectionSummaries["text"] == "Tokenization")
        #expect(merged.isSection("train.schedule"))
        #expect(!merged.isSection("train.epochs"))
        #expect(merged.options(inSection: "train.schedule").map(\.key) == ["train.schedule.kind", "train.schedule.warmup_steps"])
        #expect(merged.options(inSection: "data").map(\.key)
            == ["data.path", "data.validation_fraction", "data.test_file", "data.text_column", "data.labels"])
    }

    @Test func mergingWithEmptyChangesNothing() {
        let core = ConfigTestSchemas.core
        #expect(core.merging(.empty).keys == core.keys)
        #expect(ConfigSchema.empty.merging(core).keys == core.keys)
    }

    @Test func defaultsAreStoredAsTheirKind() {
        // An integer default for a number option is stored as a number.
        #expect(ConfigTestSchemas.textPlugin.option("train.label_smoothing")?.defaultValue == .number(0))
        #expect(ConfigOption("x", .number(nil), default: 2, summary: "x").defaultValue == .number(2))
    }

    @Test func kindsDescribeWhatTheyAccept() {
        #expect(ConfigValueKind.integer(atLeast: 1).allowedValues == "integer, at least 1")
        #expect(ConfigValueKind.integer(-3...3).allowedValues == "integer, from -3 to 3")
        #expect(ConfigValueKind.integer(Int.min...0).allowedValues == "integer, at most 0")
        #expect(ConfigValueKind.number(atLeast: 0).allowedValues == "number, at least 0.0")
        #expect(ConfigValueKind.number(nil).allowedValues == "number")
        #expect(ConfigValueKind.choice(["a", "b"]).allowedValues == "choices: a, b")
        #expect(ConfigValueKind.optional(.choice(["a", "b"])).allowedValues == "choices: a, b, or null")
        #expect(ConfigValueKind.optionalString.allowedValues == "may be null")
        #expect(ConfigValueKind.string.allowedValues == nil)
        #expect(ConfigValueKind.optional(.integer(nil)).expectation == "an integer or null")
        #expect(ConfigValueKind.optionalString.isOptional)
        #expect(!ConfigValueKind.string.isOptional)
    }

    @Test func aKeyDefinedTwiceIsAProgrammerError() async {
        await #expect(processExitsWith: .failure) {
            _ = ConfigTestSchemas.core.merging(
                ConfigSchema(options: [ConfigOption("train.epochs", .integer(nil), default: 1, summary: "again")]))
        }
        await #expect(processExitsWith: .failure) {
            _ = ConfigSchema(options: [
                ConfigOption("seed", .integer(nil), default: 1, summary: "a"), ConfigOption("seed", .integer(nil), default: 2, summary: "b"),
            ])
        }
    }

    @Test func badOptionsAreProgrammerErrors() async {
        await #expect(processExitsWith: .failure) {
            _ = ConfigOption("train.epochs", .integer(atLeast: 1), default: 0, summary: "a default out of range")
        }
        await #expect(processExitsWith: .failure) {
            _ = ConfigOption("train..epochs", .integer(nil), default: 1, summary: "an empty key part")
        }
        await #expect(processExitsWith: .failure) {
            _ = ConfigSchema(options: [
                ConfigOption("train", .integer(nil), default: 1, summary: "an option"),
                ConfigOption("train.epochs", .integer(nil), default: 1, summary: "under it"),
            ])
        }
    }
}
