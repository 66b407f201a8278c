// VectorMemory: loading and storing eight floats at any (unaligned) address, shared by
// every hand-vectorised kernel. Nothing else.

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
