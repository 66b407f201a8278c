// PickleError: everything the pickle reader refuses, each case naming the source and the byte
// offset of the opcode at fault. It is not thrown for short input: that is ByteReaderError.

/// Why a pickle could not be read.
public enum PickleError: Error, CustomStringConvertible, Equatable, Sendable {
    /// An opcode this reader does not implement (or a byte that is no opcode at all).
    case unsupportedOpcode(source: String, offset: Int, opcode: UInt8)
    /// The pickle names a global outside the allow-list: loading it in Python could run code.
    /// `allNamed` lists every global the pickle names, as far as it is known.
    case disallowedGlobal(source: String, offset: Int, global: String, allNamed: [String])
    /// An opcode found the stack, memo or its operand in a state it cannot work with.
    case malformed(source: String, offset: Int, opcode: String, reason: String)
    /// A memo slot was read before it was written.
    case missingMemo(source: String, offset: Int, index: Int)
    /// A size limit was exceeded (stack, marks, memo, nesting, integer length).
    case limitExceeded(source: String, offset: Int, what: String, limit: Int)
    /// A text string is not valid UTF-8.
    case invalidString(source: String, offset: Int)
    /// The data ended without a STOP opcode.
    case missingStop(source: String, offset: Int)
    /// An allow-listed callable was called with arguments it does not accept.
    case invalidCall(source: String, offset: Int, callee: String, reason: String)

    public var description: String {
        switch self {
        case let .unsupportedOpcode(source, offset, opcode):
            return "\(source): pickle opcode \(PickleOpcode.name(of: opcode)) at byte \(offset) is not supported "
                + "(this reader handles the binary opcodes of PyTorch checkpoints). The file is corrupt or not a PyTorch checkpoint."
        case let .disallowedGlobal(source, offset, global, allNamed):
            let list = allNamed.isEmpty ? "" : " The pickle names: \(allNamed.joined(separator: ", "))."
            return "\(source): the pickle names the global \(global) (byte \(offset)), which is not on the allow-list of "
                + "tensor-loading functions; it could run code when loaded in Python, so it is refused.\(list) "
                + "Do not load this file in Python; get the weights as safetensors or as a plain state dict."
        case let .malformed(source, offset, opcode, reason):
            return "\(source): malformed pickle at byte \(offset) (\(opcode)): \(reason). The file is corrupt."
        case let .missingMemo(source, offset, index):
            return "\(source): pickle at byte \(offset) reads memo slot \(index), which was never written. The file is corrupt."
        case let .limitExceeded(source, offset, what, limit):
            return "\(source): pickle at byte \(offset) exceeds the limit on \(what) (\(limit)). The file is corrupt or hostile."
        case let .invalidString(source, offset):
            return "\(source): pickle string at byte \(offset) is not valid UTF-8. The file is corrupt."
        case let .missingStop(source, offset):
            return "\(source): pickle ends at byte \(offset) without a STOP opcode. The file is truncated."
        case let .invalidCall(source, offset, callee, reason):
            return "\(source): pickle at byte \(offset) calls \(callee) with \(reason). The file is corrupt or from an unsupported PyTorch version."
        }
    }
}
