// VectorHorizontal: the sum and the maximum of a float vector's lanes, folded in halves
// (16 → 8 → 4 → 2 → 1 lanes) with the concrete SIMD16/SIMD8 types' half views, so a row
// kernel generic over its vector width ends in a few shuffles and adds instead of the
// standard library's lane-by-lane `sum()` / `max()` (a loop through memory, and for `max`
// a call). Used once per row by the softmax, layer-norm and attention kernels. The sum's
// rounding follows the folding order, not the lanes' order. Not here: reductions over
// memory (Tensor+Reduce.swift).

/// The sum of the lanes of `v`, added pairwise in halves.
@inlinable @inline(__always)
func horizontalSum<V: KernelFloatVector>(_ v: V) -> Float {
    if V.self == SIMD16<Float>.self {
        let wide = unsafeBitCast(v, to: SIMD16<Float>.self)
        return horizontalSum(wide.lowHalf + wide.highHalf)
    }
    if V.self == SIMD8<Float>.self {
        let eight = unsafeBitCast(v, to: SIMD8<Float>.self)
        let four = eight.lowHalf + eight.highHalf
        let two = four.lowHalf + four.highHalf
        return two[0] + two[1]
    }
    return v.sum()
}

/// The largest lane of `v`; NaN when a lane is NaN (as `maximum` keeps NaN).
@inlinable @inline(__always)
func horizontalMaximum<V: KernelFloatVector>(_ v: V) -> Float {
    if V.self == SIMD16<Float>.self {
        let wide = unsafeBitCast(v, to: SIMD16<Float>.self)
        return horizontalMaximum(maximum(wide.lowHalf, wide.highHalf))
    }
    if V.self == SIMD8<Float>.self {
        let eight = unsafeBitCast(v, to: SIMD8<Float>.self)
        // The concrete SIMD4 and SIMD2 operators: one compare and blend per step.
        let low4 = eight.lowHalf, high4 = eight.highHalf
        let four = low4.replacing(with: high4, where: (high4 .> low4) .| (high4 .!= high4))
        let low2 = four.lowHalf, high2 = four.highHalf
        let two = low2.replacing(with: high2, where: (high2 .> low2) .| (high2 .!= high2))
        return two[1] > two[0] || two[1].isNaN ? two[1] : two[0]
    }
    var result = v[0]
    for lane in 1..<V.scalarCount where v[lane] > result || v[lane].isNaN { result = v[lane] }
    return result
}
