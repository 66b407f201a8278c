// GELUKernel: the exact (erf) GELU over a contiguous run of floats as one loop with fused
// multiply-adds and no function calls — the activation of every transformer feed-forward
// block, run on millions of elements per layer. The arithmetic is `GELUOperator`'s (VectorMath.erf's
// rational approximation, clamped to ±4) in the same order, so results are identical; only
// the call per eight floats is gone. (Swift's SIMD `addingProduct` is not used: it compiles
// lane by lane.) Not here: GELU's backward (`GELUBackward`).

enum GELUKernel {
    /// `y[i] = x[i] / 2 · (1 + erf(x[i] / √2))` for `count` floats; `y` may equal `x`.
    static func apply(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        let whole = count / 8 * 8
        applyToVectors(x, y, count: whole)
        guard whole < count else { return }
        // The last few floats through one padded vector.
        var tail = [Float](repeating: 0, count: 8)
        for lane in 0..<(count - whole) { tail[lane] = x[whole + lane] }
        tail.withUnsafeMutableBufferPointer { applyToVectors($0.baseAddress!, $0.baseAddress!, count: 8) }
        for lane in 0..<(count - whole) { y[whole + lane] = tail[lane] }
    }

    /// The vector loop; `count` is a multiple of 8. Plain vector multiplies and adds only,
    /// so every step is one ymm instruction.
    private static func applyToVectors(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        let half = Float8(repeating: 0.5), one = Float8(repeating: 1), invSqrt2 = Float8(repeating: 0.707_106_781_186_547_5)
        let upper = Float8(repeating: 4), lower = Float8(repeating: -4)
        var index = 0
        while index < count {
            let value = load(x + index)
            // erf(value / √2) = z·P(z²)/Q(z²) on z clamped to [-4, 4] (VectorMath.erf).
            var z = value * invSqrt2
            z = z.replacing(with: upper, where: z .> upper)
            z = z.replacing(with: lower, where: z .< lower)
            let z2 = z * z
            var p = Float8(repeating: -2.72614225801306e-10) * z2 + Float8(repeating: 2.77068142495902e-08)
            p = p * z2 + Float8(repeating: -2.10102402082508e-06)
            p = p * z2 + Float8(repeating: -5.69250639462346e-05)
            p = p * z2 + Float8(repeating: -7.34990630326855e-04)
            p = p * z2 + Float8(repeating: -2.95459980854025e-03)
            p = p * z2 + Float8(repeating: -1.60960333262415e-02)
            var q = Float8(repeating: -1.45660718464996e-05) * z2 + Float8(repeating: -2.13374055278905e-04)
            q = q * z2 + Float8(repeating: -1.68282697438203e-03)
            q = q * z2 + Float8(repeating: -7.37332916720468e-03)
            q = q * z2 + Float8(repeating: -1.42647390514189e-02)
            store(half * value * (one + z * p / q), y + index)
            index += 8
        }
    }
}
