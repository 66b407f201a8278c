// KernelFloatVector: the float vectors (SIMD8<Float>, SIMD16<Float>) that the hand-written
// kernels are generic over, with the operations that must be written once per concrete type:
// unaligned loads and stores, and lanewise comparisons. In code generic over `SIMD`, the
// standard library resolves these to its generic implementations: `.<` / `.>` / `.!=`
// compile to a loop over the lanes (a scalar compare and branch each, measured as most of
// the time of VectorMath.exp and erf), and `loadUnaligned` / `storeBytes` to out-of-line
// calls once a kernel is large; on the concrete types each is one instruction. Arithmetic
// (`+`, `*`, `addingProduct`), bit operations and `replacing(with:where:)` vectorise either
// way and are not here. The free functions below (lanesLess, lanesGreater, lanesNotEqual)
// are what kernels call; loads and stores are VectorMemory's `load(_:as:)` / `store`.
// Not here: elementary functions (VectorMath.swift), the build's width (KernelVector.swift).

/// A float vector the hand-written kernels run in: `SIMD8<Float>` or `SIMD16<Float>`
/// (``KernelVector`` is one of them).
public protocol KernelFloatVector: SIMD where Scalar == Float {
    /// The vector at `pointer`; no alignment needed.
    static func loadUnaligned(from pointer: UnsafePointer<Float>) -> Self
    /// Writes the vector at `pointer`; no alignment needed.
    func storeUnaligned(to pointer: UnsafeMutablePointer<Float>)
    /// `a .< b` lanewise (false where either is NaN), as one vector comparison.
    static func lanesLess(_ a: Self, _ b: Self) -> SIMDMask<MaskStorage>
    /// `a .!= b` lanewise (true where either is NaN), as one vector comparison.
    static func lanesNotEqual(_ a: Self, _ b: Self) -> SIMDMask<MaskStorage>
}

extension SIMD8: KernelFloatVector where Scalar == Float {
    @inlinable @inline(__always)
    public static func loadUnaligned(from pointer: UnsafePointer<Float>) -> Self {
        UnsafeRawPointer(pointer).loadUnaligned(as: Self.self)
    }

    @inlinable @inline(__always)
    public func storeUnaligned(to pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: self, as: Self.self)
    }

    @inlinable @inline(__always)
    public static func lanesLess(_ a: Self, _ b: Self) -> SIMDMask<MaskStorage> { a .< b }

    @inlinable @inline(__always)
    public static func lanesNotEqual(_ a: Self, _ b: Self) -> SIMDMask<MaskStorage> { a .!= b }
}

extension SIMD16: KernelFloatVector where Scalar == Float {
    @inlinable @inline(__always)
    public static func loadUnaligned(from pointer: UnsafePointer<Float>) -> Self {
        UnsafeRawPointer(pointer).loadUnaligned(as: Self.self)
    }

    @inlinable @inline(__always)
    public func storeUnaligned(to pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: self, as: Self.self)
    }

    @inlinable @inline(__always)
    public static func lanesLess(_ a: Self, _ b: Self) -> SIMDMask<MaskStorage> { a .< b }

    @inlinable @inline(__always)
    public static func lanesNotEqual(_ a: Self, _ b: Self) -> SIMDMask<MaskStorage> { a .!= b }
}

extension KernelFloatVector {
    /// Each lane clamped to `lower...upper` (NaN stays NaN).
    @inlinable @inline(__always)
    public func clamped(lower: Self, upper: Self) -> Self {
        replacing(with: lower, where: Self.lanesLess(self, lower)).replacing(with: upper, where: Self.lanesLess(upper, self))
    }

    /// `self` in the lanes where `lower < value < upper` (false for NaN), 0 in the others.
    @inlinable @inline(__always)
    public func kept(where value: Self, isAbove lower: Self, below upper: Self) -> Self {
        Self().replacing(with: self, where: Self.lanesLess(lower, value) .& Self.lanesLess(value, upper))
    }
}

/// `a .< b` lanewise, as one vector comparison.
@inlinable @inline(__always)
func lanesLess<V: KernelFloatVector>(_ a: V, _ b: V) -> SIMDMask<V.MaskStorage> { V.lanesLess(a, b) }

/// `a .> b` lanewise, as one vector comparison.
@inlinable @inline(__always)
func lanesGreater<V: KernelFloatVector>(_ a: V, _ b: V) -> SIMDMask<V.MaskStorage> { V.lanesLess(b, a) }

/// `a .!= b` lanewise (true where either is NaN), as one vector comparison.
@inlinable @inline(__always)
func lanesNotEqual<V: KernelFloatVector>(_ a: V, _ b: V) -> SIMDMask<V.MaskStorage> { V.lanesNotEqual(a, b) }
