// TokenizerJSONNode: a JSON value together with its file and JSON path, so every accessor
// can throw a TokenizerError naming exactly where the file is wrong
// (`tokenizer.json: post_processor.single[1].Sequence.type_id should be integer…`).
// Stage builders (BERT's here, BPE's in a plugin) read tokenizer.json only through it.
// It is NOT a general JSON API; use JSONValue for that.

/// A value inside a tokenizer file, with the path that leads to it.
public struct TokenizerJSONNode: Sendable {
    /// The value at this path.
    public let value: JSONValue
    /// The JSON path, e.g. `model.vocab` or `post_processor.single[0]`; empty for the root.
    public let path: String
    /// The file the value came from, for error messages.
    public let file: String

    /// Makes a node; `path` is empty for the document root.
    public init(value: JSONValue, path: String, file: String) {
        self.value = value
        self.path = path
        self.file = file
    }

    /// The path for messages: `(root)` for the document itself.
    public var displayPath: String { path.isEmpty ? "(root)" : path }

    private func childPath(_ key: String) -> String {
        let isPlain = !key.isEmpty && key.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || $0 == "_" || ("0"..."9").contains($0)) }
        if isPlain { return path.isEmpty ? key : "\(path).\(key)" }
        return "\(path)[\"\(key)\"]"
    }

    /// An error of the wrong-type kind for this node.
    public func wrongType(expected: String) -> TokenizerError {
        .wrongType(file: file, path: displayPath, expected: expected, found: value.typeName)
    }

    /// An error saying this node's value makes no sense, with `reason`.
    public func invalid(_ reason: String) -> TokenizerError {
        .invalidValue(file: file, path: displayPath, reason: reason)
    }

    /// The member `key` of this object; throws when this is not an object or `key` is absent.
    public func field(_ key: String) throws(TokenizerError) -> TokenizerJSONNode {
        guard let object = value.objectValue else { throw wrongType(expected: "an object") }
        guard let member = object[key] else { throw .missingField(file: file, path: childPath(key)) }
        return TokenizerJSONNode(value: member, path: childPath(key), file: file)
    }

    /// The member `key`, or nil when it is absent or `null`; throws when this is not an object.
    public func optionalField(_ key: String) throws(TokenizerError) -> TokenizerJSONNode? {
        guard let object = value.objectValue else { throw wrongType(expected: "an object") }
        guard let member = object[key], !member.isNull else { return nil }
        return TokenizerJSONNode(value: member, path: childPath(key), file: file)
    }

    /// This value as a string.
    public func string() throws(TokenizerError) -> String {
        guard let text = value.stringValue else { throw wrongType(expected: "a string") }
        return text
    }

    /// This value as an integer.
    public func integer() throws(TokenizerError) -> Int {
        guard let number = value.integerValue else { throw wrongType(expected: "an integer") }
        return number
    }

    /// This value as a non-negative integer (an id, a length).
    public func nonNegativeInteger() throws(TokenizerError) -> Int {
        let number = try integer()
        guard number >= 0 else { throw invalid("is \(number) but must not be negative") }
        return number
    }

    /// This value as a number.
    public func double() throws(TokenizerError) -> Double {
        guard let number = value.doubleValue else { throw wrongType(expected: "a number") }
        return number
    }

    /// This value as a boolean.
    public func bool() throws(TokenizerError) -> Bool {
        guard let flag = value.boolValue else { throw wrongType(expected: "a boolean") }
        return flag
    }

    /// The elements of this array, each with its `[index]` path.
    public func array() throws(TokenizerError) -> [TokenizerJSONNode] {
        guard let elements = value.arrayValue else { throw wrongType(expected: "an array") }
        return elements.enumerated().map { index, element in
            TokenizerJSONNode(value: element, path: "\(path)[\(index)]", file: file)
        }
    }

    /// The members of this object in file order, each with its path.
    public func members() throws(TokenizerError) -> [(key: String, node: TokenizerJSONNode)] {
        guard let object = value.objectValue else { throw wrongType(expected: "an object") }
        return object.members.map { member in
            (member.key, TokenizerJSONNode(value: member.value, path: childPath(member.key), file: file))
        }
    }

    /// The `type` field of a pipeline-stage object (e.g. "WordPiece").
    public func typeName() throws(TokenizerError) -> String {
        try field("type").string()
    }
}
