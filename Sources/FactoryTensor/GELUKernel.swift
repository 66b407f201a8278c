// GELUKernel: the exact (erf) GELU over a contiguous run of floats as one loop with no
// function calls — the activation of every transformer feed-forward block, run on
// millions of elements per layer. It runs `GELUOperator`'s vector form (always inlined), so
// results are identical to the generic elementwise path; only that path's call per eight
// floats is gone. Not here: GELU's backward (`GELUBackward`).

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

    /// The vector loop; `count` is a multiple of 8. Two vectors per step, so the two
    /// divisions of erf overlap.
    private static func applyToVectors(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        var index = 0
        while index + 16 <= count {
            let first = GELUOperator.apply(load(x + index)), second = GELUOperator.apply(load(x + index + 8))
            store(first, y + index)
            store(second, y + index + 8)
            index += 16
        }
        if index < count { store(GELUOperator.apply(load(x + index)), y + index) }
    }
}
