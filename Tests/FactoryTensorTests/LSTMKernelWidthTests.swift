// The LSTM kernels at both vector widths (SIMD8<Float> for AVX2, SIMD16<Float> for AVX-512),
// instantiated explicitly so that every machine tests both: the gate functions against
// Double, the fused step and the separate cell kernels against plain Double loops for every
// tile height, and the fused step against the unfused path (PackedMatrix, then the cell
// kernel) and across widths, bit for bit; the step run in slices of k equals it in one pass.

import FactoryTensor
import Foundation
import TestSupport
import Testing

private func sigmoid(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }

/// Random floats in [-bound, bound].
private func values(_ count: Int, _ bound: Float, seed: UInt64) -> [Float] {
    TestData.uniform([count], in: -bound...bound, seed: seed).scalars
}

/// One step's inputs and what the kernels write, as arrays.
private struct StepCase {
    let rows: Int, H: Int
    var projected: [Float], weight: [Float], bias: [Float], hidden: [Float], cell: [Float]
    var newHidden: [Float], newCell: [Float], activations: [Float], cellTanh: [Float]

    init(rows: Int, H: Int, seed: UInt64) {
        self.rows = rows
        self.H = H
        projected = values(rows * 4 * H, 2, seed: seed)
        weight = values(4 * H * H, 1 / Float(H).squareRoot(), seed: seed + 1)
        bias = values(4 * H, 1, seed: seed + 2)
        hidden = values(rows * H, 1, seed: seed + 3)
        cell = values(rows * H, 1, seed: seed + 4)
        newHidden = [Float](repeating: .nan, count: rows * H)
        newCell = newHidden
        cellTanh = newHidden
        activations = [Float](repeating: .nan, count: rows * 4 * H)
    }

    /// The step in Double: h', c', the activations and tanh(c').
    func reference() -> (hidden: [Float], cell: [Float], activations: [Float], cellTanh: [Float]) {
        var h = [Float](), c = [Float](), act = [Float](repeating: 0, count: rows * 4 * H), tc = [Float]()
        for b in 0..<rows {
            for j in 0..<H {
                var gate = [Double](repeating: 0, count: 4)
                for q in 0..<4 {
                    let row = q * H + j
                    var sum = Double(projected[b * 4 * H + row]) + Double(bias[row])
                    for k in 0..<H { sum += Double(hidden[b * H + k]) * Double(weight[row * H + k]) }
                    gate[q] = q == 2 ? Foundation.tanh(sum) : sigmoid(sum)
                    act[b * 4 * H + row] = Float(gate[q])
                }
                let updated = gate[1] * Double(cell[b * H + j]) + gate[0] * gate[2]
                c.append(Float(updated))
                tc.append(Float(Foundation.tanh(updated)))
                h.append(Float(gate[3] * Foundation.tanh(updated)))
            }
        }
        return (h, c, act, tc)
    }

    /// Runs LSTMFusedStep<V>.
    mutating func fused<V: KernelFloatVector>(_ type: V.Type, keeping: Bool = true, depthSlice: Int? = nil) {
        let step = LSTMFusedStep<V>(weight: weight, hiddenSize: H, depthSlice: depthSlice)
        let rows = rows
        projected.withUnsafeBufferPointer { p in
            bias.withUnsafeBufferPointer { b in
                hidden.withUnsafeBufferPointer { h in
                    cell.withUnsafeBufferPointer { c in
                        newHidden.withUnsafeMutableBufferPointer { nh in
                            newCell.withUnsafeMutableBufferPointer { nc in
                                activations.withUnsafeMutableBufferPointer { act in
                                    cellTanh.withUnsafeMutableBufferPointer { tc in
                                        step.forward(LSTMStepPointers(
                                            previousHidden: h.baseAddress!, projected: p.baseAddress!, bias: b.baseAddress!,
                                            previousCell: c.baseAddress!, hidden: nh.baseAddress!, newCell: nc.baseAddress!,
                                            activations: keeping ? act.baseAddress! : nil, cellTanh: keeping ? tc.baseAddress! : nil),
                                            rows: rows)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The unfused path at width V: gates = p + b, += h W^T through PackedMatrix<V>, then
    /// LSTMCellKernels.forward at width V.
    mutating func unfused<V: KernelFloatVector>(_ type: V.Type) {
        let H = H, rows = rows
        var gates = (0..<(rows * 4 * H)).map { projected[$0] + bias[$0 % (4 * H)] }
        let packed = PackedMatrix<V>(weight, depth: H, columns: 4 * H, leadingDimension: H, transposed: true)
        packed.multiplyAccumulate(hidden, rows: rows, leadingDimension: H, into: &gates, leadingDimension: 4 * H)
        gates.withUnsafeBufferPointer { g in
            cell.withUnsafeBufferPointer { c in
                newHidden.withUnsafeMutableBufferPointer { nh in
                    newCell.withUnsafeMutableBufferPointer { nc in
                        activations.withUnsafeMutableBufferPointer { act in
                            cellTanh.withUnsafeMutableBufferPointer { tc in
                                LSTMCellKernels.forward(
                                    gates: g.baseAddress!, cell: c.baseAddress!, batch: rows, hiddenSize: H,
                                    activations: act.baseAddress!, cellTanh: tc.baseAddress!, hidden: nh.baseAddress!,
                                    newCell: nc.baseAddress!, threaded: false, vector: V.self)
                            }
                        }
                    }
                }
            }
        }
    }
}

@Suite struct LSTMKernelWidthTests {
    /// σ and tanh against Double over [-12, 12] and far out: a few ulp of 1 (3e-7);
    /// exactly 0, 1 and ±1 past the exponential's range; NaN stays NaN.
    @Test func gateFunctionsAtBothWidths() {
        func check<V: KernelFloatVector>(_ type: V.Type) {
            var worstSigmoid = 0.0, worstTanh = 0.0
            var x = V(repeating: 0)
            for start in stride(from: 0, to: 24_000, by: V.scalarCount) {
                for lane in 0..<V.scalarCount { x[lane] = -12 + Float(start + lane) / 1000 }
                let s = LSTMGateFunctions.sigmoid(x), t = LSTMGateFunctions.tanh(x)
                for lane in 0..<V.scalarCount {
                    worstSigmoid = Swift.max(worstSigmoid, Swift.abs(Double(s[lane]) - sigmoid(Double(x[lane]))))
                    worstTanh = Swift.max(worstTanh, Swift.abs(Double(t[lane]) - Foundation.tanh(Double(x[lane]))))
                }
            }
            #expect(worstSigmoid < 3e-7 && worstTanh < 3e-7, "\(V.self): sigmoid \(worstSigmoid), tanh \(worstTanh)")
            let far = V(repeating: 200), nan = V(repeating: .nan)
            #expect(LSTMGateFunctions.sigmoid(far) == V(repeating: 1) && LSTMGateFunctions.sigmoid(-far) == V(repeating: 0))
            #expect(LSTMGateFunctions.tanh(far) == V(repeating: 1) && LSTMGateFunctions.tanh(-far) == V(repeating: -1))
            #expect(LSTMGateFunctions.sigmoid(nan)[0].isNaN && LSTMGateFunctions.tanh(nan)[0].isNaN)
        }
        check(SIMD8<Float>.self)
        check(SIMD16<Float>.self)
    }

    /// The fused step against Double loops for 1 to 17 rows (every tile height and mix at
    /// both widths), kept activations or not. Sums of H products (|gates| ≲ 5): 2e-5.
    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 16, 17])
    func fusedStepMatchesPlainLoops(rows: Int) {
        func check<V: KernelFloatVector>(_ type: V.Type, H: Int) {
            var step = StepCase(rows: rows, H: H, seed: UInt64(100 + rows))
            let expected = step.reference()
            step.fused(V.self)
            #expect(TestData.maximumDifference(step.newHidden, expected.hidden) < 2e-5, "\(V.self) rows \(rows) H \(H)")
            #expect(TestData.maximumDifference(step.newCell, expected.cell) < 2e-5)
            #expect(TestData.maximumDifference(step.activations, expected.activations) < 2e-5)
            #expect(TestData.maximumDifference(step.cellTanh, expected.cellTanh) < 2e-5)
            let kept = (step.newHidden, step.newCell)
            step.fused(V.self, keeping: false)
            #expect(step.newHidden == kept.0 && step.newCell == kept.1)
        }
        check(SIMD8<Float>.self, H: 8)
        check(SIMD8<Float>.self, H: 24)
        check(SIMD16<Float>.self, H: 16)
        check(SIMD16<Float>.self, H: 48)
    }

    /// Same float operations in the same order: the fused step equals the unfused path at
    /// its width, and the two widths equal each other, bit for bit (row counts whose
    /// PackedMatrix tiles all have several rows: its one-row tile sums even and odd k apart).
    @Test(arguments: [4, 6, 8, 12, 16])
    func fusedStepEqualsUnfusedPathAndOtherWidth(rows: Int) {
        func run<V: KernelFloatVector>(_ type: V.Type, fused: Bool) -> StepCase {
            var step = StepCase(rows: rows, H: 32, seed: UInt64(200 + rows))
            if fused { step.fused(V.self) } else { step.unfused(V.self) }
            return step
        }
        let results = [run(SIMD8<Float>.self, fused: true), run(SIMD8<Float>.self, fused: false),
                       run(SIMD16<Float>.self, fused: true), run(SIMD16<Float>.self, fused: false)]
        for other in results.dropFirst() {
            #expect(other.newHidden == results[0].newHidden && other.newCell == results[0].newCell, "rows \(rows)")
            #expect(other.activations == results[0].activations && other.cellTanh == results[0].cellTanh)
        }
    }

    /// The step over k in slices (accumulators saved between slices) adds the same products
    /// in the same order as one pass: equal bit for bit, for slices that divide H or leave a
    /// remainder, and every tile height; and within 2e-5 of Double.
    @Test(arguments: [1, 5, 6, 11, 16])
    func fusedStepInDepthSlicesEqualsOnePass(rows: Int) {
        func check<V: KernelFloatVector>(_ type: V.Type, H: Int, slices: [Int]) {
            var whole = StepCase(rows: rows, H: H, seed: UInt64(400 + rows))
            whole.fused(V.self, depthSlice: H)
            let expected = whole.reference()
            #expect(TestData.maximumDifference(whole.newHidden, expected.hidden) < 2e-5, "\(V.self) rows \(rows) H \(H)")
            for slice in slices {
                var sliced = StepCase(rows: rows, H: H, seed: UInt64(400 + rows))
                sliced.fused(V.self, depthSlice: slice)
                #expect(sliced.newHidden == whole.newHidden && sliced.newCell == whole.newCell, "\(V.self) H \(H) slice \(slice)")
                #expect(sliced.activations == whole.activations && sliced.cellTanh == whole.cellTanh)
            }
        }
        check(SIMD8<Float>.self, H: 24, slices: [1, 5, 8, 23])
        check(SIMD16<Float>.self, H: 48, slices: [1, 7, 16, 47])
        check(SIMD16<Float>.self, H: 256, slices: [64, 100])
    }

    /// The separate cell kernels, forward and backward, against Double for hidden sizes with
    /// and without a scalar tail at either width (4, 20, 40): values O(1), 1e-6.
    @Test(arguments: [4, 20, 40])
    func cellKernelsMatchPlainLoops(hiddenSize H: Int) {
        let rows = 3
        let gates = values(rows * 4 * H, 3, seed: 300), cell = values(rows * H, 1, seed: 301)
        let dh = values(rows * H, 1, seed: 302), dc = values(rows * H, 1, seed: 303)
        func check<V: KernelFloatVector>(_ type: V.Type) {
            var act = [Float](repeating: .nan, count: rows * 4 * H), tc = [Float](repeating: .nan, count: rows * H)
            var h = tc, c = tc, da = act, dcPrevious = tc
            LSTMCellKernels.forward(gates: gates, cell: cell, batch: rows, hiddenSize: H, activations: &act, cellTanh: &tc,
                                    hidden: &h, newCell: &c, threaded: false, vector: V.self)
            LSTMCellKernels.backward(hiddenGradient: dh, cellGradient: dc, activations: act, cellTanh: tc, previousCell: cell,
                                     batch: rows, hiddenSize: H, gatesGradient: &da, previousCellGradient: &dcPrevious,
                                     threaded: false, vector: V.self)
            var worst: Float = 0
            for b in 0..<rows {
                for j in 0..<H {
                    let a = (0..<4).map { Double(gates[b * 4 * H + $0 * H + j]) }
                    let i = sigmoid(a[0]), f = sigmoid(a[1]), g = Foundation.tanh(a[2]), o = sigmoid(a[3])
                    let updated = f * Double(cell[b * H + j]) + i * g, squashed = Foundation.tanh(updated)
                    let upstreamH = Double(dh[b * H + j])
                    let dcTotal = Double(dc[b * H + j]) + upstreamH * o * (1 - squashed * squashed)
                    let expected: [(Float, Double)] = [
                        (act[b * 4 * H + j], i), (act[b * 4 * H + H + j], f), (act[b * 4 * H + 2 * H + j], g),
                        (act[b * 4 * H + 3 * H + j], o), (c[b * H + j], updated), (tc[b * H + j], squashed),
                        (h[b * H + j], o * squashed),
                        (da[b * 4 * H + j], dcTotal * g * i * (1 - i)),
                        (da[b * 4 * H + H + j], dcTotal * Double(cell[b * H + j]) * f * (1 - f)),
                        (da[b * 4 * H + 2 * H + j], dcTotal * i * (1 - g * g)),
                        (da[b * 4 * H + 3 * H + j], upstreamH * squashed * o * (1 - o)),
                        (dcPrevious[b * H + j], dcTotal * f)]
                    for (ours, exact) in expected { worst = Swift.max(worst, Swift.abs(ours - Float(exact))) }
                }
            }
            #expect(worst < 1e-6, "\(V.self) H \(H): worst \(worst)")
        }
        check(SIMD8<Float>.self)
        check(SIMD16<Float>.self)
    }
}
