// Tests of the fused LSTM cell: forward and gradients equal the same cell composed from
// slicing, sigmoid and tanh; finite differences on the cell alone and through a 2-step
// unrolled sequence (gradients through h and c over time, into W_ih, W_hh, b, h0, c0, x).

import FactoryTensor
import TestSupport
import Testing

/// Fused and composed cells evaluate the same VectorMath functions in a different order of
/// float operations: results agree to a few ulps of O(1) values.
private let fusedVersusComposedTolerance: Float = 1e-5
/// Smooth functions, 1e-2 central-difference step: truncation ~1e-5 of the gradient scale
/// and Float32 rounding of the objective ~1e-5; 2e-3 relative leaves ample headroom.
private let lstmGradientTolerance = 2e-3

@Suite struct LSTMCellTests {
    /// The reference: the PyTorch LSTM cell written with ordinary ops.
    private func composedCell(gates: Tensor, cellState: Tensor) -> (hidden: Tensor, cell: Tensor) {
        let H = cellState.shape[1]
        let input = gates.sliced(axis: 1, 0..<H).sigmoid()
        let forget = gates.sliced(axis: 1, H..<(2 * H)).sigmoid()
        let candidate = gates.sliced(axis: 1, (2 * H)..<(3 * H)).tanh()
        let output = gates.sliced(axis: 1, (3 * H)..<(4 * H)).sigmoid()
        let cell = forget * cellState + input * candidate
        return (output * cell.tanh(), cell)
    }

    /// Gradients of sum(h * probeH + c * probeC) with respect to gates and cell state.
    private func gradients(
        _ cellFunction: (Tensor, Tensor) -> (hidden: Tensor, cell: Tensor),
        gates: Tensor, cellState: Tensor, probeHidden: Tensor, probeCell: Tensor?
    ) -> (hidden: [Float], cell: [Float], gates: [Float], cellState: [Float]) {
        gates.zeroGradient()
        cellState.zeroGradient()
        gates.requiresGradient = true
        cellState.requiresGradient = true
        let (hidden, cell) = cellFunction(gates, cellState)
        var objective = (hidden * probeHidden).sum()
        if let probeCell { objective = objective + (cell * probeCell).sum() }
        objective.backward()
        return (hidden.scalars, cell.scalars, gates.gradient!.scalars, cellState.gradient!.scalars)
    }

    @Test(arguments: [1, 8, 11, 20])
    func fusedCellMatchesComposedCell(hiddenSize: Int) {
        // H = 11 and 20 run both the 8-lane body and the scalar tail.
        let batch = 3
        let gates = TestData.uniform([batch, 4 * hiddenSize], in: -3...3, seed: 51)
        let cellState = TestData.uniform([batch, hiddenSize], in: -2...2, seed: 52)
        let probeHidden = TestData.uniform([batch, hiddenSize], seed: 53)
        let probeCell = TestData.uniform([batch, hiddenSize], seed: 54)
        for cellProbe in [probeCell, nil] {   // nil: only h is used, c's gradient is zero
            let fused = gradients(Tensor.lstmCell, gates: gates, cellState: cellState, probeHidden: probeHidden, probeCell: cellProbe)
            let composed = gradients(composedCell, gates: gates, cellState: cellState, probeHidden: probeHidden, probeCell: cellProbe)
            #expect(TestData.maximumDifference(fused.hidden, composed.hidden) < fusedVersusComposedTolerance)
            #expect(TestData.maximumDifference(fused.cell, composed.cell) < fusedVersusComposedTolerance)
            #expect(TestData.maximumDifference(fused.gates, composed.gates) < fusedVersusComposedTolerance)
            #expect(TestData.maximumDifference(fused.cellState, composed.cellState) < fusedVersusComposedTolerance)
        }
    }

    @Test func fusedCellHandValue() {
        // B = 1, H = 1, gates all 0, c = 1: i = f = o = 0.5, g = 0, so c' = 0.5 * 1 + 0.5 * 0
        // = 0.5 and h' = 0.5 * tanh(0.5) = 0.5 * 0.4621171573 = 0.2310585786.
        let (hidden, cell) = Tensor.lstmCell(gates: Tensor.zeros([1, 4]), cellState: Tensor([1], shape: [1, 1]))
        #expect(hidden.shape == [1, 1] && cell.shape == [1, 1])
        #expect(Swift.abs(cell.item - 0.5) < 1e-7)
        #expect(Swift.abs(hidden.item - 0.2310585786) < 1e-6)
    }

    @Test func fusedCellGradientMatchesFiniteDifferences() {
        let gates = TestData.uniform([2, 4 * 9], in: -2...2, seed: 61)
        let cellState = TestData.uniform([2, 9], seed: 62)
        let report = GradientCheck.run([gates, cellState]) { inputs in
            let (hidden, cell) = Tensor.lstmCell(gates: inputs[0], cellState: inputs[1])
            return Tensor.stack([hidden, cell])
        }
        #expect(report.relativeError < lstmGradientTolerance, "\(report)")
    }

    @Test func twoStepUnrolledSequenceGradientMatchesFiniteDifferences() {
        // B = 2, input size I = 3, H = 9 (a vector body and a tail), T = 2: gates_t = x_t W_ih^T + h_{t-1} W_hh^T + b.
        let (batch, inputSize, hiddenSize) = (2, 3, 9)
        let inputWeight = TestData.uniform([4 * hiddenSize, inputSize], seed: 71)
        let hiddenWeight = TestData.uniform([4 * hiddenSize, hiddenSize], seed: 72)
        let bias = TestData.uniform([4 * hiddenSize], seed: 73)
        let sequence = TestData.uniform([2, batch, inputSize], seed: 74)
        let initialHidden = TestData.uniform([batch, hiddenSize], seed: 75)
        let initialCell = TestData.uniform([batch, hiddenSize], seed: 76)
        let report = GradientCheck.run([inputWeight, hiddenWeight, bias, sequence, initialHidden, initialCell]) { inputs in
            var hidden = inputs[4], cell = inputs[5]
            var outputs: [Tensor] = []
            for step in 0..<2 {
                let x = inputs[3].selecting(axis: 0, index: step)
                let gates = x.matmul(inputs[0].transposed()) + hidden.matmul(inputs[1].transposed()) + inputs[2]
                (hidden, cell) = Tensor.lstmCell(gates: gates, cellState: cell)
                outputs.append(hidden)
            }
            // Both hidden states and the final cell: gradients reach step 1 through h and c.
            return Tensor.stack(outputs + [cell])
        }
        #expect(report.relativeError < lstmGradientTolerance, "\(report)")
    }
}
