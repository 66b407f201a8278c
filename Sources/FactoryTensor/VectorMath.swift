// VectorMath: vector versions of the transcendental functions hot in training (exp, erf,
// tanh, sigmoid), so that elementwise kernels run vectorised instead of calling libm per
// element. Each is generic over the float vector (SIMD8<Float> for AVX2, SIMD16<Float> for
// AVX-512: see KernelVector) and gives the same bits lane for lane at either width.
// Accuracy: exp within 4 ulp (Cephes polynomial; 0 and +infinity past the float
// range, as expf; a fused multiply-add form for non-positive inputs, within 2 ulp), erf within 4e-7 absolute. It is not a general libm.
// Comparisons go through KernelFloatVector (one vector compare per vector, not a loop over lanes).

/// Eight floats, the vector width of the 8-lane kernels.
public typealias Float8 = SIMD8<Float>

/// Vectorised elementary functions.
public enum VectorMath {
    /// e^x, lanewise. Below -87.3 the result is 0 and above 88.7 it is +infinity (as IEEE
    /// expf underflows and overflows there); NaN stays NaN.
    @inlinable @inline(__always)
    public static func exp<V: KernelFloatVector>(_ input: V) -> V {
        let low = V(repeating: -87.3), high = V(repeating: 88.0)
        let x = input.replacing(with: low, where: lanesLess(input, low)).replacing(with: high, where: lanesGreater(input, high))
        // Round x * log2(e) to the nearest integer with the 1.5 * 2^23 trick; its low bits are n.
        let shifter = V(repeating: 12_582_912.0)
        let shifted = x * V(repeating: 1.442_695_040_888_963_4) + shifter
        let n = shifted - shifter
        var r = x - n * V(repeating: 0.693_359_375)
        r = r - n * V(repeating: -2.121_944_400_546_905_8e-4)
        var p = V(repeating: 1.987_569_150_0e-4)
        p = p * r + V(repeating: 1.398_199_950_7e-3)
        p = p * r + V(repeating: 8.333_451_907_3e-3)
        p = p * r + V(repeating: 4.166_579_589_4e-2)
        p = p * r + V(repeating: 1.666_666_545_9e-1)
        p = p * r + V(repeating: 5.000_000_120_1e-1)
        p = p * (r * r) + r + V(repeating: 1)
        let bits = unsafeBitCast(shifted, to: V.MaskStorage.self) &- V.MaskStorage(repeating: 0x4B40_0000)
        let scale = unsafeBitCast((bits &+ V.MaskStorage(repeating: 127)) &<< V.MaskStorage(repeating: 23), to: V.self)
        let result = p * scale
        return result.replacing(with: 0, where: lanesLess(input, low))
            .replacing(with: .infinity, where: lanesGreater(input, V(repeating: 88.72)))
    }

    /// e^x for x ≤ 0 (a shifted softmax score, -x²/2), lanewise: `VectorMath.exp`'s range reduction and
    /// Cephes polynomial written with fused multiply-adds, without its overflow branch
    /// (no input is positive) and without clamping the input: below -87.3 (and for
    /// -infinity) the arithmetic gives garbage that the last step replaces by exactly 0.
    /// Within 2 ulp of expf on [-87.3, 0].
    @inlinable @inline(__always)
    public static func exponentialOfNonPositive<V: KernelFloatVector>(_ x: V) -> V {
        // Round x · log2(e) to the nearest integer with the 1.5 · 2^23 trick; its low bits are n.
        let shifter = V(repeating: 12_582_912.0)
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
        return (p * scale).replacing(with: 0, where: lanesLess(x, V(repeating: -87.3)))
    }

    /// The logistic function 1 / (1 + e^-x), lanewise.
    @inlinable @inline(__always)
    public static func sigmoid<V: KernelFloatVector>(_ x: V) -> V {
        V(repeating: 1) / (V(repeating: 1) + exp(-x))
    }

    /// Hyperbolic tangent, lanewise, computed on |x| and given x's sign.
    @inlinable @inline(__always)
    public static func tanh<V: KernelFloatVector>(_ x: V) -> V {
        let magnitude = abs(x)
        let e = exp(V(repeating: -2) * magnitude)
        let positive = (V(repeating: 1) - e) / (V(repeating: 1) + e)
        return positive.replacing(with: -positive, where: lanesLess(x, V()))
    }

    /// The error function, lanewise: x·P(x²)/Q(x²) on x clamped to [-4, 4] (beyond which
    /// erf is ±1 in Float32), with the rational coefficients Eigen and XLA use for float
    /// erf (error 6.5e-8 in exact arithmetic). One division and ten fused multiply-adds, no
    /// exponential: about twice as fast as an erfc built on exp. NaN stays NaN.
    @inlinable @inline(__always)
    public static func erf<V: KernelFloatVector>(_ x: V) -> V {
        var clamped = x.replacing(with: 4, where: lanesGreater(x, V(repeating: 4)))
        clamped = clamped.replacing(with: -4, where: lanesLess(clamped, V(repeating: -4)))
        let x2 = clamped * clamped
        var p = V(repeating: -2.72614225801306e-10)
        p = V(repeating: 2.77068142495902e-08).addingProduct(p, x2)
        p = V(repeating: -2.10102402082508e-06).addingProduct(p, x2)
        p = V(repeating: -5.69250639462346e-05).addingProduct(p, x2)
        p = V(repeating: -7.34990630326855e-04).addingProduct(p, x2)
        p = V(repeating: -2.95459980854025e-03).addingProduct(p, x2)
        p = V(repeating: -1.60960333262415e-02).addingProduct(p, x2)
        var q = V(repeating: -1.45660718464996e-05)
        q = V(repeating: -2.13374055278905e-04).addingProduct(q, x2)
        q = V(repeating: -1.68282697438203e-03).addingProduct(q, x2)
        q = V(repeating: -7.37332916720468e-03).addingProduct(q, x2)
        q = V(repeating: -1.42647390514189e-02).addingProduct(q, x2)
        return clamped * p / q
    }

    /// Scalar e^x through the vector path (same rounding as the kernels).
    @inlinable
    public static func exp(_ x: Float) -> Float { exp(Float8(repeating: x))[0] }
    /// Scalar erf through the vector path.
    @inlinable
    public static func erf(_ x: Float) -> Float { erf(Float8(repeating: x))[0] }
    /// Scalar tanh through the vector path.
    @inlinable
    public static func tanh(_ x: Float) -> Float { tanh(Float8(repeating: x))[0] }
    /// Scalar sigmoid through the vector path.
    @inlinable
    public static func sigmoid(_ x: Float) -> Float { sigmoid(Float8(repeating: x))[0] }
}

/// |x|, lanewise, by clearing the sign bit.
@inlinable @inline(__always)
func abs<V: KernelFloatVector>(_ x: V) -> V {
    unsafeBitCast(unsafeBitCast(x, to: V.MaskStorage.self) & V.MaskStorage(repeating: 0x7FFF_FFFF), to: V.self)
}
