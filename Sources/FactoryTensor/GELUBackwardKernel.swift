// GELUBackwardKernel: the gradient of the exact (erf) GELU over contiguous runs of floats,
// dx = g · (Φ(x) + x·φ(x)), as one vector loop with no calls: `VectorMath.erf` and, for
// e^(-x²/2), `VectorMath.exponentialOfNonPositive` (fused multiply-adds, no overflow branch),
// both inlined. Generic over the vector type: the library runs it in `KernelVector`, tests
// at 8 and 16 lanes (the same bits lane for lane). Same polynomials as GELUBackward, rounded
// differently (fused multiply-adds). Not here: the forward GELU (GELUKernel.swift), strided
// or broadcast operands (those go through `combineElements(_:_:GELUBackward.self)`).

/// The gradient of the exact (erf) GELU over contiguous floats.
public enum GELUBackwardKernel {
    /// `dx[i] = g[i] · (Φ(x[i]) + x[i]·φ(x[i]))` for `count` floats in `KernelVector`s; `dx` may equal `g`.
    static func apply(input x: UnsafePointer<Float>, gradient g: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>, count: Int) {
        apply(input: x, gradient: g, into: dx, count: count, vector: KernelVector.self)
    }

    /// `dx[i] = g[i] · (Φ(x[i]) + x[i]·φ(x[i]))` for `count` floats, in vectors of type `V`
    /// (the last few floats through one zero-padded vector); `dx` may equal `g`.
    @_specialize(where V == SIMD8<Float>)
    @_specialize(where V == SIMD16<Float>)
    public static func apply<V: KernelFloatVector>(
        input x: UnsafePointer<Float>, gradient g: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>, count: Int,
        vector: V.Type
    ) {
        let lanes = V.scalarCount
        let whole = count / lanes * lanes
        applyToVectors(x, g, dx, count: whole, vector: V.self)
        guard whole < count else { return }
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 3 * lanes) { buffer in
            let xTail = buffer.baseAddress!, gTail = xTail + lanes, dxTail = gTail + lanes
            xTail.update(repeating: 0, count: 2 * lanes)
            for lane in 0..<(count - whole) { xTail[lane] = x[whole + lane]; gTail[lane] = g[whole + lane] }
            applyToVectors(xTail, gTail, dxTail, count: lanes, vector: V.self)
            for lane in 0..<(count - whole) { dx[whole + lane] = dxTail[lane] }
        }
    }

    /// The vector loop; `count` is a multiple of the lane count.
    @inline(__always)
    static func applyToVectors<V: KernelFloatVector>(
        _ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, count: Int, vector: V.Type
    ) {
        let half = V(repeating: 0.5), inverseRoot2 = V(repeating: 0.707_106_781_186_547_5)
        let inverseRoot2Pi = V(repeating: 0.398_942_280_401_432_7)
        var index = 0
        while index < count {
            let value = load(x + index, as: V.self)
            // Φ(x) = (1 + erf(x/√2)) / 2 and φ(x) = e^(-x²/2) / √(2π)
            let cdf = half.addingProduct(half, VectorMath.erf(value * inverseRoot2))
            let pdf = VectorMath.exponentialOfNonPositive(-half * value * value) * inverseRoot2Pi
            store(load(g + index, as: V.self) * cdf.addingProduct(value, pdf), dx + index)
            index += V.scalarCount
        }
    }
}
