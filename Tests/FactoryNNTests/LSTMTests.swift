// LSTM against a hand-unrolled reference made of matmul, sigmoid and tanh (PyTorch's
// equations, gate order i, f, g, o), for 3 and 4 steps and 2 layers, in training and in
// inference (the fused inference layer where H allows), plus its checkpoint keys.

import FactoryNN
import TestSupport
import Testing

/// The fused cell and the composed reference round differently: a few ulps of O(1) values.
private let unrolledTolerance: Float = 1e-5

@Suite struct LSTMTests {
    /// PyTorch's LSTM written out step by step, one time step and one layer at a time.
    private func reference(_ lstm: LSTM, input: Tensor, initial: [LSTM.State]) -> (output: Tensor, states: [LSTM.State]) {
        let B = input.shape[0], T = input.shape[1], H = lstm.hiddenSize
        var layerInput = (0..<T).map { input.selecting(axis: 1, index: $0) }   // T tensors [B, I]
        var states: [LSTM.State] = []
        for layer in 0..<lstm.layers {
            var (h, c) = initial[layer]
            var outputs: [Tensor] = []
            for x in layerInput {
                let gates = x.matmul(lstm.inputWeights[layer].transposed()) + lstm.inputBiases[layer]
                    + h.matmul(lstm.hiddenWeights[layer].transposed()) + lstm.hiddenBiases[layer]
                let i = gates.sliced(axis: 1, 0..<H).sigmoid()
                let f = gates.sliced(axis: 1, H..<(2 * H)).sigmoid()
                let g = gates.sliced(axis: 1, (2 * H)..<(3 * H)).tanh()
                let o = gates.sliced(axis: 1, (3 * H)..<(4 * H)).sigmoid()
                c = f * c + i * g
                h = o * c.tanh()
                outputs.append(h)
            }
            states.append((h, c))
            layerInput = outputs
        }
        #expect(layerInput[0].shape == [B, H])
        return (Tensor.stack(layerInput, axis: 1), states)
    }

    @Test func matchesHandUnrolledComposition() {
        let lstm = LSTM(inputSize: 3, hiddenSize: 4, layers: 2, seed: 7)
        let input = TestData.uniform([2, 3, 3], in: -2...2, seed: 1)
        let zero = Tensor.zeros([2, 4])
        let (output, states) = lstm(input)
        let expected = reference(lstm, input: input, initial: [(zero, zero), (zero, zero)])
        #expect(output.shape == [2, 3, 4])
        #expect(TestData.maximumDifference(output.scalars, expected.output.scalars) < unrolledTolerance)
        #expect(states.count == 2)
        for layer in 0..<2 {
            #expect(TestData.maximumDifference(states[layer].hidden.scalars, expected.states[layer].hidden.scalars) < unrolledTolerance)
            #expect(TestData.maximumDifference(states[layer].cell.scalars, expected.states[layer].cell.scalars) < unrolledTolerance)
        }
        // The last layer's final hidden state is the last output step.
        #expect(states[1].hidden.scalars == output.selecting(axis: 1, index: 2).scalars)
    }

    @Test func matchesHandUnrolledCompositionFromGivenStates() {
        let lstm = LSTM(inputSize: 3, hiddenSize: 4, layers: 2, seed: 8)
        let input = TestData.uniform([2, 3, 3], seed: 1)
        let initial: [LSTM.State] = [(TestData.uniform([2, 4], seed: 2), TestData.uniform([2, 4], seed: 3)),
                                     (TestData.uniform([2, 4], seed: 4), TestData.uniform([2, 4], seed: 5))]
        let (output, states) = lstm(input, initialStates: initial)
        let expected = reference(lstm, input: input, initial: initial)
        #expect(TestData.maximumDifference(output.scalars, expected.output.scalars) < unrolledTolerance)
        #expect(TestData.maximumDifference(states[0].cell.scalars, expected.states[0].cell.scalars) < unrolledTolerance)
    }

    /// Inference (no gradients recorded) runs each layer with H = 16 as one
    /// Tensor.lstmLayerInference in the 16-lane build, training as a projection matmul and
    /// Tensor.lstmSequence: both match the composition, from zero and from given states.
    @Test func inferenceAndTrainingPathsMatchHandUnrolledComposition() {
        let lstm = LSTM(inputSize: 5, hiddenSize: 16, layers: 2, seed: 10)
        let input = TestData.uniform([3, 4, 5], seed: 11)
        let zero = Tensor.zeros([3, 16])
        let given: [LSTM.State] = [(TestData.uniform([3, 16], seed: 12), TestData.uniform([3, 16], seed: 13)),
                                   (TestData.uniform([3, 16], seed: 14), TestData.uniform([3, 16], seed: 15))]
        for initial in [nil, given] {
            let expected = reference(lstm, input: input, initial: initial ?? [(zero, zero), (zero, zero)])
            let training = lstm(input, initialStates: initial)
            let inference = withoutGradients { lstm(input, initialStates: initial) }
            #expect(training.output.requiresGradient && !inference.output.requiresGradient)
            for run in [training, inference] {
                #expect(run.output.shape == [3, 4, 16])
                #expect(TestData.maximumDifference(run.output.scalars, expected.output.scalars) < unrolledTolerance)
                for layer in 0..<2 {
                    #expect(TestData.maximumDifference(run.finalStates[layer].cell.scalars,
                                                       expected.states[layer].cell.scalars) < unrolledTolerance)
                    #expect(TestData.maximumDifference(run.finalStates[layer].hidden.scalars,
                                                       expected.states[layer].hidden.scalars) < unrolledTolerance)
                }
            }
        }
    }

    /// Without gradients, a one-layer LSTM with H = 16 is exactly (bit for bit: the same kernel
    /// ran) Tensor.lstmLayerInference on the time-major view of its input where that is the
    /// faster way (16-lane build), else the projection matmul and Tensor.lstmSequence.
    @Test func inferenceRunsTheFasterLayer() {
        let lstm = LSTM(inputSize: 6, hiddenSize: 16, layers: 1, seed: 16)
        let input = TestData.uniform([2, 5, 6], seed: 17)
        let inference = withoutGradients { lstm(input) }
        let direct = withoutGradients {
            let bias = lstm.inputBiases[0] + lstm.hiddenBiases[0], timeMajor = input.transposed(0, 1)
            if Tensor.prefersLSTMLayerInference(hiddenSize: 16) {
                return Tensor.lstmLayerInference(input: timeMajor, inputWeight: lstm.inputWeights[0],
                                                 recurrentWeight: lstm.hiddenWeights[0], bias: bias)
            }
            return Tensor.lstmSequence(projectedInput: timeMajor.matmul(lstm.inputWeights[0].transposed()),
                                       recurrentWeight: lstm.hiddenWeights[0], bias: bias)
        }
        #expect(inference.output.scalars == direct.outputs.transposed(0, 1).scalars)
        #expect(inference.finalStates[0].cell.scalars == direct.finalCell.scalars)
    }

    @Test func gradientsMatchTheUnrolledComposition() {
        let lstm = LSTM(inputSize: 2, hiddenSize: 3, layers: 2, seed: 9)
        let input = TestData.uniform([2, 3, 2], seed: 1)
        let probe = TestData.uniform([2, 3, 3], seed: 2)
        func gradients(_ run: () -> Tensor) -> [[Float]] {
            lstm.parameters().forEach { $0.tensor.zeroGradient() }
            (run() * probe).sum().backward()
            return lstm.parameters().map { $0.tensor.gradient!.scalars }
        }
        let zero = Tensor.zeros([2, 3])
        let fused = gradients { lstm(input).output }
        let composed = gradients { reference(lstm, input: input, initial: [(zero, zero), (zero, zero)]).output }
        for (a, b) in zip(fused, composed) { #expect(TestData.maximumDifference(a, b) < unrolledTolerance) }
    }

    @Test func parameterKeysAndShapesFollowPyTorch() {
        let lstm = LSTM(inputSize: 3, hiddenSize: 4, layers: 2)
        #expect(lstm.parameters().map(\.key) == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                                                 "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1"])
        #expect(lstm.parameters().map(\.tensor.shape) == [[16, 3], [16, 4], [16], [16], [16, 4], [16, 4], [16], [16]])
        let bound: Float = 0.5   // 1 / sqrt(hiddenSize)
        #expect(lstm.parameters().allSatisfy { $0.tensor.scalars.allSatisfy { abs($0) <= bound } })
    }
}
