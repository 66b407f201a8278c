// JSONValue: a parsed JSON document (null, bool, integer, double, string, array, object)
// with typed accessors. Objects keep their members in file order and look keys up by
// their exact UTF-8 bytes, so two canonically equivalent but different keys (NFC "é" and
// NFD "e\u{301}", both legal in a tokenizer vocabulary) stay two keys.
// It is NOT a Codable bridge and NOT a writer; JSONParser builds these values.

/// One JSON value, as parsed by ``JSONParser``.
public enum JSONValue: Sendable, Equatable, CustomStringConvertible {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number written without fraction or exponent that fits in `Int`.
    case integer(Int)
    /// Any other number.
    case double(Double)
    /// A string, escapes decoded.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object, members in file order.
    case object(JSONObject)

    /// The JSON type name used in error messages: "null", "boolean", "integer", "number",
    /// "string", "array" or "object".
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .integer: "integer"
        case .double: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// The string, or nil when this is not a string.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The integer, or nil when this is not a number with an exact integer value.
    public var integerValue: Int? {
        switch self {
        case .integer(let value): return value
        case .double(let value):
            guard value.rounded() == value, let exact = Int(exactly: value) else { return nil }
            return exact
        default: return nil
        }
    }

    /// The number as a Double, or nil when this is not a number.
    public var doubleValue: Double? {
        switch self {
        case .integer(let value): return Double(value)
        case .double(let value): return value
        default: return nil
        }
    }

    /// The boolean, or nil when this is not `true` or `false`.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The elements, or nil when this is not an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The object, or nil when this is not an object.
    public var objectValue: JSONObject? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// True for `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The member named `key` when this is an object, else nil.
    public subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }

    /// A short rendering for messages: strings quoted, containers abbreviated.
    public var description: String {
        switch self {
        case .null: return "null"
        case .bool(let value): return String(value)
        case .integer(let value): return String(value)
        case .double(let value): return String(value)
        case .string(let value): return "\"\(value)\""
        case .array(let elements): return "[\(elements.count) elements]"
        case .object(let object): return "{\(object.count) members}"
        }
    }
}

/// A JSON object: members in file order, keys compared by their exact UTF-8 bytes.
public struct JSONObject: Sendable, Equatable {
    /// The members, in the order the file lists them. Keys are unique.
    public let members: [(key: String, value: JSONValue)]
    private let indexByKey: [[UInt8]: Int]

    /// Makes an object; a later member with the same key (same bytes) replaces an earlier
    /// one. The parser rejects duplicate keys before it gets here.
    public init(members: [(key: String, value: JSONValue)]) {
        var kept: [(key: String, value: JSONValue)] = []
        var index: [[UInt8]: Int] = [:]
        kept.reserveCapacity(members.count)
        for member in members {
            let bytes = Array(member.key.utf8)
            if let existing = index[bytes] {
                kept[existing] = member
            } else {
                index[bytes] = kept.count
                kept.append(member)
            }
        }
        self.members = kept
        self.indexByKey = index
    }

    /// The number of members.
    public var count: Int { members.count }

    /// The keys, in file order.
    public var keys: [String] { members.map(\.key) }

    /// The value of the member whose key has exactly the bytes of `key`, or nil.
    public subscript(key: String) -> JSONValue? {
        guard let position = indexByKey[Array(key.utf8)] else { return nil }
        return members[position].value
    }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.members.count == rhs.members.count else { return false }
        for (left, right) in zip(lhs.members, rhs.members) {
            guard Array(left.key.utf8) == Array(right.key.utf8), left.value == right.value else { return false }
        }
        return true
    }
}
