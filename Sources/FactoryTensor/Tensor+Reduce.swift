// Reductions over any set of axes: sum, mean, max (with argmax), variance, logsumexp, and
// `summed(toShape:)`, the single place where broadcast gradients are summed back to an
// input's shape. Kernels work on a contiguous [outer, reduced, inner] view.

extension Tensor {
    /// Sum over `axes` (all axes when `nil`).
    /// - Parameters:
    ///   - axes: the axes to reduce; negative values count from the end.
    ///   - keepingDimensions: keep reduced axes with size 1.
    public func sum(axes: [Int]? = nil, keepingDimensions: Bool = false) -> Tensor {
        let reduced = axes.map { Shape.normalize(axes: $0, rank: rank, operation: "sum") } ?? Array(0..<rank)
        var keptShape = shape
        for axis in reduced { keptShape[axis] = 1 }
        let finalShape = keepingDimensions ? keptShape : shape.enumerated().filter { !reduced.contains($0.offset) }.map(\.element)
        if reduced.isEmpty { return self }
        // Reduce one contiguous block of axes at a time, innermost block first.
        var current = withoutGradients { contiguous() }
        var blocks: [[Int]] = []
        for axis in reduced {
            if let last = blocks.last?.last, last == axis - 1 { blocks[blocks.count - 1].append(axis) } else { blocks.append([axis]) }
        }
        for block in blocks.reversed() {
            current = Tensor.sumBlock(current, firstAxis: block.first!, lastAxis: block.last!)
        }
        let result = Tensor(storage: current.storage, shape: finalShape, strides: Shape.contiguousStrides(finalShape), offset: current.offset)
        let inputShape = shape
        return result.recordGradient("sum", inputs: [self]) { gradient in
            [gradient.reshapedView(keptShape).expanded(to: inputShape)]
        }
    }

    /// Sum over all elements, as a scalar tensor.
    public func sum() -> Tensor { sum(axes: nil) }

    /// Mean over `axes` (all axes when `nil`).
    public func mean(axes: [Int]? = nil, keepingDimensions: Bool = false) -> Tensor {
        let reduced = axes.map { Shape.normalize(axes: $0, rank: rank, operation: "mean") } ?? Array(0..<rank)
        let reducedCount = reduced.reduce(1) { $0 * shape[$1] }
        return sum(axes: reduced, keepingDimensions: keepingDimensions) * (1 / Float(Swift.max(reducedCount, 1)))
    }

    /// Variance over `axes`; `unbiased` divides by n - 1 (Bessel) instead of n.
    public func variance(axes: [Int]? = nil, unbiased: Bool = false, keepingDimensions: Bool = false) -> Tensor {
        let reduced = axes.map { Shape.normalize(axes: $0, rank: rank, operation: "variance") } ?? Array(0..<rank)
        let n = reduced.reduce(1) { $0 * shape[$1] }
        let centered = self - mean(axes: reduced, keepingDimensions: true)
        let squares = (centered * centered).sum(axes: reduced, keepingDimensions: keepingDimensions)
        return squares * (1 / Float(Swift.max(unbiased ? n - 1 : n, 1)))
    }

    /// log(sum(exp(x))) over `axes`, computed stably (shifted by the detached maximum).
    public func logSumExp(axes: [Int]? = nil, keepingDimensions: Bool = false) -> Tensor {
        let reduced = axes.map { Shape.normalize(axes: $0, rank: rank, operation: "logsumexp") } ?? Array(0..<rank)
        var shift = detached()
        for axis in reduced { shift = shift.max(axis: axis, keepingDimensions: true).values }
        // A row that is all -infinity (fully masked) is shifted by 0, so it gives -infinity, not NaN.
        shift = shift.mapElements(FiniteOrZeroOperator.self)
        let shifted = (self - shift).exp().sum(axes: reduced, keepingDimensions: true).log() + shift
        return keepingDimensions ? shifted : shifted.squeezedAxes(reduced)
    }

    /// Maximum along `axis`, with the index of the (first) maximum. The gradient goes to
    /// that element.
    public func max(axis: Int, keepingDimensions: Bool = false) -> (values: Tensor, indices: [Int]) {
        let axis = Shape.normalize(axis: axis, rank: rank, operation: "max")
        let source = withoutGradients { contiguous() }
        let outer = shape[..<axis].reduce(1, *)
        let length = shape[axis]
        let inner = shape[(axis + 1)...].reduce(1, *)
        precondition(length > 0, "max: axis \(axis) of \(shape) is empty")
        var keptShape = shape
        keptShape[axis] = 1
        let values = Tensor.uninitialized(keptShape)
        var indices = [Int](repeating: 0, count: outer * inner)
        let input = source.storage.pointer + source.offset
        let output = values.storage.pointer
        indices.withUnsafeMutableBufferPointer { indexBuffer in
            let pointers = UncheckedSendable((input, output, indexBuffer.baseAddress!))
            Parallel.forEachRange(outer, costPerItem: length * inner) { range in
                let (input, output, indexPointer) = pointers.value
                for o in range {
                    for i in 0..<inner {
                        var best = input[o * length * inner + i]
                        var bestIndex = 0
                        for r in 1..<Swift.max(length, 1) {
                            let value = input[(o * length + r) * inner + i]
                            if value > best || (value.isNaN && !best.isNaN) { best = value; bestIndex = r }
                        }
                        output[o * inner + i] = best
                        indexPointer[o * inner + i] = bestIndex
                    }
                }
            }
        }
        var finalShape = shape
        finalShape.remove(at: axis)
        let result = keepingDimensions ? values : values.reshapedView(finalShape)
        let inputShape = shape
        let savedIndices = indices
        result.recordGradient("max", inputs: [self]) { gradient in
            let dense = gradient.contiguous()
            let full = Tensor.zeros(inputShape)
            let g = dense.storage.pointer + dense.offset
            for o in 0..<outer {
                for i in 0..<inner {
                    full.storage.pointer[(o * length + savedIndices[o * inner + i]) * inner + i] += g[o * inner + i]
                }
            }
            return [full]
        }
        return (result, indices)
    }

    /// Maximum over all elements, as a scalar tensor.
    public func max() -> Tensor {
        flattened().max(axis: 0).values
    }

    /// Index of the maximum along `axis`, one per remaining position (row-major).
    public func argmax(axis: Int) -> [Int] {
        withoutGradients { max(axis: axis).indices }
    }

    /// Sums a broadcast gradient back to `target` (the shape of the input it belongs to):
    /// leading extra axes and axes where `target` has size 1 are summed.
    public func summed(toShape target: [Int]) -> Tensor {
        if shape == target { return self }
        let lead = rank - target.count
        precondition(lead >= 0, "summed(toShape:): \(shape) cannot be reduced to \(target)")
        var axes = Array(0..<lead)
        for axis in 0..<target.count where target[axis] == 1 && shape[axis + lead] != 1 { axes.append(axis + lead) }
        for axis in 0..<target.count {
            precondition(target[axis] == shape[axis + lead] || target[axis] == 1,
                         "summed(toShape:): \(shape) cannot be reduced to \(target)")
        }
        return sum(axes: axes, keepingDimensions: true).reshaped(target)
    }

    func squeezedAxes(_ axes: [Int]) -> Tensor {
        reshapedView(shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element))
    }

    /// Sums axes firstAxis...lastAxis of a contiguous tensor, keeping them as size 1.
    static func sumBlock(_ input: Tensor, firstAxis: Int, lastAxis: Int) -> Tensor {
        let outer = input.shape[..<firstAxis].reduce(1, *)
        let length = input.shape[firstAxis...lastAxis].reduce(1, *)
        let inner = input.shape[(lastAxis + 1)...].reduce(1, *)
        var outputShape = input.shape
        for axis in firstAxis...lastAxis { outputShape[axis] = 1 }
        let output = Tensor.uninitialized(outputShape)
        ReductionKernels.sum(
            input.storage.pointer + input.offset, outer: outer, length: length, inner: inner, into: output.storage.pointer)
        return output
    }
}

/// Vectorised, threaded sum over the middle axis of a contiguous [outer, length, inner] block.
enum ReductionKernels {
    static func sum(_ input: UnsafePointer<Float>, outer: Int, length: Int, inner: Int, into output: UnsafeMutablePointer<Float>) {
        let pointers = UncheckedSendable((input, output))
        if inner == 1 {
            if outer == 1 && length >= Parallel.elementThreshold {
                // One long row: partial sums per thread, then combined.
                let threads = Parallel.threadCount
                var partials = [Float](repeating: 0, count: threads)
                partials.withUnsafeMutableBufferPointer { buffer in
                    let partialPointer = UncheckedSendable(buffer.baseAddress!)
                    Parallel.forEachRange(threads, costPerItem: Parallel.elementThreshold) { range in
                        for part in range {
                            let start = length * part / threads
                            let end = length * (part + 1) / threads
                            partialPointer.value[part] = rowSum(pointers.value.0 + start, end - start)
                        }
                    }
                }
                output[0] = partials.reduce(0, +)
                return
            }
            Parallel.forEachRange(outer, costPerItem: length) { range in
                let (input, output) = pointers.value
                for o in range { output[o] = rowSum(input + o * length, length) }
            }
            return
        }
        if outer >= Parallel.threadCount || inner < 64 {
            Parallel.forEachRange(outer, costPerItem: length * inner) { range in
                let (input, output) = pointers.value
                for o in range { columnSum(input + o * length * inner, length: length, inner: inner, columns: 0..<inner, into: output + o * inner) }
            }
        } else {
            for o in 0..<outer {
                Parallel.forEachRange(inner, costPerItem: length) { range in
                    let (input, output) = pointers.value
                    columnSum(input + o * length * inner, length: length, inner: inner, columns: range, into: output + o * inner)
                }
            }
        }
    }

    /// Σ x[0..<count] in two `V` accumulators (batch norm's channel rows, layer norm's rows).
    @inline(__always)
    static func rowSum<V: KernelFloatVector>(_ x: UnsafePointer<Float>, _ count: Int, as _: V.Type) -> Float {
        let lanes = V.scalarCount
        var accumulator0 = V(), accumulator1 = V()
        var index = 0
        while index + 2 * lanes <= count {
            accumulator0 += load(x + index, as: V.self)
            accumulator1 += load(x + index + lanes, as: V.self)
            index += 2 * lanes
        }
        if index + lanes <= count { accumulator0 += load(x + index, as: V.self); index += lanes }
        var total = horizontalSum(accumulator0 + accumulator1)
        while index < count { total += x[index]; index += 1 }
        return total
    }

    /// Σ (x - mean)² over x[0..<count] in two `V` accumulators.
    @inline(__always)
    static func centeredSquareSum<V: KernelFloatVector>(
        _ x: UnsafePointer<Float>, mean: Float, _ count: Int, as _: V.Type
    ) -> Float {
        let lanes = V.scalarCount, vectorMean = V(repeating: mean)
        var accumulator0 = V(), accumulator1 = V()
        var index = 0
        while index + 2 * lanes <= count {
            let centered0 = load(x + index, as: V.self) - vectorMean, centered1 = load(x + index + lanes, as: V.self) - vectorMean
            accumulator0.addProduct(centered0, centered0)
            accumulator1.addProduct(centered1, centered1)
            index += 2 * lanes
        }
        if index + lanes <= count {
            let centered = load(x + index, as: V.self) - vectorMean
            accumulator0.addProduct(centered, centered)
            index += lanes
        }
        var total = horizontalSum(accumulator0 + accumulator1)
        while index < count { let centered = x[index] - mean; total += centered * centered; index += 1 }
        return total
    }

    /// Sum of `count` contiguous floats with eight vector accumulators' worth of lanes.
    @inline(__always)
    static func rowSum(_ x: UnsafePointer<Float>, _ count: Int) -> Float {
        var accumulator0 = Float8(), accumulator1 = Float8()
        var index = 0
        while index + 16 <= count {
            accumulator0 += UnsafeRawPointer(x + index).loadUnaligned(as: Float8.self)
            accumulator1 += UnsafeRawPointer(x + index + 8).loadUnaligned(as: Float8.self)
            index += 16
        }
        var total = (accumulator0 + accumulator1).sum()
        while index < count { total += x[index]; index += 1 }
        return total
    }

    /// output[c] = sum over r of x[r * inner + c], for c in `columns`.
    @inline(__always)
    static func columnSum(_ x: UnsafePointer<Float>, length: Int, inner: Int, columns: Range<Int>, into output: UnsafeMutablePointer<Float>) {
        for c in columns { output[c] = 0 }
        for r in 0..<length {
            let row = x + r * inner
            var c = columns.lowerBound
            while c + 8 <= columns.upperBound {
                let sum = UnsafeRawPointer(output + c).loadUnaligned(as: Float8.self) + UnsafeRawPointer(row + c).loadUnaligned(as: Float8.self)
                UnsafeMutableRawPointer(output + c).storeBytes(of: sum, as: Float8.self)
                c += 8
            }
            while c < columns.upperBound { output[c] += row[c]; c += 1 }
        }
    }
}

/// x where x is finite, else 0 (the shift of a fully masked row in logSumExp).
public enum FiniteOrZeroOperator: UnaryOperator {
    @inlinable public static func apply(_ x: Float) -> Float { x.isFinite ? x : 0 }
    @inlinable public static func apply(_ x: Float8) -> Float8 {
        x.replacing(with: 0, where: (x .== Float8(repeating: .infinity)) .| (x .== Float8(repeating: -.infinity)) .| (x .!= x))
    }
}
