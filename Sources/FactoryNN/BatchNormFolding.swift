// Folding a batch norm that uses its running statistics into the convolution before it:
// `bn(conv(x))` = `conv'(x)` with weight'[o] = weight[o] * scale[o] and bias' = shift (+ the
// convolution's bias * scale), where scale = gamma / sqrt(running_var + eps) and shift =
// beta - running_mean * scale. The inference fast path of convolutional backbones; it
// records no gradients (fold only when none are needed). Not here: folding batch
// statistics (training mode), or a module that keeps folded weights.

extension BatchNorm2d {
    /// The per-channel affine map this layer applies with its running statistics,
    /// `y = x * scale + shift`, computed as `Tensor.batchNorm` does in inference.
    public func runningAffine() -> (scale: [Float], shift: [Float]) {
        withoutGradients {
            let gamma = weight.scalars, beta = bias.scalars
            let mean = runningMean.scalars, variance = runningVariance.scalars
            var scale = [Float](repeating: 0, count: channels), shift = [Float](repeating: 0, count: channels)
            for c in 0..<channels {
                scale[c] = 1 / (variance[c] + epsilon).squareRoot() * gamma[c]
                shift[c] = beta[c] - mean[c] * scale[c]
            }
            return (scale, shift)
        }
    }

    /// The weight and bias of one convolution that computes this layer (with its running
    /// statistics) applied after a convolution with `convolutionWeight` and `convolutionBias`.
    ///
    /// Equal to the two steps up to Float32 rounding (the scale is applied to the weight
    /// rather than to the sum). No gradient is recorded.
    /// - Parameters:
    ///   - convolutionWeight: `[C, ...]`, C this layer's channel count (OIHW for a conv).
    ///   - convolutionBias: `[C]`, or `nil`.
    /// - Returns: the folded weight (same shape) and bias `[C]`, both new tensors.
    public func folding(convolutionWeight: Tensor, convolutionBias: Tensor? = nil) -> (weight: Tensor, bias: Tensor) {
        precondition(convolutionWeight.rank >= 1 && convolutionWeight.shape[0] == channels,
                     "BatchNorm2d.folding: weight \(convolutionWeight.shape) does not have \(channels) output channels")
        let (scale, shift) = runningAffine()
        let folded = withoutGradients { convolutionWeight.contiguousCopy() }
        let perChannel = folded.count / channels
        let pointer = folded.storage.pointer + folded.offset
        for c in 0..<channels {
            let row = pointer + c * perChannel
            for index in 0..<perChannel { row[index] *= scale[c] }
        }
        var bias = shift
        if let convolutionBias {
            let values = withoutGradients { convolutionBias.scalars }
            for c in 0..<channels { bias[c] += values[c] * scale[c] }
        }
        return (folded, Tensor(bias, shape: [channels]))
    }
}
