// PickleReader: values of protocol 2 and 4 pickles made by Python, memo sharing, the
// allow-list (os.system, builtins.eval, posix.system, subprocess.Popen and
// torch.storage._load_from_bytes are refused by name), and the limits that stop hostile
// pickles: huge declared lengths, deep nesting, cycles, stack and memo floods.

import FactoryIO
import Foundation
import Testing

private func hexData(_ hex: String) -> Data {
    var bytes: [UInt8] = []
    var index = hex.startIndex
    while index < hex.endIndex {
        let next = hex.index(index, offsetBy: 2)
        bytes.append(UInt8(hex[index..<next], radix: 16)!)
        index = next
    }
    return Data(bytes)
}

/// Opcode bytes for hand-made pickles.
private enum Op {
    static let proto2: [UInt8] = [0x80, 0x02]
    static let mark: UInt8 = 0x28, stop: UInt8 = 0x2E, emptyList: UInt8 = 0x5D, emptyTuple: UInt8 = 0x29
    static let append: UInt8 = 0x61, tuple1: UInt8 = 0x85, reduce: UInt8 = 0x52, none: UInt8 = 0x4E, dup: UInt8 = 0x32
    static func global(_ module: String, _ name: String) -> [UInt8] { [0x63] + Array("\(module)\n\(name)\n".utf8) }
    static func binUnicode(_ text: String) -> [UInt8] {
        let bytes = Array(text.utf8)
        return [0x58] + withUnsafeBytes(of: UInt32(bytes.count).littleEndian) { Array($0) } + bytes
    }
    static func binPut(_ index: UInt8) -> [UInt8] { [0x71, index] }
    static func binGet(_ index: UInt8) -> [UInt8] { [0x68, index] }
    static func longBinPut(_ index: UInt32) -> [UInt8] { [0x72] + withUnsafeBytes(of: index.littleEndian) { Array($0) } }
    static func longBinGet(_ index: UInt32) -> [UInt8] { [0x6A] + withUnsafeBytes(of: index.littleEndian) { Array($0) } }
}

private func load(_ bytes: [UInt8], limits: PickleLimits = PickleLimits()) throws -> PickleValue {
    try PickleReader.value(from: Data(bytes), source: "test.pkl", limits: limits)
}

@Suite struct PickleReaderTests {
    // pickle.dumps({...}, protocol=2) of ints, big ints, a float, text, a tuple, a list of
    // booleans, one list shared through the memo, an OrderedDict, an empty tuple and an int key.
    static let protocol2 = "80027d7100285803000000696e7471014b0558030000006e656771024a90eefeff580300000062696771038a0900000000000000004058060000006e656762696771048a090000000000000000ff5805000000666c6f61747105473ff800000000000058030000007374727106580600000068c3a96c6c6f710758050000007475706c6571084b0158010000006171094e87710a58040000006c697374710b5d710c2888894e655806000000736861726564710d5d710e284b014b0265680e86710f58020000006f64711063636f6c6c656374696f6e730a4f726465726564446963740a71112952711258010000007871134b01735805000000656d7074797114295804000000696e743271154d2c015804000000696e743471164affffff7f4b075806000000696e746b65797117752e"

    @Test func decodesAProtocol2PickleFromPython() throws {
        let value = try PickleReader.value(from: hexData(Self.protocol2), source: "p2.pkl")
        let dict = try #require(value.dictValue)
        #expect(dict.keyStrings == ["int", "neg", "big", "negbig", "float", "str", "tuple", "list", "shared", "od", "empty",
                                    "int2", "int4", "7"])
        #expect(dict["int"]?.intValue == 5)
        #expect(dict["neg"]?.intValue == -70000)
        #expect(dict["int2"]?.intValue == 300)
        #expect(dict["int4"]?.intValue == Int(Int32.max))
        guard case let .bigInt(big)? = dict["big"] else { Issue.record("2**70 is not a big int"); return }
        #expect(big == [0, 0, 0, 0, 0, 0, 0, 0, 0x40])
        guard case let .float(number)? = dict["float"] else { Issue.record("no float"); return }
        #expect(number == 1.5)
        #expect(dict["str"]?.stringValue == "héllo")
        let tuple = try #require(dict["tuple"]?.sequence)
        #expect(tuple.count == 3 && tuple[0].intValue == 1 && tuple[1].stringValue == "a")
        let list = try #require(dict["list"]?.sequence)
        #expect(list.map(\.intValue) == [1, 0, nil])
        // The memo shares one list object between both tuple slots.
        let shared = try #require(dict["shared"]?.sequence)
        guard case let .list(first) = shared[0], case let .list(second) = shared[1] else { Issue.record("not lists"); return }
        #expect(first === second && first.items.map(\.intValue) == [1, 2])
        #expect(dict["od"]?.dictValue?["x"]?.intValue == 1)
        #expect(dict["empty"]?.sequence?.isEmpty == true)
    }

    @Test func decodesProtocol4Opcodes() throws {
        // FRAME, SHORT_BINUNICODE, MEMOIZE, STACK_GLOBAL, SHORT_BINBYTES, BINUNICODE8, BINBYTES, EMPTY_SET + ADDITEMS.
        var bytes: [UInt8] = [0x80, 0x04, 0x95] + [UInt8](repeating: 0, count: 8)
        bytes += [0x8C, 11] + Array("collections".utf8) + [0x94]
        bytes += [0x8C, 11] + Array("OrderedDict".utf8) + [0x94, 0x93, 0x94, 0x29, 0x52, 0x94]  // OrderedDict()
        bytes += [0x8C, 1] + Array("k".utf8) + [0x28]                                              // "k", MARK
        bytes += [0x43, 2, 0xAB, 0xCD]                                                            // SHORT_BINBYTES
        bytes += [0x8D] + withUnsafeBytes(of: UInt64(3).littleEndian) { Array($0) } + Array("abc".utf8)  // BINUNICODE8
        bytes += [0x42] + withUnsafeBytes(of: UInt32(1).littleEndian) { Array($0) } + [0xFF]      // BINBYTES
        bytes += [0x8F, 0x28, 0x4B, 0x01, 0x4B, 0x02, 0x90]                                         // {1, 2}
        bytes += [0x74, 0x73]                                                                       // TUPLE, SETITEM
        bytes += [0x94, 0x68, 0x03, 0x30, 0x2E]                                                     // MEMOIZE, BINGET 3, POP, STOP
        let value = try load(bytes)
        let dict = try #require(value.dictValue)
        let items = try #require(dict["k"]?.sequence)
        guard case let .bytes(short) = items[0] else { Issue.record("no bytes"); return }
        #expect(short == Data([0xAB, 0xCD]))
        #expect(items[1].stringValue == "abc")
        guard case let .bytes(long) = items[2] else { Issue.record("no bytes"); return }
        #expect(long == Data([0xFF]))
        #expect(items[3].sequence?.map(\.intValue) == [1, 2])
    }

    @Test(arguments: [("os", "system"), ("builtins", "eval"), ("posix", "system"), ("subprocess", "Popen"),
                      ("torch.storage", "_load_from_bytes"), ("builtins", "getattr"), ("torch", "load")])
    func refusesGlobalsOffTheAllowList(module: String, name: String) throws {
        let bytes = Op.proto2 + Op.global(module, name) + Op.binUnicode("echo pwned") + [Op.tuple1, Op.reduce, Op.stop]
        do {
            _ = try load(bytes)
            Issue.record("\(module).\(name) was not refused")
        } catch let PickleError.disallowedGlobal(source, offset, global, _) {
            #expect(source == "test.pkl" && offset == 2 && global == "\(module).\(name)")
            let message = "\(PickleError.disallowedGlobal(source: source, offset: offset, global: global, allNamed: [global]))"
            #expect(message.contains("\(module).\(name)"))
        }
        // Listing mode names it without refusing and without calling anything.
        #expect(try PickleReader.globals(in: Data(bytes), source: "test.pkl") == ["\(module).\(name)"])
    }

    @Test func protocol2BytesNeedCodecsEncodeWhichIsRefused() throws {
        // Python 3 writes bytes in protocol 2 as _codecs.encode(text, 'latin1'): not allow-listed.
        let bytes = hexData("8002635f636f646563730a656e636f64650a710058020000000001710158060000006c6174696e3171028671035271042e")
        #expect(throws: PickleError.disallowedGlobal(source: "b.pkl", offset: 2, global: "_codecs.encode", allNamed: ["_codecs.encode"])) {
            try PickleReader.value(from: bytes, source: "b.pkl")
        }
    }

    @Test func hugeDeclaredLengthsAreCheckedAgainstTheBytesLeft() throws {
        // BINUNICODE of 4 GiB - 1 bytes, with 3 bytes behind it.
        #expect(throws: ByteReaderError.self) { try load(Op.proto2 + [0x58, 0xFF, 0xFF, 0xFF, 0xFF, 0x61, 0x62, 0x2E]) }
        // BINUNICODE8 of 2^63 bytes, BINBYTES8 of 2^64 - 1.
        #expect(throws: ByteReaderError.self) {
            try load(Op.proto2 + [0x8D] + withUnsafeBytes(of: (UInt64(1) << 63).littleEndian) { Array($0) } + [0x2E])
        }
        #expect(throws: ByteReaderError.self) { try load(Op.proto2 + [0x8E] + [UInt8](repeating: 0xFF, count: 8) + [0x2E]) }
        // LONG4 claiming a 2 GiB integer.
        #expect(throws: PickleError.self) { try load(Op.proto2 + [0x8B, 0xFF, 0xFF, 0xFF, 0x7F, 0x2E]) }
        // A GLOBAL line without an end.
        #expect(throws: ByteReaderError.self) { try load(Op.proto2 + [0x63] + Array("os".utf8)) }
    }

    @Test func deepNestingIsRefusedWithoutCrashing() throws {
        // 300 000 nested tuples, one byte per level (freeing them recursively would overflow the stack).
        let tuples = Op.proto2 + [Op.emptyTuple] + [UInt8](repeating: Op.tuple1, count: 300_000) + [Op.stop]
        #expect(throws: PickleError.self) { try load(tuples) }
        // 100 000 nested lists built with APPEND.
        let lists = Op.proto2 + [UInt8](repeating: Op.emptyList, count: 100_000) + [UInt8](repeating: Op.append, count: 99_999) + [Op.stop]
        #expect(throws: PickleError.self) { try load(lists) }
        // Nesting made after the fact: lists memoised first, then appended into each other.
        var late = Op.proto2
        let count: UInt32 = 20_000
        for index in 0..<count { late += [Op.emptyList] + Op.longBinPut(index) + [0x30] }  // ], LONG_BINPUT i, POP
        for index in 0..<(count - 1) { late += Op.longBinGet(index) + Op.longBinGet(index + 1) + [Op.append, 0x30] }
        late += Op.longBinGet(0) + [Op.stop]
        #expect(throws: PickleError.self) { try load(late) }
        // A deep chain that is built and then dropped: the result is tiny and fine.
        let dropped = Op.proto2 + [Op.emptyTuple] + [UInt8](repeating: Op.tuple1, count: 200_000) + [0x30, Op.none, Op.stop]
        guard case .none = try load(dropped) else { Issue.record("expected None"); return }
        // Nesting within the limit is accepted.
        let shallow = Op.proto2 + [Op.emptyTuple] + [UInt8](repeating: Op.tuple1, count: 150) + [Op.stop]
        #expect(try load(shallow).sequence?.count == 1)
    }

    @Test func cyclesAreRefused() throws {
        // l = []; l.append(l)
        let bytes = Op.proto2 + [Op.emptyList] + Op.binPut(0) + Op.binGet(0) + [Op.append, Op.stop]
        #expect(throws: PickleError.self) { try load(bytes) }
    }

    @Test func stackMarkAndMemoFloodsHitTheirLimits() throws {
        var limits = PickleLimits()
        limits.stackSize = 1000
        limits.marks = 100
        limits.memoEntries = 100
        #expect(throws: PickleError.self) { try load(Op.proto2 + [Op.none] + [UInt8](repeating: Op.dup, count: 2000) + [Op.stop], limits: limits) }
        #expect(throws: PickleError.self) { try load(Op.proto2 + [UInt8](repeating: Op.mark, count: 200) + [Op.stop], limits: limits) }
        var memo = Op.proto2 + [Op.none]
        for index in 0..<200 { memo += Op.longBinPut(UInt32(index)) }
        #expect(throws: PickleError.limitExceeded(source: "test.pkl", offset: 3 + 100 * 5, what: "memo entries", limit: 100)) {
            try load(memo + [Op.stop], limits: limits)
        }
    }

    @Test func malformedPicklesGiveTypedErrors() throws {
        #expect(throws: PickleError.missingStop(source: "test.pkl", offset: 3)) { try load(Op.proto2 + [Op.none]) }
        #expect(throws: PickleError.unsupportedOpcode(source: "test.pkl", offset: 2, opcode: 0x49)) { try load(Op.proto2 + Array("I1\n.".utf8)) }
        #expect(throws: PickleError.unsupportedOpcode(source: "test.pkl", offset: 2, opcode: 0xFF)) { try load(Op.proto2 + [0xFF]) }
        #expect(throws: PickleError.self) { try load(Op.proto2 + [Op.none, Op.none, Op.append, Op.stop]) }  // append to None
        #expect(throws: PickleError.missingMemo(source: "test.pkl", offset: 2, index: 9)) { try load(Op.proto2 + Op.binGet(9) + [Op.stop]) }
        #expect(throws: PickleError.self) { try load(Op.proto2 + [Op.stop]) }                                 // empty stack
        #expect(throws: PickleError.self) { try load(Op.proto2 + [0x75, Op.stop]) }                           // SETITEMS without MARK
        #expect(throws: PickleError.self) { try load(Op.proto2 + [Op.none, 0x51, Op.stop]) }                  // persistent id
        #expect(throws: PickleError.self) { try load([0x80, 0x09, Op.none, Op.stop]) }                        // protocol 9
        #expect(throws: PickleError.invalidString(source: "test.pkl", offset: 7)) {
            try load(Op.proto2 + [0x58, 2, 0, 0, 0, 0xC3, 0x28, Op.stop])
        }
        // An allow-listed callable with the wrong arguments.
        let badTensor = Op.proto2 + Op.global("torch._utils", "_rebuild_tensor_v2") + [Op.none, Op.tuple1, Op.reduce, Op.stop]
        #expect(throws: PickleError.self) { try load(badTensor) }
        // A storage type is not callable.
        let callStorage = Op.proto2 + Op.global("torch", "FloatStorage") + [Op.emptyTuple, Op.reduce, Op.stop]
        #expect(throws: PickleError.self) { try load(callStorage) }
    }
}
