// GELUBackwardKernel: the gradient of the exact (erf) GELU over contiguous runs of floats,
// dx = g · (Φ(x) + x·φ(x)), as one vector loop with no calls: `VectorMath.erf` and, for
// e^(-x²/2), `VectorMath.exponentialOfNonPositive` (fused multiply-adds, no overflow branch),
// both inlined. The generic path (`GELUBackward` through `combineElements`) paid a call per
// eight floats. Same polynomials as GELUBackward, rounded differently (fused multiply-adds).
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
        let half = Float8(repeating: 0.5), inverseRoot2 = Float8(repeating: 0.707_106_781_186_547_5)
        let inverseRoot2Pi = Float8(repeating: 0.398_942_280_401_432_7)
        var index = 0
        while index < count {
            let value = load(x + index)
            // Φ(x) = (1 + erf(x/√2)) / 2 and φ(x) = e^(-x²/2) / √(2π)
            let cdf = half.addingProduct(half, VectorMath.erf(value * inverseRoot2))
            let pdf = VectorMath.exponentialOfNonPositive(-half * value * value) * inverseRoot2Pi
            store(load(g + index) * cdf.addingProduct(value, pdf), dx + index)
            index += 8
        }
    }
}
