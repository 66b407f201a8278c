// Tensor: an N-dimensional Float32 array (shape, strides, offset into a shared storage)
// that records the operations made on it for reverse-mode autodiff. This file holds the
// type, its initialisers and element access; operations live in Tensor+*.swift files.

/// An N-dimensional array of `Float` with optional gradient tracking.
///
/// Tensors are immutable values from the caller's point of view: every operation returns a
/// new tensor. Views (reshape of contiguous data, transpose, permute, slice, expand) share
/// storage with their source. When gradients are enabled and an input `requiresGradient`,
/// the result remembers how to send gradients back (see ``backward(_:)``).
public final class Tensor: @unchecked Sendable {
    /// The size of each axis, outermost first. `[]` is a scalar.
    public let shape: [Int]
    /// Elements to skip in storage per step along each axis (0 on broadcast axes).
    public let strides: [Int]
    /// Index in `storage` of the first element.
    public let offset: Int
    /// The shared buffer holding the elements.
    public let storage: TensorStorage

    /// Whether gradients flow to this tensor. Set it on leaves (parameters, inputs you want
    /// gradients for); results of operations on such tensors get it automatically.
    public var requiresGradient: Bool
    /// The accumulated gradient of a leaf after ``backward(_:)``; `nil` until then.
    public var gradient: Tensor?
    /// How this tensor was computed, when it was computed from tensors needing gradients.
    public internal(set) var gradientFunction: GradientFunction?

    /// Creates a tensor viewing `storage` with the given layout.
    public init(storage: TensorStorage, shape: [Int], strides: [Int], offset: Int = 0) {
        precondition(shape.count == strides.count, "Tensor: shape \(shape) and strides \(strides) differ in rank")
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative dimension in shape \(shape)")
        self.storage = storage
        self.shape = shape
        self.strides = strides
        self.offset = offset
        self.requiresGradient = false
    }

    /// Creates a contiguous tensor over `storage`.
    public convenience init(storage: TensorStorage, shape: [Int]) {
        precondition(storage.count >= Shape.count(shape),
                     "Tensor: storage of \(storage.count) elements is too small for shape \(shape)")
        self.init(storage: storage, shape: shape, strides: Shape.contiguousStrides(shape))
    }

    /// Creates a tensor of `shape` from row-major `scalars`.
    public convenience init(_ scalars: [Float], shape: [Int]) {
        precondition(scalars.count == Shape.count(shape),
                     "Tensor: \(scalars.count) values do not fill shape \(shape)")
        let storage = TensorStorage(uninitializedCount: scalars.count)
        scalars.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { storage.pointer.initialize(from: base, count: scalars.count) }
        }
        self.init(storage: storage, shape: shape)
    }

    /// Creates a rank-1 tensor from `scalars`.
    public convenience init(_ scalars: [Float]) {
        self.init(scalars, shape: [scalars.count])
    }

    /// Creates a scalar (rank-0) tensor.
    public convenience init(scalar: Float) {
        self.init([scalar], shape: [])
    }

    /// A tensor of `shape` with every element equal to `value`.
    public convenience init(repeating value: Float, shape: [Int]) {
        self.init(storage: TensorStorage(count: Shape.count(shape), repeating: value), shape: shape)
    }

    /// A tensor of zeros.
    public static func zeros(_ shape: [Int]) -> Tensor { Tensor(repeating: 0, shape: shape) }
    /// A tensor of ones.
    public static func ones(_ shape: [Int]) -> Tensor { Tensor(repeating: 1, shape: shape) }

    /// An uninitialised contiguous tensor, for kernels that write every element.
    public static func uninitialized(_ shape: [Int]) -> Tensor {
        Tensor(storage: TensorStorage(uninitializedCount: Shape.count(shape)), shape: shape)
    }

    /// `[start, start + step, ...]` below `end`, as a rank-1 tensor.
    public static func arange(_ start: Float = 0, _ end: Float, step: Float = 1) -> Tensor {
        precondition(step != 0, "arange: step must not be 0")
        let count = Swift.max(0, Int(((end - start) / step).rounded(.up)))
        return Tensor((0..<count).map { start + Float($0) * step })
    }

    /// Number of axes.
    public var rank: Int { shape.count }
    /// Number of elements.
    public var count: Int { Shape.count(shape) }

    /// Whether the elements are laid out densely in row-major order (any offset).
    public var isContiguous: Bool {
        var expected = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) where shape[axis] != 1 {
            if strides[axis] != expected { return false }
            expected *= shape[axis]
        }
        return true
    }

    /// The elements in row-major order.
    public var scalars: [Float] {
        let dense = contiguous()
        return Array(UnsafeBufferPointer(start: dense.storage.pointer + dense.offset, count: dense.count))
    }

    /// The single element of a one-element tensor.
    public var item: Float {
        precondition(count == 1, "item: tensor of shape \(shape) has \(count) elements, not 1")
        return storage.pointer[offset]
    }

    /// The element at `indices` (one per axis; negative counts from the end).
    public subscript(_ indices: Int...) -> Float {
        precondition(indices.count == rank, "subscript: \(indices.count) indices for rank \(rank)")
        var position = offset
        for (axis, index) in indices.enumerated() {
            let resolved = index < 0 ? index + shape[axis] : index
            precondition(resolved >= 0 && resolved < shape[axis],
                         "subscript: index \(index) out of range for axis \(axis) of size \(shape[axis])")
            position += resolved * strides[axis]
        }
        return storage.pointer[position]
    }

    /// The same elements (shared storage) cut off from the gradient history.
    public func detached() -> Tensor {
        Tensor(storage: storage, shape: shape, strides: strides, offset: offset)
    }

    /// Runs `body` with a pointer to the contiguous elements (copying first if this is a view).
    public func withContiguousElements<Result>(_ body: (UnsafeBufferPointer<Float>) throws -> Result) rethrows -> Result {
        let dense = contiguous()
        return try body(UnsafeBufferPointer(start: dense.storage.pointer + dense.offset, count: dense.count))
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let values = count <= 16 ? scalars.map { "\($0)" }.joined(separator: ", ") : "\(count) values"
        return "Tensor(shape: \(shape), [\(values)])"
    }
}
