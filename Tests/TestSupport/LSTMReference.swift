// LSTMReference: one LSTM layer's recurrence in plain Double loops (no SIMD, no packing, no
// threads), PyTorch's equations and gate order i, f, g, o, as the reference for the fused
// kernels' tests. The input's contribution to each gate is given by the caller (a projection
// p_t, or x_t W_ih^T). Not here: gradients (the tests use finite differences for those).

import Foundation

/// The LSTM recurrence in Double, for tests.
public enum LSTMReference {
    /// Runs one layer: gate row `row` (of 4H) of batch row b at step t is
    /// `input(t, b, row) + bias[row] + Σ_k h_(t-1)[b, k] W[row, k]`, then
    /// `c_t = σ(f) c_(t-1) + σ(i) tanh(g)` and `h_t = σ(o) tanh(c_t)`.
    /// - Parameters:
    ///   - weight: W_hh, `[4H, H]` row-major.
    ///   - bias: `[4H]`.
    ///   - hidden: h_(-1), `[B, H]`; nil for zeros.
    ///   - cell: c_(-1), `[B, H]`; nil for zeros.
    ///   - input: the input's part of a gate, by step, batch row and gate row.
    /// - Returns: every step's h (`[T, B, H]`, rounded to Float) and the final c.
    public static func layer(
        steps T: Int, batch B: Int, hiddenSize H: Int, weight: [Float], bias: [Float], hidden: [Float]?, cell: [Float]?,
        input: (_ step: Int, _ row: Int, _ gateRow: Int) -> Double
    ) -> (outputs: [Float], cell: [Float]) {
        func sigmoid(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }
        var h = (hidden ?? [Float](repeating: 0, count: B * H)).map(Double.init)
        var c = (cell ?? [Float](repeating: 0, count: B * H)).map(Double.init)
        var outputs: [Float] = []
        for t in 0..<T {
            var nextH = h, nextC = c
            for b in 0..<B {
                for j in 0..<H {
                    var gate = [Double](repeating: 0, count: 4)
                    for q in 0..<4 {
                        let row = q * H + j
                        var sum = input(t, b, row) + Double(bias[row])
                        for k in 0..<H { sum += h[b * H + k] * Double(weight[row * H + k]) }
                        gate[q] = sum
                    }
                    let updated = sigmoid(gate[1]) * c[b * H + j] + sigmoid(gate[0]) * Foundation.tanh(gate[2])
                    nextC[b * H + j] = updated
                    nextH[b * H + j] = sigmoid(gate[3]) * Foundation.tanh(updated)
                }
            }
            h = nextH
            c = nextC
            outputs += h.map(Float.init)
        }
        return (outputs, c.map(Float.init))
    }
}
