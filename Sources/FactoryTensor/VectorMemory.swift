// VectorMemory: loading and storing float vectors (8 lanes, or any width) at any (unaligned)
// address, and the NaN-keeping maximum, shared by every hand-vectorised kernel. Nothing else.

/// Eight floats read from `pointer`; no alignment needed.
@inlinable @inline(__always)
func load(_ pointer: UnsafePointer<Float>) -> Float8 {
    UnsafeRawPointer(pointer).loadUnaligned(as: Float8.self)
}

/// Eight floats read from `pointer`; no alignment needed.
@inlinable @inline(__always)
func load(_ pointer: UnsafeMutablePointer<Float>) -> Float8 {
    UnsafeRawPointer(pointer).loadUnaligned(as: Float8.self)
}

/// Writes eight floats at `pointer`; no alignment needed.
@inlinable @inline(__always)
func store(_ value: Float8, _ pointer: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: Float8.self)
}

/// Lane-wise maximum that keeps NaN (once a lane is NaN it stays NaN). The standard
/// library's `pointwiseMax` is not inlined into the kernels and costs a call per vector.
@inlinable @inline(__always)
func maximum(_ a: Float8, _ b: Float8) -> Float8 {
    a.replacing(with: b, where: (b .> a) .| (b .!= b))
}

/// A kernel vector (`SIMD8<Float>`, `SIMD16<Float>`) read from `pointer`; no alignment needed.
@inlinable @inline(__always)
func load<V: KernelFloatVector>(_ pointer: UnsafePointer<Float>, as type: V.Type) -> V {
    V.loadUnaligned(from: pointer)
}

/// A kernel vector read from `pointer`; no alignment needed.
@inlinable @inline(__always)
func load<V: KernelFloatVector>(_ pointer: UnsafeMutablePointer<Float>, as type: V.Type) -> V {
    V.loadUnaligned(from: UnsafePointer(pointer))
}

/// Writes a kernel vector at `pointer`; no alignment needed.
@inlinable @inline(__always)
func store<V: KernelFloatVector>(_ value: V, _ pointer: UnsafeMutablePointer<Float>) {
    value.storeUnaligned(to: pointer)
}

/// Lane-wise maximum that keeps NaN, at any kernel width.
@inlinable @inline(__always)
func maximum<V: KernelFloatVector>(_ a: V, _ b: V) -> V {
    a.replacing(with: b, where: lanesLess(a, b) .| lanesNotEqual(b, b))
}
