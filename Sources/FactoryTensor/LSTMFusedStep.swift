// LSTMFusedStep: one LSTM time step's forward in a single pass over W_hh: the recurrent
// product h_(t-1) W_hh^T, the projection and bias, the gate nonlinearities and the cell
// update, with each tile's gates kept in registers from the product to the new h and c.
// Generic over the float vector V (L lanes: SIMD8 for AVX2, SIMD16 for AVX-512; the library
// uses KernelVector). W_hh is packed once per sequence so that a block of L hidden units
// holds, for every k, the weights of their four gates side by side (4L floats): an R-row
// tile's 4R accumulators are then i, f, g, o of the same L units, and the cell runs on them
// as they are. Tiles: 3 rows at 8 lanes (12 accumulators of AVX2's 16 registers), 6 rows at
// 16 lanes (24 of AVX-512's 32), smaller ones for the remainder.
// Float operations are those of the unfused path (p + b, then one FMA per k in order,
// then LSTMCellKernels.forward's arithmetic with LSTMGateFunctions), so both give the same bits.
// Not here: the backward (Tensor+LSTMSequence.swift), hidden sizes not a multiple of L
// (those take a narrower step, or PackedMatrix and the separate cell kernel), threading
// (callers split rows).

/// W_hh packed for fused forward steps of an LSTM layer with hidden size H (a multiple of
/// the vector's lane count L).
public final class LSTMFusedStep<V: KernelFloatVector>: @unchecked Sendable {
    /// Hidden units per packed block: one vector per gate.
    @inlinable public static var unitsPerBlock: Int { V.scalarCount }

    /// Whether a hidden size can take the fused step at this width.
    public static func supports(hiddenSize: Int) -> Bool { hiddenSize > 0 && hiddenSize % unitsPerBlock == 0 }

    /// H.
    public let hiddenSize: Int
    /// Block u (units Lu ..< Lu + L) is H rows of 4L floats: row k holds W[gate·H + Lu + lane, k]
    /// at gate·L + lane, gates in the order i, f, g, o.
    let blocks: UnsafeMutablePointer<Float>

    /// Packs W_hh, `[4H, H]` row-major (PyTorch's layout).
    @_specialize(exported: true, where V == SIMD8<Float>)
    @_specialize(exported: true, where V == SIMD16<Float>)
    public init(weight: UnsafePointer<Float>, hiddenSize H: Int) {
        let L = V.scalarCount
        precondition(LSTMFusedStep.supports(hiddenSize: H), "LSTMFusedStep: hidden size \(H) is not a positive multiple of \(L)")
        hiddenSize = H
        blocks = .allocate(capacity: 4 * H * H)
        for block in 0..<(H / L) {
            let target = blocks + block * H * 4 * L
            for gate in 0..<4 {
                for lane in 0..<L {
                    let source = weight + (gate * H + block * L + lane) * H
                    for k in 0..<H { target[k * 4 * L + gate * L + lane] = source[k] }
                }
            }
        }
    }

    deinit { blocks.deallocate() }

    /// Runs the step for `rows` rows: `gates = p_t + b + h_(t-1) W^T`, then the cell
    /// (`c_t = σ(f) c_(t-1) + σ(i) tanh(g)`, `h_t = σ(o) tanh(c_t)`). Single-threaded.
    @_specialize(exported: true, where V == SIMD8<Float>)
    @_specialize(exported: true, where V == SIMD16<Float>)
    public func forward(_ step: LSTMStepPointers, rows: Int) {
        let H = hiddenSize, L = V.scalarCount
        for block in 0..<(H / L) {
            let w = UnsafePointer(blocks + block * H * 4 * L)
            let unit = block * L
            var row = 0
            while row < rows {
                let height = LSTMFusedStep.tileHeight(remainingRows: rows - row)
                switch height {
                case 6: LSTMFusedStep.tile6(step, row, unit, w, H)
                case 4: LSTMFusedStep.tile4(step, row, unit, w, H)
                case 3: LSTMFusedStep.tile3(step, row, unit, w, H)
                case 2: LSTMFusedStep.tile2(step, row, unit, w, H)
                default: LSTMFusedStep.tile1(step, row, unit, w, H)
                }
                row += height
            }
        }
    }

    /// Rows of the next tile. 8 lanes (16 registers): 3, except 2 + 2 for four and the last
    /// one or two rows (16 rows: 3, 3, 3, 3, 2, 2). 16 lanes (32 registers): 6, with 4, 3, 2
    /// for the remainder (16 rows: 6, 6, 4; 32 rows: 6, 6, 6, 6, 4, 4).
    static func tileHeight(remainingRows r: Int) -> Int {
        if V.scalarCount >= 16 {
            switch r {
            case 1: return 1
            case 2: return 2
            case 3, 5: return 3
            case 4, 7, 8: return 4
            default: return 6
            }
        }
        if r == 4 || r == 2 { return 2 }
        return r == 1 ? 1 : 3
    }

    // The tiles are never inlined: on their own, the accumulators stay in registers.

    @inline(never)
    static func tile6(_ s: LSTMStepPointers, _ row: Int, _ unit: Int, _ w: UnsafePointer<Float>, _ H: Int) {
        tile(6, s, row, unit, w, H)
    }

    @inline(never)
    static func tile4(_ s: LSTMStepPointers, _ row: Int, _ unit: Int, _ w: UnsafePointer<Float>, _ H: Int) {
        tile(4, s, row, unit, w, H)
    }

    @inline(never)
    static func tile3(_ s: LSTMStepPointers, _ row: Int, _ unit: Int, _ w: UnsafePointer<Float>, _ H: Int) {
        tile(3, s, row, unit, w, H)
    }

    @inline(never)
    static func tile2(_ s: LSTMStepPointers, _ row: Int, _ unit: Int, _ w: UnsafePointer<Float>, _ H: Int) {
        tile(2, s, row, unit, w, H)
    }

    /// One row: 4 accumulators (FMA latency bound; only for a last odd row).
    @inline(never)
    static func tile1(_ s: LSTMStepPointers, _ row: Int, _ unit: Int, _ w: UnsafePointer<Float>, _ H: Int) {
        tile(1, s, row, unit, w, H)
    }

    /// The four gates of one row for L units.
    struct Gates {
        var i: V, f: V, g: V, o: V

        /// p + b for row `row`.
        @inline(__always)
        init(_ s: LSTMStepPointers, row: Int, unit: Int, bias: Gates, _ H: Int) {
            let p = s.projected + row * 4 * H + unit
            i = load(p, as: V.self) + bias.i
            f = load(p + H, as: V.self) + bias.f
            g = load(p + 2 * H, as: V.self) + bias.g
            o = load(p + 3 * H, as: V.self) + bias.o
        }

        @inline(__always)
        init(i: V, f: V, g: V, o: V) { self.i = i; self.f = f; self.g = g; self.o = o }

        /// One FMA per gate: += a · w.
        @inline(__always)
        mutating func add(_ a: Float, _ wi: V, _ wf: V, _ wg: V, _ wo: V) {
            let s = V(repeating: a)
            i = i.addingProduct(s, wi); f = f.addingProduct(s, wf)
            g = g.addingProduct(s, wg); o = o.addingProduct(s, wo)
        }
    }

    /// An R-row tile (R ≤ 6, a constant once inlined into the tile functions): 4R
    /// accumulators, each gate's weights loaded once per k and used by every row.
    @inline(__always)
    static func tile(_ R: Int, _ s: LSTMStepPointers, _ row: Int, _ unit: Int, _ w: UnsafePointer<Float>, _ H: Int) {
        let L = V.scalarCount
        let b = s.bias + unit
        let bias = Gates(i: load(b, as: V.self), f: load(b + H, as: V.self), g: load(b + 2 * H, as: V.self), o: load(b + 3 * H, as: V.self))
        var x0 = Gates(s, row: row, unit: unit, bias: bias, H)
        var x1 = R > 1 ? Gates(s, row: row + 1, unit: unit, bias: bias, H) : bias
        var x2 = R > 2 ? Gates(s, row: row + 2, unit: unit, bias: bias, H) : bias
        var x3 = R > 3 ? Gates(s, row: row + 3, unit: unit, bias: bias, H) : bias
        var x4 = R > 4 ? Gates(s, row: row + 4, unit: unit, bias: bias, H) : bias
        var x5 = R > 5 ? Gates(s, row: row + 5, unit: unit, bias: bias, H) : bias
        if let hidden = s.previousHidden {
            let a0 = hidden + row * H, a1 = a0 + H, a2 = a1 + H, a3 = a2 + H, a4 = a3 + H, a5 = a4 + H
            var wk = w
            for k in 0..<H {
                if L >= 16 {
                    // 32 registers: the four gates' weights, then each row's broadcast and its
                    // four FMAs (6 rows: 24 accumulators + 4 weights + 1 broadcast).
                    let wi = load(wk, as: V.self), wf = load(wk + L, as: V.self)
                    let wg = load(wk + 2 * L, as: V.self), wo = load(wk + 3 * L, as: V.self)
                    x0.add(a0[k], wi, wf, wg, wo)
                    if R > 1 { x1.add(a1[k], wi, wf, wg, wo) }
                    if R > 2 { x2.add(a2[k], wi, wf, wg, wo) }
                    if R > 3 { x3.add(a3[k], wi, wf, wg, wo) }
                    if R > 4 { x4.add(a4[k], wi, wf, wg, wo) }
                    if R > 5 { x5.add(a5[k], wi, wf, wg, wo) }
                    wk += 4 * L
                    continue
                }
                // 16 registers: the rows' broadcasts, then one gate's weights at a time (3 rows:
                // 12 accumulators + 3 broadcasts + 1 weight vector, no spill).
                let s0 = V(repeating: a0[k])
                let s1 = R > 1 ? V(repeating: a1[k]) : s0, s2 = R > 2 ? V(repeating: a2[k]) : s0
                let s3 = R > 3 ? V(repeating: a3[k]) : s0, s4 = R > 4 ? V(repeating: a4[k]) : s0
                let s5 = R > 5 ? V(repeating: a5[k]) : s0
                let wi = load(wk, as: V.self)
                x0.i = x0.i.addingProduct(s0, wi)
                if R > 1 { x1.i = x1.i.addingProduct(s1, wi) }
                if R > 2 { x2.i = x2.i.addingProduct(s2, wi) }
                if R > 3 { x3.i = x3.i.addingProduct(s3, wi) }
                if R > 4 { x4.i = x4.i.addingProduct(s4, wi) }
                if R > 5 { x5.i = x5.i.addingProduct(s5, wi) }
                let wf = load(wk + L, as: V.self)
                x0.f = x0.f.addingProduct(s0, wf)
                if R > 1 { x1.f = x1.f.addingProduct(s1, wf) }
                if R > 2 { x2.f = x2.f.addingProduct(s2, wf) }
                if R > 3 { x3.f = x3.f.addingProduct(s3, wf) }
                if R > 4 { x4.f = x4.f.addingProduct(s4, wf) }
                if R > 5 { x5.f = x5.f.addingProduct(s5, wf) }
                let wg = load(wk + 2 * L, as: V.self)
                x0.g = x0.g.addingProduct(s0, wg)
                if R > 1 { x1.g = x1.g.addingProduct(s1, wg) }
                if R > 2 { x2.g = x2.g.addingProduct(s2, wg) }
                if R > 3 { x3.g = x3.g.addingProduct(s3, wg) }
                if R > 4 { x4.g = x4.g.addingProduct(s4, wg) }
                if R > 5 { x5.g = x5.g.addingProduct(s5, wg) }
                let wo = load(wk + 3 * L, as: V.self)
                x0.o = x0.o.addingProduct(s0, wo)
                if R > 1 { x1.o = x1.o.addingProduct(s1, wo) }
                if R > 2 { x2.o = x2.o.addingProduct(s2, wo) }
                if R > 3 { x3.o = x3.o.addingProduct(s3, wo) }
                if R > 4 { x4.o = x4.o.addingProduct(s4, wo) }
                if R > 5 { x5.o = x5.o.addingProduct(s5, wo) }
                wk += 4 * L
            }
        }
        finish(x0, s, row, unit, H)
        if R > 1 { finish(x1, s, row + 1, unit, H) }
        if R > 2 { finish(x2, s, row + 2, unit, H) }
        if R > 3 { finish(x3, s, row + 3, unit, H) }
        if R > 4 { finish(x4, s, row + 4, unit, H) }
        if R > 5 { finish(x5, s, row + 5, unit, H) }
    }

    /// The cell on one row's gates for L units: LSTMCellKernels.forward's arithmetic.
    @inline(__always)
    static func finish(_ a: Gates, _ s: LSTMStepPointers, _ row: Int, _ unit: Int, _ H: Int) {
        let i = LSTMGateFunctions.sigmoid(a.i), f = LSTMGateFunctions.sigmoid(a.f)
        let g = LSTMGateFunctions.tanh(a.g), o = LSTMGateFunctions.sigmoid(a.o)
        let at = row * H + unit
        let updated = f * load(s.previousCell + at, as: V.self) + i * g
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

/// Where one LSTM step reads and writes, for a block of rows (row r of each at r times the
/// row size: H, or 4H for the projection and the activations).
public struct LSTMStepPointers {
    /// h_(t-1), `[rows, H]`; nil for zeros.
    public var previousHidden: UnsafePointer<Float>?
    /// p_t, `[rows, 4H]`.
    public var projected: UnsafePointer<Float>
    /// b, `[4H]`.
    public var bias: UnsafePointer<Float>
    /// c_(t-1), `[rows, H]`.
    public var previousCell: UnsafePointer<Float>
    /// h_t, `[rows, H]`.
    public var hidden: UnsafeMutablePointer<Float>
    /// c_t, `[rows, H]`.
    public var newCell: UnsafeMutablePointer<Float>
    /// σ(i), σ(f), tanh(g), σ(o), `[rows, 4H]`, for the backward; nil when not kept.
    public var activations: UnsafeMutablePointer<Float>?
    /// tanh(c_t), `[rows, H]`, for the backward; nil when not kept.
    public var cellTanh: UnsafeMutablePointer<Float>?

    /// Names every pointer of a step.
    public init(
        previousHidden: UnsafePointer<Float>?, projected: UnsafePointer<Float>, bias: UnsafePointer<Float>,
        previousCell: UnsafePointer<Float>, hidden: UnsafeMutablePointer<Float>, newCell: UnsafeMutablePointer<Float>,
        activations: UnsafeMutablePointer<Float>?, cellTanh: UnsafeMutablePointer<Float>?
    ) {
        self.previousHidden = previousHidden
        self.projected = projected
        self.bias = bias
        self.previousCell = previousCell
        self.hidden = hidden
        self.newCell = newCell
        self.activations = activations
        self.cellTanh = cellTanh
    }
}
