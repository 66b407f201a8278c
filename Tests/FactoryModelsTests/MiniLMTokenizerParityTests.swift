// MiniLM tokenizer parity: our Tokenizer on the real MiniLM tokenizer.json must give the
// exact ids of the Python `tokenizers` library for the 15 hard cases and the padded batch
// of minilm.safetensors (shared parity fixtures). The real file is installed through the
// model store (`minilm-l6`), as a user gets it.

import Foundation
import FactoryModels
import Testing
import TestSupport

/// The MiniLM parity checks for a given tokenizer.json; other test targets can call it.
public enum MiniLMTokenizerParity {
    /// Checks the 15 text → ids cases (special tokens added, no padding).
    public static func checkCases(tokenizerURL: URL) throws {
        var tokenizer = try Tokenizer.load(contentsOf: tokenizerURL)
        tokenizer.padding = nil
        let mismatches = try TokenizerParity.caseMismatches { text in try tokenizer.encode(text).ids }
        #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))")
    }

    /// Checks input_ids, attention_mask and token_type_ids of the four sentences padded
    /// to the longest.
    public static func checkPaddedBatch(tokenizerURL: URL) throws {
        var tokenizer = try Tokenizer.load(contentsOf: tokenizerURL)
        let padID = try #require(tokenizer.padding?.padID, "the MiniLM tokenizer.json has a padding section")
        tokenizer.padding?.strategy = .batchLongest
        #expect(padID == 0)
        let mismatches = try TokenizerParity.batchMismatches { sentences in
            let batch = try tokenizer.encodeBatch(sentences)
            return (batch.ids, batch.attentionMask, batch.typeIDs)
        }
        #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))")
    }
}

@Suite("MiniLM tokenizer parity")
struct MiniLMTokenizerParityTests {
    static func tokenizerURL() throws -> URL {
        try InstalledBackbones.folder("minilm-l6").appendingPathComponent("tokenizer.json")
    }

    @Test func fifteenHardCasesMatchTheLibrary() throws {
        try MiniLMTokenizerParity.checkCases(tokenizerURL: Self.tokenizerURL())
    }

    @Test func paddedBatchMatchesTheSafetensorsFixture() throws {
        try MiniLMTokenizerParity.checkPaddedBatch(tokenizerURL: Self.tokenizerURL())
    }
}
