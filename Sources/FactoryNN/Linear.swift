// Linear: the affine layer y = x W^T + b with PyTorch's layout (weight [out, in]) and
// initialisation (uniform in ±1/sqrt(in) for weight and bias, what kaiming-uniform with
// a = sqrt(5) works out to). The arithmetic is `Tensor.linear` (bias fused into the product).
// A Linear may carry a LoRA adapter (LoRA.swift): its low-rank update is added to the output
// and its tensors are listed under this layer's key (`query.lora_A.weight`).
// Not here: the adapter itself (LoRA.swift), quantised or sparse weights.

import Foundation

/// A fully connected layer: `y = x W^T + b` over the last axis.
///
/// Keys: `weight` `[outputFeatures, inputFeatures]` and, with a bias, `bias`
/// `[outputFeatures]`, as PyTorch's `nn.Linear`.
public final class Linear: Module {
    /// The weight, `[outputFeatures, inputFeatures]`.
    public let weight: Tensor
    /// The bias, `[outputFeatures]`, or `nil` when built without one.
    public let bias: Tensor?
    /// The low-rank adapter added to this layer's output, when one is attached
    /// (``Module/attachLoRA(_:excludingKeyPrefixes:)``); `nil` for a plain layer.
    public internal(set) var adapter: LoRAAdapter?

    /// The size of the last axis of the input.
    public var inputFeatures: Int { weight.shape[1] }
    /// The size of the last axis of the output.
    public var outputFeatures: Int { weight.shape[0] }

    /// Creates a layer initialised as PyTorch does: weight and bias uniform in
    /// `±1 / sqrt(inputFeatures)`.
    /// - Parameters:
    ///   - inputFeatures: the size of the input's last axis.
    ///   - outputFeatures: the size of the output's last axis.
    ///   - bias: whether to add a learned bias.
    ///   - generator: the random source for the initial values.
    public init(inputFeatures: Int, outputFeatures: Int, bias: Bool = true, generator: inout SeededGenerator) {
        precondition(inputFeatures > 0 && outputFeatures > 0,
                     "Linear: feature counts must be positive, got inputFeatures \(inputFeatures), outputFeatures \(outputFeatures)")
        let bound = 1 / Float(inputFeatures).squareRoot()
        weight = Tensor.uniform([outputFeatures, inputFeatures], in: -bound...bound, using: &generator)
        weight.requiresGradient = true
        if bias {
            let biasTensor = Tensor.uniform([outputFeatures], in: -bound...bound, using: &generator)
            biasTensor.requiresGradient = true
            self.bias = biasTensor
        } else {
            self.bias = nil
        }
        super.init()
    }

    /// Creates a layer initialised as PyTorch does, from a generator seeded with `seed`.
    /// - Parameters:
    ///   - inputFeatures: the size of the input's last axis.
    ///   - outputFeatures: the size of the output's last axis.
    ///   - bias: whether to add a learned bias.
    ///   - seed: seeds the random initial values.
    public convenience init(inputFeatures: Int, outputFeatures: Int, bias: Bool = true, seed: UInt64 = 0) {
        var generator = SeededGenerator(seed: seed)
        self.init(inputFeatures: inputFeatures, outputFeatures: outputFeatures, bias: bias, generator: &generator)
    }

    override public var ownParameters: [(key: String, tensor: Tensor)] {
        if let bias { return [("weight", weight), ("bias", bias)] }
        return [("weight", weight)]
    }

    /// The adapter's layers (`lora_A`, `lora_B`, `lora_dropout`), when one is attached.
    override public var children: [(key: String, module: Module)] { adapter?.modules ?? [] }

    /// Applies the layer to `input` `[..., inputFeatures]`.
    /// - Returns: `[..., outputFeatures]`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.rank >= 1 && input.shape[input.rank - 1] == inputFeatures,
                     "Linear: input shape \(input.shape) does not end in inputFeatures \(inputFeatures) (weight \(weight.shape))")
        let output = Tensor.linear(input, weight: weight, bias: bias)
        guard let adapter else { return output }
        return output + adapter(input)
    }
}
