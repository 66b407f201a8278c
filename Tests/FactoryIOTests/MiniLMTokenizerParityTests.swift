// MiniLM tokenizer parity: our Tokenizer on the real MiniLM tokenizer.json must give the
// exact ids of the Python `tokenizers` library for the 15 hard cases and the padded batch
// of minilm.safetensors (shared parity fixtures). The real file is not committed: set
// FACTORY_MINILM_TOKENIZER to its path. Without it these tests are reported as skipped,
// never as passed (the `.enabled(if:)` trait below).

import Foundation
import FactoryIO
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

// Enabled only when FACTORY_MINILM_TOKENIZER names the real MiniLM tokenizer.json; without
// it the tests show as skipped (not passed). The integration wires in the model store's file.
@Suite(
    "MiniLM tokenizer parity",
    .enabled(if: TokenizerParity.minilmTokenizerURL != nil, "set FACTORY_MINILM_TOKENIZER to the MiniLM tokenizer.json"))
struct MiniLMTokenizerParityTests {
    @Test func fifteenHardCasesMatchTheLibrary() throws {
        try MiniLMTokenizerParity.checkCases(tokenizerURL: try #require(TokenizerParity.minilmTokenizerURL))
    }

    @Test func paddedBatchMatchesTheSafetensorsFixture() throws {
        try MiniLMTokenizerParity.checkPaddedBatch(tokenizerURL: try #require(TokenizerParity.minilmTokenizerURL))
    }
}
