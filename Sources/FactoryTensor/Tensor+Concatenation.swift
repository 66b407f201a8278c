// Joining and cutting along an axis: concatenate and stack (new tensors, built with the
// strided `assign` copy) and split (views made with `sliced`). Concatenation's gradient is
// the slice of the output gradient that each input filled; split needs none of its own
// because slicing already has one. Not here: padding (Tensor+Padding.swift) or tiling.

extension Tensor {
    /// Joins tensors end to end along `axis`; every other axis must agree.
    ///
    /// Inputs may be any views (transposed, sliced, expanded); the result is contiguous.
    /// - Parameters:
    ///   - tensors: at least one tensor, all of the same rank.
    ///   - axis: the axis to join along; negative values count from the end.
    public static func concatenate(_ tensors: [Tensor], axis: Int) -> Tensor {
        precondition(!tensors.isEmpty, "concatenate: no tensors given")
        let first = tensors[0]
        let axis = Shape.normalize(axis: axis, rank: first.rank, operation: "concatenate")
        for (position, tensor) in tensors.enumerated() {
            let matches = tensor.rank == first.rank
                && (0..<first.rank).allSatisfy { $0 == axis || tensor.shape[$0] == first.shape[$0] }
            precondition(matches, "concatenate: tensor \(position) of shape \(tensor.shape) does not match \(first.shape) off axis \(axis) (shapes \(tensors.map(\.shape)))")
        }
        if tensors.count == 1 { return first }
        var outputShape = first.shape
        outputShape[axis] = tensors.reduce(0) { $0 + $1.shape[axis] }
        let result = Tensor.uninitialized(outputShape)
        var ranges: [Range<Int>] = []
        var start = 0
        for tensor in tensors {
            let range = start..<(start + tensor.shape[axis])
            ranges.append(range)
            start = range.upperBound
        }
        withoutGradients {
            for (tensor, range) in zip(tensors, ranges) {
                Tensor.assign(tensor, into: result.sliced(axis: axis, range))
            }
        }
        return result.recordGradient("concatenate", inputs: tensors) { g in
            zip(tensors, ranges).map { tensor, range in tensor.requiresGradient ? g.sliced(axis: axis, range) : nil }
        }
    }

    /// Joins equally shaped tensors along a new axis at position `axis` (in `0...rank`,
    /// negative counting from the end of the result's axes), as `torch.stack`.
    public static func stack(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
        precondition(!tensors.isEmpty, "stack: no tensors given")
        let shape = tensors[0].shape
        for (position, tensor) in tensors.enumerated() {
            precondition(tensor.shape == shape, "stack: tensor \(position) has shape \(tensor.shape), expected \(shape) (shapes \(tensors.map(\.shape)))")
        }
        let resolved = Shape.normalize(axis: axis, rank: shape.count + 1, operation: "stack")
        return concatenate(tensors.map { $0.unsqueezed(axis: resolved) }, axis: resolved)
    }

    /// Cuts this tensor along `axis` into consecutive pieces of the given sizes (views).
    /// - Parameters:
    ///   - axis: the axis to cut; negative values count from the end.
    ///   - sizes: non-negative sizes that add up to `shape[axis]`.
    public func split(axis: Int, sizes: [Int]) -> [Tensor] {
        let axis = Shape.normalize(axis: axis, rank: rank, operation: "split")
        precondition(sizes.allSatisfy { $0 >= 0 } && sizes.reduce(0, +) == shape[axis],
                     "split: sizes \(sizes) do not add up to axis \(axis) of size \(shape[axis]) (shape \(shape))")
        var pieces: [Tensor] = []
        var start = 0
        for size in sizes {
            pieces.append(sliced(axis: axis, start..<(start + size)))
            start += size
        }
        return pieces
    }

    /// Cuts this tensor along `axis` into `parts` equal pieces (views); `shape[axis]` must
    /// be divisible by `parts` (unlike `torch.chunk`, no short last piece).
    public func split(axis: Int, parts: Int) -> [Tensor] {
        let resolved = Shape.normalize(axis: axis, rank: rank, operation: "split")
        precondition(parts > 0 && shape[resolved] % parts == 0,
                     "split: axis \(resolved) of size \(shape[resolved]) (shape \(shape)) cannot be cut into \(parts) equal parts")
        return split(axis: resolved, sizes: [Int](repeating: shape[resolved] / parts, count: parts))
    }
}
