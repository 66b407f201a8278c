// ConfigLoader: values from nested YAML sections, defaults, number and integer coercion,
// null only where optional, and every error with its exact line, key and message.

import FactoryKit
import Foundation
import Testing

@Suite struct ConfigLoaderTests {
    let schema = ConfigTestSchemas.merged

    func parse(_ yaml: String, overrides: [String] = []) throws(ConfigError) -> ProjectConfig {
        try ConfigLoader.parse(yaml: yaml, file: ConfigTestSchemas.file, schema: schema, overrides: overrides)
    }

    /// The error `yaml` gives; fails the test when it loads.
    func error(_ yaml: String, overrides: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) -> ConfigError? {
        #expect(throws: ConfigError.self, sourceLocation: sourceLocation) { try parse(yaml, overrides: overrides) }
    }

    @Test func readsNestedSectionsAndDefaultsTheRest() throws {
        let config = try parse(
            """
            # a comment
            task: translation
            seed: 7
            train:
              epochs: 5            # trailing comment
              optimizer: sgd
              schedule:
                warmup_steps: 10
            data:
              labels: [bad, good, "so-so"]
              text_column: review
            """)
        #expect(config.string("task") == "translation")
        #expect(config.integer("seed") == 7)
        #expect(config.integer("train.epochs") == 5)
        #expect(config.string("train.optimizer") == "sgd")
        #expect(config.integer("train.schedule.warmup_steps") == 10)
        #expect(config.string("train.schedule.kind") == "linear")  // default
        #expect(config.strings("data.labels") == ["bad", "good", "so-so"])
        #expect(config.string("data.text_column") == "review")
        #expect(config.integer("train.batch_size") == 16)  // default
        #expect(config.number("train.learning_rate") == 1e-4)  // default
        #expect(config.optionalString("data.test_file") == nil)  // default null
        #expect(config.file == ConfigTestSchemas.file)
        #expect(Set(config.values.keys) == Set(schema.keys))
    }

    @Test(arguments: [
        ("1e-4", 0.0001), ("0.0001", 0.0001), ("1E-4", 0.0001), ("1.0e-4", 0.0001), ("+1e-4", 0.0001),
        ("1", 1.0), ("3", 3.0), (".5", 0.5), ("2.", 2.0), ("1e3", 1000.0), ("0", 0.0),
    ])
    func numbersAndIntegersReadAsNumbers(written: String, expected: Double) throws {
        let config = try parse("train:\n  learning_rate: \(written)\n")
        #expect(config["train.learning_rate"] == .number(expected))
        #expect(config.number("train.learning_rate") == expected)
    }

    @Test func booleansAreTrueOrFalseOnly() throws {
        #expect(try parse("train:\n  mixed: true\n").boolean("train.mixed") == true)
        #expect(try parse("train:\n  mixed: False\n").boolean("train.mixed") == false)
        let yes = error("train:\n  mixed: yes\n")
        #expect(yes?.description == #"factory.yaml:2: train.mixed: expected true or false, found the string "yes""#)
        // For a string option, yes/no and numbers are taken as written.
        #expect(try parse("data:\n  text_column: no\n").string("data.text_column") == "no")
        #expect(try parse("data:\n  text_column: 3\n").string("data.text_column") == "3")
        #expect(try parse("data:\n  text_column: '007'\n").string("data.text_column") == "007")
    }

    @Test func nullOnlyWhereTheOptionIsOptional() throws {
        #expect(try parse("data:\n  test_file: ~\n").optionalString("data.test_file") == nil)
        #expect(try parse("data:\n  test_file: data/test.csv\n").optionalString("data.test_file") == "data/test.csv")
        #expect(try parse("model:\n  frozen_blocks: null\n").optionalInteger("model.frozen_blocks") == nil)
        #expect(try parse("model:\n  frozen_blocks: 4\n").optionalInteger("model.frozen_blocks") == 4)
        #expect(try parse("train:\n  gradient_clip: null\n").optionalNumber("train.gradient_clip") == nil)
        #expect(try parse("train:\n  gradient_clip: 2\n").optionalNumber("train.gradient_clip") == 2)
        // A quoted "null" is a string, not null.
        #expect(try parse("data:\n  test_file: \"null\"\n").optionalString("data.test_file") == "null")

        #expect(error("seed: 1\ntrain:\n  epochs: null\n")?.description
            == "factory.yaml:3: train.epochs: expected an integer, found nothing (null)")
        #expect(error("train:\n  epochs:\n")?.description
            == "factory.yaml:2: train.epochs: expected an integer, found nothing (null)")
        #expect(error("model:\n  frozen_blocks: many\n")?.description
            == #"factory.yaml:2: model.frozen_blocks: expected an integer or null, found the string "many""#)
        #expect(error("model:\n  frozen_blocks: -1\n")?.description
            == "factory.yaml:2: model.frozen_blocks: must be at least 0, found -1")
    }

    @Test func anEmptySectionKeepsTheDefaults() throws {
        let config = try parse("train:\n  # epochs: 9\nseed: 1\n")
        #expect(config.integer("train.epochs") == 3)
        #expect(config.integer("seed") == 1)
    }

    @Test func dottedKeysInTheFileNameTheSameOptions() throws {
        #expect(try parse("train.epochs: 8\n").integer("train.epochs") == 8)
        let twice = error("train.epochs: 8\nseed: 1\ntrain:\n  epochs: 9\n")
        #expect(twice == ConfigError(file: "factory.yaml", line: 4, key: "train.epochs", message: "given twice (first at line 1); keep one"))
    }

    // MARK: Errors, each with its line and key

    @Test func wrongType() {
        let found = error("seed: 1\n\ntrain:\n  batch_size: 8\n  epochs: three\n")
        #expect(found == ConfigError(file: "factory.yaml", line: 5, key: "train.epochs", message: #"expected an integer, found the string "three""#))
        #expect(found?.description == #"factory.yaml:5: train.epochs: expected an integer, found the string "three""#)
        #expect(error("train:\n  epochs: 2.5\n")?.message == "expected an integer, found the number 2.5")
        #expect(error("train:\n  epochs: \"3\"\n")?.message == #"expected an integer, found the string "3""#)
        #expect(error("train:\n  learning_rate: fast\n")?.message == #"expected a number, found the string "fast""#)
        #expect(error("train:\n  learning_rate: .inf\n")?.message == #"expected a number, found the string ".inf""#)
        #expect(error("train:\n  learning_rate: true\n")?.message == "expected a number, found the boolean true")
    }

    @Test func outOfRange() {
        #expect(error("train:\n  epochs: 0\n")?.description == "factory.yaml:2: train.epochs: must be at least 1, found 0")
        #expect(error("train:\n  batch_size: 5000\n")?.description == "factory.yaml:2: train.batch_size: must be from 1 to 4096, found 5000")
        #expect(error("data:\n  path: x.csv\n  validation_fraction: 0.75\n")?.description
            == "factory.yaml:3: data.validation_fraction: must be from 0.0 to 0.5, found 0.75")
        #expect(error("train:\n  learning_rate: -1e-4\n")?.message == "must be at least 0.0, found -0.0001")
        #expect(error("train:\n  learning_rate: 1e400\n")?.message == "expected a finite number, found inf")
    }

    @Test func notAmongTheChoices() {
        let found = error("task: sentiment\ntrain:\n  optimizer: adm\n")
        #expect(found?.description == #"factory.yaml:3: train.optimizer: expected one of sgd, adam, adamw, found "adm"; did you mean adam?"#)
        #expect(error("task: vision\n")?.description == #"factory.yaml:1: task: expected one of sentiment, translation, found "vision""#)
    }

    @Test func unknownKeysWithTheClosestKeys() {
        let misspelt = error("seed: 1\ntrain:\n  epochs: 3\n  epohcs: 4\n")
        #expect(misspelt == ConfigError(file: "factory.yaml", line: 4, key: "train.epohcs", message: "no such option; did you mean train.epochs?"))
        #expect(misspelt?.description == "factory.yaml:4: train.epohcs: no such option; did you mean train.epochs?")

        #expect(error("seed: 1\ntrian:\n  epochs: 3\n")?.description == "factory.yaml:2: trian: no such option; did you mean train?")
        #expect(error("train:\n  schedule:\n    warmup_step: 5\n")?.description
            == "factory.yaml:3: train.schedule.warmup_step: no such option; did you mean train.schedule.warmup_steps?")
        // Nothing close: the names that do exist there.
        #expect(error("data:\n  path: a.csv\n  zzzzzzzzzzzzzzzzzzzz: 1\n")?.description
            == "factory.yaml:3: data.zzzzzzzzzzzzzzzzzzzz: no such option; the options of data are path, validation_fraction, test_file, text_column, labels")
        #expect(error("\n\nqqqqqqqqqqqqqqqqqqqqqqq: 1\n")?.description
            == "factory.yaml:3: qqqqqqqqqqqqqqqqqqqqqqq: no such option; the top-level names are task, seed, data, model, train, early_stopping, text")
    }

    @Test func aMappingWhereAValueIsExpectedAndTheReverse() {
        #expect(error("train:\n  epochs:\n    value: 3\n")?.description
            == "factory.yaml:2: train.epochs: expected an integer, found a mapping (indented name: value lines)")
        #expect(error("seed: 1\ntrain: 3\n")?.description
            == "factory.yaml:2: train: expected a section (options such as train.epochs, indented below it), found the integer 3")
        #expect(error("train:\n  schedule: cosine\n")?.description
            == #"factory.yaml:2: train.schedule: expected a section (options such as train.schedule.kind, indented below it), found the string "cosine""#)
        #expect(error("train:\n  epochs: [1, 2]\n")?.message == "expected an integer, found a list")
        #expect(error("train:\n  epochs:\n    - 1\n")?.message == "expected an integer, found a list")
        #expect(error("data:\n  labels: positive\n")?.description
            == #"factory.yaml:2: data.labels: expected a list of strings, like [a, b], found the string "positive""#)
        #expect(error("data:\n  labels: [a, [b]]\n")?.message == "expected a list of strings, like [a, b], found a list with a list as item 2")
        #expect(error("- seed\n- train\n")?.description
            == "factory.yaml:1: expected options at the top level (lines like `seed: 42` and sections like `train:`), found a list")
    }

    @Test func blockListsAreListsToo() throws {
        let config = try parse("data:\n  labels:\n    - cat\n    - \"dog\"\n")
        #expect(config.strings("data.labels") == ["cat", "dog"])
        #expect(try parse("data:\n  labels: []\n").strings("data.labels") == [])
    }

    @Test func duplicateKeysReportedByYams() {
        let duplicate = error("seed: 1\ntrain:\n  epochs: 3\n  batch_size: 8\n  epochs: 4\n")
        #expect(duplicate == ConfigError(file: "factory.yaml", line: 5, key: "train.epochs", message: "given twice (first at line 3); keep one"))
        let topLevel = error("seed: 1\ntask: sentiment\nseed: 2\n")
        #expect(topLevel?.description == "factory.yaml:3: seed: given twice (first at line 1); keep one")
        let thrice = error("train:\n  epochs: 3\n  epochs: 4\n  batch_size: 2\n  epochs: 5\n")
        #expect(thrice?.description == "factory.yaml:3: train.epochs: given twice (first at line 2); keep one")
        let flow = error("seed: 1\ntrain: {epochs: 3,\n  epochs: 4}\n")
        #expect(flow?.description == "factory.yaml:3: train.epochs: given twice (first at line 2); keep one")
    }

    @Test func yamlSyntaxErrorsWithTheirLine() {
        // An unclosed flow list: libyaml notices at the next key.
        let unclosed = error("seed: 1\ndata:\n  labels: [a, b\n  path: x.csv\n")
        #expect(unclosed?.file == "factory.yaml")
        #expect(unclosed?.line == 4)
        #expect(unclosed?.message.hasPrefix("not valid YAML: ") == true)
        // A value at a deeper indentation than its sibling.
        let indentation = error("train:\n  epochs: 3\n    batch_size: 8\n")
        #expect(indentation?.line == 3)
        #expect(indentation?.message.hasPrefix("not valid YAML: mapping values are not allowed") == true)
        // A tab for indentation.
        let tab = error("seed: 1\ntrain:\n\tepochs: 3\n")
        #expect(tab?.line == 3)
        #expect(tab?.key == nil)
        #expect(tab?.message.hasPrefix("not valid YAML: found character that cannot start any token") == true)
        // An unclosed quote: libyaml reaches the end of the text.
        let quote = error("seed: 1\ndata:\n  path: \"x.csv\n")
        #expect(quote?.line == 4)
        #expect(quote?.message.hasPrefix("not valid YAML: found unexpected end of stream (while scanning a quoted scalar that starts at line 3)") == true)
        // Two documents.
        let two = error("seed: 1\n---\nseed: 2\n")
        #expect(two?.description
            == "factory.yaml:2: a second YAML document (after `---`); a factory.yaml holds one, so remove the `---` line and merge the options")
    }

    @Test func emptyConfigurations() {
        for yaml in ["", "\n\n", "# only a comment\n", "---\n"] {
            let empty = error(yaml)
            #expect(empty?.file == "factory.yaml")
            #expect(empty?.line == nil)
            #expect(empty?.message.contains("empty") == true)
            #expect(empty?.message.contains("factory new") == true)
            #expect(empty?.message.contains("--project") == true)
        }
    }

    // MARK: Files

    @Test func loadsAFileOrTheFolderThatHoldsIt() throws {
        let folder = try ConfigTestSchemas.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("factory.yaml")
        try Data("train:\n  epochs: 6\n".utf8).write(to: file)
        #expect(try ConfigLoader.load(file, schema: schema).integer("train.epochs") == 6)
        let fromFolder = try ConfigLoader.load(folder, schema: schema)
        #expect(fromFolder.integer("train.epochs") == 6)
        #expect(fromFolder.file?.lastPathComponent == "factory.yaml")
        #expect(try ConfigLoader.peek("train.epochs", in: folder) == "6")
        #expect(try ConfigLoader.peek("task", in: folder) == nil)

        try Data("seed: 1\nseed: 2\n".utf8).write(to: file)
        let duplicate = #expect(throws: ConfigError.self) { try ConfigLoader.load(folder, schema: schema) }
        #expect(duplicate?.file == file.path)
        #expect(duplicate?.line == 2)
    }

    @Test func aMissingEmptyOrBinaryFileSaysWhatToDo() throws {
        let folder = try ConfigTestSchemas.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let missing = #expect(throws: ConfigError.self) { try ConfigLoader.load(folder, schema: schema) }
        #expect(missing?.file == folder.appendingPathComponent("factory.yaml").path)
        #expect(missing?.message.hasPrefix("no such file; run `factory new --task <task> <folder>`") == true)
        #expect(missing?.message.contains("--project") == true)

        let file = folder.appendingPathComponent("factory.yaml")
        try Data().write(to: file)
        let empty = #expect(throws: ConfigError.self) { try ConfigLoader.load(file, schema: schema) }
        #expect(empty?.message.hasPrefix("the configuration is empty; run `factory new") == true)

        try Data([0x73, 0x65, 0x65, 0x64, 0x3A, 0x20, 0xFF, 0xFE, 0x0A]).write(to: file)
        let binary = #expect(throws: ConfigError.self) { try ConfigLoader.load(file, schema: schema) }
        #expect(binary?.message == "not UTF-8 text; save it as UTF-8")
    }
}
