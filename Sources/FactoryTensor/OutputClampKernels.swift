// The output clamp that convolutions can fuse (ReLU6 is the clamp to [0, 6]): clamping a
// buffer in place, threaded, and masking a gradient by the clamped output with the
// hardtanh rule (the gradient passes only where lower < output < upper, as PyTorch's
// relu6/hardtanh backward). Generic over the vector type (the library runs `KernelVector`).
// Not a public op: `conv2d(..., outputRange:)` uses it.

enum OutputClampKernels {
    /// Clamps `count` floats at `values` to `range` in place; NaN stays NaN.
    static func clamp<V: KernelFloatVector>(
        vector: V.Type = KernelVector.self, _ values: UnsafeMutablePointer<Float>, count: Int, to range: ClosedRange<Float>
    ) {
        let pointer = UncheckedSendable(values)
        Parallel.forEachRange(count) { part in
            clampRow(vector: V.self, pointer.value + part.lowerBound, count: part.count, to: range)
        }
    }

    /// Single-threaded clamp of one run, for kernels that already run inside a thread.
    @inline(__always)
    static func clampRow<V: KernelFloatVector>(
        vector: V.Type = KernelVector.self, _ values: UnsafeMutablePointer<Float>, count: Int, to range: ClosedRange<Float>
    ) {
        let lanes = V.scalarCount
        let lower = V(repeating: range.lowerBound), upper = V(repeating: range.upperBound)
        var index = 0
        while index + lanes <= count {
            let x = load(values + index, as: V.self)
            store(x.clamped(lower: lower, upper: upper), values + index)
            index += lanes
        }
        while index < count {
            let x = values[index]
            values[index] = x < range.lowerBound ? range.lowerBound : (x > range.upperBound ? range.upperBound : x)
            index += 1
        }
    }

    /// `gradient` where `range.lowerBound < output < range.upperBound`, else 0, as a new
    /// contiguous tensor. `output` and `gradient` have one shape.
    static func maskedGradient<V: KernelFloatVector>(
        vector: V.Type = KernelVector.self, _ gradient: Tensor, output: Tensor, range: ClosedRange<Float>
    ) -> Tensor {
        precondition(gradient.shape == output.shape, "outputRange backward: gradient \(gradient.shape) vs output \(output.shape)")
        let g = gradient.contiguous(), y = output.contiguous()
        let result = Tensor.uninitialized(output.shape)
        let pointers = UncheckedSendable((g.storage.pointer + g.offset, y.storage.pointer + y.offset, result.storage.pointer))
        let lowerScalar = range.lowerBound, upperScalar = range.upperBound
        Parallel.forEachRange(result.count) { part in
            let (g, y, out) = pointers.value
            let lanes = V.scalarCount
            let lower = V(repeating: lowerScalar), upper = V(repeating: upperScalar)
            var index = part.lowerBound
            while index + lanes <= part.upperBound {
                let value = load(y + index, as: V.self)
                // Masked where the output is not strictly inside (NaN included), as the scalar rule.
                store(load(g + index, as: V.self).kept(where: value, isAbove: lower, below: upper), out + index)
                index += lanes
            }
            while index < part.upperBound {
                out[index] = y[index] > lowerScalar && y[index] < upperScalar ? g[index] : 0
                index += 1
            }
        }
        return result
    }
}
