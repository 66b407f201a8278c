// VectorMemory: loading and storing float vectors (8 lanes, or any width) at any (unaligned)
// address, the NaN-keeping maximum, and cache-line aligned float buffers for packed operands,
// shared by every hand-vectorised kernel. Nothing else.

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

/// `count` uninitialised floats starting at a cache-line (64-byte) boundary: a packed operand
/// whose rows are whole lines (16 floats) is then read by 16-lane loads that never straddle
/// two lines (such a load costs two). malloc aligns large buffers to 16 bytes only, and
/// which of the four offsets in a line a buffer gets changes from one allocation to the next.
/// Free it with ``deallocateLineAligned(_:)``.
func allocateLineAligned(floats count: Int) -> UnsafeMutablePointer<Float> {
    UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Float>.stride, alignment: 64)
        .bindMemory(to: Float.self, capacity: count)
}

/// Frees a buffer from ``allocateLineAligned(floats:)``.
func deallocateLineAligned(_ pointer: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(pointer).deallocate()
}
