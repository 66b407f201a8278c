// GELUKernel: the exact (erf) GELU over a contiguous run of floats as one loop with no
// function calls — the activation of every transformer feed-forward block, run on
// millions of elements per layer. Generic over the vector type: the library runs it in
// `KernelVector` (16 lanes in the AVX-512 build), tests at 8 and 16 lanes. The same
// operations as `GELUOperator`'s vector form, so results equal the generic elementwise
// path lane for lane. Not here: GELU's backward (`GELUBackwardKernel`).

/// The exact (erf) GELU over contiguous floats.
public enum GELUKernel {
    /// `y[i] = x[i] / 2 · (1 + erf(x[i] / √2))` for `count` floats in `KernelVector`s; `y` may equal `x`.
    static func apply(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        apply(x, y, count: count, vector: KernelVector.self)
    }

    /// `y[i] = x[i] / 2 · (1 + erf(x[i] / √2))` for `count` floats, in vectors of type `V`
    /// (the last few floats through one zero-padded vector); `y` may equal `x`.
    @_specialize(where V == SIMD8<Float>)
    @_specialize(where V == SIMD16<Float>)
    public static func apply<V: KernelFloatVector>(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int, vector: V.Type
    ) {
        let lanes = V.scalarCount
        let whole = count / lanes * lanes
        applyToVectors(x, y, count: whole, vector: V.self)
        guard whole < count else { return }
        withUnsafeTemporaryAllocation(of: Float.self, capacity: lanes) { buffer in
            let tail = buffer.baseAddress!
            tail.update(repeating: 0, count: lanes)
            for lane in 0..<(count - whole) { tail[lane] = x[whole + lane] }
            applyToVectors(tail, tail, count: lanes, vector: V.self)
            for lane in 0..<(count - whole) { y[whole + lane] = tail[lane] }
        }
    }

    /// One vector: `0.5 · x · (1 + erf(x / √2))`, the operations of `GELUOperator`.
    @inline(__always)
    static func gelu<V: KernelFloatVector>(_ x: V) -> V {
        V(repeating: 0.5) * x * (V(repeating: 1) + VectorMath.erf(x * V(repeating: 0.707_106_781_186_547_5)))
    }

    /// The vector loop; `count` is a multiple of the lane count. Two vectors per step, so
    /// the two divisions of erf overlap.
    @inline(__always)
    static func applyToVectors<V: KernelFloatVector>(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int, vector: V.Type
    ) {
        let lanes = V.scalarCount
        var index = 0
        while index + 2 * lanes <= count {
            let first = gelu(load(x + index, as: V.self)), second = gelu(load(x + index + lanes, as: V.self))
            store(first, y + index)
            store(second, y + index + lanes)
            index += 2 * lanes
        }
        if index < count { store(gelu(load(x + index, as: V.self)), y + index) }
    }
}
