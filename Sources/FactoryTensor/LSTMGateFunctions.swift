// LSTMGateFunctions: the sigmoid and tanh of the LSTM cell kernels (fused step and separate
// cell), at any vector width. Both only need e^-|x| (σ(x) = 1 / (1 + e^-|x|) for x ≥ 0 and
// e^-|x| / (1 + e^-|x|) below; tanh|x| = (1 - e^-2|x|) / (1 + e^-2|x|)): no clamp, no
// overflow branch. The exponential is VectorMath.exponentialOfNonPositive's arithmetic
// (range reduction, Cephes polynomial, fused multiply-adds), repeated here because of one
// thing: a lanewise comparison (`.<`) in code generic over the vector type compiles to a
// loop over the lanes (the standard library's vector compare is only chosen for concrete
// types), which made VectorMath's version cost a quarter of ge2e-infer; here the one
// comparison and the sign selection use the concrete SIMD16/SIMD8 compare or bit
// operations. Within 2 ulp of VectorMath's versions; 0, 1 and ±1 exactly far out; NaN stays
// NaN. Not a general libm: VectorMath is that.

/// σ and tanh for LSTM gates, lanewise at any float vector width.
public enum LSTMGateFunctions {
    /// The logistic function 1 / (1 + e^-x), lanewise.
    @inlinable @inline(__always)
    public static func sigmoid<V: SIMD>(_ x: V) -> V where V.Scalar == Float {
        let bits = unsafeBitCast(x, to: V.MaskStorage.self)
        let magnitude = unsafeBitCast(bits & V.MaskStorage(repeating: 0x7FFF_FFFF), to: V.self)
        let e = exponentialOfNonPositive(-magnitude)
        // The numerator: e where x's sign bit is set (x < 0, or -0 where both give 1/2), else 1.
        let negative = bits &>> V.MaskStorage(repeating: 31)       // all ones or all zeros
        let one = V(repeating: 1)
        let numerator = (unsafeBitCast(e, to: V.MaskStorage.self) & negative)
            | (unsafeBitCast(one, to: V.MaskStorage.self) & ~negative)
        return unsafeBitCast(numerator, to: V.self) / (one + e)
    }

    /// Hyperbolic tangent, lanewise: computed on |x| and given x's sign (by its bit).
    @inlinable @inline(__always)
    public static func tanh<V: SIMD>(_ x: V) -> V where V.Scalar == Float {
        let bits = unsafeBitCast(x, to: V.MaskStorage.self)
        let magnitude = unsafeBitCast(bits & V.MaskStorage(repeating: 0x7FFF_FFFF), to: V.self)
        let e = exponentialOfNonPositive(V(repeating: -2) * magnitude)
        let positive = (V(repeating: 1) - e) / (V(repeating: 1) + e)
        let sign = bits & V.MaskStorage(repeating: .min)
        return unsafeBitCast(unsafeBitCast(positive, to: V.MaskStorage.self) | sign, to: V.self)
    }

    /// e^x for x ≤ 0 (and NaN): VectorMath.exponentialOfNonPositive's arithmetic; below
    /// -87.3 (and for -infinity) exactly 0.
    @inlinable @inline(__always)
    static func exponentialOfNonPositive<V: SIMD>(_ x: V) -> V where V.Scalar == Float {
        let shifter = V(repeating: 12_582_912.0)            // 1.5 · 2^23: rounds to an integer
        let shifted = shifter.addingProduct(x, V(repeating: 1.442_695_040_888_963_4))
        let n = shifted - shifter
        var r = x.addingProduct(n, V(repeating: -0.693_359_375))
        r = r.addingProduct(n, V(repeating: 2.121_944_400_546_905_8e-4))
        var p = V(repeating: 1.987_569_150_0e-4)
        p = V(repeating: 1.398_199_950_7e-3).addingProduct(p, r)
        p = V(repeating: 8.333_451_907_3e-3).addingProduct(p, r)
        p = V(repeating: 4.166_579_589_4e-2).addingProduct(p, r)
        p = V(repeating: 1.666_666_545_9e-1).addingProduct(p, r)
        p = V(repeating: 5.000_000_120_1e-1).addingProduct(p, r)
        p = (r + V(repeating: 1)).addingProduct(p, r * r)
        let bits = unsafeBitCast(shifted, to: V.MaskStorage.self) &- V.MaskStorage(repeating: 0x4B40_0000)
        let scale = unsafeBitCast((bits &+ V.MaskStorage(repeating: 127)) &<< V.MaskStorage(repeating: 23), to: V.self)
        return (p * scale).replacing(with: 0, where: lanes(x, below: -87.3))
    }

    /// `x .< threshold` through the concrete vector types' compare (one instruction) where V
    /// is one of them; the generic lane loop otherwise.
    @inlinable @inline(__always)
    static func lanes<V: SIMD>(_ x: V, below threshold: Float) -> SIMDMask<V.MaskStorage> where V.Scalar == Float {
        if V.self == SIMD16<Float>.self {
            let mask = unsafeBitCast(x, to: SIMD16<Float>.self) .< SIMD16<Float>(repeating: threshold)
            return unsafeBitCast(mask, to: SIMDMask<V.MaskStorage>.self)
        }
        if V.self == SIMD8<Float>.self {
            let mask = unsafeBitCast(x, to: SIMD8<Float>.self) .< SIMD8<Float>(repeating: threshold)
            return unsafeBitCast(mask, to: SIMDMask<V.MaskStorage>.self)
        }
        if V.self == SIMD4<Float>.self {
            let mask = unsafeBitCast(x, to: SIMD4<Float>.self) .< SIMD4<Float>(repeating: threshold)
            return unsafeBitCast(mask, to: SIMDMask<V.MaskStorage>.self)
        }
        return x .< V(repeating: threshold)
    }

    /// Scalar σ through the vector path (the cell kernels' tails).
    @inlinable @inline(__always)
    public static func sigmoid(_ x: Float) -> Float { sigmoid(SIMD4<Float>(repeating: x))[0] }

    /// Scalar tanh through the vector path.
    @inlinable @inline(__always)
    public static func tanh(_ x: Float) -> Float { tanh(SIMD4<Float>(repeating: x))[0] }
}
