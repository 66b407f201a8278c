// TensorDType: the element types that weight files store (safetensors dtypes and PyTorch
// storage types), their sizes, and the conversions from raw little-endian bytes to Float32
// tensors or Swift integers, honouring shape, strides and offset. It does not read files.

import FactoryTensor
import Foundation

/// An element type stored in a weight file.
public enum TensorDType: String, CaseIterable, Sendable, Equatable, Hashable {
    case float32 = "F32"
    case float16 = "F16"
    case bfloat16 = "BF16"
    case float64 = "F64"
    case int64 = "I64"
    case int32 = "I32"
    case int16 = "I16"
    case int8 = "I8"
    case uint8 = "U8"
    case bool = "BOOL"

    /// The safetensors spelling ("F32", "BF16", ...).
    public var safetensorsName: String { rawValue }

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .float64, .int64: return 8
        case .float32, .int32: return 4
        case .float16, .bfloat16, .int16: return 2
        case .int8, .uint8, .bool: return 1
        }
    }

    /// Whether elements are floating-point numbers.
    public var isFloatingPoint: Bool {
        switch self {
        case .float32, .float16, .bfloat16, .float64: return true
        default: return false
        }
    }

    /// Whether elements are integers or booleans (readable with `integers(named:)`).
    public var isInteger: Bool { !isFloatingPoint }
}

/// What a weight file says about one tensor, without reading its elements.
public struct TensorInfo: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// The tensor's name (its key in the file, e.g. `encoder.layer.0.attention.self.query.weight`).
    public let name: String
    /// The stored element type.
    public let dtype: TensorDType
    /// The size of each axis.
    public let shape: [Int]
    /// Bytes the tensor's elements take in the file (`shape` product times the element size).
    public let byteCount: Int

    /// Creates a description of one stored tensor.
    public init(name: String, dtype: TensorDType, shape: [Int], byteCount: Int) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.byteCount = byteCount
    }

    /// Number of elements.
    public var elementCount: Int { shape.reduce(1, *) }

    public var description: String { "\(name) \(dtype.rawValue) \(shape) \(byteCount) bytes" }
}

/// Where a tensor's elements sit in a buffer of raw elements: a view (offset and strides, in elements).
struct StoredElementLayout {
    /// The largest tensor accepted whose view repeats storage elements (zero or overlapping strides).
    static let maximumRepeatedElements = 1 << 20

    var shape: [Int]
    var strides: [Int]
    var offset: Int

    static func contiguous(_ shape: [Int]) -> StoredElementLayout {
        StoredElementLayout(shape: shape, strides: Shape.contiguousStrides(shape), offset: 0)
    }

    /// Number of elements, or nil on overflow.
    static func elementCount(_ shape: [Int]) -> Int? {
        var count = 1
        for size in shape {
            guard size >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: size)
            if overflow { return nil }
            count = product
        }
        return count
    }

    /// Checks that every element lies inside a buffer of `available` elements; nil if it does,
    /// otherwise the reason it does not.
    func problem(available: Int) -> String? {
        guard shape.count == strides.count else { return "shape \(shape) and strides \(strides) differ in rank" }
        guard offset >= 0 else { return "negative storage offset \(offset)" }
        guard let count = StoredElementLayout.elementCount(shape) else { return "shape \(shape) is invalid or too large" }
        if count == 0 { return offset <= available ? nil : "storage offset \(offset) is past the storage (\(available) elements)" }
        var last = offset
        for (size, stride) in zip(shape, strides) {
            guard stride >= 0 else { return "negative stride in \(strides)" }
            let (step, overflowStep) = (size - 1).multipliedReportingOverflow(by: stride)
            let (sum, overflowSum) = last.addingReportingOverflow(step)
            if overflowStep || overflowSum { return "strides \(strides) overflow" }
            last = sum
        }
        guard last < available else {
            return "elements up to index \(last) (offset \(offset), shape \(shape), strides \(strides)) lie past the storage of \(available) elements"
        }
        // Broadcast or overlapping views may repeat elements; allow that only up to a bounded size
        // so that a hostile file cannot make a tiny storage allocate an enormous tensor.
        guard count <= available || count <= StoredElementLayout.maximumRepeatedElements else {
            return "shape \(shape) has more elements than its storage (\(available)); large overlapping views are not supported"
        }
        return nil
    }

    /// Whether the strides are exactly the row-major strides of the shape.
    var isContiguous: Bool { strides == Shape.contiguousStrides(shape) }

    /// Calls `body(destinationIndex, sourceIndex)` for every element in row-major order.
    func forEachElement(_ body: (Int, Int) -> Void) {
        guard let count = StoredElementLayout.elementCount(shape), count > 0 else { return }
        let rank = shape.count
        if rank == 0 { body(0, offset); return }
        var index = [Int](repeating: 0, count: rank)
        var source = offset
        let innerSize = shape[rank - 1], innerStride = strides[rank - 1]
        var destination = 0
        while destination < count {
            var position = source
            for _ in 0..<innerSize {
                body(destination, position)
                destination += 1
                position += innerStride
            }
            // Advance the outer index (odometer), updating the source position incrementally.
            var axis = rank - 2
            while axis >= 0 {
                index[axis] += 1
                source += strides[axis]
                if index[axis] < shape[axis] { break }
                source -= strides[axis] * shape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
    }
}

enum StoredElements {
    /// Reads element `index` of `dtype` from `raw` as a Float.
    @inline(__always)
    static func float(_ raw: UnsafeRawBufferPointer, _ dtype: TensorDType, _ index: Int) -> Float {
        switch dtype {
        case .float32: return Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self)))
        case .float16: return Float(Float16(bitPattern: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self))))
        case .bfloat16:
            let bits = UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self))
            return Float(bitPattern: UInt32(bits) << 16)
        case .float64: return Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self))))
        default: return Float(integer(raw, dtype, index))
        }
    }

    /// Reads element `index` of an integer (or boolean) `dtype` from `raw`.
    @inline(__always)
    static func integer(_ raw: UnsafeRawBufferPointer, _ dtype: TensorDType, _ index: Int) -> Int {
        switch dtype {
        case .int64: return Int(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: index * 8, as: Int64.self)))
        case .int32: return Int(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: index * 4, as: Int32.self)))
        case .int16: return Int(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: index * 2, as: Int16.self)))
        case .int8: return Int(raw.load(fromByteOffset: index, as: Int8.self))
        case .uint8: return Int(raw[index])
        case .bool: return raw[index] == 0 ? 0 : 1
        default: return Int(float(raw, dtype, index))
        }
    }

    /// A contiguous Float32 tensor from the elements of `raw` (all of `dtype`) seen through `layout`.
    /// The caller has checked the layout against the buffer (`StoredElementLayout.problem`).
    static func tensor(_ raw: UnsafeRawBufferPointer, dtype: TensorDType, layout: StoredElementLayout) -> Tensor {
        let result = Tensor.uninitialized(layout.shape)
        let destination = result.storage.pointer
        if dtype == .float32, layout.isContiguous {
            let count = result.count
            if count > 0 {
                UnsafeMutableRawPointer(destination).copyMemory(from: raw.baseAddress! + layout.offset * 4, byteCount: count * 4)
                #if _endian(big)
                for index in 0..<count { destination[index] = Float(bitPattern: UInt32(littleEndian: destination[index].bitPattern)) }
                #endif
            }
            return result
        }
        layout.forEachElement { target, source in destination[target] = float(raw, dtype, source) }
        return result
    }

    /// The integer elements of `raw` seen through `layout`, in row-major order.
    static func integers(_ raw: UnsafeRawBufferPointer, dtype: TensorDType, layout: StoredElementLayout) -> [Int] {
        let count = StoredElementLayout.elementCount(layout.shape) ?? 0
        var values = [Int](repeating: 0, count: count)
        values.withUnsafeMutableBufferPointer { buffer in
            layout.forEachElement { target, source in buffer[target] = integer(raw, dtype, source) }
        }
        return values
    }
}
