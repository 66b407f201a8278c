// SentimentData: reading labelled texts from CSV, TSV or JSON Lines with configurable text
// and label columns, the label set taken from the data (sorted) or given in the config, and
// the user's own split files when configured. Every bad record is an error naming the file
// and line. Not here: tokenisation (SentimentModel).

import FactoryKit
import Foundation

/// A problem with the sentiment data.
public struct SentimentDataError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

enum SentimentData {
    /// One file's (text, label text, source) rows.
    static func readRows(_ url: URL, format: String, textColumn: String, labelColumn: String?) throws -> [(text: String, label: String?, source: String)] {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw SentimentDataError("\(url.path): no such file; set data.path in factory.yaml to your CSV, TSV or JSONL file")
        }
        let kind = format == "auto" ? url.pathExtension.lowercased() : format
        var rows: [(text: String, label: String?, source: String)] = []
        switch kind {
        case "jsonl", "json", "ndjson":
            for record in try JSONLinesReader.readAll(url: url) {
                let text = try record.string(named: textColumn)
                let label = try labelColumn.map { key -> String in
                    let value = try record.value(named: key)
                    if let text = value.stringValue { return text }
                    if let number = value.integerValue { return String(number) }
                    throw SentimentDataError("\(url.path), line \(record.line): \(key) must be a string or an integer, found \(value.typeName)")
                }
                rows.append((text, label, "\(url.lastPathComponent):\(record.line)"))
            }
        case "csv", "tsv", "txt":
            let (columns, records) = try DelimitedTextReader.readAll(url: url, format: kind == "tsv" ? .tsv : .csv)
            let textIndex = try columns.index(of: textColumn)
            let labelIndex = try labelColumn.map { try columns.index(of: $0) }
            for record in records {
                rows.append((record[textIndex], labelIndex.map { record[$0] }, "\(url.lastPathComponent):\(record.line)"))
            }
        default:
            throw SentimentDataError("\(url.path): unknown format \"\(kind)\"; use a .csv, .tsv or .jsonl file, or set data.format")
        }
        guard !rows.isEmpty else { throw SentimentDataError("\(url.path): the file has no records; add labelled texts") }
        for row in rows where row.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw SentimentDataError("\(row.source): the text is empty; remove the record or fill it in (file \(url.path))")
        }
        return rows
    }

    /// Reads the configured data: one file split by the core, or train/validation/test files.
    static func load(_ context: TaskContext) throws -> TaskData<SentimentExample> {
        let config = context.config
        let format = config.string("data.format")
        let textColumn = config.string("data.text_column"), labelColumn = config.string("data.label_column")
        let splitFiles = ["data.train_path", "data.validation_path", "data.test_path"].map { config.optionalString($0) }
        var files: [(URL, String?)] = []
        if let train = splitFiles[0] {
            guard let validation = splitFiles[1], let test = splitFiles[2] else {
                throw SentimentDataError("\(config.file?.path ?? "factory.yaml"): data.train_path is set, so data.validation_path and data.test_path must be set too")
            }
            files = [(context.resolve(train), "train"), (context.resolve(validation), "validation"), (context.resolve(test), "test")]
        } else {
            files = [(context.resolve(config.string("data.path")), nil)]
        }
        var rows: [(text: String, label: String?, source: String, split: String?)] = []
        for (url, split) in files {
            rows += try readRows(url, format: format, textColumn: textColumn, labelColumn: labelColumn).map { ($0.text, $0.label, $0.source, split) }
        }
        let given = config.strings("data.labels")
        let labelNames = given.isEmpty ? Array(Set(rows.compactMap(\.label))).sorted() : given
        guard labelNames.count >= 2 else {
            throw SentimentDataError("the data has \(labelNames.count) label(s) (\(labelNames.joined(separator: ", "))); a classifier needs at least two")
        }
        let index = Dictionary(uniqueKeysWithValues: labelNames.enumerated().map { ($1, $0) })
        var examples: [SentimentExample] = []
        var splits = DataSplits(train: [], validation: [], test: [])
        for row in rows {
            guard let label = row.label, let labelIndex = index[label] else {
                throw SentimentDataError("\(row.source): label \"\(row.label ?? "")\" is not in the label set (\(labelNames.joined(separator: ", "))); fix the record or add it to data.labels")
            }
            switch row.split {
            case "train": splits.train.append(examples.count)
            case "validation": splits.validation.append(examples.count)
            case "test": splits.test.append(examples.count)
            default: break
            }
            examples.append(SentimentExample(text: row.text, label: labelIndex, source: row.source))
        }
        return TaskData(examples: examples, labelNames: labelNames, userSplits: files.count == 3 ? splits : nil)
    }
}
