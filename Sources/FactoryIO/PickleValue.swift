// PickleValue: the inert values the pickle reader builds. Nothing here can run code: a global
// is only a name, an object is a name plus its arguments, and the only "calls" are the few
// torch constructors that PickleAllowList turns into plain descriptions (storage references
// and tensor layouts). Lists, dicts and tuples are classes because pickles share and mutate
// them through the memo.

import Foundation

/// A value decoded from a pickle.
public enum PickleValue: CustomStringConvertible {
    /// Python's `None` (also what an unknown call yields when only listing globals).
    case none
    /// `True` / `False`.
    case bool(Bool)
    /// An integer that fits in `Int`.
    case int(Int)
    /// An integer too large for `Int`, as little-endian two's-complement bytes.
    case bigInt([UInt8])
    /// A Python float.
    case float(Double)
    /// A `str` (Python 2 `str` is decoded as UTF-8, else Latin-1).
    case string(String)
    /// A `bytes` value.
    case bytes(Data)
    /// A tuple (also a frozenset).
    case tuple(PickleTuple)
    /// A list (also a set).
    case list(PickleList)
    /// A dict or `collections.OrderedDict`, in insertion order.
    case dict(PickleDict)
    /// An allow-listed global that is not itself a value (e.g. `collections.OrderedDict`).
    case global(PickleGlobal)
    /// A torch storage type such as `torch.FloatStorage`, or a dtype such as `torch.float32`.
    case storageType(TensorDType)
    /// A reference to raw tensor storage, from a persistent id.
    case storage(TorchStorageReference)
    /// A tensor: a view of a storage (from `torch._utils._rebuild_tensor_v2`).
    case tensor(TorchTensorReference)

    /// The string, if this is one.
    public var stringValue: String? { if case let .string(value) = self { return value } else { return nil } }
    /// The integer, if this is one.
    public var intValue: Int? {
        switch self {
        case let .int(value): return value
        case let .bool(value): return value ? 1 : 0
        default: return nil
        }
    }
    /// The elements of a tuple or list.
    public var sequence: [PickleValue]? {
        switch self {
        case let .tuple(tuple): return tuple.items
        case let .list(list): return list.items
        default: return nil
        }
    }
    /// The dict, if this is one.
    public var dictValue: PickleDict? { if case let .dict(value) = self { return value } else { return nil } }

    /// A short description of the kind of value ("dict (3 keys)", "tensor F32 [2, 3]", ...).
    public var summary: String {
        switch self {
        case .none: return "None"
        case let .bool(value): return "bool \(value)"
        case let .int(value): return "int \(value)"
        case let .bigInt(bytes): return "int (\(bytes.count) bytes)"
        case let .float(value): return "float \(value)"
        case let .string(value): return "str \(value.count > 40 ? String(value.prefix(40)) + "…" : value)"
        case let .bytes(value): return "bytes (\(value.count))"
        case let .tuple(tuple): return "tuple (\(tuple.items.count) items)"
        case let .list(list): return "list (\(list.items.count) items)"
        case let .dict(dict):
            let tensors = dict.entries.filter { if case .tensor = $0.value { return true } else { return false } }.count
            return tensors > 0 ? "dict (\(dict.entries.count) keys, \(tensors) tensors)" : "dict (\(dict.entries.count) keys)"
        case let .global(global): return "global \(global)"
        case let .storageType(dtype): return "storage type \(dtype.rawValue)"
        case let .storage(storage): return "storage \(storage.key) \(storage.dtype.rawValue)"
        case let .tensor(tensor): return "tensor \(tensor.storage.dtype.rawValue) \(tensor.shape)"
        }
    }

    public var description: String { summary }
}

/// A global named by a pickle (`module.name`).
public struct PickleGlobal: Hashable, Sendable, CustomStringConvertible {
    /// The module, e.g. `torch._utils`.
    public let module: String
    /// The name inside the module, e.g. `_rebuild_tensor_v2`.
    public let name: String
    /// Creates a global name.
    public init(module: String, name: String) {
        self.module = module
        self.name = name
    }
    public var description: String { "\(module).\(name)" }
}

/// Storage named by a torch persistent id: `('storage', StorageType, key, location, count[, view])`.
public struct TorchStorageReference: Sendable, Equatable {
    /// The storage key (a file in the zip layout, an entry of the storage table in the legacy one).
    public let key: String
    /// The element type.
    public let dtype: TensorDType
    /// Where it lived when saved ("cpu", "cuda:0"); informational only.
    public let location: String
    /// Declared number of elements.
    public let elementCount: Int
    /// For legacy views of a larger storage: the element offset into storage `key`.
    public let viewOffset: Int
}

/// A tensor as a view of a storage: what `torch._utils._rebuild_tensor_v2` describes.
public struct TorchTensorReference: Sendable, Equatable {
    /// The storage the tensor views.
    public let storage: TorchStorageReference
    /// Offset into the storage, in elements.
    public let storageOffset: Int
    /// The size of each axis.
    public let shape: [Int]
    /// Strides in elements (PyTorch's `stride()`).
    public let strides: [Int]
}

/// A tuple (immutable once built).
public final class PickleTuple {
    /// The elements (cleared only when the reader tears down a rejected pickle).
    public internal(set) var items: [PickleValue]
    init(_ items: [PickleValue]) { self.items = items }
}

/// A list; APPEND/APPENDS add to it after it is memoised.
public final class PickleList {
    public internal(set) var items: [PickleValue] = []
    init() {}
}

/// An insertion-ordered dict (also used for `collections.OrderedDict` and sets).
public final class PickleDict {
    /// Entries in insertion order; a repeated key replaces the earlier value in place.
    public private(set) var entries: [(key: PickleValue, value: PickleValue)] = []
    private var index: [PickleDictKey: Int] = [:]
    init() {}

    /// The value stored under a string key.
    public subscript(key: String) -> PickleValue? {
        index[.string(key)].map { entries[$0].value }
    }

    /// The keys that are strings or integers, as text, in order.
    public var keyStrings: [String] {
        entries.compactMap { PickleDictKey($0.key)?.text }
    }

    func set(_ key: PickleValue, _ value: PickleValue) {
        if let hashable = PickleDictKey(key) {
            if let position = index[hashable] {
                entries[position].value = value
                return
            }
            index[hashable] = entries.count
        }
        entries.append((key, value))
    }

    func removeAll() {
        entries.removeAll()
        index.removeAll()
    }
}

/// A dict key that can be looked up (strings, integers, booleans); other keys are kept unindexed.
enum PickleDictKey: Hashable {
    case string(String)
    case int(Int)

    init?(_ value: PickleValue) {
        switch value {
        case let .string(text): self = .string(text)
        case let .int(number): self = .int(number)
        case let .bool(flag): self = .int(flag ? 1 : 0)
        default: return nil
        }
    }

    var text: String {
        switch self {
        case let .string(text): return text
        case let .int(number): return String(number)
        }
    }
}
