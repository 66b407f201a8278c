// LSTMGateFunctions: the sigmoid and tanh of the LSTM cell kernels (fused step and separate
// cell), at any kernel vector width. Both only need e^-|x| (σ(x) = 1 / (1 + e^-|x|) for x ≥ 0
// and e^-|x| / (1 + e^-|x|) below; tanh|x| = (1 - e^-2|x|) / (1 + e^-2|x|)), which is
// VectorMath.exponentialOfNonPositive: no clamp, no overflow branch; the sign is chosen with
// bit operations. Within 2 ulp of VectorMath's sigmoid and tanh; 0, 1 and ±1 exactly far
// out; NaN stays NaN. Not a general libm: VectorMath is that.

/// σ and tanh for LSTM gates, lanewise at any float vector width.
public enum LSTMGateFunctions {
    /// The logistic function 1 / (1 + e^-x), lanewise.
    @inlinable @inline(__always)
    public static func sigmoid<V: KernelFloatVector>(_ x: V) -> V {
        let bits = unsafeBitCast(x, to: V.MaskStorage.self)
        let magnitude = unsafeBitCast(bits & V.MaskStorage(repeating: 0x7FFF_FFFF), to: V.self)
        let e = VectorMath.exponentialOfNonPositive(-magnitude)
        // The numerator: e where x's sign bit is set (x < 0, or -0 where both give 1/2), else 1.
        let negative = bits &>> V.MaskStorage(repeating: 31)       // all ones or all zeros
        let one = V(repeating: 1)
        let numerator = (unsafeBitCast(e, to: V.MaskStorage.self) & negative)
            | (unsafeBitCast(one, to: V.MaskStorage.self) & ~negative)
        return unsafeBitCast(numerator, to: V.self) / (one + e)
    }

    /// Hyperbolic tangent, lanewise: computed on |x| and given x's sign (by its bit).
    @inlinable @inline(__always)
    public static func tanh<V: KernelFloatVector>(_ x: V) -> V {
        let bits = unsafeBitCast(x, to: V.MaskStorage.self)
        let magnitude = unsafeBitCast(bits & V.MaskStorage(repeating: 0x7FFF_FFFF), to: V.self)
        let e = VectorMath.exponentialOfNonPositive(V(repeating: -2) * magnitude)
        let positive = (V(repeating: 1) - e) / (V(repeating: 1) + e)
        let sign = bits & V.MaskStorage(repeating: .min)
        return unsafeBitCast(unsafeBitCast(positive, to: V.MaskStorage.self) | sign, to: V.self)
    }

    /// Scalar σ through the vector path (the cell kernels' tails).
    @inlinable @inline(__always)
    public static func sigmoid(_ x: Float) -> Float { sigmoid(SIMD8<Float>(repeating: x))[0] }

    /// Scalar tanh through the vector path.
    @inlinable @inline(__always)
    public static func tanh(_ x: Float) -> Float { tanh(SIMD8<Float>(repeating: x))[0] }
}
