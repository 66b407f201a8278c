// PredictionsFile: output/predictions.jsonl — one JSON object per evaluated example, written
// atomically by `factory eval` and read by `factory report`:
//   {"index": 0, "input_kind": "text", "input": "...", "label": "positive", "label_index": 2,
//    "predicted": "negative", "predicted_index": 0, "confidence": 0.91,
//    "probabilities": {"negative": 0.91, "neutral": 0.05, "positive": 0.04}, "score": 1.2}
// (fields without a value are left out; probabilities are listed in class order).
// Not here: making the records (the plugin), drawing them (the report).

import Foundation

/// A problem reading predictions.jsonl.
public struct PredictionsFileError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Reads and writes predictions.jsonl.
public enum PredictionsFile {
    /// The JSON line of one record.
    public static func line(_ record: PredictionRecord, index: Int, labelNames: [String]) -> String {
        func name(_ label: Int) -> String { labelNames.indices.contains(label) ? labelNames[label] : String(label) }
        var members: [(key: String, value: JSONValue)] = [("index", .integer(index))]
        if let input = record.input {
            members.append(("input_kind", .string(input.kind)))
            members.append(("input", .string(input.value)))
        }
        if let label = record.label {
            members.append(("label", .string(name(label))))
            members.append(("label_index", .integer(label)))
        }
        if let predicted = record.predicted, let confidence = record.confidence {
            members.append(("predicted", .string(name(predicted))))
            members.append(("predicted_index", .integer(predicted)))
            members.append(("confidence", .double(confidence)))
            members.append(("probabilities", .object(JSONObject(members: record.probabilities.enumerated().map { (key: name($0.offset), value: .double($0.element)) }))))
        }
        if let score = record.score { members.append(("score", .double(score))) }
        return JSONValue.object(JSONObject(members: members)).serialized()
    }

    /// Writes every record, one line each, atomically.
    public static func write(_ records: [PredictionRecord], labelNames: [String], to url: URL) throws {
        var text = ""
        for (index, record) in records.enumerated() { text += line(record, index: index, labelNames: labelNames) + "\n" }
        try AtomicFile.write(Data(text.utf8), to: url)
    }

    /// Reads the records of a predictions.jsonl.
    /// - Throws: ``PredictionsFileError`` naming the file and line of a bad record.
    public static func read(_ url: URL) throws -> [PredictionRecord] {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw PredictionsFileError("\(url.path): cannot read the file; run `factory eval` to write it")
        }
        var records: [PredictionRecord] = []
        for (number, line) in data.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
            let where_ = "\(url.path), line \(number + 1)"
            let value: JSONValue
            do { value = try JSONParser.parse([UInt8](line)) } catch {
                throw PredictionsFileError("\(where_): not a JSON object (\(error)); run `factory eval` again to rewrite the file")
            }
            guard value.objectValue != nil else { throw PredictionsFileError("\(where_): expected a JSON object; run `factory eval` again") }
            var probabilities: [Double] = []
            if let object = value["probabilities"]?.objectValue {
                for member in object.members {
                    guard let probability = member.value.doubleValue else {
                        throw PredictionsFileError("\(where_): probability of \(member.key) is not a number; run `factory eval` again")
                    }
                    probabilities.append(probability)
                }
            }
            var input: ExampleInput?
            if let kind = value["input_kind"]?.stringValue, let text = value["input"]?.stringValue { input = ExampleInput(kind: kind, value: text) }
            let label = value["label_index"]?.integerValue
            if let label, !probabilities.isEmpty, !probabilities.indices.contains(label) {
                throw PredictionsFileError("\(where_): label_index \(label) is outside the \(probabilities.count) classes; run `factory eval` again")
            }
            records.append(PredictionRecord(input: input, label: label, probabilities: probabilities, score: value["score"]?.doubleValue))
        }
        return records
    }
}

extension RunFiles {
    /// Per-example predictions of the last evaluation (`output/predictions.jsonl`).
    public var predictions: URL { folder.appendingPathComponent("predictions.jsonl") }
    /// The HTML report (`output/report.html`).
    public var report: URL { folder.appendingPathComponent("report.html") }
    /// The hyperparameter search's trials (`output/tune/trials.json`), when there was a search.
    public var tuningTrials: URL { folder.appendingPathComponent("tune/trials.json") }
}
