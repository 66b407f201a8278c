// KernelFloatVector: the float vectors (SIMD8<Float>, SIMD16<Float>) that the convolution,
// batch-norm and clamp kernels are generic over, with the operations those kernels need
// written once per concrete type: unaligned loads and stores, and lanewise comparisons.
// In generic code the standard library resolves these to its generic implementations:
// `.<` / `.>` compile to a loop over the lanes (a scalar compare and blend each), and
// `loadUnaligned` / `storeBytes` to out-of-line calls once a kernel is large; on the
// concrete types they are single instructions. Arithmetic (`+`, `*`, `addProduct`)
// vectorises either way and is not here. The `load(_:as:)` / `store(_:_:)` overloads below
// are picked over VectorMemory's generic ones for these types.
// Not here: elementary functions (VectorMath.swift).

/// A float vector the hand-written kernels can run in; `KernelVector` is one.
protocol KernelFloatVector: SIMD where Scalar == Float {
    /// The vector at `pointer`; no alignment needed.
    static func loadUnaligned(from pointer: UnsafePointer<Float>) -> Self
    /// Writes the vector at `pointer`; no alignment needed.
    func storeUnaligned(to pointer: UnsafeMutablePointer<Float>)
    /// Each lane clamped to `lower...upper` (NaN stays NaN).
    func clamped(lower: Self, upper: Self) -> Self
    /// `self` in the lanes where `lower < value < upper` (false for NaN), 0 in the others.
    func kept(where value: Self, isAbove lower: Self, below upper: Self) -> Self
}

extension SIMD8: KernelFloatVector where Scalar == Float {
    @inline(__always)
    static func loadUnaligned(from pointer: UnsafePointer<Float>) -> Self {
        UnsafeRawPointer(pointer).loadUnaligned(as: Self.self)
    }

    @inline(__always)
    func storeUnaligned(to pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: self, as: Self.self)
    }

    @inline(__always)
    func clamped(lower: Self, upper: Self) -> Self {
        replacing(with: lower, where: self .< lower).replacing(with: upper, where: self .> upper)
    }

    @inline(__always)
    func kept(where value: Self, isAbove lower: Self, below upper: Self) -> Self {
        Self().replacing(with: self, where: (value .> lower) .& (value .< upper))
    }
}

extension SIMD16: KernelFloatVector where Scalar == Float {
    @inline(__always)
    static func loadUnaligned(from pointer: UnsafePointer<Float>) -> Self {
        UnsafeRawPointer(pointer).loadUnaligned(as: Self.self)
    }

    @inline(__always)
    func storeUnaligned(to pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: self, as: Self.self)
    }

    @inline(__always)
    func clamped(lower: Self, upper: Self) -> Self {
        replacing(with: lower, where: self .< lower).replacing(with: upper, where: self .> upper)
    }

    @inline(__always)
    func kept(where value: Self, isAbove lower: Self, below upper: Self) -> Self {
        Self().replacing(with: self, where: (value .> lower) .& (value .< upper))
    }
}

/// A kernel vector read from `pointer` (no alignment needed): one vector load.
@inline(__always)
func load<V: KernelFloatVector>(_ pointer: UnsafePointer<Float>, as type: V.Type) -> V {
    V.loadUnaligned(from: pointer)
}

/// A kernel vector read from `pointer` (no alignment needed): one vector load.
@inline(__always)
func load<V: KernelFloatVector>(_ pointer: UnsafeMutablePointer<Float>, as type: V.Type) -> V {
    V.loadUnaligned(from: UnsafePointer(pointer))
}

/// Writes a kernel vector at `pointer` (no alignment needed): one vector store.
@inline(__always)
func store<V: KernelFloatVector>(_ value: V, _ pointer: UnsafeMutablePointer<Float>) {
    value.storeUnaligned(to: pointer)
}
