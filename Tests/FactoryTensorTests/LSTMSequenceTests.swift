// Tests of the fused LSTM sequence op: forward values and every gradient equal the same
// recurrence unrolled from lstmCell and matmul (one graph node per step); central finite
// differences into the projection, W_hh, the bias and the initial states, with and without them and
// with only some outputs used; inference (no gradients) gives the same values; hidden sizes
// that take the fused step (multiples of 8) against plain Double loops for every tile height.

import FactoryTensor
import Foundation
import TestSupport
import Testing

/// Fused and unrolled runs do the same float operations except for GEMM blocking: a few
/// ulps of O(1) values.
private let fusedVersusUnrolledTolerance: Float = 1e-5
/// Smooth functions, 1e-2 central-difference step: truncation ~1e-5 of the gradient scale
/// and Float32 rounding of the objective ~1e-5; 2e-3 relative leaves ample headroom.
private let sequenceGradientTolerance = 2e-3

@Suite struct LSTMSequenceTests {
    /// The reference: one lstmCell node per step, h W_hh^T as a matmul, the bias added.
    private func unrolled(projected: Tensor, weight: Tensor, bias: Tensor?, hidden: Tensor?, cell: Tensor?) -> (outputs: Tensor, hidden: Tensor, cell: Tensor) {
        let T = projected.shape[0], B = projected.shape[1], H = projected.shape[2] / 4
        var h = hidden, c = cell ?? Tensor.zeros([B, H])
        var outputs: [Tensor] = []
        for t in 0..<T {
            var gates = projected.selecting(axis: 0, index: t)
            if let bias { gates = gates + bias }
            if let h { gates = gates + h.matmul(weight.transposed()) }
            let next = Tensor.lstmCell(gates: gates, cellState: c)
            h = next.hidden
            c = next.cell
            outputs.append(next.hidden)
        }
        return (Tensor.stack(outputs, axis: 0), h!, c)
    }

    /// Every value and every input gradient of sum(outputs·p1) + sum(h·p2) + sum(c·p3).
    /// Inputs: projection, W_hh, bias, h_(-1), c_(-1); without initial states (and bias) the
    /// last two (three) are left out.
    private func run(
        _ function: (Tensor, Tensor, Tensor?, Tensor?, Tensor?) -> (outputs: Tensor, hidden: Tensor, cell: Tensor),
        _ inputs: [Tensor], withInitialStates: Bool
    ) -> [[Float]] {
        for input in inputs {
            input.requiresGradient = true
            input.zeroGradient()
        }
        let result = function(inputs[0], inputs[1], withInitialStates ? inputs[2] : nil,
                              withInitialStates ? inputs[3] : nil, withInitialStates ? inputs[4] : nil)
        let objective = (result.outputs * TestData.uniform(result.outputs.shape, seed: 61)).sum()
            + (result.hidden * TestData.uniform(result.hidden.shape, seed: 62)).sum()
            + (result.cell * TestData.uniform(result.cell.shape, seed: 63)).sum()
        objective.backward()
        let used = withInitialStates ? inputs : Array(inputs.prefix(2))   // with states: the bias too
        // With one step and no h_(-1), W_hh is unused: the unrolled graph leaves its gradient nil.
        return [result.outputs.scalars, result.hidden.scalars, result.cell.scalars]
            + used.map { $0.gradient?.scalars ?? [Float](repeating: 0, count: $0.count) }
    }

    /// W_hh uniform in ±1/√H as PyTorch initialises it: larger weights make a long
    /// recurrence chaotic, and then rounding differences grow without bound.
    private func inputs(steps T: Int, batch B: Int, hiddenSize H: Int, seed: UInt64) -> [Tensor] {
        let bound = 1 / Float(H).squareRoot()
        return [TestData.uniform([T, B, 4 * H], in: -2...2, seed: seed), TestData.uniform([4 * H, H], in: -bound...bound, seed: seed + 1),
                TestData.uniform([4 * H], seed: seed + 4), TestData.uniform([B, H], seed: seed + 2), TestData.uniform([B, H], seed: seed + 3)]
    }

    /// The last two are large enough (T·B·4H·H ≥ 2^22) to run as one block of rows per
    /// thread when there are several cores; B = 5 splits unevenly.
    @Test(arguments: [(1, 1, 1), (5, 3, 4), (7, 2, 11), (4, 3, 16), (16, 4, 128), (16, 5, 128)])
    func matchesUnrolledCells(steps: Int, batch: Int, hiddenSize: Int) {
        for withInitialStates in [true, false] {
            let tensors = inputs(steps: steps, batch: batch, hiddenSize: hiddenSize, seed: 70)
            let fused = run({
                let r = Tensor.lstmSequence(projectedInput: $0, recurrentWeight: $1, bias: $2, initialHidden: $3, initialCell: $4)
                return (r.outputs, r.finalHidden, r.finalCell)
            }, tensors, withInitialStates: withInitialStates)
            let reference = run({ unrolled(projected: $0, weight: $1, bias: $2, hidden: $3, cell: $4) }, tensors, withInitialStates: withInitialStates)
            #expect(fused.count == reference.count)
            for (index, (a, b)) in zip(fused, reference).enumerated() {
                #expect(TestData.maximumDifference(a, b) < fusedVersusUnrolledTolerance,
                        "T \(steps) B \(batch) H \(hiddenSize), initial states \(withInitialStates), value \(index)")
            }
        }
    }

    /// The recurrence in plain Double loops (no SIMD, no packing): h, c of every step.
    private func plainForward(projected: [Float], weight: [Float], bias: [Float], hidden: [Float], cell: [Float],
                              steps T: Int, batch B: Int, hiddenSize H: Int) -> (outputs: [Float], cell: [Float]) {
        LSTMReference.layer(steps: T, batch: B, hiddenSize: H, weight: weight, bias: bias, hidden: hidden, cell: cell) { t, b, row in
            Double(projected[(t * B + b) * 4 * H + row])
        }
    }

    /// Hidden sizes that are multiples of 8 take the fused step (gates in registers, tiles
    /// of 3, 2 and 1 rows): batches 1 to 7 and 16 use every tile height and mix; the Double
    /// reference differs by Float32 rounding of sums of H products (|gates| ≲ 5): 2e-5.
    @Test(arguments: [(3, 1, 8), (3, 2, 8), (3, 3, 8), (4, 4, 16), (3, 5, 8), (2, 6, 24), (3, 7, 8), (2, 16, 32)])
    func fusedStepMatchesPlainLoops(steps: Int, batch: Int, hiddenSize: Int) {
        let tensors = inputs(steps: steps, batch: batch, hiddenSize: hiddenSize, seed: 75)
        let expected = plainForward(projected: tensors[0].scalars, weight: tensors[1].scalars, bias: tensors[2].scalars,
                                    hidden: tensors[3].scalars, cell: tensors[4].scalars,
                                    steps: steps, batch: batch, hiddenSize: hiddenSize)
        for recording in [false, true] {
            tensors[1].requiresGradient = recording
            let result = Tensor.lstmSequence(projectedInput: tensors[0], recurrentWeight: tensors[1], bias: tensors[2],
                                             initialHidden: tensors[3], initialCell: tensors[4])
            #expect(TestData.maximumDifference(result.outputs.scalars, expected.outputs) < 2e-5,
                    "T \(steps) B \(batch) H \(hiddenSize) recording \(recording)")
            #expect(TestData.maximumDifference(result.finalCell.scalars, expected.cell) < 2e-5)
        }
    }

    /// Gates far past the exponential's clamp (|a| up to 120): σ is 0 or 1 and tanh ±1 as in
    /// the Double reference; same 2e-5 bound.
    @Test func fusedStepSaturates() {
        let (T, B, H) = (3, 4, 8)
        var tensors = inputs(steps: T, batch: B, hiddenSize: H, seed: 77)
        tensors[0] = TestData.uniform([T, B, 4 * H], in: -120...120, seed: 78)
        let expected = plainForward(projected: tensors[0].scalars, weight: tensors[1].scalars, bias: tensors[2].scalars,
                                    hidden: tensors[3].scalars, cell: tensors[4].scalars, steps: T, batch: B, hiddenSize: H)
        let result = withoutGradients {
            Tensor.lstmSequence(projectedInput: tensors[0], recurrentWeight: tensors[1], bias: tensors[2],
                                initialHidden: tensors[3], initialCell: tensors[4])
        }
        #expect(TestData.maximumDifference(result.outputs.scalars, expected.outputs) < 2e-5)
        #expect(TestData.maximumDifference(result.finalCell.scalars, expected.cell) < 2e-5)
    }

    @Test func gradientsMatchFiniteDifferences() {
        let tensors = inputs(steps: 4, batch: 2, hiddenSize: 3, seed: 80)
        let withStates = GradientCheck.run(tensors) { x in
            let r = Tensor.lstmSequence(projectedInput: x[0], recurrentWeight: x[1], bias: x[2], initialHidden: x[3], initialCell: x[4])
            return Tensor.concatenate([r.outputs.reshaped([-1]), r.finalHidden.reshaped([-1]), r.finalCell.reshaped([-1])], axis: 0)
        }
        #expect(withStates.relativeError < sequenceGradientTolerance, "\(withStates)")
        let fromZero = GradientCheck.run(Array(tensors.prefix(2))) { x in
            Tensor.lstmSequence(projectedInput: x[0], recurrentWeight: x[1]).outputs
        }
        #expect(fromZero.relativeError < sequenceGradientTolerance, "\(fromZero)")
        // Only the final cell used: the hidden rows' upstream gradient is all zeros.
        let cellOnly = GradientCheck.run(tensors) { x in
            Tensor.lstmSequence(projectedInput: x[0], recurrentWeight: x[1], bias: x[2], initialHidden: x[3], initialCell: x[4]).finalCell
        }
        #expect(cellOnly.relativeError < sequenceGradientTolerance, "\(cellOnly)")
    }

    /// A view as the projection (not contiguous) and an input that needs no gradient.
    @Test func stridedProjectionAndFrozenWeight() {
        let base = TestData.uniform([3, 5, 8], in: -2...2, seed: 90)          // [B, T, 4H], H = 2
        let weight = TestData.uniform([8, 2], seed: 91)
        base.requiresGradient = true
        let projected = base.transposed(0, 1)                                  // [T, B, 4H] view
        let result = Tensor.lstmSequence(projectedInput: projected, recurrentWeight: weight)
        result.outputs.sum().backward()
        #expect(base.gradient?.shape == [3, 5, 8])
        #expect(weight.gradient == nil)
        let reference = unrolled(projected: projected.contiguous(), weight: weight, bias: nil, hidden: nil, cell: nil)
        #expect(TestData.maximumDifference(result.outputs.scalars, reference.outputs.scalars) < fusedVersusUnrolledTolerance)
    }

    /// Once the caller lets go of the outputs, the graph is freed: the backward closure must
    /// not keep the node that owns it (a cycle would leak every step's buffers).
    @Test func graphIsFreedAfterBackward() {
        weak var projection: Tensor?
        weak var weight: Tensor?
        do {
            let tensors = inputs(steps: 3, batch: 2, hiddenSize: 4, seed: 97)
            projection = tensors[0]
            weight = tensors[1]
            tensors[0].requiresGradient = true
            tensors[1].requiresGradient = true
            let result = Tensor.lstmSequence(projectedInput: tensors[0], recurrentWeight: tensors[1], bias: tensors[2])
            (result.outputs.sum() + result.finalCell.sum()).backward()
            #expect(projection != nil && tensors[1].gradient != nil)
        }
        #expect(projection == nil && weight == nil)
    }

    @Test func inferenceGivesTheSameValues() {
        let tensors = inputs(steps: 6, batch: 2, hiddenSize: 9, seed: 95)
        tensors[1].requiresGradient = true
        let training = Tensor.lstmSequence(projectedInput: tensors[0], recurrentWeight: tensors[1], bias: tensors[2],
                                           initialHidden: tensors[3], initialCell: tensors[4])
        let inference = withoutGradients {
            Tensor.lstmSequence(projectedInput: tensors[0], recurrentWeight: tensors[1], bias: tensors[2],
                                initialHidden: tensors[3], initialCell: tensors[4])
        }
        #expect(training.outputs.requiresGradient && !inference.outputs.requiresGradient)
        #expect(training.outputs.scalars == inference.outputs.scalars)
        #expect(training.finalHidden.scalars == inference.finalHidden.scalars)
        #expect(training.finalCell.scalars == inference.finalCell.scalars)
    }
}
