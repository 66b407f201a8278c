// LSTM: a multi-layer, unidirectional, batch-first LSTM with PyTorch's parameter names
// (`weight_ih_l{k}`, `weight_hh_l{k}`, `bias_ih_l{k}`, `bias_hh_l{k}`) and gate order
// i, f, g, o. Dimension letters: B batch, T time steps, I input size, H hidden size.
// When gradients are recorded, per layer the input projection x W_ih^T is one matmul over
// all time steps (time-major) and the recurrence (biases, h W_hh^T and the fused cell per
// step) runs as one `Tensor.lstmSequence` node with its own backward through time. Without
// gradients (inference, or frozen weights on inputs that need none), in the 16-lane (AVX-512)
// build and with H a multiple of 16, each layer is one `Tensor.lstmLayerInference`: the input
// projection inside each step, threads split by units; otherwise inference takes the first way
// too (`Tensor.prefersLSTMLayerInference` says why).
// Not here: bidirectional layers, dropout between layers, projections (proj_size),
// packed variable-length sequences (mask or sort by length outside).

import Foundation

/// A stack of LSTM layers over batch-first sequences `[B, T, I]`.
///
/// Keys per layer k: `weight_ih_l{k}` `[4H, I_k]` (I_0 = I, then H), `weight_hh_l{k}`
/// `[4H, H]`, `bias_ih_l{k}` and `bias_hh_l{k}` `[4H]`, the four gate blocks in the order
/// i, f, g, o, as PyTorch's `nn.LSTM(batch_first=True)`.
public final class LSTM: Module {
    /// The recurrent state of one layer: hidden and cell, `[B, H]` each.
    public typealias State = (hidden: Tensor, cell: Tensor)

    /// Per layer: the input weights `[4H, I_k]`.
    public let inputWeights: [Tensor]
    /// Per layer: the recurrent weights `[4H, H]`.
    public let hiddenWeights: [Tensor]
    /// Per layer: the input bias `[4H]`.
    public let inputBiases: [Tensor]
    /// Per layer: the recurrent bias `[4H]`.
    public let hiddenBiases: [Tensor]

    /// The size of the input's last axis, I.
    public let inputSize: Int
    /// The size of the hidden and cell states, H.
    public let hiddenSize: Int
    /// The number of stacked layers.
    public var layers: Int { inputWeights.count }

    /// Creates the layers initialised as PyTorch does: every weight and bias uniform in
    /// `±1 / sqrt(hiddenSize)`.
    /// - Parameters:
    ///   - inputSize: I, the size of the input's last axis.
    ///   - hiddenSize: H, the size of each layer's state.
    ///   - layers: how many LSTM layers to stack.
    ///   - generator: the random source for the initial values.
    public init(inputSize: Int, hiddenSize: Int, layers: Int = 1, generator: inout SeededGenerator) {
        precondition(inputSize > 0 && hiddenSize > 0 && layers > 0,
                     "LSTM: inputSize \(inputSize), hiddenSize \(hiddenSize) and layers \(layers) must be positive")
        let bound = 1 / Float(hiddenSize).squareRoot()
        func parameter(_ shape: [Int]) -> Tensor {
            let tensor = Tensor.uniform(shape, in: -bound...bound, using: &generator)
            tensor.requiresGradient = true
            return tensor
        }
        var inputWeights: [Tensor] = [], hiddenWeights: [Tensor] = [], inputBiases: [Tensor] = [], hiddenBiases: [Tensor] = []
        for layer in 0..<layers {
            inputWeights.append(parameter([4 * hiddenSize, layer == 0 ? inputSize : hiddenSize]))
            hiddenWeights.append(parameter([4 * hiddenSize, hiddenSize]))
            inputBiases.append(parameter([4 * hiddenSize]))
            hiddenBiases.append(parameter([4 * hiddenSize]))
        }
        self.inputWeights = inputWeights
        self.hiddenWeights = hiddenWeights
        self.inputBiases = inputBiases
        self.hiddenBiases = hiddenBiases
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        super.init()
    }

    /// Creates the layers from a generator seeded with `seed`.
    /// - Parameters:
    ///   - inputSize: I, the size of the input's last axis.
    ///   - hiddenSize: H, the size of each layer's state.
    ///   - layers: how many LSTM layers to stack.
    ///   - seed: seeds the initial values.
    public convenience init(inputSize: Int, hiddenSize: Int, layers: Int = 1, seed: UInt64 = 0) {
        var generator = SeededGenerator(seed: seed)
        self.init(inputSize: inputSize, hiddenSize: hiddenSize, layers: layers, generator: &generator)
    }

    override public var ownParameters: [(key: String, tensor: Tensor)] {
        (0..<layers).flatMap { k in
            [("weight_ih_l\(k)", inputWeights[k]), ("weight_hh_l\(k)", hiddenWeights[k]),
             ("bias_ih_l\(k)", inputBiases[k]), ("bias_hh_l\(k)", hiddenBiases[k])]
        }
    }

    /// Runs the sequence through every layer.
    /// - Parameters:
    ///   - input: `[B, T, I]`.
    ///   - initialStates: one `(hidden, cell)` per layer, `[B, H]` each; `nil` for zeros.
    /// - Returns: the last layer's hidden state at every step `[B, T, H]` (a transposed view
    ///   of time-major storage), and each layer's final `(hidden, cell)`.
    public func callAsFunction(_ input: Tensor, initialStates: [State]? = nil) -> (output: Tensor, finalStates: [State]) {
        precondition(input.rank == 3 && input.shape[2] == inputSize && input.shape[1] > 0,
                     "LSTM: input shape \(input.shape) is not [B, T > 0, \(inputSize)]")
        let B = input.shape[0], H = hiddenSize
        if let initialStates {
            precondition(initialStates.count == layers,
                         "LSTM: \(initialStates.count) initial states for \(layers) layers")
            for (layer, state) in initialStates.enumerated() {
                precondition(state.hidden.shape == [B, H] && state.cell.shape == [B, H],
                             "LSTM: initial state of layer \(layer) is hidden \(state.hidden.shape), cell \(state.cell.shape), expected [\(B), \(H)] each")
            }
        }
        var sequence = input.transposed(0, 1)                                             // [T, B, I], time-major
        var finalStates: [State] = []
        for layer in 0..<layers {
            // The biases are added as each step's gates are formed.
            let bias = inputBiases[layer] + hiddenBiases[layer]
            let layerInputs = [sequence, inputWeights[layer], hiddenWeights[layer], bias]
                + [initialStates?[layer].hidden, initialStates?[layer].cell].compactMap { $0 }
            let run: (outputs: Tensor, finalHidden: Tensor, finalCell: Tensor)
            if !layerInputs.contains(where: \.requiresGradient) || !GradientMode.isEnabled,
               Tensor.prefersLSTMLayerInference(hiddenSize: H) {
                // Nothing to differentiate: the input projection inside the steps.
                run = Tensor.lstmLayerInference(
                    input: sequence, inputWeight: inputWeights[layer], recurrentWeight: hiddenWeights[layer], bias: bias,
                    initialHidden: initialStates?[layer].hidden, initialCell: initialStates?[layer].cell)
            } else {
                // All time steps' input projections in one matmul: [T, B, 4H].
                let projected = sequence.matmul(inputWeights[layer].transposed())
                run = Tensor.lstmSequence(
                    projectedInput: projected, recurrentWeight: hiddenWeights[layer], bias: bias,
                    initialHidden: initialStates?[layer].hidden, initialCell: initialStates?[layer].cell)
            }
            finalStates.append((run.finalHidden, run.finalCell))
            sequence = run.outputs                                                          // [T, B, H]
        }
        return (sequence.transposed(0, 1), finalStates)
    }
}
