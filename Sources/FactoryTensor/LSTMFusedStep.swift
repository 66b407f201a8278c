// LSTMFusedStep: one LSTM time step's forward in a single pass over the packed weights: the
// recurrent product h_(t-1) W_hh^T (and, when packed with W_ih, the input product x_t W_ih^T
// too), the projection or bias, the gate nonlinearities and the cell update, with each
// tile's gates kept in registers from the product to the new h and c.
// Generic over the float vector V (L lanes: SIMD8 for AVX2, SIMD16 for AVX-512; the library
// uses KernelVector). The weights are packed once per sequence so that a block of L hidden
// units holds, for every k, the weights of their four gates side by side (4L floats): an
// R-row tile's 4R accumulators are then i, f, g, o of the same L units, and the cell runs on
// them as they are. With W_ih packed too, a block's k runs over the I input features first,
// then the H hidden ones (one sum per gate: b + x W_ih^T + h W_hh^T). Tiles: 3 rows at 8 lanes
// (12 accumulators of AVX2's 16 registers), 6 rows at 16 lanes (24 of AVX-512's 32), smaller
// ones for the remainder.
// A block's weights (64 KB for H = 256 at 16 lanes, twice that with W_ih) outgrow L1, and
// every row tile streams them; so the step runs over k in slices (`depthSlice`, two thirds
// of the L1 data cache in weights by default), every row tile of a block over one slice
// before the next: a slice is read from L2 once and from L1 by the other tiles. Between
// slices the accumulators wait in a small buffer (rows × 4L floats); each sum still adds its
// products in order of k.
// Float operations with W_hh alone are those of the unfused path (p + b, then one FMA per k
// in order, then LSTMCellKernels.forward's arithmetic with LSTMGateFunctions), so both give
// the same bits. A step can run on a range of the blocks, so threads can split the units.
// Not here: the backward (Tensor+LSTMSequence.swift), hidden sizes not a multiple of L
// (those take a narrower step, or PackedMatrix and the separate cell kernel), threading
// (callers split rows or blocks: Tensor+LSTMLayerInference.swift).

import Foundation

/// W_hh, and optionally W_ih, packed for fused forward steps of an LSTM layer with hidden
/// size H (a multiple of the vector's lane count L).
public final class LSTMFusedStep<V: KernelFloatVector>: @unchecked Sendable {
    /// Hidden units per packed block: one vector per gate.
    @inlinable public static var unitsPerBlock: Int { V.scalarCount }

    /// Whether a hidden size can take the fused step at this width.
    public static func supports(hiddenSize: Int) -> Bool { hiddenSize > 0 && hiddenSize % unitsPerBlock == 0 }

    /// H.
    public let hiddenSize: Int
    /// I when W_ih is packed too (the step then takes x_t, not a projection), else 0.
    public let inputSize: Int
    /// The most k one pass of the row tiles covers (at most I + H).
    public let depthSlice: Int
    /// Block u (units Lu ..< Lu + L) is I + H rows of 4L floats: row k < I holds
    /// W_ih[gate·H + Lu + lane, k] and row I + k holds W_hh[gate·H + Lu + lane, k], at
    /// gate·L + lane, gates in the order i, f, g, o.
    let blocks: UnsafeMutablePointer<Float>
    /// The buffer behind `blocks`: a tensor storage, so 64-byte aligned (every 4L-float row
    /// starts a cache line) and recycled from one layer call to the next (a fresh 2 MB buffer
    /// would be faulted in page by page at every call).
    private let storage: TensorStorage

    /// The number of blocks of L units, H / L.
    public var blockCount: Int { hiddenSize / V.scalarCount }

    /// The default depth slice: two thirds of the core's L1 data cache in a block's weights
    /// (4L floats per k; 16 KB where the system does not say), leaving the rest of L1 to the
    /// rows and the accumulators between slices.
    ///
    /// With 48 KB of L1 and 16 lanes that is 128 k (32 KB). Against the 64 k (16 KB) this
    /// used to be: ge2e-infer medians 0.0592 against 0.0616 s on two threads (6 alternations,
    /// 256 k: 0.0609) and 0.1017 against 0.1041 s on one. Fewer slices mean fewer passes that
    /// save and reload the tiles' accumulators.
    public static var defaultDepthSlice: Int { Swift.max(16, lstmDepthSliceBytes / (16 * V.scalarCount)) }

    /// Packs W_hh, `[4H, H]` row-major (PyTorch's layout).
    /// - Parameter depthSlice: k per pass of the row tiles (nil: ``defaultDepthSlice``);
    ///   any value gives the same bits.
    public convenience init(weight: UnsafePointer<Float>, hiddenSize H: Int, depthSlice: Int? = nil) {
        self.init(inputWeight: nil, inputSize: 0, weight: weight, hiddenSize: H, depthSlice: depthSlice)
    }

    /// Packs W_ih `[4H, I]` (when given) and W_hh `[4H, H]`, both row-major (PyTorch's
    /// layout). With W_ih, steps take the input x_t (``LSTMStepPointers/input``) instead of
    /// a projection.
    /// - Parameter depthSlice: k per pass of the row tiles (nil: ``defaultDepthSlice``);
    ///   any value gives the same bits.
    @_specialize(exported: true, where V == SIMD8<Float>)
    @_specialize(exported: true, where V == SIMD16<Float>)
    public init(inputWeight: UnsafePointer<Float>?, inputSize I: Int, weight: UnsafePointer<Float>, hiddenSize H: Int,
                depthSlice: Int? = nil) {
        let L = V.scalarCount
        precondition(LSTMFusedStep.supports(hiddenSize: H), "LSTMFusedStep: hidden size \(H) is not a positive multiple of \(L)")
        precondition((depthSlice ?? 1) > 0, "LSTMFusedStep: depth slice \(depthSlice ?? 0) is not positive")
        precondition((inputWeight == nil) == (I == 0), "LSTMFusedStep: an input weight needs a positive input size, got \(I)")
        hiddenSize = H
        inputSize = I
        let depth = I + H
        self.depthSlice = Swift.min(depthSlice ?? LSTMFusedStep.defaultDepthSlice, depth)
        storage = TensorStorage(uninitializedCount: 4 * H * depth)
        blocks = storage.pointer
        for block in 0..<(H / L) {
            let target = blocks + block * depth * 4 * L
            if let inputWeight { LSTMFusedStep.pack(inputWeight, depth: I, block: block, hiddenSize: H, into: target) }
            LSTMFusedStep.pack(weight, depth: H, block: block, hiddenSize: H, into: target + I * 4 * L)
        }
    }

    /// Copies block `block`'s rows of a `[4H, depth]` weight into `depth` packed rows of 4L
    /// floats at `target`, sixteen k at a time: each unit's sixteen consecutive source floats
    /// are one or two cache lines, and the sixteen target rows they go to stay in L1. (One k
    /// at a time, k innermost, every write went to another line of the 64 to 128 KB block,
    /// measured as a few percent of GE2E inference, on one thread, at every call.)
    private static func pack(_ source: UnsafePointer<Float>, depth: Int, block: Int, hiddenSize H: Int,
                             into target: UnsafeMutablePointer<Float>) {
        let L = V.scalarCount
        var first = 0
        while first < depth {
            let end = Swift.min(first + 16, depth)
            for gate in 0..<4 {
                for lane in 0..<L {
                    let row = source + (gate * H + block * L + lane) * depth
                    for k in first..<end { target[k * 4 * L + gate * L + lane] = row[k] }
                }
            }
            first = end
        }
    }

    /// Runs the step for `rows` rows: `gates = p_t + b + h_(t-1) W^T` (with W_ih packed:
    /// `b + x_t W_ih^T + h_(t-1) W_hh^T`), then the cell (`c_t = σ(f) c_(t-1) + σ(i) tanh(g)`,
    /// `h_t = σ(o) tanh(c_t)`). Single-threaded.
    /// - Parameter blocks: the blocks of L units to compute (default: all); the others'
    ///   outputs are not written.
    @_specialize(exported: true, where V == SIMD8<Float>)
    @_specialize(exported: true, where V == SIMD16<Float>)
    public func forward(_ step: LSTMStepPointers, rows: Int, blocks blockRange: Range<Int>? = nil) {
        forward(step, rows: rows, blocks: blockRange, scratch: nil)
    }

    /// The floats a step over `rows` rows keeps its accumulators in between depth slices
    /// (``forward(_:rows:blocks:scratch:)``).
    func scratchCount(rows: Int) -> Int { rows * 4 * V.scalarCount }

    /// ``forward(_:rows:blocks:)`` with the accumulators between depth slices in `scratch`
    /// (at least ``scratchCount(rows:)`` floats), or in a buffer of its own when nil: for
    /// callers that run many small steps (one block at a time).
    @_specialize(exported: true, where V == SIMD8<Float>)
    @_specialize(exported: true, where V == SIMD16<Float>)
    func forward(_ step: LSTMStepPointers, rows: Int, blocks blockRange: Range<Int>?, scratch: UnsafeMutablePointer<Float>?) {
        let H = hiddenSize, I = inputSize, L = V.scalarCount
        precondition((step.input != nil) == (I > 0) && (step.projected == nil) == (I > 0),
                     "LSTMFusedStep: a step takes x_t when W_ih is packed, else the projection p_t")
        let units = blockRange ?? 0..<blockCount
        precondition(units.lowerBound >= 0 && units.upperBound <= blockCount, "LSTMFusedStep: blocks \(units) outside 0..<\(blockCount)")
        // The depth in segments: x_t against W_ih's rows, then h_(t-1) against W_hh's (none
        // when h_(t-1) is zero: one pass over no k per block).
        let inputSegment = step.input.map { Segment(activations: $0, rowStride: step.inputRowStride, packedFirst: 0, depth: I) }
        let hiddenSegment = step.previousHidden.map { Segment(activations: $0, rowStride: H, packedFirst: I, depth: H) }
        let slice = depthSlice
        let slices = (inputSegment.map { ($0.depth + slice - 1) / slice } ?? 0)
            + (hiddenSegment.map { ($0.depth + slice - 1) / slice } ?? 0)
        // Accumulators between slices (8 KB for 32 rows at 16 lanes; the caller's, or one
        // 64-byte aligned buffer per step).
        let owned = slices > 1 && scratch == nil ? TensorStorage(uninitializedCount: rows * 4 * L) : nil
        defer { withExtendedLifetime(owned) {} }
        let partial = slices > 1 ? scratch ?? owned?.pointer : nil
        for block in units {
            let blockWeights = UnsafePointer(blocks + block * (I + H) * 4 * L)
            var pass = TilePass(unit: block * L, weights: blockWeights, hiddenSize: H, activations: nil, rowStride: 0, count: 0,
                                partial: partial, resuming: false, finishing: slices <= 1)
            if slices == 0 { runTiles(step, rows: rows, pass) }
            var done = 0
            for part in 0..<2 {
                guard let segment = part == 0 ? inputSegment : hiddenSegment else { continue }
                var k = 0
                while k < segment.depth {
                    pass.count = Swift.min(slice, segment.depth - k)
                    pass.weights = blockWeights + (segment.packedFirst + k) * 4 * L
                    pass.activations = segment.activations + k
                    pass.rowStride = segment.rowStride
                    done += 1
                    pass.finishing = done == slices
                    runTiles(step, rows: rows, pass)
                    pass.resuming = true
                    k += pass.count
                }
            }
        }
    }

    /// A stretch of k read from one activation matrix: rows of `rowStride` floats, against
    /// the packed rows `packedFirst ..< packedFirst + depth`.
    struct Segment {
        var activations: UnsafePointer<Float>, rowStride: Int, packedFirst: Int, depth: Int
    }

    /// One pass of the row tiles over every row.
    @inline(__always)
    func runTiles(_ step: LSTMStepPointers, rows: Int, _ pass: TilePass) {
        var row = 0
        while row < rows {
            let height = LSTMFusedStep.tileHeight(remainingRows: rows - row)
            switch height {
            case 6: LSTMFusedStep.tile6(step, row, pass)
            case 4: LSTMFusedStep.tile4(step, row, pass)
            case 3: LSTMFusedStep.tile3(step, row, pass)
            case 2: LSTMFusedStep.tile2(step, row, pass)
            default: LSTMFusedStep.tile1(step, row, pass)
            }
            row += height
        }
    }

    /// One pass of the row tiles over a block's slice of k.
    struct TilePass {
        /// The block's first hidden unit.
        var unit: Int
        /// The slice's first k row of the block's packed weights.
        var weights: UnsafePointer<Float>
        /// H.
        var hiddenSize: Int
        /// Row 0's activation at the slice's first k (x_t or h_(t-1)), rows `rowStride` apart;
        /// nil for a pass over no k.
        var activations: UnsafePointer<Float>?, rowStride: Int
        /// The slice's k count.
        var count: Int
        /// Accumulators between slices, row r at 4L·r (i, f, g, o); nil when there is one slice.
        var partial: UnsafeMutablePointer<Float>?
        /// Whether the accumulators start from `partial` (else from p + b, or b), and whether
        /// the cell runs on them at the end (else they go back to `partial`).
        var resuming: Bool, finishing: Bool
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
    static func tile6(_ s: LSTMStepPointers, _ row: Int, _ pass: TilePass) {
        tile(6, s, row, pass)
    }

    @inline(never)
    static func tile4(_ s: LSTMStepPointers, _ row: Int, _ pass: TilePass) {
        tile(4, s, row, pass)
    }

    @inline(never)
    static func tile3(_ s: LSTMStepPointers, _ row: Int, _ pass: TilePass) {
        tile(3, s, row, pass)
    }

    @inline(never)
    static func tile2(_ s: LSTMStepPointers, _ row: Int, _ pass: TilePass) {
        tile(2, s, row, pass)
    }

    /// One row: 4 accumulators (FMA latency bound; only for a last odd row).
    @inline(never)
    static func tile1(_ s: LSTMStepPointers, _ row: Int, _ pass: TilePass) {
        tile(1, s, row, pass)
    }

    /// The four gates of one row for L units.
    struct Gates {
        var i: V, f: V, g: V, o: V

        /// p + b for row `row`.
        @inline(__always)
        init(_ projected: UnsafePointer<Float>, row: Int, unit: Int, bias: Gates, _ H: Int) {
            let p = projected + row * 4 * H + unit
            i = load(p, as: V.self) + bias.i
            f = load(p + H, as: V.self) + bias.f
            g = load(p + 2 * H, as: V.self) + bias.g
            o = load(p + 3 * H, as: V.self) + bias.o
        }

        @inline(__always)
        init(i: V, f: V, g: V, o: V) { self.i = i; self.f = f; self.g = g; self.o = o }

        /// Saved accumulators: four vectors at `p`.
        @inline(__always)
        init(saved p: UnsafePointer<Float>) {
            let L = V.scalarCount
            i = load(p, as: V.self); f = load(p + L, as: V.self); g = load(p + 2 * L, as: V.self); o = load(p + 3 * L, as: V.self)
        }

        @inline(__always)
        func save(_ p: UnsafeMutablePointer<Float>) {
            let L = V.scalarCount
            store(i, p); store(f, p + L); store(g, p + 2 * L); store(o, p + 3 * L)
        }

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
    static func tile(_ R: Int, _ s: LSTMStepPointers, _ row: Int, _ pass: TilePass) {
        let L = V.scalarCount, H = pass.hiddenSize, unit = pass.unit
        var x0: Gates, x1: Gates, x2: Gates, x3: Gates, x4: Gates, x5: Gates
        if pass.resuming, let saved = pass.partial {
            let p = saved + row * 4 * L
            x0 = Gates(saved: p)
            x1 = R > 1 ? Gates(saved: p + 4 * L) : x0
            x2 = R > 2 ? Gates(saved: p + 8 * L) : x0
            x3 = R > 3 ? Gates(saved: p + 12 * L) : x0
            x4 = R > 4 ? Gates(saved: p + 16 * L) : x0
            x5 = R > 5 ? Gates(saved: p + 20 * L) : x0
        } else {
            let b = s.bias + unit
            let bias = Gates(i: load(b, as: V.self), f: load(b + H, as: V.self), g: load(b + 2 * H, as: V.self), o: load(b + 3 * H, as: V.self))
            if let projected = s.projected {
                x0 = Gates(projected, row: row, unit: unit, bias: bias, H)
                x1 = R > 1 ? Gates(projected, row: row + 1, unit: unit, bias: bias, H) : bias
                x2 = R > 2 ? Gates(projected, row: row + 2, unit: unit, bias: bias, H) : bias
                x3 = R > 3 ? Gates(projected, row: row + 3, unit: unit, bias: bias, H) : bias
                x4 = R > 4 ? Gates(projected, row: row + 4, unit: unit, bias: bias, H) : bias
                x5 = R > 5 ? Gates(projected, row: row + 5, unit: unit, bias: bias, H) : bias
            } else {
                (x0, x1, x2, x3, x4, x5) = (bias, bias, bias, bias, bias, bias)
            }
        }
        if let activations = pass.activations {
            let stride = pass.rowStride
            let a0 = activations + row * stride, a1 = a0 + stride, a2 = a1 + stride, a3 = a2 + stride, a4 = a3 + stride, a5 = a4 + stride
            var wk = pass.weights
            for k in 0..<pass.count {
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
        if !pass.finishing, let saved = pass.partial {
            let p = saved + row * 4 * L
            x0.save(p)
            if R > 1 { x1.save(p + 4 * L) }
            if R > 2 { x2.save(p + 8 * L) }
            if R > 3 { x3.save(p + 12 * L) }
            if R > 4 { x4.save(p + 16 * L) }
            if R > 5 { x5.save(p + 20 * L) }
            return
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
/// row size: H, or 4H for the projection and the activations; `inputRowStride` for x_t).
public struct LSTMStepPointers {
    /// h_(t-1), `[rows, H]`; nil for zeros.
    public var previousHidden: UnsafePointer<Float>?
    /// p_t, `[rows, 4H]`: the input projection x_t W_ih^T; nil when W_ih is packed with the
    /// step (then `input` is given).
    public var projected: UnsafePointer<Float>?
    /// x_t, `rows` rows of I floats `inputRowStride` apart, when W_ih is packed with the step.
    public var input: UnsafePointer<Float>?
    /// The distance between rows of `input`, in floats.
    public var inputRowStride: Int
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
        previousHidden: UnsafePointer<Float>?, projected: UnsafePointer<Float>?, input: UnsafePointer<Float>? = nil,
        inputRowStride: Int = 0, bias: UnsafePointer<Float>, previousCell: UnsafePointer<Float>,
        hidden: UnsafeMutablePointer<Float>, newCell: UnsafeMutablePointer<Float>,
        activations: UnsafeMutablePointer<Float>?, cellTanh: UnsafeMutablePointer<Float>?
    ) {
        self.previousHidden = previousHidden
        self.projected = projected
        self.input = input
        self.inputRowStride = inputRowStride
        self.bias = bias
        self.previousCell = previousCell
        self.hidden = hidden
        self.newCell = newCell
        self.activations = activations
        self.cellTanh = cellTanh
    }
}

/// Bytes of packed weights in one depth slice of ``LSTMFusedStep``: two thirds of the L1 data
/// cache (sysconf), or 16 KB where the system does not say.
let lstmDepthSliceBytes: Int = {
    #if canImport(Glibc)
    let level1 = sysconf(Int32(_SC_LEVEL1_DCACHE_SIZE))
    if level1 >= 16384 { return level1 * 2 / 3 }
    #endif
    return 16384
}()
