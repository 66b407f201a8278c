// LSTMGateFunctions: the sigmoid and tanh of the fused LSTM step, written to be inlined into
// its tiles: VectorMath.exp's range reduction and polynomial, with fused multiply-adds and
// without VectorMath's fix-ups past the clamp, which the two functions do not need
// (e^x at the clamp already gives σ = 0 or 1 and tanh = ±1 to Float32 precision), and
// tanh's sign put back by a bit operation. Within 2 ulp of VectorMath's versions (FMA rounds
// once where those round twice); NaN stays NaN. Not a general libm: VectorMath is that.

/// σ and tanh for LSTM gates, eight lanes at a time.
enum LSTMGateFunctions {
    /// e^x for x clamped to [-87.3, 88] (VectorMath.exp's range), by the same Cephes
    /// polynomial, evaluated with fused multiply-adds.
    @inline(__always)
    static func exponential(_ input: Float8) -> Float8 {
        let low = Float8(repeating: -87.3), high = Float8(repeating: 88.0)
        let x = input.replacing(with: low, where: input .< low).replacing(with: high, where: input .> high)
        let shifter = Float8(repeating: 12_582_912.0)            // 1.5 · 2^23: rounds to an integer
        let shifted = shifter.addingProduct(x, Float8(repeating: 1.442_695_040_888_963_4))
        let n = shifted - shifter
        var r = x.addingProduct(n, Float8(repeating: -0.693_359_375))
        r = r.addingProduct(n, Float8(repeating: 2.121_944_400_546_905_8e-4))
        var p = Float8(repeating: 1.398_199_950_7e-3).addingProduct(Float8(repeating: 1.987_569_150_0e-4), r)
        p = Float8(repeating: 8.333_451_907_3e-3).addingProduct(p, r)
        p = Float8(repeating: 4.166_579_589_4e-2).addingProduct(p, r)
        p = Float8(repeating: 1.666_666_545_9e-1).addingProduct(p, r)
        p = Float8(repeating: 5.000_000_120_1e-1).addingProduct(p, r)
        p = r.addingProduct(p, r * r) + Float8(repeating: 1)
        let bits = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- SIMD8<Int32>(repeating: 0x4B40_0000)
        let scale = unsafeBitCast((bits &+ SIMD8<Int32>(repeating: 127)) &<< SIMD8<Int32>(repeating: 23), to: Float8.self)
        return p * scale
    }

    /// 1 / (1 + e^-x).
    @inline(__always)
    static func sigmoid(_ x: Float8) -> Float8 {
        Float8(repeating: 1) / (Float8(repeating: 1) + exponential(-x))
    }

    /// (1 - e^-2|x|) / (1 + e^-2|x|) with x's sign.
    @inline(__always)
    static func tanh(_ x: Float8) -> Float8 {
        let bits = unsafeBitCast(x, to: SIMD8<UInt32>.self)
        let magnitude = unsafeBitCast(bits & SIMD8<UInt32>(repeating: 0x7FFF_FFFF), to: Float8.self)
        let e = exponential(Float8(repeating: -2) * magnitude)
        let positive = (Float8(repeating: 1) - e) / (Float8(repeating: 1) + e)
        let sign = bits & SIMD8<UInt32>(repeating: 0x8000_0000)
        return unsafeBitCast(unsafeBitCast(positive, to: SIMD8<UInt32>.self) | sign, to: Float8.self)
    }
}
