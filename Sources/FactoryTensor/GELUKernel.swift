// GELUKernel: the exact (erf) GELU over a contiguous run of floats as one loop with fused
// multiply-adds and no function calls — the activation of every transformer feed-forward
// block, run on millions of elements per layer. It calls `GELUOperator`'s vector form in a
// plain loop, so results are identical; only the call per eight floats of the generic
// elementwise path is gone. Not here: GELU's backward (`GELUBackward`).

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

    /// The vector loop; `count` is a multiple of 8. GELUOperator's vector form, inlined here
    /// (VectorMath.erf is always inlined), where the generic elementwise path called it.
    private static func applyToVectors(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        var index = 0
        while index < count {
            store(GELUOperator.apply(load(x + index)), y + index)
            index += 8
        }
    }
}
