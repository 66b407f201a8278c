// The affine map of a fully connected layer, y = x Wᵀ + b, as one recorded operation: the
// output rows are filled with the bias and the product is accumulated onto them by BLAS
// (beta = 1), so the bias costs no extra pass over the output and the tape holds one node
// instead of a product and a broadcast add. Gradients: dx = g W, dW = gᵀ x, db = Σ_rows g.
// Not here: the `Linear` module (parameters, initialisation, checkpoint keys), activations.

extension Tensor {
    /// `input Wᵀ + bias` over the last axis of `input`.
    /// - Parameters:
    ///   - input: `[..., inFeatures]`.
    ///   - weight: `[outFeatures, inFeatures]` (PyTorch's layout).
    ///   - bias: `[outFeatures]`, or `nil`.
    /// - Returns: `[..., outFeatures]`.
    public static func linear(_ input: Tensor, weight: Tensor, bias: Tensor?) -> Tensor {
        precondition(weight.rank == 2, "linear: weight \(weight.shape) is not [out, in]")
        let inFeatures = weight.shape[1], outFeatures = weight.shape[0]
        precondition(input.rank >= 1 && input.shape[input.rank - 1] == inFeatures,
                     "linear: input \(input.shape) does not end in \(inFeatures) (weight \(weight.shape))")
        if let bias { precondition(bias.shape == [outFeatures], "linear: bias \(bias.shape) is not [\(outFeatures)]") }
        let outputShape = Array(input.shape.dropLast()) + [outFeatures]
        let rows = input.count / Swift.max(inFeatures, 1)
        let (rowsView, biasValues) = withoutGradients { (input.contiguous().reshaped([rows, inFeatures]), bias?.contiguous()) }
        let output = Tensor.uninitialized(outputShape)
        if rows > 0 && outFeatures > 0 {
            if let biasValues {
                let pointers = UncheckedSendable((UnsafePointer(biasValues.storage.pointer + biasValues.offset), output.storage.pointer))
                Parallel.forEachRange(rows, costPerItem: outFeatures) { range in
                    let (bias, target) = pointers.value
                    for row in range { (target + row * outFeatures).update(from: bias, count: outFeatures) }
                }
            }
            let weightLayout = Tensor.matrixLayout(weight)
            BLAS.gemm(
                rows: rows, columns: outFeatures, depth: inFeatures,
                MatrixOperand(pointer: rowsView.storage.pointer + rowsView.offset, leadingDimension: inFeatures, transposed: false),
                // Wᵀ: the stored [out, in] matrix read transposed (or, for a transposed view, directly).
                MatrixOperand(pointer: weightLayout.tensor.storage.pointer + weightLayout.tensor.offset,
                              leadingDimension: weightLayout.leadingDimension, transposed: !weightLayout.transposed),
                beta: biasValues == nil ? 0 : 1, output.storage.pointer, leadingDimension: outFeatures)
        }
        let inputs = [input, weight] + (bias.map { [$0] } ?? [])
        return output.recordGradient("linear", inputs: inputs) { gradient in
            let g = gradient.contiguous().reshaped([rows, outFeatures])
            var results: [Tensor?] = [
                input.requiresGradient ? g.matmul(weight).reshaped(input.shape) : nil,
                weight.requiresGradient ? g.transposed().matmul(rowsView) : nil,
            ]
            if let bias { results.append(bias.requiresGradient ? g.sum(axes: [0]) : nil) }
            return results
        }
    }
}
