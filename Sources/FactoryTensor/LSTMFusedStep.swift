// LSTMFusedStep: one LSTM time step's forward in a single pass over W_hh: the recurrent
// product h_(t-1) W_hh^T, the projection and bias, the gate nonlinearities and the cell
// update, with each tile's gates kept in registers from the product to the new h and c.
// W_hh is packed once per sequence so that a block of 8 hidden units holds, for every k,
// the weights of their four gates side by side (32 floats): a 3-row tile's 12 accumulators
// are then i, f, g, o of the same 8 units, and the cell runs on them as they are.
// Float operations are those of the unfused path (p + b, then one FMA per k in order,
// then LSTMCellKernels.forward's arithmetic), so both give the same bits.
// Not here: the backward (Tensor+LSTMSequence.swift), hidden sizes not a multiple of 8
// (those take PackedMatrix and the separate cell kernel), threading (callers split rows).

/// W_hh packed for fused forward steps of an LSTM layer with hidden size H (a multiple of 8).
final class LSTMFusedStep: @unchecked Sendable {
    /// Hidden units per packed block: one 8-lane vector per gate.
    static let unitsPerBlock = 8

    /// Whether a hidden size can take the fused step.
    static func supports(hiddenSize: Int) -> Bool { hiddenSize > 0 && hiddenSize % unitsPerBlock == 0 }

    /// H.
    let hiddenSize: Int
    /// Block u (units 8u ..< 8u + 8) is H rows of 32 floats: row k holds W[gate·H + 8u + lane, k]
    /// at gate·8 + lane, gates in the order i, f, g, o.
    let blocks: UnsafeMutablePointer<Float>

    /// Packs W_hh, `[4H, H]` row-major (PyTorch's layout).
    init(weight: UnsafePointer<Float>, hiddenSize H: Int) {
        precondition(LSTMFusedStep.supports(hiddenSize: H), "LSTMFusedStep: hidden size \(H) is not a positive multiple of 8")
        hiddenSize = H
        blocks = .allocate(capacity: 4 * H * H)
        for block in 0..<(H / 8) {
            let target = blocks + block * H * 32
            for gate in 0..<4 {
                for lane in 0..<8 {
                    let source = weight + (gate * H + block * 8 + lane) * H
                    for k in 0..<H { target[k * 32 + gate * 8 + lane] = source[k] }
                }
            }
        }
    }

    deinit { blocks.deallocate() }

    /// Where one step reads and writes, for a block of rows (row r of each at r times the
    /// row size: H, or 4H for the projection and the activations).
    struct Step {
        /// h_(t-1), `[rows, H]`; nil for zeros.
        var previousHidden: UnsafePointer<Float>?
        /// p_t, `[rows, 4H]`.
        var projected: UnsafePointer<Float>
        /// b, `[4H]`.
        var bias: UnsafePointer<Float>
        /// c_(t-1), `[rows, H]`.
        var previousCell: UnsafePointer<Float>
        /// h_t, `[rows, H]`.
        var hidden: UnsafeMutablePointer<Float>
        /// c_t, `[rows, H]`.
        var newCell: UnsafeMutablePointer<Float>
        /// σ(i), σ(f), tanh(g), σ(o), `[rows, 4H]`, for the backward; nil when not kept.
        var activations: UnsafeMutablePointer<Float>?
        /// tanh(c_t), `[rows, H]`, for the backward; nil when not kept.
        var cellTanh: UnsafeMutablePointer<Float>?
    }

    /// Runs the step for `rows` rows: `gates = p_t + b + h_(t-1) W^T`, then the cell
    /// (`c_t = σ(f) c_(t-1) + σ(i) tanh(g)`, `h_t = σ(o) tanh(c_t)`). Single-threaded.
    func forward(_ step: Step, rows: Int) {
        let H = hiddenSize
        for block in 0..<(H / 8) {
            let w = UnsafePointer(blocks + block * H * 32)
            let unit = block * 8
            var row = 0
            while row < rows {
                let height = LSTMFusedStep.tileHeight(remainingRows: rows - row)
                switch height {
                case 3: LSTMFusedStep.tile3(step, row, unit, w, H)
                case 2: LSTMFusedStep.tile2(step, row, unit, w, H)
                default: LSTMFusedStep.tile1(step, row, unit, w, H)
                }
                row += height
            }
        }
    }

    /// Rows of the next tile: 3, except 2 + 2 for four and the last one or two rows
    /// (32 rows: ten 3s and a 2; 16 rows: 3, 3, 3, 3, 2, 2).
    static func tileHeight(remainingRows r: Int) -> Int {
        if r == 4 || r == 2 { return 2 }
        return r == 1 ? 1 : 3
    }

    // The tiles are never inlined: on their own, the accumulators stay in registers.

    /// Three rows × 8 units × 4 gates: 12 accumulators.
    @inline(never)
    static func tile3(_ s: Step, _ row: Int, _ unit: Int, _ w: UnsafePointer<Float>, _ H: Int) {
        let p0 = s.projected + row * 4 * H + unit, p1 = p0 + 4 * H, p2 = p1 + 4 * H
        let b = s.bias + unit
        let bi = load(b), bf = load(b + H), bg = load(b + 2 * H), bo = load(b + 3 * H)
        var i0 = load(p0) + bi, f0 = load(p0 + H) + bf, g0 = load(p0 + 2 * H) + bg, o0 = load(p0 + 3 * H) + bo
        var i1 = load(p1) + bi, f1 = load(p1 + H) + bf, g1 = load(p1 + 2 * H) + bg, o1 = load(p1 + 3 * H) + bo
        var i2 = load(p2) + bi, f2 = load(p2 + H) + bf, g2 = load(p2 + 2 * H) + bg, o2 = load(p2 + 3 * H) + bo
        if let hidden = s.previousHidden {
            let a0 = hidden + row * H, a1 = a0 + H, a2 = a1 + H
            var wk = w
            for k in 0..<H {
                // Three broadcasts, then one gate's weights at a time: 12 accumulators, 3
                // broadcasts and 1 weight vector fill the 16 registers exactly, no spill.
                let s0 = Float8(repeating: a0[k]), s1 = Float8(repeating: a1[k]), s2 = Float8(repeating: a2[k])
                let wi = load(wk)
                i0 = i0.addingProduct(s0, wi); i1 = i1.addingProduct(s1, wi); i2 = i2.addingProduct(s2, wi)
                let wf = load(wk + 8)
                f0 = f0.addingProduct(s0, wf); f1 = f1.addingProduct(s1, wf); f2 = f2.addingProduct(s2, wf)
                let wg = load(wk + 16)
                g0 = g0.addingProduct(s0, wg); g1 = g1.addingProduct(s1, wg); g2 = g2.addingProduct(s2, wg)
                let wo = load(wk + 24)
                o0 = o0.addingProduct(s0, wo); o1 = o1.addingProduct(s1, wo); o2 = o2.addingProduct(s2, wo)
                wk += 32
            }
        }
        finish(i0, f0, g0, o0, s, row, unit, H)
        finish(i1, f1, g1, o1, s, row + 1, unit, H)
        finish(i2, f2, g2, o2, s, row + 2, unit, H)
    }

    /// Two rows: 8 accumulators.
    @inline(never)
    static func tile2(_ s: Step, _ row: Int, _ unit: Int, _ w: UnsafePointer<Float>, _ H: Int) {
        let p0 = s.projected + row * 4 * H + unit, p1 = p0 + 4 * H
        let b = s.bias + unit
        let bi = load(b), bf = load(b + H), bg = load(b + 2 * H), bo = load(b + 3 * H)
        var i0 = load(p0) + bi, f0 = load(p0 + H) + bf, g0 = load(p0 + 2 * H) + bg, o0 = load(p0 + 3 * H) + bo
        var i1 = load(p1) + bi, f1 = load(p1 + H) + bf, g1 = load(p1 + 2 * H) + bg, o1 = load(p1 + 3 * H) + bo
        if let hidden = s.previousHidden {
            let a0 = hidden + row * H, a1 = a0 + H
            var wk = w
            for k in 0..<H {
                let wi = load(wk), wf = load(wk + 8), wg = load(wk + 16), wo = load(wk + 24)
                let s0 = Float8(repeating: a0[k]), s1 = Float8(repeating: a1[k])
                i0 = i0.addingProduct(s0, wi); f0 = f0.addingProduct(s0, wf)
                g0 = g0.addingProduct(s0, wg); o0 = o0.addingProduct(s0, wo)
                i1 = i1.addingProduct(s1, wi); f1 = f1.addingProduct(s1, wf)
                g1 = g1.addingProduct(s1, wg); o1 = o1.addingProduct(s1, wo)
                wk += 32
            }
        }
        finish(i0, f0, g0, o0, s, row, unit, H)
        finish(i1, f1, g1, o1, s, row + 1, unit, H)
    }

    /// One row: 4 accumulators (FMA latency bound; only for a last odd row).
    @inline(never)
    static func tile1(_ s: Step, _ row: Int, _ unit: Int, _ w: UnsafePointer<Float>, _ H: Int) {
        let p0 = s.projected + row * 4 * H + unit
        let b = s.bias + unit
        var i0 = load(p0) + load(b), f0 = load(p0 + H) + load(b + H)
        var g0 = load(p0 + 2 * H) + load(b + 2 * H), o0 = load(p0 + 3 * H) + load(b + 3 * H)
        if let hidden = s.previousHidden {
            let a0 = hidden + row * H
            var wk = w
            for k in 0..<H {
                let s0 = Float8(repeating: a0[k])
                i0 = i0.addingProduct(s0, load(wk)); f0 = f0.addingProduct(s0, load(wk + 8))
                g0 = g0.addingProduct(s0, load(wk + 16)); o0 = o0.addingProduct(s0, load(wk + 24))
                wk += 32
            }
        }
        finish(i0, f0, g0, o0, s, row, unit, H)
    }

    /// The cell on one row's gates for 8 units: LSTMCellKernels.forward's arithmetic, with
    /// the gate functions of LSTMGateFunctions.
    @inline(__always)
    static func finish(_ ai: Float8, _ af: Float8, _ ag: Float8, _ ao: Float8, _ s: Step, _ row: Int, _ unit: Int, _ H: Int) {
        let i = LSTMGateFunctions.sigmoid(ai), f = LSTMGateFunctions.sigmoid(af)
        let g = LSTMGateFunctions.tanh(ag), o = LSTMGateFunctions.sigmoid(ao)
        let at = row * H + unit
        let updated = f * load(s.previousCell + at) + i * g
        let squashed = LSTMGateFunctions.tanh(updated)
        store(o * squashed, s.hidden + at)
        store(updated, s.newCell + at)
        if let activations = s.activations {
            let act = activations + row * 4 * H + unit
            store(i, act); store(f, act + H); store(g, act + 2 * H); store(o, act + 3 * H)
        }
        if let cellTanh = s.cellTanh { store(squashed, cellTanh + at) }
    }
}
