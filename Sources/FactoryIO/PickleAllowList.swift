// PickleAllowList: the only globals a pickle may name, and what "calling" each one means. No
// call runs code: OrderedDict() makes an empty dict, _rebuild_tensor_v2 records a tensor's
// storage, offset, shape and strides, _rebuild_parameter returns its tensor, and storage types
// and dtypes are plain values. Everything else (os.system, builtins.eval, subprocess.Popen,
// torch.storage._load_from_bytes, ...) is refused by name.

/// Resolves allow-listed globals to inert values and evaluates their calls.
enum PickleAllowList {
    /// What an allowed global is.
    enum Kind {
        case orderedDict
        case rebuildTensorV2
        case rebuildTensor
        case rebuildParameter
        case rebuildParameterWithState
        case storageType(TensorDType)
    }

    /// Every allowed global, `module.name` → kind.
    static let allowed: [String: Kind] = {
        var table: [String: Kind] = [
            "collections.OrderedDict": .orderedDict,
            "torch._utils._rebuild_tensor_v2": .rebuildTensorV2,
            "torch._utils._rebuild_tensor": .rebuildTensor,
            "torch._utils._rebuild_parameter": .rebuildParameter,
            "torch._utils._rebuild_parameter_with_state": .rebuildParameterWithState,
        ]
        let storages: [(String, TensorDType)] = [
            ("FloatStorage", .float32), ("HalfStorage", .float16), ("BFloat16Storage", .bfloat16),
            ("DoubleStorage", .float64), ("LongStorage", .int64), ("IntStorage", .int32),
            ("ShortStorage", .int16), ("CharStorage", .int8), ("ByteStorage", .uint8), ("BoolStorage", .bool),
            ("UntypedStorage", .uint8),
        ]
        for (name, dtype) in storages { table["torch.\(name)"] = .storageType(dtype) }
        let dtypes: [(String, TensorDType)] = [
            ("float32", .float32), ("float", .float32), ("float16", .float16), ("half", .float16),
            ("bfloat16", .bfloat16), ("float64", .float64), ("double", .float64), ("int64", .int64),
            ("long", .int64), ("int32", .int32), ("int", .int32), ("int16", .int16), ("short", .int16),
            ("int8", .int8), ("uint8", .uint8), ("bool", .bool),
        ]
        for (name, dtype) in dtypes { table["torch.\(name)"] = .storageType(dtype) }
        return table
    }()

    /// The value a GLOBAL/STACK_GLOBAL of `global` pushes, or nil if it is not allowed.
    static func resolve(_ global: PickleGlobal) -> PickleValue? {
        guard let kind = allowed[global.description] else { return nil }
        if case let .storageType(dtype) = kind { return .storageType(dtype) }
        return .global(global)
    }

    /// The result of calling `callable` with `arguments` (REDUCE or NEWOBJ).
    /// - Parameter fail: Makes the error to throw, given a reason.
    static func call(_ callable: PickleValue, _ arguments: [PickleValue], fail: (String, String) -> Error) throws -> PickleValue {
        guard case let .global(global) = callable, let kind = allowed[global.description] else {
            throw fail(callable.summary, "a callee that is not an allowed function")
        }
        let name = global.description
        switch kind {
        case .orderedDict:
            let dict = PickleDict()
            if let pairs = arguments.first?.sequence {
                for pair in pairs {
                    guard let items = pair.sequence, items.count == 2 else { throw fail(name, "an item that is not a (key, value) pair") }
                    dict.set(items[0], items[1])
                }
            }
            return .dict(dict)
        case .rebuildTensorV2, .rebuildTensor:
            // (storage, storage_offset, size, stride[, requires_grad, backward_hooks[, metadata]])
            guard arguments.count >= 4 else { throw fail(name, "\(arguments.count) arguments (expected at least 4)") }
            guard case let .storage(storage) = arguments[0] else { throw fail(name, "a first argument that is not a storage") }
            guard let offset = arguments[1].intValue, offset >= 0 else { throw fail(name, "a storage offset that is not a non-negative integer") }
            guard let shape = integers(arguments[2]), shape.allSatisfy({ $0 >= 0 }), shape.count <= 64 else {
                throw fail(name, "a size that is not a tuple of non-negative integers")
            }
            guard let strides = integers(arguments[3]), strides.count == shape.count else {
                throw fail(name, "a stride that is not a tuple of integers as long as the size")
            }
            return .tensor(TorchTensorReference(storage: storage, storageOffset: offset, shape: shape, strides: strides))
        case .rebuildParameter, .rebuildParameterWithState:
            guard let data = arguments.first, case .tensor = data else { throw fail(name, "a first argument that is not a tensor") }
            return data
        case .storageType:
            throw fail(name, "a call (storage types and dtypes are not callable here)")
        }
    }

    private static func integers(_ value: PickleValue) -> [Int]? {
        guard let items = value.sequence else { return nil }
        var result: [Int] = []
        for item in items {
            guard let number = item.intValue else { return nil }
            result.append(number)
        }
        return result
    }
}
