// LayerNorm: normalisation over the last axis with a learned scale and shift, as
// PyTorch's `nn.LayerNorm(dimensions)` (keys `weight`, `bias`; weight 1, bias 0 at first).
// BERT checkpoints name the module `LayerNorm` and use epsilon 1e-12. The arithmetic is
// the fused `Tensor.layerNorm`. Not here: normalising over several trailing axes, RMS norm.

/// Layer normalisation over the last axis: `(x - mean) / sqrt(variance + epsilon) * weight + bias`.
///
/// Keys: `weight` and `bias`, both `[dimensions]`.
public final class LayerNorm: Module {
    /// The per-feature scale, `[dimensions]`.
    public let weight: Tensor
    /// The per-feature shift, `[dimensions]`.
    public let bias: Tensor
    /// Added to the variance before the square root.
    public let epsilon: Float

    /// The size of the normalised (last) axis.
    public var dimensions: Int { weight.shape[0] }

    /// Creates a layer with weight 1 and bias 0.
    /// - Parameters:
    ///   - dimensions: the size of the last axis.
    ///   - epsilon: added to the variance (PyTorch's default 1e-5; BERT uses 1e-12).
    public init(dimensions: Int, epsilon: Float = 1e-5) {
        precondition(dimensions > 0, "LayerNorm: dimensions \(dimensions) must be positive")
        weight = Tensor.ones([dimensions])
        bias = Tensor.zeros([dimensions])
        weight.requiresGradient = true
        bias.requiresGradient = true
        self.epsilon = epsilon
        super.init()
    }

    override public var ownParameters: [(key: String, tensor: Tensor)] { [("weight", weight), ("bias", bias)] }

    /// Normalises `input` `[..., dimensions]` over its last axis.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.rank >= 1 && input.shape[input.rank - 1] == dimensions,
                     "LayerNorm: input shape \(input.shape) does not end in dimensions \(dimensions)")
        return input.layerNorm(normalizedShape: [dimensions], weight: weight, bias: bias, epsilon: epsilon)
    }
}
