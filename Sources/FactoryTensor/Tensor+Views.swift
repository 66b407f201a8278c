// Layout operations: contiguous copies, reshape, permute/transpose, slicing, expansion,
// squeezing. Views share storage with their source; their gradients map the output
// gradient back to the source's layout.

public enum IdentityOperator: UnaryOperator {
    @inlinable public static func apply(_ x: Float) -> Float { x }
    @inlinable public static func apply(_ x: Float8) -> Float8 { x }
}

extension Tensor {
    /// This tensor if its elements are already dense and row-major, otherwise a dense copy.
    /// Gradients pass straight through.
    public func contiguous() -> Tensor {
        if isContiguous && offset + count <= storage.count { return self }
        return contiguousCopy()
    }

    /// A dense row-major copy that never shares storage with `self`.
    public func contiguousCopy() -> Tensor {
        mapElements(IdentityOperator.self).recordGradient("contiguous", inputs: [self]) { gradient in [gradient] }
    }

    /// The same elements in a new shape (one dimension may be -1). A view when the data is
    /// contiguous, a copy otherwise.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var resolved = newShape
        let inferred = newShape.indices.filter { newShape[$0] == -1 }
        precondition(inferred.count <= 1, "reshape: more than one -1 in \(newShape)")
        if let axis = inferred.first {
            let known = newShape.enumerated().filter { $0.offset != axis }.reduce(1) { $0 * $1.element }
            precondition(known > 0 && count % known == 0, "reshape: cannot infer -1 in \(newShape) for \(count) elements")
            resolved[axis] = count / known
        }
        precondition(Shape.count(resolved) == count, "reshape: shape \(shape) (\(count) elements) cannot become \(newShape)")
        if resolved == shape { return self }
        let source = contiguous()
        let view = Tensor(storage: source.storage, shape: resolved, strides: Shape.contiguousStrides(resolved), offset: source.offset)
        let originalShape = shape
        return view.recordGradient("reshape", inputs: [source]) { gradient in [gradient.reshaped(originalShape)] }
    }

    /// Flattens axes `startAxis...endAxis` into one.
    public func flattened(from startAxis: Int = 0, through endAxis: Int = -1) -> Tensor {
        if rank == 0 { return reshaped([1]) }
        let start = Shape.normalize(axis: startAxis, rank: rank, operation: "flatten")
        let end = Shape.normalize(axis: endAxis, rank: rank, operation: "flatten")
        precondition(start <= end, "flatten: start axis \(startAxis) is after end axis \(endAxis)")
        let merged = shape[start...end].reduce(1, *)
        return reshaped(Array(shape[..<start]) + [merged] + Array(shape[(end + 1)...]))
    }

    /// Reorders axes: result axis i is input axis `order[i]`. A view.
    public func permuted(_ order: [Int]) -> Tensor {
        precondition(order.count == rank && Set(order) == Set(0..<rank),
                     "permute: \(order) is not a permutation of the \(rank) axes of \(shape)")
        if order == Array(0..<rank) { return self }
        let view = Tensor(storage: storage, shape: order.map { shape[$0] }, strides: order.map { strides[$0] }, offset: offset)
        var inverse = [Int](repeating: 0, count: order.count)
        for (position, axis) in order.enumerated() { inverse[axis] = position }
        return view.recordGradient("permute", inputs: [self]) { gradient in [gradient.permuted(inverse)] }
    }

    /// Swaps two axes (default: the last two). A view.
    public func transposed(_ first: Int = -2, _ second: Int = -1) -> Tensor {
        let a = Shape.normalize(axis: first, rank: rank, operation: "transpose")
        let b = Shape.normalize(axis: second, rank: rank, operation: "transpose")
        var order = Array(0..<rank)
        order.swapAt(a, b)
        return permuted(order)
    }

    /// The elements `range` along `axis`. A view; the gradient is zero outside the slice.
    public func sliced(axis: Int, _ range: Range<Int>) -> Tensor {
        let axis = Shape.normalize(axis: axis, rank: rank, operation: "slice")
        precondition(range.lowerBound >= 0 && range.upperBound <= shape[axis],
                     "slice: range \(range) is out of bounds for axis \(axis) of size \(shape[axis])")
        var newShape = shape
        newShape[axis] = range.count
        let view = Tensor(storage: storage, shape: newShape, strides: strides, offset: offset + range.lowerBound * strides[axis])
        let sourceShape = shape
        return view.recordGradient("slice", inputs: [self]) { gradient in
            var before = [Int](repeating: 0, count: sourceShape.count)
            var after = [Int](repeating: 0, count: sourceShape.count)
            before[axis] = range.lowerBound
            after[axis] = sourceShape[axis] - range.upperBound
            return [gradient.padded(before: before, after: after)]
        }
    }

    /// The sub-tensor at `index` along `axis`, with that axis removed. A view.
    public func selecting(axis: Int, index: Int) -> Tensor {
        let axis = Shape.normalize(axis: axis, rank: rank, operation: "select")
        var newShape = shape
        newShape.remove(at: axis)
        return sliced(axis: axis, index..<(index + 1)).reshapedView(newShape)
    }

    /// Reads this tensor as `target` shape by repeating size-1 axes (stride 0). A view; its
    /// gradient is summed back by the engine.
    public func expanded(to target: [Int]) -> Tensor {
        if target == shape { return self }
        let view = Tensor(storage: storage, shape: target,
                          strides: Shape.broadcastStrides(shape: shape, strides: strides, to: target), offset: offset)
        return view.recordGradient("expand", inputs: [self]) { gradient in [gradient] }
    }

    /// Inserts a size-1 axis at `axis`. A view.
    public func unsqueezed(axis: Int) -> Tensor {
        let axis = Shape.normalize(axis: axis, rank: rank + 1, operation: "unsqueeze")
        var newShape = shape
        newShape.insert(1, at: axis)
        return reshapedView(newShape)
    }

    /// Removes size-1 axes (all of them, or just `axis`). A view.
    public func squeezed(axis: Int? = nil) -> Tensor {
        var newShape = shape
        if let axis {
            let resolved = Shape.normalize(axis: axis, rank: rank, operation: "squeeze")
            precondition(shape[resolved] == 1, "squeeze: axis \(axis) of \(shape) has size \(shape[resolved]), not 1")
            newShape.remove(at: resolved)
        } else {
            newShape.removeAll { $0 == 1 }
        }
        return reshapedView(newShape)
    }

    /// Reshape that only adds or removes size-1 axes, kept as a view whatever the strides.
    func reshapedView(_ newShape: [Int]) -> Tensor {
        if newShape == shape { return self }
        precondition(Shape.count(newShape) == count, "reshape: \(shape) cannot become \(newShape)")
        var newStrides: [Int] = []
        var sourceAxis = 0
        for dimension in newShape {
            while sourceAxis < rank && shape[sourceAxis] == 1 && dimension != 1 { sourceAxis += 1 }
            if dimension == 1 {
                if sourceAxis < rank && shape[sourceAxis] == 1 { sourceAxis += 1 }
                newStrides.append(0)
            } else {
                precondition(sourceAxis < rank && shape[sourceAxis] == dimension, "reshape: \(shape) to \(newShape) is not a squeeze/unsqueeze")
                newStrides.append(strides[sourceAxis])
                sourceAxis += 1
            }
        }
        let view = Tensor(storage: storage, shape: newShape, strides: newStrides, offset: offset)
        let originalShape = shape
        return view.recordGradient("reshape", inputs: [self]) { gradient in [gradient.reshapedView(originalShape)] }
    }
}
