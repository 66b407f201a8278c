// Integer indexing: embedding lookup, indexSelect (whole slices picked along one axis) and
// gather (one element picked per output position, as torch.gather), each with its
// scatter-add gradient beside it. Indices are plain `[Int]` (they never need gradients).
// Not here: boolean masks, negative (from-the-end) indices, or scatter as a forward op.

extension Tensor {
    // MARK: Embedding

    /// Looks up rows of an embedding table: result[p..., :] = weight[indices[p], :].
    ///
    /// The gradient scatters the output gradient back into a dense `[V, D]` gradient;
    /// repeated indices accumulate (as PyTorch's `nn.Embedding` with `sparse=False`).
    /// - Parameters:
    ///   - weight: the table, `[V, D]` (vocabulary size V, dimension D).
    ///   - indices: row numbers in `0..<V`, row-major over `shape`.
    ///   - shape: the shape of `indices` (e.g. `[B, T]`); `nil` means `[indices.count]`.
    /// - Returns: a tensor of shape `shape + [D]`.
    public static func embedding(_ weight: Tensor, indices: [Int], shape: [Int]? = nil) -> Tensor {
        precondition(weight.rank == 2, "embedding: weight must be [V, D], got \(weight.shape)")
        let indexShape = shape ?? [indices.count]
        precondition(Shape.count(indexShape) == indices.count,
                     "embedding: \(indices.count) indices do not fill shape \(indexShape)")
        let rows = weight.shape[0]
        for (position, index) in indices.enumerated() where index < 0 || index >= rows {
            preconditionFailure("embedding: index \(index) at position \(position) is out of range for a table of V = \(rows) rows (weight \(weight.shape))")
        }
        return weight.selectingIndices(axis: 0, indices, operation: "embedding")
            .reshaped(indexShape + [weight.shape[1]])
    }

    // MARK: Index select

    /// The slices at `indices` along `axis`, in that order (indices may repeat), as
    /// `torch.index_select`. The result has `shape[axis] == indices.count`.
    ///
    /// The gradient adds each output slice's gradient into the slice it came from.
    public func indexSelect(axis: Int, indices: [Int]) -> Tensor {
        let axis = Shape.normalize(axis: axis, rank: rank, operation: "indexSelect")
        for (position, index) in indices.enumerated() where index < 0 || index >= shape[axis] {
            preconditionFailure("indexSelect: index \(index) at position \(position) is out of range for axis \(axis) of size \(shape[axis]) (shape \(shape))")
        }
        return selectingIndices(axis: axis, indices, operation: "indexSelect")
    }

    /// indexSelect without the index checks (callers have checked, with their own message).
    private func selectingIndices(axis: Int, _ indices: [Int], operation: String) -> Tensor {
        let source = withoutGradients { contiguous() }
        let outer = shape[..<axis].reduce(1, *)
        let length = shape[axis]
        let inner = shape[(axis + 1)...].reduce(1, *)
        var outputShape = shape
        outputShape[axis] = indices.count
        let result = Tensor.uninitialized(outputShape)
        IndexKernels.select(
            source.storage.pointer + source.offset, outer: outer, length: length, inner: inner,
            indices: indices, into: result.storage.pointer)
        let inputShape = shape
        return result.recordGradient(operation, inputs: [self]) { g in
            let dense = g.contiguous()
            let full = IndexKernels.threadedZeros(inputShape)
            IndexKernels.addSelected(
                dense.storage.pointer + dense.offset, outer: outer, length: length, inner: inner,
                indices: indices, into: full.storage.pointer)
            return [full]
        }
    }

    // MARK: Gather

    /// Picks one element per output position along `axis`, as `torch.gather`:
    /// `result[..., j, ...] = self[..., indices[..., j, ...], ...]` (the index replaces the
    /// coordinate on `axis`; every other coordinate is the output's own).
    ///
    /// The gradient scatter-adds the output gradient into a zero tensor of `self`'s shape.
    /// - Parameters:
    ///   - axis: the axis the indices address.
    ///   - indices: values in `0..<shape[axis]`, row-major over `shape`.
    ///   - indexShape: the shape of `indices` and of the result; same rank as `self`, and
    ///     no larger than `self` on every axis but `axis`.
    public func gather(axis: Int, indices: [Int], shape indexShape: [Int]) -> Tensor {
        let axis = Shape.normalize(axis: axis, rank: rank, operation: "gather")
        precondition(indexShape.count == rank,
                     "gather: index shape \(indexShape) must have the rank of the input \(shape)")
        precondition(Shape.count(indexShape) == indices.count,
                     "gather: \(indices.count) indices do not fill index shape \(indexShape)")
        for dimension in 0..<rank where dimension != axis {
            precondition(indexShape[dimension] <= shape[dimension],
                         "gather: index shape \(indexShape) exceeds input shape \(shape) on axis \(dimension)")
        }
        for (position, index) in indices.enumerated() where index < 0 || index >= shape[axis] {
            preconditionFailure("gather: index \(index) at position \(position) is out of range for axis \(axis) of size \(shape[axis]) (shape \(shape))")
        }
        let source = withoutGradients { contiguous() }
        let layout = GatherLayout(indexShape: indexShape, sourceStrides: Shape.contiguousStrides(shape), axis: axis)
        let result = Tensor.uninitialized(indexShape)
        layout.gather(source.storage.pointer + source.offset, indices: indices, into: result.storage.pointer)
        let inputShape = shape
        return result.recordGradient("gather", inputs: [self]) { g in
            let dense = g.contiguous()
            let full = Tensor.zeros(inputShape)
            layout.scatterAdd(dense.storage.pointer + dense.offset, indices: indices, into: full.storage.pointer)
            return [full]
        }
    }
}

/// Copy and add-back kernels for indexSelect/embedding, on a contiguous
/// `[outer, length, inner]` source and an `[outer, indices.count, inner]` selection.
enum IndexKernels {
    /// output[o, j, :] = source[o, indices[j], :].
    static func select(
        _ source: UnsafePointer<Float>, outer: Int, length: Int, inner: Int, indices: [Int],
        into output: UnsafeMutablePointer<Float>
    ) {
        let picked = indices.count
        indices.withUnsafeBufferPointer { indexBuffer in
            let pointers = UncheckedSendable((source, output, indexBuffer.baseAddress))
            Parallel.forEachRange(outer * picked, costPerItem: inner) { rows in
                let (source, output, indexPointer) = pointers.value
                guard let indexPointer else { return }
                for row in rows {
                    let o = row / picked, j = row - o * picked
                    (output + row * inner).update(from: source + (o * length + indexPointer[j]) * inner, count: inner)
                }
            }
        }
    }

    /// output[o, indices[j], :] += gradient[o, j, :]; `output` must start zeroed. Threads
    /// own disjoint outer blocks, or (for one block, e.g. an embedding table) disjoint
    /// column ranges, so repeated indices never race.
    static func addSelected(
        _ gradient: UnsafePointer<Float>, outer: Int, length: Int, inner: Int, indices: [Int],
        into output: UnsafeMutablePointer<Float>
    ) {
        let picked = indices.count
        indices.withUnsafeBufferPointer { indexBuffer in
            let pointers = UncheckedSendable((gradient, output, indexBuffer.baseAddress))
            if outer >= Parallel.threadCount || inner < 64 {
                Parallel.forEachRange(outer, costPerItem: picked * inner) { blocks in
                    let (gradient, output, indexPointer) = pointers.value
                    guard let indexPointer else { return }
                    for o in blocks {
                        for j in 0..<picked {
                            addRow(gradient + (o * picked + j) * inner,
                                   into: output + (o * length + indexPointer[j]) * inner, count: inner)
                        }
                    }
                }
            } else {
                for o in 0..<outer {
                    Parallel.forEachRange(inner, costPerItem: picked) { columns in
                        let (gradient, output, indexPointer) = pointers.value
                        guard let indexPointer else { return }
                        for j in 0..<picked {
                            addRow(gradient + (o * picked + j) * inner + columns.lowerBound,
                                   into: output + (o * length + indexPointer[j]) * inner + columns.lowerBound,
                                   count: columns.count)
                        }
                    }
                }
            }
        }
    }

    /// destination[0..<count] += source[0..<count], in `KernelVector`s.
    @inline(__always)
    static func addRow(_ source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>, count: Int) {
        let lanes = KernelVector.scalarCount
        var index = 0
        while index + lanes <= count {
            store(load(destination + index, as: KernelVector.self) + load(source + index, as: KernelVector.self), destination + index)
            index += lanes
        }
        while index < count { destination[index] += source[index]; index += 1 }
    }

    /// A zero tensor of `shape`, zeroed by all threads (an embedding table's gradient, tens
    /// of megabytes, would otherwise be one thread's memset while the others wait).
    static func threadedZeros(_ shape: [Int]) -> Tensor {
        let result = Tensor.uninitialized(shape)
        let target = UncheckedSendable(result.storage.pointer)
        Parallel.forEachRange(result.count) { range in
            (target.value + range.lowerBound).initialize(repeating: 0, count: range.count)
        }
        return result
    }
}

/// Where each element of a gather comes from. The index shape is split at the gathered
/// axis into `leading` (axes before it) and `rest` (the axis and those after it); source
/// position = leadingOffset(l) + restOffsets[m] + index * axisStride.
struct GatherLayout: Sendable {
    let leadingShape: [Int]
    let leadingStrides: [Int]
    let rest: Int
    /// Source offset of each position in the `rest` block, without the gathered axis's part.
    let restOffsets: [Int]
    let axisStride: Int

    init(indexShape: [Int], sourceStrides: [Int], axis: Int) {
        leadingShape = Array(indexShape[..<axis])
        leadingStrides = Array(sourceStrides[..<axis])
        axisStride = sourceStrides[axis]
        let restShape = Array(indexShape[axis...])
        rest = Shape.count(restShape)
        var offsets = [Int](repeating: 0, count: rest)
        for m in 0..<rest {
            var remainder = m, offset = 0
            for dimension in stride(from: restShape.count - 1, through: 1, by: -1) {
                let coordinate = remainder % restShape[dimension]
                remainder /= restShape[dimension]
                offset += coordinate * sourceStrides[axis + dimension]
            }
            offsets[m] = offset
        }
        restOffsets = offsets
    }

    var leading: Int { Shape.count(leadingShape) }

    func leadingOffset(_ l: Int) -> Int {
        var remainder = l, offset = 0
        for dimension in stride(from: leadingShape.count - 1, through: 0, by: -1) {
            let coordinate = remainder % leadingShape[dimension]
            remainder /= leadingShape[dimension]
            offset += coordinate * leadingStrides[dimension]
        }
        return offset
    }

    /// output[e] = source[position(e)].
    func gather(_ source: UnsafePointer<Float>, indices: [Int], into output: UnsafeMutablePointer<Float>) {
        let (leading, rest) = (self.leading, self.rest)
        indices.withUnsafeBufferPointer { indexBuffer in
            restOffsets.withUnsafeBufferPointer { offsetBuffer in
                let pointers = UncheckedSendable((source, output, indexBuffer.baseAddress, offsetBuffer.baseAddress))
                let work = { (blocks: Range<Int>, columns: Range<Int>) in
                    let (source, output, indexPointer, restPointer) = pointers.value
                    guard let indexPointer, let restPointer else { return }
                    for l in blocks {
                        let base = leadingOffset(l)
                        for m in columns {
                            let e = l * rest + m
                            output[e] = source[base + restPointer[m] + indexPointer[e] * axisStride]
                        }
                    }
                }
                if leading > 1 {
                    Parallel.forEachRange(leading, costPerItem: rest) { blocks in work(blocks, 0..<rest) }
                } else {
                    Parallel.forEachRange(rest) { columns in work(0..<leading, columns) }
                }
            }
        }
    }

    /// output[position(e)] += gradient[e]; `output` must start zeroed. Threads own disjoint
    /// leading blocks (different leading coordinates never reach the same source element).
    func scatterAdd(_ gradient: UnsafePointer<Float>, indices: [Int], into output: UnsafeMutablePointer<Float>) {
        let rest = self.rest
        indices.withUnsafeBufferPointer { indexBuffer in
            restOffsets.withUnsafeBufferPointer { offsetBuffer in
                let pointers = UncheckedSendable((gradient, output, indexBuffer.baseAddress, offsetBuffer.baseAddress))
                Parallel.forEachRange(leading, costPerItem: rest) { blocks in
                    let (gradient, output, indexPointer, restPointer) = pointers.value
                    guard let indexPointer, let restPointer else { return }
                    for l in blocks {
                        let base = leadingOffset(l)
                        for m in 0..<rest {
                            let e = l * rest + m
                            output[base + restPointer[m] + indexPointer[e] * axisStride] += gradient[e]
                        }
                    }
                }
            }
        }
    }
}
