// The output clamp that convolutions can fuse (ReLU6 is the clamp to [0, 6]): clamping a
// buffer in place, threaded, and masking a gradient by the clamped output with the
// hardtanh rule (the gradient passes only where lower < output < upper, as PyTorch's
// relu6/hardtanh backward). Not a public op: `conv2d(..., outputRange:)` uses it.

enum OutputClampKernels {
    /// Clamps `count` floats at `values` to `range` in place; NaN stays NaN.
    static func clamp(_ values: UnsafeMutablePointer<Float>, count: Int, to range: ClosedRange<Float>) {
        let pointer = UncheckedSendable(values)
        Parallel.forEachRange(count) { part in
            clampRow(pointer.value + part.lowerBound, count: part.count, to: range)
        }
    }

    /// Single-threaded clamp of one run, for kernels that already run inside a thread.
    @inline(__always)
    static func clampRow(_ values: UnsafeMutablePointer<Float>, count: Int, to range: ClosedRange<Float>) {
        let lower = Float8(repeating: range.lowerBound), upper = Float8(repeating: range.upperBound)
        var index = 0
        while index + 8 <= count {
            let raw = UnsafeMutableRawPointer(values + index)
            let x = raw.loadUnaligned(as: Float8.self)
            raw.storeBytes(of: x.replacing(with: lower, where: x .< lower).replacing(with: upper, where: x .> upper), as: Float8.self)
            index += 8
        }
        while index < count {
            let x = values[index]
            values[index] = x < range.lowerBound ? range.lowerBound : (x > range.upperBound ? range.upperBound : x)
            index += 1
        }
    }

    /// `gradient` where `range.lowerBound < output < range.upperBound`, else 0, as a new
    /// contiguous tensor. `output` and `gradient` have one shape.
    static func maskedGradient(_ gradient: Tensor, output: Tensor, range: ClosedRange<Float>) -> Tensor {
        precondition(gradient.shape == output.shape, "outputRange backward: gradient \(gradient.shape) vs output \(output.shape)")
        let g = gradient.contiguous(), y = output.contiguous()
        let result = Tensor.uninitialized(output.shape)
        let pointers = UncheckedSendable((g.storage.pointer + g.offset, y.storage.pointer + y.offset, result.storage.pointer))
        let lowerScalar = range.lowerBound, upperScalar = range.upperBound
        Parallel.forEachRange(result.count) { part in
            let (g, y, out) = pointers.value
            let lower = Float8(repeating: lowerScalar), upper = Float8(repeating: upperScalar)
            var index = part.lowerBound
            while index + 8 <= part.upperBound {
                let value = UnsafeRawPointer(y + index).loadUnaligned(as: Float8.self)
                let inside = (value .> lower) .& (value .< upper)   // false for NaN, as the scalar rule
                let masked = Float8().replacing(with: UnsafeRawPointer(g + index).loadUnaligned(as: Float8.self), where: inside)
                UnsafeMutableRawPointer(out + index).storeBytes(of: masked, as: Float8.self)
                index += 8
            }
            while index < part.upperBound {
                out[index] = y[index] > lowerScalar && y[index] < upperScalar ? g[index] : 0
                index += 1
            }
        }
        return result
    }
}
