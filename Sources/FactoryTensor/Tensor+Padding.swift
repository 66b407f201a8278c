// Constant padding, and the strided copy (`assign`) it and concatenation are built on.
// The gradient of padding is the slice of the output gradient that covers the input.

extension Tensor {
    /// Pads with `value`: `before[axis]` elements in front of and `after[axis]` behind each
    /// axis (asymmetric padding is allowed).
    public func padded(before: [Int], after: [Int], value: Float = 0) -> Tensor {
        precondition(before.count == rank && after.count == rank,
                     "pad: need one before/after amount per axis of \(shape), got \(before) and \(after)")
        precondition(before.allSatisfy { $0 >= 0 } && after.allSatisfy { $0 >= 0 }, "pad: negative padding \(before) / \(after)")
        let outputShape = (0..<rank).map { shape[$0] + before[$0] + after[$0] }
        let result = Tensor(repeating: value, shape: outputShape)
        var interior = result
        for axis in 0..<rank { interior = interior.sliced(axis: axis, before[axis]..<(before[axis] + shape[axis])) }
        withoutGradients { Tensor.assign(self, into: interior) }
        return result.detached().recordGradient("pad", inputs: [self]) { [shape] g in
            var region = g
            for axis in 0..<shape.count { region = region.sliced(axis: axis, before[axis]..<(before[axis] + shape[axis])) }
            return [region]
        }
    }

    /// Copies the elements of `source` into `destination`, a (possibly strided) view of the
    /// same shape, in place. Records no gradient: for kernels that build a result.
    public static func assign(_ source: Tensor, into destination: Tensor) {
        precondition(source.shape == destination.shape, "assign: source \(source.shape) and destination \(destination.shape) differ")
        if source.count == 0 { return }
        let pointers = UncheckedSendable((UnsafePointer(source.storage.pointer + source.offset), destination.storage.pointer + destination.offset))
        ElementwiseLoop.forEachRow(shape: source.shape, strides: [source.strides, destination.strides]) { offsets, steps, length in
            let (input, output) = pointers.value
            let from = input + offsets[0], to = output + offsets[1]
            if steps[0] == 1 && steps[1] == 1 {
                to.update(from: from, count: length)
            } else {
                for index in 0..<length { to[index * steps[1]] = from[index * steps[0]] }
            }
        }
    }
}
