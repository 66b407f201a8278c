// PickleReader: the public entry point for reading a standalone pickle with the checkpoint
// rules (allow-listed globals only, nothing executed, every size bounded), and for listing the
// globals an untrusted pickle names. The machine itself is PickleMachine.swift.

import Foundation

/// Reads standalone pickles with the same rules as checkpoints: allow-listed globals only,
/// nothing executed, every size bounded.
public enum PickleReader {
    /// The value of the pickle at the start of `data`.
    /// - Parameters:
    ///   - data: Pickle bytes (anything after STOP is ignored).
    ///   - source: A name for error messages (file path).
    ///   - limits: Size limits; the defaults suit checkpoints.
    /// - Throws: `PickleError` (e.g. `.disallowedGlobal` naming `os.system`), `ByteReaderError` on truncation.
    public static func value(from data: Data, source: String, limits: PickleLimits = PickleLimits()) throws -> PickleValue {
        try PickleMachine(reader: ByteReader(data, source: source), limits: limits).run()
    }

    /// Every global the pickle at the start of `data` names, in order, refusing none; calls
    /// nothing (unknown callables yield placeholders). For inspecting untrusted files.
    public static func globals(in data: Data, source: String, limits: PickleLimits = PickleLimits()) throws -> [String] {
        let machine = PickleMachine(reader: ByteReader(data, source: source), limits: limits, refusesUnknownGlobals: false) { _, _ in .none }
        _ = try machine.run()
        return machine.globals.map(\.description)
    }
}
