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
        let projected = linear(input, weight: weight, bias: bias)
        guard !projected.requiresGradient else { return projected.gelu() }
        // `projected` is fresh and contiguous, and no one else holds it: overwrite it.
        let pointer = UncheckedSendable(projected.storage.pointer + projected.offset)
        Parallel.forEachRange(projected.count) { range in
            let values = pointer.value + range.lowerBound
            GELUKernel.apply(values, values, count: range.count)
        }
        return projected
    }
}
