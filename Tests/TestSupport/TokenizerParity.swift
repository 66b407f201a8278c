// TokenizerParity: the MiniLM tokenizer parity checks, for any test target. It reads the
// shared parity fixtures (minilm_tokenizer_cases.json: 15 hard strings → ids;
// minilm_sentences.json + minilm.safetensors: a padded batch of 4) and compares them with
// what a tokenizer produces. The tokenizer is passed in as closures, so any tokenizer can
// be checked.
//
// The real MiniLM tokenizer.json is not committed; the tests install it through the model
// store.

import FactoryIO
import Foundation

/// A problem with the parity fixtures themselves (missing, malformed).
public struct ParityFixtureError: Error, CustomStringConvertible {
    /// What is wrong.
    public let description: String

    public init(_ description: String) { self.description = description }
}

/// Checks a tokenizer against the MiniLM parity fixtures.
public enum TokenizerParity {
    /// `<repository root>/../shared/fixtures/parity`.
    public static var parityFixturesDirectory: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // TestSupport
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()  // repository root
            .deletingLastPathComponent()
            .appendingPathComponent("shared/fixtures/parity")
    }

    /// One case of minilm_tokenizer_cases.json.
    public struct Case: Sendable {
        /// The input text.
        public let text: String
        /// The expected ids, [CLS] and [SEP] included, no padding.
        public let ids: [Int]
    }

    /// The 15 cases of minilm_tokenizer_cases.json.
    public static func loadCases() throws -> [Case] {
        let url = parityFixturesDirectory.appendingPathComponent("minilm_tokenizer_cases.json")
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url))
        guard let entries = object as? [[String: Any]] else { throw ParityFixtureError("\(url.path): expected an array of objects") }
        return try entries.map { entry in
            guard let text = entry["text"] as? String, let ids = entry["ids"] as? [Int] else {
                throw ParityFixtureError("\(url.path): a case lacks text or ids")
            }
            return Case(text: text, ids: ids)
        }
    }

    /// Runs every case through `encode` (text → ids with special tokens, no padding).
    /// - Returns: one message per mismatching case; empty when all match.
    public static func caseMismatches(encode: (String) throws -> [Int]) throws -> [String] {
        let cases = try loadCases()
        guard cases.count == 15 else { throw ParityFixtureError("expected 15 tokenizer cases, found \(cases.count)") }
        var mismatches: [String] = []
        for testCase in cases {
            let ids = try encode(testCase.text)
            if ids != testCase.ids {
                mismatches.append("\(testCase.text.debugDescription): expected \(testCase.ids), got \(ids)")
            }
        }
        return mismatches
    }

    /// The four sentences of minilm_sentences.json.
    public static func loadSentences() throws -> [String] {
        let url = parityFixturesDirectory.appendingPathComponent("minilm_sentences.json")
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url))
        guard let sentences = (object as? [String: Any])?["sentences"] as? [String] else {
            throw ParityFixtureError("\(url.path): expected {\"sentences\": [...]}")
        }
        return sentences
    }

    /// Encodes the four sentences with `encodeBatch` (padded to the longest) and compares
    /// input_ids, attention_mask and token_type_ids with minilm.safetensors.
    /// - Returns: one message per mismatching tensor; empty when all match.
    public static func batchMismatches(
        encodeBatch: ([String]) throws -> (ids: [[Int]], attentionMask: [[Int]], typeIDs: [[Int]])
    ) throws -> [String] {
        let sentences = try loadSentences()
        let batch = try encodeBatch(sentences)
        let file = parityFixturesDirectory.appendingPathComponent("minilm.safetensors")
        var mismatches: [String] = []
        for (name, rows) in [("input_ids", batch.ids), ("attention_mask", batch.attentionMask), ("token_type_ids", batch.typeIDs)] {
            let expected = try int64Tensor(named: name, in: file)
            let shape = [rows.count, rows.first?.count ?? 0]
            let values = rows.flatMap { $0.map(Int64.init) }
            if expected.shape != shape || expected.values != values || rows.contains(where: { $0.count != shape[1] }) {
                mismatches.append("\(name): expected shape \(expected.shape) \(expected.values), got rows \(rows)")
            }
        }
        return mismatches
    }

    /// Reads one int64 tensor from a safetensors file.
    public static func int64Tensor(named name: String, in url: URL) throws -> (shape: [Int], values: [Int64]) {
        let file = try SafetensorsFile(contentsOf: url)
        return (try file.info(for: name).shape, try file.integers(named: name).map(Int64.init))
    }
}
