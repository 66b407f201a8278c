// PickleMachine: just enough of Python's unpickler to read PyTorch checkpoints: protocol 2
// opcodes plus the protocol 3-5 ones torch zip files use. It NEVER executes anything: globals
// resolve only through PickleAllowList, and a call is an inert description. Everything is
// bounded: each read is checked against the bytes left, and the stack, marks, memo, integer
// length and the nesting of the result have limits, so a hostile pickle ends in a typed error.
// It does not know the checkpoint layouts (TorchCheckpoint*.swift) and does not write pickles.

import Foundation

/// Limits that keep a hostile pickle from exhausting memory or the call stack.
public struct PickleLimits: Sendable {
    /// Most values on the stack at once.
    public var stackSize = 1 << 20
    /// Most open MARKs at once.
    public var marks = 1 << 16
    /// Most memo entries.
    public var memoEntries = 1 << 22
    /// Deepest nesting of lists, tuples and dicts in the result.
    public var nesting = 200
    /// Longest integer (LONG1/LONG4), in bytes.
    public var integerBytes = 256
    public init() {}
}

/// Reads one pickle from bytes into `PickleValue`s, without running any code.
final class PickleMachine {
    /// What a persistent id (BINPERSID) stands for; gets the pid value and the opcode's offset.
    typealias PersistentLoad = (PickleValue, Int) throws -> PickleValue

    /// Whether globals off the allow-list throw (`true`) or become inert names (`false`, for
    /// listing what a hostile file names without loading it).
    let refusesUnknownGlobals: Bool
    /// Every global named so far, in order of first appearance.
    private(set) var globals: [PickleGlobal] = []

    private var reader: ByteReader
    private let limits: PickleLimits
    private let persistentLoad: PersistentLoad
    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]
    /// Every list, tuple and dict built, so that a rejected or partly unreachable result can be
    /// torn down without deep recursive releases (a chain of a million nested lists would
    /// otherwise overflow the call stack when freed).
    private var containers: [AnyObject] = []
    private var opcodeOffset = 0

    /// - Parameters:
    ///   - reader: Positioned at the pickle's first byte; after `run()` it is just past STOP.
    ///   - persistentLoad: Resolves BINPERSID ids; nil makes a persistent id an error.
    init(reader: ByteReader, limits: PickleLimits = PickleLimits(), refusesUnknownGlobals: Bool = true,
         persistentLoad: PersistentLoad? = nil) {
        self.reader = reader
        self.limits = limits
        self.refusesUnknownGlobals = refusesUnknownGlobals
        let source = reader.source
        self.persistentLoad = persistentLoad ?? { _, offset in
            throw PickleError.malformed(source: source, offset: offset, opcode: "BINPERSID",
                                        reason: "a persistent id where none is expected")
        }
    }

    /// The reader after the pickle (positioned just past its STOP once `run()` returned).
    var remainingReader: ByteReader { reader }

    /// Runs the pickle to its STOP and returns the value it built.
    func run() throws -> PickleValue {
        do {
            let result = try execute()
            let reachable = try checkNesting(result)
            tearDown(keeping: reachable)
            return result
        } catch {
            tearDown(keeping: [])
            throw error
        }
    }

    // MARK: - The opcode loop

    private func execute() throws -> PickleValue {
        while true {
            opcodeOffset = reader.fileOffset
            guard let byte = reader.peekUInt8() else {
                throw PickleError.missingStop(source: reader.source, offset: opcodeOffset)
            }
            try reader.skip(1)
            guard let opcode = PickleOpcode(rawValue: byte) else {
                throw PickleError.unsupportedOpcode(source: reader.source, offset: opcodeOffset, opcode: byte)
            }
            switch opcode {
            case .proto:
                let version = try reader.readUInt8()
                guard version <= 5 else { throw malformed(opcode, "unknown protocol \(version)") }
            case .frame:
                _ = try reader.readUInt64()
            case .stop:
                let result = try pop(opcode)
                return result
            case .mark:
                guard marks.count < limits.marks else { throw limit("open marks", limits.marks) }
                marks.append(stack.count)
            case .pop:
                if let mark = marks.last, mark == stack.count { marks.removeLast() } else { _ = try pop(opcode) }
            case .popMark:
                _ = try popToMark(opcode)
            case .dup:
                guard let top = stack.last else { throw malformed(opcode, "empty stack") }
                try push(top)
            case .none: try push(.none)
            case .newTrue: try push(.bool(true))
            case .newFalse: try push(.bool(false))
            case .binInt: try push(.int(Int(try reader.readInt32())))
            case .binInt1: try push(.int(Int(try reader.readUInt8())))
            case .binInt2: try push(.int(Int(try reader.readUInt16())))
            case .long1: try push(try readLong(length: Int(try reader.readUInt8())))
            case .long4:
                let length = try reader.readInt32()
                guard length >= 0 else { throw malformed(opcode, "negative length") }
                try push(try readLong(length: Int(length)))
            case .binFloat:
                try push(.float(Double(bitPattern: try reader.readUInt64().byteSwapped)))  // big-endian
            case .binUnicode: try push(.string(try readString(length: UInt64(try reader.readUInt32()))))
            case .shortBinUnicode: try push(.string(try readString(length: UInt64(try reader.readUInt8()))))
            case .binUnicode8: try push(.string(try readString(length: try reader.readUInt64())))
            case .binString:
                let length = try reader.readInt32()
                guard length >= 0 else { throw malformed(opcode, "negative length") }
                try push(.string(try readLegacyString(length: Int(length))))
            case .shortBinString: try push(.string(try readLegacyString(length: Int(try reader.readUInt8()))))
            case .binBytes: try push(.bytes(try readBytes(length: UInt64(try reader.readUInt32()))))
            case .shortBinBytes: try push(.bytes(try readBytes(length: UInt64(try reader.readUInt8()))))
            case .binBytes8: try push(.bytes(try readBytes(length: try reader.readUInt64())))
            case .emptyTuple: try push(.tuple(makeTuple([])))
            case .tuple1:
                let a = try pop(opcode)
                try push(.tuple(makeTuple([a])))
            case .tuple2:
                let b = try pop(opcode), a = try pop(opcode)
                try push(.tuple(makeTuple([a, b])))
            case .tuple3:
                let c = try pop(opcode), b = try pop(opcode), a = try pop(opcode)
                try push(.tuple(makeTuple([a, b, c])))
            case .tuple: try push(.tuple(makeTuple(try popToMark(opcode))))
            case .frozenSet: try push(.tuple(makeTuple(try popToMark(opcode))))
            case .emptyList, .emptySet: try push(.list(makeList([])))
            case .list: try push(.list(makeList(try popToMark(opcode))))
            case .emptyDict: try push(.dict(makeDict()))
            case .dict:
                let items = try popToMark(opcode)
                let dict = makeDict()
                try setItems(items, into: dict, opcode)
                try push(.dict(dict))
            case .append:
                let value = try pop(opcode)
                try appendItems([value], opcode)
            case .appends, .addItems:
                let items = try popToMark(opcode)
                try appendItems(items, opcode)
            case .setItem:
                let value = try pop(opcode), key = try pop(opcode)
                guard case let .dict(dict) = try top(opcode) else { throw malformed(opcode, "the target is not a dict") }
                dict.set(key, value)
            case .setItems:
                let items = try popToMark(opcode)
                guard case let .dict(dict) = try top(opcode) else { throw malformed(opcode, "the target is not a dict") }
                try setItems(items, into: dict, opcode)
            case .binGet: try push(try memoValue(Int(try reader.readUInt8())))
            case .longBinGet: try push(try memoValue(Int(try reader.readUInt32())))
            case .binPut: try memoize(at: Int(try reader.readUInt8()), opcode)
            case .longBinPut: try memoize(at: Int(try reader.readUInt32()), opcode)
            case .memoize: try memoize(at: memo.count, opcode)
            case .global:
                let module = try readLine(opcode)
                let name = try readLine(opcode)
                try push(try resolve(PickleGlobal(module: module, name: name)))
            case .stackGlobal:
                let name = try pop(opcode), module = try pop(opcode)
                guard let moduleText = module.stringValue, let nameText = name.stringValue else {
                    throw malformed(opcode, "module and name are not strings")
                }
                try push(try resolve(PickleGlobal(module: moduleText, name: nameText)))
            case .reduce:
                let arguments = try pop(opcode), callable = try pop(opcode)
                guard let items = arguments.sequence else { throw malformed(opcode, "the arguments are not a tuple") }
                try push(try call(callable, items))
            case .newObject:
                let arguments = try pop(opcode), callable = try pop(opcode)
                guard let items = arguments.sequence else { throw malformed(opcode, "the arguments are not a tuple") }
                try push(try call(callable, items))
            case .build:
                // Object state (e.g. an OrderedDict's `_metadata`, a tensor's hooks) changes no
                // weights; it is dropped. Nothing is set on anything.
                _ = try pop(opcode)
                _ = try top(opcode)
            case .binPersistentID:
                let pid = try pop(opcode)
                try push(try persistentLoad(pid, opcodeOffset))
            }
        }
    }

    // MARK: - Stack, memo and containers

    private func push(_ value: PickleValue) throws {
        guard stack.count < limits.stackSize else { throw limit("stack size", limits.stackSize) }
        stack.append(value)
    }

    private func pop(_ opcode: PickleOpcode) throws -> PickleValue {
        guard let value = stack.popLast() else { throw malformed(opcode, "empty stack") }
        if let mark = marks.last, mark > stack.count { throw malformed(opcode, "popped past a MARK") }
        return value
    }

    private func top(_ opcode: PickleOpcode) throws -> PickleValue {
        guard let value = stack.last else { throw malformed(opcode, "empty stack") }
        if let mark = marks.last, mark >= stack.count { throw malformed(opcode, "nothing after the MARK") }
        return value
    }

    private func popToMark(_ opcode: PickleOpcode) throws -> [PickleValue] {
        guard let mark = marks.popLast() else { throw malformed(opcode, "no MARK") }
        guard mark <= stack.count else { throw malformed(opcode, "the MARK is past the stack") }
        let items = Array(stack[mark...])
        stack.removeSubrange(mark...)
        return items
    }

    private func appendItems(_ items: [PickleValue], _ opcode: PickleOpcode) throws {
        guard case let .list(list) = try top(opcode) else { throw malformed(opcode, "the target is not a list") }
        list.items.append(contentsOf: items)
    }

    private func setItems(_ items: [PickleValue], into dict: PickleDict, _ opcode: PickleOpcode) throws {
        guard items.count % 2 == 0 else { throw malformed(opcode, "an odd number of keys and values") }
        var index = 0
        while index < items.count {
            dict.set(items[index], items[index + 1])
            index += 2
        }
    }

    private func memoize(at index: Int, _ opcode: PickleOpcode) throws {
        let value = try top(opcode)
        if memo[index] == nil, memo.count >= limits.memoEntries { throw limit("memo entries", limits.memoEntries) }
        memo[index] = value
    }

    private func memoValue(_ index: Int) throws -> PickleValue {
        guard let value = memo[index] else {
            throw PickleError.missingMemo(source: reader.source, offset: opcodeOffset, index: index)
        }
        return value
    }

    private func makeTuple(_ items: [PickleValue]) -> PickleTuple {
        let tuple = PickleTuple(items)
        containers.append(tuple)
        return tuple
    }

    private func makeList(_ items: [PickleValue]) -> PickleList {
        let list = PickleList()
        list.items = items
        containers.append(list)
        return list
    }

    private func makeDict() -> PickleDict {
        let dict = PickleDict()
        containers.append(dict)
        return dict
    }

    // MARK: - Operands

    private func readLong(length: Int) throws -> PickleValue {
        guard length <= limits.integerBytes else { throw limit("integer length in bytes", limits.integerBytes) }
        var bytes = try reader.readByteArray(count: length)
        guard !bytes.isEmpty else { return .int(0) }
        // Drop redundant sign bytes, then fit into Int when possible.
        while bytes.count > 1 {
            let last = bytes[bytes.count - 1], previous = bytes[bytes.count - 2]
            if (last == 0 && previous & 0x80 == 0) || (last == 0xFF && previous & 0x80 != 0) { bytes.removeLast() } else { break }
        }
        guard bytes.count <= 8 else { return .bigInt(bytes) }
        let negative = bytes[bytes.count - 1] & 0x80 != 0
        var value: UInt64 = negative ? ~0 : 0
        for (position, byte) in bytes.enumerated() {
            value &= ~(UInt64(0xFF) << (8 * UInt64(position)))
            value |= UInt64(byte) << (8 * UInt64(position))
        }
        return .int(Int(Int64(bitPattern: value)))
    }

    private func readBytes(length: UInt64) throws -> Data {
        guard length <= UInt64(reader.remaining) else {
            throw ByteReaderError.truncated(source: reader.source, offset: reader.fileOffset,
                                            needed: length > UInt64(Int.max) ? Int.max : Int(length), available: reader.remaining)
        }
        return try reader.readBytes(count: Int(length))
    }

    private func readString(length: UInt64) throws -> String {
        let offset = reader.fileOffset
        let bytes = try readBytes(length: length)
        guard let text = String(data: bytes, encoding: .utf8) else {
            throw PickleError.invalidString(source: reader.source, offset: offset)
        }
        return text
    }

    /// Python 2 `str` (BINSTRING): UTF-8 when valid, else Latin-1, as torch's loader decodes it.
    private func readLegacyString(length: Int) throws -> String {
        let bytes = try readBytes(length: UInt64(length))
        return String(data: bytes, encoding: .utf8) ?? String(data: bytes, encoding: .isoLatin1) ?? ""
    }

    private func readLine(_ opcode: PickleOpcode) throws -> String {
        let offset = reader.fileOffset
        let line = try reader.readLine(maxLength: 1024)
        guard let text = String(data: line, encoding: .utf8) else {
            throw PickleError.invalidString(source: reader.source, offset: offset)
        }
        return text
    }

    // MARK: - Globals and calls

    private func resolve(_ global: PickleGlobal) throws -> PickleValue {
        if !globals.contains(global) { globals.append(global) }
        if let value = PickleAllowList.resolve(global) { return value }
        if refusesUnknownGlobals {
            throw PickleError.disallowedGlobal(source: reader.source, offset: opcodeOffset, global: global.description,
                                               allNamed: globals.map(\.description))
        }
        return .global(global)
    }

    private func call(_ callable: PickleValue, _ arguments: [PickleValue]) throws -> PickleValue {
        if !refusesUnknownGlobals, case let .global(global) = callable, PickleAllowList.allowed[global.description] == nil {
            return .none  // Listing mode: an unknown callable yields an inert placeholder.
        }
        let source = reader.source, offset = opcodeOffset
        let value = try PickleAllowList.call(callable, arguments) { callee, reason in
            PickleError.invalidCall(source: source, offset: offset, callee: callee, reason: reason)
        }
        if case let .dict(dict) = value { containers.append(dict) }
        return value
    }

    // MARK: - Errors

    private func malformed(_ opcode: PickleOpcode, _ reason: String) -> PickleError {
        .malformed(source: reader.source, offset: opcodeOffset, opcode: opcode.name, reason: reason)
    }

    private func limit(_ what: String, _ value: Int) -> PickleError {
        .limitExceeded(source: reader.source, offset: opcodeOffset, what: what, limit: value)
    }

    // MARK: - Nesting check and teardown

    /// The children of a container value, or nil for a leaf.
    private static func container(_ value: PickleValue) -> (ObjectIdentifier, [PickleValue])? {
        switch value {
        case let .tuple(tuple): return (ObjectIdentifier(tuple), tuple.items)
        case let .list(list): return (ObjectIdentifier(list), list.items)
        case let .dict(dict): return (ObjectIdentifier(dict), dict.entries.flatMap { [$0.key, $0.value] })
        default: return nil
        }
    }

    /// Checks that `root` nests no deeper than the limit and has no cycles; returns the
    /// containers it reaches. Iterative, and linear in the containers (shared ones once).
    private func checkNesting(_ root: PickleValue) throws -> Set<ObjectIdentifier> {
        var done = Set<ObjectIdentifier>()
        var onPath = Set<ObjectIdentifier>()
        guard let (rootID, rootChildren) = Self.container(root) else { return done }
        var path: [(id: ObjectIdentifier, children: [PickleValue], next: Int)] = [(rootID, rootChildren, 0)]
        onPath.insert(rootID)
        while !path.isEmpty {
            let position = path.count - 1
            if path[position].next == path[position].children.count {
                done.insert(path[position].id)
                onPath.remove(path[position].id)
                path.removeLast()
                continue
            }
            let child = path[position].children[path[position].next]
            path[position].next += 1
            guard let (id, children) = Self.container(child), !done.contains(id) else { continue }
            if onPath.contains(id) {
                throw PickleError.malformed(source: reader.source, offset: reader.fileOffset, opcode: "STOP",
                                            reason: "the result contains itself (a cycle)")
            }
            guard path.count < limits.nesting else {
                throw PickleError.limitExceeded(source: reader.source, offset: reader.fileOffset,
                                                what: "nesting depth of the result", limit: limits.nesting)
            }
            path.append((id, children, 0))
            onPath.insert(id)
        }
        return done
    }

    /// Empties every container not in `keeping`, then drops the stack and memo, so that
    /// nothing is freed through a long chain of nested releases.
    private func tearDown(keeping: Set<ObjectIdentifier>) {
        for object in containers where !keeping.contains(ObjectIdentifier(object)) {
            if let tuple = object as? PickleTuple { tuple.items.removeAll() }
            else if let list = object as? PickleList { list.items.removeAll() }
            else if let dict = object as? PickleDict { dict.removeAll() }
        }
        containers.removeAll()
        stack.removeAll()
        memo.removeAll()
    }
}
