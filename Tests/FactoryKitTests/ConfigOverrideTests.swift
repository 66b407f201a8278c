// `--set key=value` overrides: parsed as YAML scalars or flow lists, checked against the
// option, applied over the file's values; and their errors.

import FactoryKit
import Testing

@Suite struct ConfigOverrideTests {
    let schema = ConfigTestSchemas.merged

    func parse(_ yaml: String, _ overrides: [String]) throws(ConfigError) -> ProjectConfig {
        try ConfigLoader.parse(yaml: yaml, file: ConfigTestSchemas.file, schema: schema, overrides: overrides)
    }

    @Test func overridesWinOverTheFileAndTheDefaults() throws {
        let config = try parse(
            "train:\n  epochs: 5\n  optimizer: sgd\n",
            ["train.epochs=9", "train.learning_rate=1e-4", "data.labels=[a, \"b c\"]", " seed = 3 ", "data.test_file=null"])
        #expect(config.integer("train.epochs") == 9)  // over the file's 5
        #expect(config.string("train.optimizer") == "sgd")  // the file's, not overridden
        #expect(config["train.learning_rate"] == .number(0.0001))
        #expect(config.strings("data.labels") == ["a", "b c"])
        #expect(config.integer("seed") == 3)
        #expect(config.optionalString("data.test_file") == nil)
    }

    @Test func theLastOverrideOfAKeyWins() throws {
        #expect(try parse("seed: 1\n", ["seed=2", "seed=3"]).integer("seed") == 3)
    }

    @Test(arguments: [
        ("train.learning_rate=1", ConfigValue.number(1)),
        ("train.learning_rate=0.0001", .number(0.0001)),
        ("data.text_column=3", .string("3")),
        ("data.text_column=\"a=b\"", .string("a=b")),
        ("data.text_column=a=b", .string("a=b")),
        ("train.mixed=true", .boolean(true)),
        ("data.labels=[]", .strings([])),
    ])
    func valuesAreYAMLScalars(text: String, expected: ConfigValue) throws {
        let (key, value) = try ConfigLoader.parseOverride(text, schema: schema)
        #expect(key == String(text.prefix { $0 != "=" }))
        #expect(value == expected)
    }

    @Test func anEmptyValueIsNull() throws {
        #expect(try ConfigLoader.parseOverride("data.test_file=", schema: schema) == ("data.test_file", ConfigValue.null))
        let notOptional = #expect(throws: ConfigError.self) { try ConfigLoader.parseOverride("data.text_column=", schema: schema) }
        #expect(notOptional?.message == "expected a string, found nothing (null) (in --set data.text_column=)")
    }

    @Test func anOverrideWithoutEquals() {
        let missing = #expect(throws: ConfigError.self) { try parse("seed: 1\n", ["train.epochs"]) }
        #expect(missing == ConfigError(message: #"--set "train.epochs": expected key=value, for example --set train.epochs=3"#))
        #expect(missing?.description == #"--set "train.epochs": expected key=value, for example --set train.epochs=3"#)
        #expect(throws: ConfigError.self) { try parse("seed: 1\n", ["=3"]) }
    }

    @Test func anOverrideOfAnUnknownKeyOrASection() {
        let unknown = #expect(throws: ConfigError.self) { try parse("seed: 1\n", ["train.epohcs=3"]) }
        #expect(unknown == ConfigError(key: "train.epohcs", message: "no such option; did you mean train.epochs? (in --set train.epohcs=3)"))
        #expect(unknown?.description == "train.epohcs: no such option; did you mean train.epochs? (in --set train.epohcs=3)")
        let section = #expect(throws: ConfigError.self) { try parse("seed: 1\n", ["train=3"]) }
        #expect(section?.description == "train: a section, not an option; set one of its options, for example train.epochs (in --set train=3)")
    }

    @Test func anOverrideOfTheWrongKind() {
        let wrong = #expect(throws: ConfigError.self) { try parse("seed: 1\n", ["train.epochs=three"]) }
        #expect(wrong?.description == #"train.epochs: expected an integer, found the string "three" (in --set train.epochs=three)"#)
        #expect(wrong?.file == nil)
        #expect(wrong?.line == nil)
        let choice = #expect(throws: ConfigError.self) { try parse("seed: 1\n", ["train.optimizer=adamww"]) }
        #expect(choice?.message == #"expected one of sgd, adam, adamw, found "adamww"; did you mean adamw? (in --set train.optimizer=adamww)"#)
        let mapping = #expect(throws: ConfigError.self) { try parse("seed: 1\n", ["train.epochs=a: 1"]) }
        #expect(mapping?.message == "expected an integer, found a mapping (indented name: value lines) (in --set train.epochs=a: 1)")
        let unreadable = #expect(throws: ConfigError.self) { try parse("seed: 1\n", ["data.path=[a"]) }
        #expect(unreadable?.message == #"cannot read the value "[a" as YAML; quote it (in --set data.path=[a)"#)
    }

    @Test func theFileIsCheckedBeforeTheOverrides() {
        let first = #expect(throws: ConfigError.self) { try parse("train:\n  epochs: x\n", ["seed=oops"]) }
        #expect(first?.key == "train.epochs")
        #expect(first?.line == 2)
    }
}
