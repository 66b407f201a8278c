// A fully connected layer, a residual add and LayerNorm over the output features as one
// call: `layerNorm(x Wᵀ + b + r)`, a post-norm transformer's output block. When nothing
// records gradients, each thread normalises its own output rows in place right after its
// product, so inference makes one [rows, out] buffer less and no separate threaded pass;
// when gradients are recorded it is `linear` then `layerNorm` (LayerNorm's backward
// needs the product). Not here: the product (Tensor+Linear.swift), the
// LayerNorm row arithmetic (Tensor+LayerNorm.swift).

extension Tensor {
    /// `layerNorm(input Wᵀ + bias + residual)` over the last axis (biased variance, as
    /// PyTorch's `layer_norm` with `normalized_shape = [outFeatures]`).
    /// - Parameters:
    ///   - input: `[..., inFeatures]`.
    ///   - weight: `[outFeatures, inFeatures]`.
    ///   - bias: `[outFeatures]`, or `nil`.
    ///   - residual: a tensor of the output's shape added before the normalisation, or `nil`.
    ///   - normWeight: LayerNorm's scale, `[outFeatures]`.
    ///   - normBias: LayerNorm's shift, `[outFeatures]`.
    ///   - epsilon: added to the variance before the square root.
    /// - Returns: `[..., outFeatures]`.
    public static func linearLayerNorm(
        _ input: Tensor, weight: Tensor, bias: Tensor?, adding residual: Tensor?,
        normWeight: Tensor, normBias: Tensor, epsilon: Float
    ) -> Tensor {
        let width = weight.shape[0]
        precondition(normWeight.shape == [width] && normBias.shape == [width],
                     "linearLayerNorm: LayerNorm weight \(normWeight.shape) and bias \(normBias.shape) are not [\(width)]")
        let inputs = [input, weight, normWeight, normBias] + [bias, residual].compactMap { $0 }
        guard !Tensor.needsGradient(inputs) else {
            return linear(input, weight: weight, bias: bias, adding: residual)
                .layerNorm(normalizedShape: [width], weight: normWeight, bias: normBias, epsilon: epsilon)
        }
        let (scale, shift) = withoutGradients { (normWeight.contiguous(), normBias.contiguous()) }
        let pointers = UncheckedSendable((UnsafePointer(scale.storage.pointer + scale.offset),
                                          UnsafePointer(shift.storage.pointer + shift.offset)))
        // No gradient: each thread's finished rows normalised in place.
        return withExtendedLifetime((scale, shift)) {
            linear(input, weight: weight, bias: bias, adding: residual) { values, count in
                let (scale, shift) = pointers.value
                var row = values
                for _ in 0..<(count / Swift.max(width, 1)) {
                    _ = LayerNormKernels.forwardRow(row, weight: scale, bias: shift, into: row, width: width, epsilon: epsilon)
                    row += width
                }
            }
        }
    }
}
