// VectorCompare: lanewise comparisons of float vectors that compile to one vector compare at
// the kernels' widths. In code generic over the vector type, Swift's `.<`, `.>` and `.!=`
// come from the SIMD protocol's lane-by-lane default; specialised to SIMD8/SIMD16<Float>,
// LLVM often leaves that as a loop over the lanes through the stack (one scalar compare and
// branch per lane: measured as most of the time of VectorMath.erf and exp). These
// functions call the concrete types' own operators instead (one `vcmpps`), for SIMD8 and
// SIMD16 of Float; other widths fall back to the generic operators. Same results, lane for
// lane (IEEE ordered comparisons: NaN compares false, `!=` true). Not here: selection
// (`replacing(with:where:)` vectorises as it is) or integer vectors.

/// `a .< b` lanewise, as one vector comparison for 8 or 16 floats.
@inlinable @inline(__always)
func lanesLess<V: SIMD>(_ a: V, _ b: V) -> SIMDMask<V.MaskStorage> where V.Scalar == Float {
    if V.self == SIMD16<Float>.self {
        return unsafeBitCast(unsafeBitCast(a, to: SIMD16<Float>.self) .< unsafeBitCast(b, to: SIMD16<Float>.self),
                             to: SIMDMask<V.MaskStorage>.self)
    }
    if V.self == SIMD8<Float>.self {
        return unsafeBitCast(unsafeBitCast(a, to: SIMD8<Float>.self) .< unsafeBitCast(b, to: SIMD8<Float>.self),
                             to: SIMDMask<V.MaskStorage>.self)
    }
    return a .< b
}

/// `a .> b` lanewise, as one vector comparison for 8 or 16 floats.
@inlinable @inline(__always)
func lanesGreater<V: SIMD>(_ a: V, _ b: V) -> SIMDMask<V.MaskStorage> where V.Scalar == Float {
    lanesLess(b, a)
}

/// `a .!= b` lanewise (true where either is NaN), as one vector comparison for 8 or 16 floats.
@inlinable @inline(__always)
func lanesNotEqual<V: SIMD>(_ a: V, _ b: V) -> SIMDMask<V.MaskStorage> where V.Scalar == Float {
    if V.self == SIMD16<Float>.self {
        return unsafeBitCast(unsafeBitCast(a, to: SIMD16<Float>.self) .!= unsafeBitCast(b, to: SIMD16<Float>.self),
                             to: SIMDMask<V.MaskStorage>.self)
    }
    if V.self == SIMD8<Float>.self {
        return unsafeBitCast(unsafeBitCast(a, to: SIMD8<Float>.self) .!= unsafeBitCast(b, to: SIMD8<Float>.self),
                             to: SIMDMask<V.MaskStorage>.self)
    }
    return a .!= b
}
