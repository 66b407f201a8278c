// A hostile checkpoint whose nested dicts are shared through the pickle memo: a file of a
// few hundred bytes must not fan out into exponentially many tensor names.

import FactoryIO
import Foundation
import Testing

@Suite struct PickleFanOutTests {
    /// A legacy torch checkpoint whose state dict is a DAG of nested dicts: each level has
    /// `fanOut` keys that all point at (memo) the same next-level dict. The pickle is a few
    /// hundred bytes, the nesting check passes (shared containers are visited once), but
    /// TorchCheckpoint.collectTensors walks every path: fanOut^depth tensor names.
    static func fanOutCheckpoint(fanOut: Int, depth: Int) -> Data {
        var bytes: [UInt8] = []
        func shortString(_ text: String) { bytes += [0x8C, UInt8(text.utf8.count)] + Array(text.utf8) }  // SHORT_BINUNICODE
        // 1: magic number (LONG1, 10 bytes)
        bytes += [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E]
        // 2: protocol version 1001
        bytes += [0x80, 0x02, 0x4D, 0xE9, 0x03, 0x2E]
        // 3: sys info {}
        bytes += [0x80, 0x02, 0x7D, 0x2E]
        // 4: the object
        bytes += [0x80, 0x02]
        func tensor() {
            bytes += Array("ctorch._utils\n_rebuild_tensor_v2\n".utf8)
            bytes += [0x28]                                   // MARK (args)
            bytes += [0x28]                                   // MARK (pid)
            shortString("storage")
            bytes += Array("ctorch\nFloatStorage\n".utf8)
            shortString("0"); shortString("cpu"); bytes += [0x4B, 0x01]
            bytes += [0x74, 0x51]                             // TUPLE, BINPERSID
            bytes += [0x4B, 0x00]                             // offset 0
            bytes += [0x4B, 0x01, 0x85]                       // (1,)
            bytes += [0x4B, 0x01, 0x85]                       // (1,)
            bytes += [0x74, 0x52]                             // TUPLE, REDUCE
        }
        // level 0: {"w": tensor}, memo 0
        bytes += [0x7D, 0x28]; shortString("w"); tensor(); bytes += [0x75, 0x71, 0x00]
        for level in 1...depth {
            bytes += [0x30]                                   // POP the previous level (kept in memo)
            bytes += [0x7D, 0x28]
            for k in 0..<fanOut { shortString("k\(k)"); bytes += [0x68, UInt8(level - 1)] }  // BINGET
            if level == depth { shortString("w"); tensor() }  // root holds a tensor: it is the state dict
            bytes += [0x75, 0x71, UInt8(level)]               // SETITEMS, BINPUT
        }
        bytes += [0x2E]
        // 5: storage keys: []
        bytes += [0x80, 0x02, 0x5D, 0x2E]
        return Data(bytes)
    }

    @Test func sharedNestedDictsDoNotFanOut() throws {
        let data = Self.fanOutCheckpoint(fanOut: 4, depth: 10)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fanout-\(UUID().uuidString).pt")
        try data.write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        // Walking every path would give 4^10 + 1 names (fanOut 16, depth 16: 2^64, a hang).
        // A shared dict is walked once: the root's own "w" and one path down to level 0's "w".
        let names = try TorchCheckpoint(contentsOf: url).tensorNames
        #expect(names.count == 2, "\(names.prefix(5))")
        #expect(names.first == "k0.k0.k0.k0.k0.k0.k0.k0.k0.k0.w" || names.contains("w"))
    }
}
