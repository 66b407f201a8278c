// A fully connected layer followed by GELU (a transformer's feed-forward expansion) as one
// call: `gelu(x Wᵀ + b)`. When nothing records gradients, GELU runs in place on the fresh
// product, so inference allocates and streams one [rows, out] buffer instead of two; when
// gradients are recorded it is `linear` then `gelu` (GELU's backward needs the product).
// Not here: the product itself (Tensor+Linear.swift), the GELU loop (GELUKernel.swift).

extension Tensor {
    /// `gelu(input Wᵀ + bias)` over the last axis of `input` (GELU in its exact erf form).
    /// - Parameters:
    ///   - input: `[..., inFeatures]`.
    ///   - weight: `[outFeatures, inFeatures]`.
    ///   - bias: `[outFeatures]`, or `nil`.
    /// - Returns: `[..., outFeatures]`.
    public static func linearGELU(_ input: Tensor, weight: Tensor, bias: Tensor?) -> Tensor {
        guard !Tensor.needsGradient([input, weight] + (bias.map { [$0] } ?? [])) else {
            return linear(input, weight: weight, bias: bias).gelu()
        }
        // No gradient: GELU in place on the fresh product, by each thread on its own rows
        // right after its product.
        return linear(input, weight: weight, bias: bias, adding: nil) { values, count in
            GELUKernel.apply(values, values, count: count)
        }
    }
}
