// The affine map of a fully connected layer, y = x Wᵀ + b (+ r), as one recorded operation:
// the output rows are filled with the bias (plus, when given, a residual added to the
// result) and the product is accumulated onto them by BLAS (beta = 1), so neither costs an
// extra pass over the output and the tape holds one node instead of a product and adds.
// With many rows and several threads, the rows are split across threads (single-threaded
// BLAS in each). Gradients: dx = g W (added by BLAS into the gradient the input already
// has, when the engine hands it over), dW = gᵀ x, db = Σ_rows g (gᵀ·1 through BLAS), dr = g.
// Not here: the `Linear` module (parameters, initialisation, checkpoint keys), activations.

extension Tensor {
    /// `input Wᵀ + bias` over the last axis of `input`.
    /// - Parameters:
    ///   - input: `[..., inFeatures]`.
    ///   - weight: `[outFeatures, inFeatures]` (PyTorch's layout).
    ///   - bias: `[outFeatures]`, or `nil`.
    ///   - residual: a tensor of the output's shape added to the result (a transformer's
    ///     residual connection, `x Wᵀ + b + residual`), or `nil`.
    /// - Returns: `[..., outFeatures]`.
    public static func linear(_ input: Tensor, weight: Tensor, bias: Tensor?, adding residual: Tensor? = nil) -> Tensor {
        linear(input, weight: weight, bias: bias, adding: residual, epilogue: nil)
    }

    /// `linear`, with `epilogue(values, count)` run on each thread's finished output rows
    /// (`count` floats from `values`) by that thread, right after its product: no join
    /// and no second threaded pass. Cutting a thread's rows into smaller blocks, to find
    /// them in cache, measured slower: OpenBLAS packs the whole weight again for every
    /// product. The epilogue must not be given when gradients are recorded (the recorded
    /// product would not be the output).
    static func linear(
        _ input: Tensor, weight: Tensor, bias: Tensor?, adding residual: Tensor?,
        epilogue: ((UnsafeMutablePointer<Float>, Int) -> Void)?
    ) -> Tensor {
        precondition(weight.rank == 2, "linear: weight \(weight.shape) is not [out, in]")
        let inFeatures = weight.shape[1], outFeatures = weight.shape[0]
        precondition(input.rank >= 1 && input.shape[input.rank - 1] == inFeatures,
                     "linear: input \(input.shape) does not end in \(inFeatures) (weight \(weight.shape))")
        if let bias { precondition(bias.shape == [outFeatures], "linear: bias \(bias.shape) is not [\(outFeatures)]") }
        let outputShape = Array(input.shape.dropLast()) + [outFeatures]
        let rows = input.count / Swift.max(inFeatures, 1)
        if let residual {
            precondition(residual.shape == outputShape, "linear: residual \(residual.shape) is not the output's shape \(outputShape)")
        }
        let (rowsView, biasValues, residualValues) = withoutGradients {
            (input.contiguous().reshaped([rows, inFeatures]), bias?.contiguous(), residual?.contiguous())
        }
        let output = Tensor.uninitialized(outputShape)
        let accumulates = biasValues != nil || residualValues != nil
        if rows > 0 && outFeatures > 0 {
            let weightLayout = Tensor.matrixLayout(weight)
            let pointers = UncheckedSendable((
                biasValues.map { UnsafePointer($0.storage.pointer + $0.offset) },
                residualValues.map { UnsafePointer($0.storage.pointer + $0.offset) }, output.storage.pointer,
                UnsafePointer(rowsView.storage.pointer + rowsView.offset),
                UnsafePointer(weightLayout.tensor.storage.pointer + weightLayout.tensor.offset)))
            // Rows [range] filled with bias (+ residual), for the product to accumulate onto.
            let fill = { (range: Range<Int>) in
                let (bias, residual, target, _, _) = pointers.value
                for row in range {
                    let out = target + row * outFeatures
                    switch (bias, residual) {
                    case let (bias?, residual?): addRows(bias, residual + row * outFeatures, into: out, count: outFeatures)
                    case let (bias?, nil): out.update(from: bias, count: outFeatures)
                    case let (nil, residual?): out.update(from: residual + row * outFeatures, count: outFeatures)
                    case (nil, nil): break
                    }
                }
            }
            // Output rows [range] = the product's rows (+ what they hold with bias or residual).
            let multiply = { (range: Range<Int>) in
                let (_, _, target, source, weightPointer) = pointers.value
                BLAS.gemm(
                    rows: range.count, columns: outFeatures, depth: inFeatures,
                    MatrixOperand(pointer: source + range.lowerBound * inFeatures, leadingDimension: inFeatures, transposed: false),
                    // Wᵀ: the stored [out, in] matrix read transposed (or, for a transposed view, directly).
                    MatrixOperand(pointer: weightPointer, leadingDimension: weightLayout.leadingDimension, transposed: !weightLayout.transposed),
                    beta: accumulates ? 1 : 0, target + range.lowerBound * outFeatures, leadingDimension: outFeatures)
            }
            // Many rows on several threads: each thread fills and multiplies its own rows with
            // single-threaded BLAS (its fill is still in cache for the product, and no thread
            // waits on another mid-product); the weight is packed once per thread.
            let rowsOfThisThread = { (range: Range<Int>) in
                if accumulates { fill(range) }
                multiply(range)
                epilogue?(pointers.value.2 + range.lowerBound * outFeatures, range.count * outFeatures)
            }
            let threads = Parallel.threadCount
            if threads == 1 || Parallel.runsNestedWorkSerially() {
                rowsOfThisThread(0..<rows)
            } else if rows >= 256 * threads {
                Parallel.forEachRangeWithSingleThreadedBLAS(rows, costPerItem: outFeatures * inFeatures, rowsOfThisThread)
            } else {
                if accumulates { Parallel.forEachRange(rows, costPerItem: outFeatures) { range in fill(range) } }
                multiply(0..<rows)
                if let epilogue {
                    Parallel.forEachRange(rows, costPerItem: outFeatures) { range in
                        epilogue(pointers.value.2 + range.lowerBound * outFeatures, range.count * outFeatures)
                    }
                }
            }
        }
        let inputs = [input, weight] + (bias.map { [$0] } ?? []) + (residual.map { [$0] } ?? [])
        return output.recordGradient("linear", inputs: inputs) { gradient, accumulators in
            let g = gradient.contiguous().reshaped([rows, outFeatures])
            var results: [Tensor?] = [
                input.requiresGradient ? inputGradient(g, weight: weight, adding: accumulators[0], shape: input.shape) : nil,
                weight.requiresGradient ? g.transposed().matmul(rowsView) : nil,
            ]
            if let bias { results.append(bias.requiresGradient ? columnSums(g) : nil) }
            if let residual { results.append(residual.requiresGradient ? gradient : nil) }
            return results
        }
    }
}

/// `g W`, the input's gradient (`[rows, in]` for `g` `[rows, out]`, W `[out, in]`), in
/// `shape`. With an accumulator (the gradient the input has received so far, such as a
/// residual connection's) the product is added into it by BLAS (beta = 1) and it is
/// returned: no separate sum, and no zero-fill of a new result.
private func inputGradient(_ g: Tensor, weight: Tensor, adding accumulator: Tensor?, shape: [Int]) -> Tensor {
    guard let accumulator else { return g.matmul(weight).reshaped(shape) }
    let rows = g.shape[0], outFeatures = g.shape[1], inFeatures = weight.shape[1]
    let weightLayout = Tensor.matrixLayout(weight)
    BLAS.gemm(
        rows: rows, columns: inFeatures, depth: outFeatures,
        MatrixOperand(pointer: UnsafePointer(g.storage.pointer + g.offset), leadingDimension: outFeatures, transposed: false),
        MatrixOperand(pointer: UnsafePointer(weightLayout.tensor.storage.pointer + weightLayout.tensor.offset),
                      leadingDimension: weightLayout.leadingDimension, transposed: weightLayout.transposed),
        beta: 1, accumulator.storage.pointer, leadingDimension: inFeatures)
    return accumulator
}

/// The column sums of a contiguous `[rows, columns]` matrix (a bias gradient), as one
/// matrix-vector product with a vector of ones: OpenBLAS's kernel reads the matrix once
/// with fused multiply-adds over several rows at a time (threaded as BLAS is).
private func columnSums(_ matrix: Tensor) -> Tensor {
    let rows = matrix.shape[0], columns = matrix.shape[1]
    let result = Tensor.uninitialized([columns])
    let ones = [Float](repeating: 1, count: Swift.max(rows, 1))
    ones.withUnsafeBufferPointer { ones in
        BLAS.gemv(rows: rows, columns: columns, UnsafePointer(matrix.storage.pointer + matrix.offset), leadingDimension: columns,
                  transposed: true, ones.baseAddress!, result.storage.pointer)
    }
    return result
}

/// `target[i] = a[i] + b[i]`, in `KernelVector`s.
@inline(__always)
private func addRows(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, count: Int) {
    let lanes = KernelVector.scalarCount
    var index = 0
    while index + lanes <= count {
        store(load(a + index, as: KernelVector.self) + load(b + index, as: KernelVector.self), target + index)
        index += lanes
    }
    while index < count { target[index] = a[index] + b[index]; index += 1 }
}
