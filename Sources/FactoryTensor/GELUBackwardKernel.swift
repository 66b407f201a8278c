// GELUBackwardKernel: the gradient of the exact (erf) GELU over contiguous runs of floats,
// dx = g · (Φ(x) + x·φ(x)), as one vector loop with fused multiply-adds: the erf rational
// polynomial of VectorMath.erf and the exp polynomial of VectorMath.exp are written out here
// with their constants held in registers, because the compiler does not inline those
// functions into a loop this size (a call per eight floats, constants reloaded each time).
// Same polynomials as GELUBackward, rounded differently (fused multiply-adds).
// Not here: the forward GELU (GELUKernel.swift), strided or broadcast operands (those go
// through `combineElements(_:_:GELUBackward.self)`).

enum GELUBackwardKernel {
    /// `dx[i] = g[i] · (Φ(x[i]) + x[i]·φ(x[i]))` for `count` floats; `dx` may equal `g`.
    static func apply(input x: UnsafePointer<Float>, gradient g: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>, count: Int) {
        let whole = count / 8 * 8
        applyToVectors(x, g, dx, count: whole)
        guard whole < count else { return }
        // The last few floats through one padded vector.
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 24) { buffer in
            let xTail = buffer.baseAddress!, gTail = xTail + 8, dxTail = xTail + 16
            xTail.update(repeating: 0, count: 16)
            for lane in 0..<(count - whole) { xTail[lane] = x[whole + lane]; gTail[lane] = g[whole + lane] }
            applyToVectors(xTail, gTail, dxTail, count: 8)
            for lane in 0..<(count - whole) { dx[whole + lane] = dxTail[lane] }
        }
    }

    /// The vector loop; `count` is a multiple of 8.
    private static func applyToVectors(_ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, count: Int) {
        // erf(z) = z·P(z²)/Q(z²) on z clamped to [-4, 4] (VectorMath.erf's coefficients).
        let p0 = Float8(repeating: -2.72614225801306e-10), p1 = Float8(repeating: 2.77068142495902e-08)
        let p2 = Float8(repeating: -2.10102402082508e-06), p3 = Float8(repeating: -5.69250639462346e-05)
        let p4 = Float8(repeating: -7.34990630326855e-04), p5 = Float8(repeating: -2.95459980854025e-03)
        let p6 = Float8(repeating: -1.60960333262415e-02)
        let q0 = Float8(repeating: -1.45660718464996e-05), q1 = Float8(repeating: -2.13374055278905e-04)
        let q2 = Float8(repeating: -1.68282697438203e-03), q3 = Float8(repeating: -7.37332916720468e-03)
        let q4 = Float8(repeating: -1.42647390514189e-02)
        // e^t for t <= 0 (VectorMath.exp's reduction and polynomial).
        let e0 = Float8(repeating: 1.987_569_150_0e-4), e1 = Float8(repeating: 1.398_199_950_7e-3)
        let e2 = Float8(repeating: 8.333_451_907_3e-3), e3 = Float8(repeating: 4.166_579_589_4e-2)
        let e4 = Float8(repeating: 1.666_666_545_9e-1), e5 = Float8(repeating: 5.000_000_120_1e-1)
        let log2e = Float8(repeating: 1.442_695_040_888_963_4), shifter = Float8(repeating: 12_582_912.0)
        let ln2High = Float8(repeating: -0.693_359_375), ln2Low = Float8(repeating: 2.121_944_400_546_905_8e-4)
        let lowest = Float8(repeating: -87.3)
        let half = Float8(repeating: 0.5), one = Float8(repeating: 1), four = Float8(repeating: 4)
        let inverseRoot2 = Float8(repeating: 0.707_106_781_186_547_5), inverseRoot2Pi = Float8(repeating: 0.398_942_280_401_432_7)
        var index = 0
        while index < count {
            let value = load(x + index)
            // Φ(x) = (1 + erf(x/√2)) / 2
            var z = value * inverseRoot2
            z = z.replacing(with: four, where: z .> four)
            z = z.replacing(with: -four, where: z .< -four)
            let z2 = z * z
            var p = p1.addingProduct(p0, z2)
            p = p2.addingProduct(p, z2); p = p3.addingProduct(p, z2); p = p4.addingProduct(p, z2)
            p = p5.addingProduct(p, z2); p = p6.addingProduct(p, z2)
            var q = q1.addingProduct(q0, z2)
            q = q2.addingProduct(q, z2); q = q3.addingProduct(q, z2); q = q4.addingProduct(q, z2)
            let cdf = half.addingProduct(half, z * p / q)
            // φ(x) = e^(-x²/2) / √(2π)
            let t = -half * value * value
            let clamped = t.replacing(with: lowest, where: t .< lowest)
            let shifted = shifter.addingProduct(clamped, log2e)  // rounds t·log2(e) to an integer n in the low bits
            let n = shifted - shifter
            let r = clamped.addingProduct(n, ln2High).addingProduct(n, ln2Low)
            var e = e1.addingProduct(e0, r)
            e = e2.addingProduct(e, r); e = e3.addingProduct(e, r); e = e4.addingProduct(e, r); e = e5.addingProduct(e, r)
            e = (r + one).addingProduct(e, r * r)
            let bits = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- SIMD8<Int32>(repeating: 0x4B40_0000)
            let scale = unsafeBitCast((bits &+ SIMD8<Int32>(repeating: 127)) &<< SIMD8<Int32>(repeating: 23), to: Float8.self)
            let pdf = (e * scale).replacing(with: 0, where: t .< lowest) * inverseRoot2Pi
            store(load(g + index) * cdf.addingProduct(value, pdf), dx + index)
            index += 8
        }
    }
}
