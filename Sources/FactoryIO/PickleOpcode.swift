// PickleOpcode: the pickle opcodes the reader understands (protocol 2, plus the protocol 3-5
// opcodes torch zip checkpoints contain) and the names of the others, for error messages.
// It only names opcodes; PickleMachine.swift executes them (without ever running code).

/// A pickle opcode this reader implements.
enum PickleOpcode: UInt8 {
    case mark = 0x28            // (
    case emptyTuple = 0x29      // )
    case stop = 0x2E            // .
    case pop = 0x30             // 0
    case popMark = 0x31         // 1
    case dup = 0x32             // 2
    case binBytes = 0x42        // B
    case shortBinBytes = 0x43   // C
    case binFloat = 0x47        // G
    case binInt = 0x4A          // J
    case binInt1 = 0x4B         // K
    case binInt2 = 0x4D         // M
    case none = 0x4E            // N
    case binPersistentID = 0x51 // Q
    case reduce = 0x52          // R
    case binString = 0x54       // T
    case shortBinString = 0x55  // U
    case binUnicode = 0x58      // X
    case emptyList = 0x5D       // ]
    case append = 0x61          // a
    case build = 0x62           // b
    case global = 0x63          // c
    case dict = 0x64            // d
    case appends = 0x65         // e
    case binGet = 0x68          // h
    case longBinGet = 0x6A      // j
    case list = 0x6C            // l
    case binPut = 0x71          // q
    case longBinPut = 0x72      // r
    case setItem = 0x73         // s
    case tuple = 0x74           // t
    case setItems = 0x75        // u
    case emptyDict = 0x7D       // }
    case proto = 0x80
    case newObject = 0x81
    case tuple1 = 0x85
    case tuple2 = 0x86
    case tuple3 = 0x87
    case newTrue = 0x88
    case newFalse = 0x89
    case long1 = 0x8A
    case long4 = 0x8B
    case shortBinUnicode = 0x8C
    case binUnicode8 = 0x8D
    case binBytes8 = 0x8E
    case emptySet = 0x8F
    case addItems = 0x90
    case frozenSet = 0x91
    case stackGlobal = 0x93
    case memoize = 0x94
    case frame = 0x95

    /// The name Python's pickletools uses for `byte`, or a hex spelling when it is no opcode.
    static func name(of byte: UInt8) -> String {
        if let known = names[byte] { return known }
        return String(format: "0x%02x", byte)
    }

    var name: String { Self.name(of: rawValue) }

    private static let names: [UInt8: String] = [
        0x28: "MARK", 0x29: "EMPTY_TUPLE", 0x2E: "STOP", 0x30: "POP", 0x31: "POP_MARK", 0x32: "DUP",
        0x42: "BINBYTES", 0x43: "SHORT_BINBYTES", 0x46: "FLOAT", 0x47: "BINFLOAT", 0x49: "INT", 0x4A: "BININT",
        0x4B: "BININT1", 0x4C: "LONG", 0x4D: "BININT2", 0x4E: "NONE", 0x50: "PERSID", 0x51: "BINPERSID",
        0x52: "REDUCE", 0x53: "STRING", 0x54: "BINSTRING", 0x55: "SHORT_BINSTRING", 0x56: "UNICODE",
        0x58: "BINUNICODE", 0x5D: "EMPTY_LIST", 0x61: "APPEND", 0x62: "BUILD", 0x63: "GLOBAL", 0x64: "DICT",
        0x65: "APPENDS", 0x67: "GET", 0x68: "BINGET", 0x69: "INST", 0x6A: "LONG_BINGET", 0x6C: "LIST",
        0x6F: "OBJ", 0x70: "PUT", 0x71: "BINPUT", 0x72: "LONG_BINPUT", 0x73: "SETITEM", 0x74: "TUPLE",
        0x75: "SETITEMS", 0x7D: "EMPTY_DICT", 0x80: "PROTO", 0x81: "NEWOBJ", 0x82: "EXT1", 0x83: "EXT2",
        0x84: "EXT4", 0x85: "TUPLE1", 0x86: "TUPLE2", 0x87: "TUPLE3", 0x88: "NEWTRUE", 0x89: "NEWFALSE",
        0x8A: "LONG1", 0x8B: "LONG4", 0x8C: "SHORT_BINUNICODE", 0x8D: "BINUNICODE8", 0x8E: "BINBYTES8",
        0x8F: "EMPTY_SET", 0x90: "ADDITEMS", 0x91: "FROZENSET", 0x92: "NEWOBJ_EX", 0x93: "STACK_GLOBAL",
        0x94: "MEMOIZE", 0x95: "FRAME", 0x96: "BYTEARRAY8", 0x97: "NEXT_BUFFER", 0x98: "READONLY_BUFFER",
    ]
}
