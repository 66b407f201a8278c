// One LSTM layer over a whole time-major sequence as a single graph node, with its backward
// through time written by hand beside it. Dimension letters: T steps, B batch, H hidden.
// The caller computes the input projection x W_ih^T + b for all steps in one matmul; this
// op runs the recurrence. When H is a multiple of the kernels' lane count (KernelVector: 16
// in an AVX-512 build, else 8), or else of 8, each step is one pass of LSTMFusedStep at that
// width (W_hh packed by gates once per call; product, nonlinearities and cell update per tile
// in registers); otherwise one product h_(t-1) W_hh^T (PackedMatrix, packed once per call,
// into a reused buffer) and the fused cell kernel of Tensor+LSTMCell.swift.
//
// Why a primitive rather than T lstmCell nodes: a per-step graph slices the projection
// once per step, and each slice's gradient is the whole [T, B, 4H] tensor zero-padded, so
// the backward moves O(T²·B·H) memory; W_hh's gradient also arrives as T small GEMMs and
// T full-size accumulations. Here the backward keeps every step's gate gradient in one
// [T, B, 4H] tensor (which is the projection's gradient as it stands) and W_hh's gradient
// is one GEMM over all steps. Nothing is allocated per step.
//
// Outputs are views of one [T+1, B, H] tensor that owns the gradient (rows 0..<T the hidden
// states, row T the final cell), the same device as lstmCell's two outputs. Not here:
// the layer (FactoryNN's LSTM), bidirectional or packed sequences, dropout, projections.

import Dispatch

extension Tensor {
    /// Runs one LSTM layer (PyTorch gate order i, f, g, o) over a time-major sequence.
    ///
    /// Step t computes `gates = p_t + b + h_(t-1) W^T`, then `c_t = σ(f) c_(t-1) + σ(i) tanh(g)`
    /// and `h_t = σ(o) tanh(c_t)`, as ``lstmCell(gates:cellState:)`` does.
    /// - Parameters:
    ///   - projectedInput: `[T, B, 4H]`, the input projection `x_t W_ih^T` of every step
    ///     (T ≥ 1).
    ///   - recurrentWeight: W_hh, `[4H, H]` (PyTorch's layout).
    ///   - bias: b, `[4H]` (PyTorch: `b_ih + b_hh`), added to every step's gates as they are
    ///     formed; nil for none.
    ///   - initialHidden: h_(-1), `[B, H]`; nil for zeros.
    ///   - initialCell: c_(-1), `[B, H]`; nil for zeros.
    /// - Returns: every step's hidden state `[T, B, H]`, and the final hidden and cell
    ///   states `[B, H]`: views of one `[T + 1, B, H]` tensor that owns the gradient.
    public static func lstmSequence(
        projectedInput: Tensor, recurrentWeight: Tensor, bias: Tensor? = nil, initialHidden: Tensor? = nil,
        initialCell: Tensor? = nil
    ) -> (outputs: Tensor, finalHidden: Tensor, finalCell: Tensor) {
        precondition(projectedInput.rank == 3 && projectedInput.shape[0] > 0 && projectedInput.shape[2] % 4 == 0,
                     "lstmSequence: projectedInput must be [T > 0, B, 4H], got \(projectedInput.shape)")
        let T = projectedInput.shape[0], B = projectedInput.shape[1], H = projectedInput.shape[2] / 4
        precondition(recurrentWeight.shape == [4 * H, H],
                     "lstmSequence: recurrentWeight \(recurrentWeight.shape) does not match projectedInput \(projectedInput.shape) (expected [\(4 * H), \(H)])")
        if let bias {
            precondition(bias.shape == [4 * H], "lstmSequence: bias \(bias.shape) is not [\(4 * H)]")
        }
        for (name, state) in [("initialHidden", initialHidden), ("initialCell", initialCell)] {
            if let state {
                precondition(state.shape == [B, H], "lstmSequence: \(name) \(state.shape) is not [\(B), \(H)]")
            }
        }
        let inputs = [projectedInput, recurrentWeight] + [bias, initialHidden, initialCell].compactMap { $0 }
        let recording = Tensor.needsGradient(inputs)
        let (projected, weight, gateBias, hidden0, cell0) = withoutGradients {
            (projectedInput.contiguous(), recurrentWeight.contiguous(), bias?.contiguous() ?? Tensor.zeros([4 * H]),
             initialHidden?.contiguous(), initialCell?.contiguous() ?? Tensor.zeros([B, H]))
        }
        let buffers = LSTMSequenceBuffers(steps: T, batch: B, hiddenSize: H, keepingEveryStep: recording)
        withExtendedLifetime((projected, weight, gateBias, hidden0, cell0)) {
            LSTMSequenceKernels.forward(
                projected: projected.pointer, weight: weight.pointer, bias: gateBias.pointer, initialHidden: hidden0?.pointer,
                initialCell: cell0.pointer, steps: T, batch: B, hiddenSize: H, buffers: buffers)
        }
        // The result is a tensor object of its own over the states' storage: the backward
        // closure holds `buffers`, and must not hold the tensor that owns the closure.
        let states = buffers.states.detached()
        if recording {
            states.recordGradient("lstmSequence", inputs: inputs) { g in
                let upstream = g.contiguous()
                let gradients = withExtendedLifetime((upstream, weight, hidden0, cell0)) {
                    LSTMSequenceKernels.backward(
                        upstream: upstream.pointer, weight: weight.pointer, initialHidden: hidden0?.pointer,
                        initialCell: cell0.pointer, states: buffers.states.pointer, steps: T, batch: B, hiddenSize: H,
                        buffers: buffers,
                        needs: (recurrentWeight.requiresGradient, initialHidden?.requiresGradient ?? false,
                                bias?.requiresGradient ?? false))
                }
                var result: [Tensor?] = [projectedInput.requiresGradient ? gradients.projected : nil, gradients.weight]
                if let bias {
                    // b is added to every step's gates: its gradient is theirs summed over T and B
                    // (summed by the backward as each step's gate gradients are made).
                    result.append(bias.requiresGradient ? gradients.bias : nil)
                }
                if let initialHidden { result.append(initialHidden.requiresGradient ? gradients.initialHidden : nil) }
                if let initialCell { result.append(initialCell.requiresGradient ? gradients.initialCell : nil) }
                return result
            }
        }
        return (states.sliced(axis: 0, 0..<T), states.selecting(axis: 0, index: T - 1), states.selecting(axis: 0, index: T))
    }

    /// The tensor's first element (its storage at its offset), for the LSTM kernels.
    var pointer: UnsafeMutablePointer<Float> { storage.pointer + offset }
}

/// What the forward writes and the backward reads. With `keepingEveryStep` false (inference)
/// the per-step buffers hold one step (cells: two, the previous and the current).
final class LSTMSequenceBuffers {
    /// `[T + 1, B, H]`: h_0 … h_(T-1), then c_(T-1). Never carries a gradient function (the
    /// op returns another tensor object over the same storage).
    let states: Tensor
    /// `[T or 1, B, 4H]`: σ(i), σ(f), tanh(g), σ(o) of each step.
    let activations: Tensor
    /// `[T or 1, B, H]`: tanh(c_t).
    let cellTanh: Tensor
    /// `[T or 2, B, H]`: c_t.
    let cells: Tensor
    /// `[B, 4H]`: one step's gate pre-activations.
    let gates: Tensor
    let keepingEveryStep: Bool

    init(steps T: Int, batch B: Int, hiddenSize H: Int, keepingEveryStep: Bool) {
        self.keepingEveryStep = keepingEveryStep
        states = Tensor.uninitialized([T + 1, B, H])
        activations = Tensor.uninitialized([keepingEveryStep ? T : 1, B, 4 * H])
        cellTanh = Tensor.uninitialized([keepingEveryStep ? T : 1, B, H])
        cells = Tensor.uninitialized([keepingEveryStep ? T : 2, B, H])
        gates = Tensor.uninitialized([B, 4 * H])
    }

    /// Where step t's values go in a buffer of `rowSize` floats per step.
    func slot(_ buffer: Tensor, step t: Int, rowSize: Int, slots: Int) -> UnsafeMutablePointer<Float> {
        buffer.storage.pointer + (keepingEveryStep ? t : t % slots) * rowSize
    }
}

/// The recurrence forward and backward through time.
///
/// Batch rows never interact, so a large batch is cut into one contiguous block of rows per
/// thread and each block runs every step on its own (single-threaded products and cell
/// kernels): no synchronisation per step, where splitting each small step's GEMM across
/// threads would pay a handshake 2T times per layer. The per-step products go through a
/// PackedMatrix of W_hh made once per call (OpenBLAS would repack W_hh on every call).
enum LSTMSequenceKernels {
    /// Below this many multiply-adds in the recurrence (T·B·4H·H), rows are not split.
    static let splitThreshold = 1 << 22

    /// Row blocks, one per thread, or the whole batch as one block.
    static func rowBlocks(steps T: Int, batch B: Int, hiddenSize H: Int) -> [Range<Int>] {
        let parts = Swift.min(Parallel.threadCount, B)
        guard parts > 1 && T * B * 4 * H * H >= splitThreshold else { return [0..<B] }
        return (0..<parts).map { (B * $0 / parts)..<(B * ($0 + 1) / parts) }
    }

    /// Runs `body` on every block, each on its own thread; a single block runs here, with
    /// the cell kernel threading itself.
    static func forEachBlock(_ blocks: [Range<Int>], _ body: (Range<Int>, _ threaded: Bool) -> Void) {
        guard blocks.count > 1 else { return body(blocks[0], true) }
        withoutActuallyEscaping(body) { escapable in
            let box = UncheckedSendable(escapable)
            DispatchQueue.concurrentPerform(iterations: blocks.count) { part in box.value(blocks[part], false) }
        }
    }

    static func forward(
        projected: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, initialHidden: UnsafePointer<Float>?,
        initialCell: UnsafePointer<Float>, steps T: Int, batch B: Int, hiddenSize H: Int, buffers: LSTMSequenceBuffers
    ) {
        let states = buffers.states.storage.pointer, gatesBuffer = buffers.gates.storage.pointer
        // Product and cell in one pass per step, W_hh packed by gates once for all T steps:
        // at the kernels' width when H allows, else at 8 lanes.
        if LSTMFusedStep<KernelVector>.supports(hiddenSize: H) {
            fusedForward(LSTMFusedStep<KernelVector>(weight: weight, hiddenSize: H), projected: projected, bias: bias,
                         initialHidden: initialHidden, initialCell: initialCell, steps: T, batch: B, buffers: buffers)
            return
        }
        if LSTMFusedStep<SIMD8<Float>>.supports(hiddenSize: H) {
            fusedForward(LSTMFusedStep<SIMD8<Float>>(weight: weight, hiddenSize: H), projected: projected, bias: bias,
                         initialHidden: initialHidden, initialCell: initialCell, steps: T, batch: B, buffers: buffers)
            return
        }
        // W^T as the right-hand side of h_(t-1) W^T, packed once for all T steps.
        let recurrent = PackedMatrix<KernelVector>(weight, depth: H, columns: 4 * H, leadingDimension: H, transposed: true)
        let pointers = UncheckedSendable((projected, bias, initialHidden, initialCell, states, gatesBuffer))
        forEachBlock(rowBlocks(steps: T, batch: B, hiddenSize: H)) { rows, threaded in
            let (projected, bias, initialHidden, initialCell, states, gatesBuffer) = pointers.value
            let first = rows.lowerBound, count = rows.count
            let gates = gatesBuffer + first * 4 * H
            for t in 0..<T {
                // gates = p_t + b + h_(t-1) W^T, the product accumulated onto p_t + b.
                addRows(projected + (t * B + first) * 4 * H, bias, rows: count, width: 4 * H, into: gates)
                let previousHidden: UnsafePointer<Float>? = t == 0
                    ? initialHidden.map { $0 + first * H } : UnsafePointer(states + ((t - 1) * B + first) * H)
                if let previousHidden {
                    recurrent.multiplyAccumulate(previousHidden, rows: count, leadingDimension: H, into: gates, leadingDimension: 4 * H)
                }
                let previousCell = t == 0
                    ? initialCell : UnsafePointer(buffers.slot(buffers.cells, step: t - 1, rowSize: B * H, slots: 2))
                LSTMCellKernels.forward(
                    gates: gates, cell: previousCell + first * H, batch: count, hiddenSize: H,
                    activations: buffers.slot(buffers.activations, step: t, rowSize: B * 4 * H, slots: 1) + first * 4 * H,
                    cellTanh: buffers.slot(buffers.cellTanh, step: t, rowSize: B * H, slots: 1) + first * H,
                    hidden: states + (t * B + first) * H,
                    newCell: buffers.slot(buffers.cells, step: t, rowSize: B * H, slots: 2) + first * H,
                    threaded: threaded, vector: KernelVector.self)
            }
        }
        (states + T * B * H).update(from: buffers.slot(buffers.cells, step: T - 1, rowSize: B * H, slots: 2), count: B * H)
    }

    /// The forward through LSTMFusedStep, one block of rows per thread.
    static func fusedForward<V: KernelFloatVector>(
        _ fused: LSTMFusedStep<V>, projected: UnsafePointer<Float>, bias: UnsafePointer<Float>, initialHidden: UnsafePointer<Float>?,
        initialCell: UnsafePointer<Float>, steps T: Int, batch B: Int, buffers: LSTMSequenceBuffers
    ) {
        let H = fused.hiddenSize
        let states = buffers.states.storage.pointer
        let pointers = UncheckedSendable((projected, bias, initialHidden, initialCell, states))
        forEachBlock(rowBlocks(steps: T, batch: B, hiddenSize: H)) { rows, _ in
            let (projected, bias, initialHidden, initialCell, states) = pointers.value
            let first = rows.lowerBound
            for t in 0..<T {
                let previousHidden: UnsafePointer<Float>? = t == 0
                    ? initialHidden.map { $0 + first * H } : UnsafePointer(states + ((t - 1) * B + first) * H)
                let previousCell = t == 0
                    ? initialCell : UnsafePointer(buffers.slot(buffers.cells, step: t - 1, rowSize: B * H, slots: 2))
                let keeping = buffers.keepingEveryStep
                fused.forward(LSTMStepPointers(
                    previousHidden: previousHidden, projected: projected + (t * B + first) * 4 * H, bias: bias,
                    previousCell: previousCell + first * H, hidden: states + (t * B + first) * H,
                    newCell: buffers.slot(buffers.cells, step: t, rowSize: B * H, slots: 2) + first * H,
                    activations: keeping ? buffers.slot(buffers.activations, step: t, rowSize: B * 4 * H, slots: 1) + first * 4 * H : nil,
                    cellTanh: keeping ? buffers.slot(buffers.cellTanh, step: t, rowSize: B * H, slots: 1) + first * H : nil),
                    rows: rows.count)
            }
        }
        (states + T * B * H).update(from: buffers.slot(buffers.cells, step: T - 1, rowSize: B * H, slots: 2), count: B * H)
    }

    /// `target[r] = rows[r] + vector` for `rows` rows of `width` floats.
    static func addRows(_ source: UnsafePointer<Float>, _ vector: UnsafePointer<Float>, rows: Int, width: Int,
                        into target: UnsafeMutablePointer<Float>) {
        for row in 0..<rows {
            let from = source + row * width, to = target + row * width
            var j = 0
            while j + KernelVector.scalarCount <= width {
                store(load(from + j, as: KernelVector.self) + load(vector + j, as: KernelVector.self), to + j)
                j += KernelVector.scalarCount
            }
            while j < width {
                to[j] = from[j] + vector[j]
                j += 1
            }
        }
    }

    /// `target += Σ_r rows[r]` for `rows` rows of `width` floats, the rows added in order.
    static func accumulateRows(_ source: UnsafePointer<Float>, rows: Int, width: Int, into target: UnsafeMutablePointer<Float>) {
        let L = KernelVector.scalarCount
        for row in 0..<rows {
            let from = source + row * width
            var j = 0
            while j + L <= width {
                store(load(target + j, as: KernelVector.self) + load(from + j, as: KernelVector.self), target + j)
                j += L
            }
            while j < width {
                target[j] += from[j]
                j += 1
            }
        }
    }

    /// Gradients of one sequence given the upstream gradient `[T + 1, B, H]` of the states
    /// tensor (hidden rows, then the final cell row).
    static func backward(
        upstream: UnsafePointer<Float>, weight: UnsafePointer<Float>, initialHidden: UnsafePointer<Float>?,
        initialCell: UnsafePointer<Float>, states: UnsafePointer<Float>, steps T: Int, batch B: Int, hiddenSize H: Int,
        buffers: LSTMSequenceBuffers, needs: (weight: Bool, initialHidden: Bool, bias: Bool)
    ) -> (projected: Tensor, weight: Tensor?, initialHidden: Tensor?, initialCell: Tensor, bias: Tensor?) {
        precondition(buffers.keepingEveryStep, "lstmSequence: backward without the saved steps")
        let gatesGradient = Tensor.uninitialized([T, B, 4 * H])                  // = d projected
        let hiddenGradient = Tensor.uninitialized([B, H])
        // dL/dc alternates between two buffers: step k of the backward (t = T-1-k) reads
        // cellGradients[k % 2] and writes dL/dc_(t-1) into the other.
        let cellGradients = Tensor.uninitialized([2, B, H])
        cellGradients.storage.pointer.update(from: upstream + T * B * H, count: B * H)
        // W as the right-hand side of dgates_(t+1) W, packed once for all T steps.
        let recurrent = PackedMatrix<KernelVector>(weight, depth: 4 * H, columns: H, leadingDimension: H, transposed: false)
        let pointers = UncheckedSendable((
            upstream, initialCell, gatesGradient.storage.pointer, hiddenGradient.storage.pointer,
            cellGradients.storage.pointer, buffers.activations.storage.pointer, buffers.cellTanh.storage.pointer,
            buffers.cells.storage.pointer))
        // The bias gradient: each block sums its rows' gate gradients, step by step while they
        // are in cache, into its own row of `biasSums`; the rows are added at the end.
        let blocks = rowBlocks(steps: T, batch: B, hiddenSize: H)
        let biasSums = Tensor.zeros([blocks.count, 4 * H])
        let biasPointer = UncheckedSendable(biasSums.storage.pointer)
        forEachBlock(blocks) { rows, threaded in
            let (upstream, initialCell, dGates, dHidden, dCells, activations, cellTanh, cells) = pointers.value
            let first = rows.lowerBound, count = rows.count
            let biasSum = biasPointer.value + (blocks.firstIndex(of: rows) ?? 0) * 4 * H
            let hiddenGradient = dHidden + first * H
            for t in stride(from: T - 1, through: 0, by: -1) {
                // dL/dh_t: from the output at t, plus through the next step's gates.
                hiddenGradient.update(from: upstream + (t * B + first) * H, count: count * H)
                if t < T - 1 {
                    recurrent.multiplyAccumulate(dGates + ((t + 1) * B + first) * 4 * H, rows: count, leadingDimension: 4 * H,
                                                 into: hiddenGradient, leadingDimension: H)
                }
                let k = T - 1 - t
                LSTMCellKernels.backward(
                    hiddenGradient: hiddenGradient, cellGradient: dCells + ((k % 2) * B + first) * H,
                    activations: activations + (t * B + first) * 4 * H, cellTanh: cellTanh + (t * B + first) * H,
                    previousCell: (t == 0 ? initialCell : UnsafePointer(cells + (t - 1) * B * H)) + first * H,
                    batch: count, hiddenSize: H,
                    gatesGradient: dGates + (t * B + first) * 4 * H,
                    previousCellGradient: dCells + (((k + 1) % 2) * B + first) * H,
                    threaded: threaded, vector: KernelVector.self)
                if needs.bias { accumulateRows(dGates + (t * B + first) * 4 * H, rows: count, width: 4 * H, into: biasSum) }
            }
        }
        let dGates = gatesGradient.storage.pointer
        var weightGradient: Tensor?
        if needs.weight {
            // dW = Σ_t dgates_t^T h_(t-1): steps 1..<T in one GEMM, step 0 only from a given h_(-1).
            let result = Tensor.zeros([4 * H, H])
            if T > 1 {
                BLAS.gemm(rows: 4 * H, columns: H, depth: (T - 1) * B,
                          MatrixOperand(pointer: dGates + B * 4 * H, leadingDimension: 4 * H, transposed: true),
                          MatrixOperand(pointer: states, leadingDimension: H, transposed: false),
                          result.storage.pointer, leadingDimension: H)
            }
            if let initialHidden {
                BLAS.gemm(rows: 4 * H, columns: H, depth: B,
                          MatrixOperand(pointer: dGates, leadingDimension: 4 * H, transposed: true),
                          MatrixOperand(pointer: initialHidden, leadingDimension: H, transposed: false),
                          beta: 1, result.storage.pointer, leadingDimension: H)
            }
            weightGradient = result
        }
        var initialHiddenGradient: Tensor?
        if needs.initialHidden {
            let result = Tensor.uninitialized([B, H])
            BLAS.gemm(rows: B, columns: H, depth: 4 * H,
                      MatrixOperand(pointer: dGates, leadingDimension: 4 * H, transposed: false),
                      MatrixOperand(pointer: weight, leadingDimension: H, transposed: false),
                      result.storage.pointer, leadingDimension: H)
            initialHiddenGradient = result
        }
        withExtendedLifetime(hiddenGradient) {}
        // After T steps dL/dc_(-1) is in buffer T % 2.
        let initialCellGradient = cellGradients.selecting(axis: 0, index: T % 2).contiguousCopy()
        var biasGradient: Tensor?
        if needs.bias {
            let sums = biasSums.storage.pointer
            for block in 1..<Swift.max(blocks.count, 1) {
                accumulateRows(sums + block * 4 * H, rows: 1, width: 4 * H, into: sums)
            }
            biasGradient = biasSums.selecting(axis: 0, index: 0).contiguousCopy()
        }
        return (gatesGradient, weightGradient, initialHiddenGradient, initialCellGradient, biasGradient)
    }
}
