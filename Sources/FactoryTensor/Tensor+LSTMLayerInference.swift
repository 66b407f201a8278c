// One LSTM layer's forward for inference: the input projection fused into each step, and the
// threads splitting the hidden units, not the batch. Dimension letters: T steps, B batch,
// I input features, H hidden.
// Each step is one LSTMFusedStep pass over W_ih and W_hh packed together, so the gates
// b + x_t W_ih^T + h_(t-1) W_hh^T are formed in registers: there is no [T, B, 4H] projection
// written to memory and read back (21 MB per layer for GE2E's batch of 32), and each part's
// weights (its share of the units, for I + H rows of k) stay in its core's L2 across steps.
// Each part computes its units for every row (its own range of blocks, and blocks of a part
// that runs behind: BlockClaims), then the parts meet (LockstepThreads' barrier) before the
// next step, which reads the whole h_t. The training forward, which must keep
// every step's activations and records the backward, is Tensor+LSTMSequence.swift; this
// records no gradient. Not here: the layer (FactoryNN's LSTM), which picks between the two.

extension Tensor {
    /// Whether ``lstmLayerInference(input:inputWeight:recurrentWeight:bias:initialHidden:initialCell:)``
    /// takes layers of this hidden size (a multiple of 8).
    public static func lstmLayerInferenceSupports(hiddenSize: Int) -> Bool {
        LSTMFusedStep<KernelVector>.supports(hiddenSize: hiddenSize) || LSTMFusedStep<SIMD8<Float>>.supports(hiddenSize: hiddenSize)
    }

    /// Whether a layer of this hidden size runs faster as
    /// ``lstmLayerInference(input:inputWeight:recurrentWeight:bias:initialHidden:initialCell:)``
    /// than as a projection matmul and ``lstmSequence(projectedInput:recurrentWeight:bias:initialHidden:initialCell:)``:
    /// with the 16-lane kernels (the AVX-512 build) and H a multiple of 16. With 8 lanes the
    /// 3-row tiles do the input projection slower than OpenBLAS's GEMM does (GE2E inference,
    /// 8-lane build on AVX-512 hardware: 0.143 s a batch against 0.119 s, medians), so there
    /// the layer keeps the GEMM.
    public static func prefersLSTMLayerInference(hiddenSize: Int) -> Bool {
        KernelVector.scalarCount >= 16 && LSTMFusedStep<KernelVector>.supports(hiddenSize: hiddenSize)
    }

    /// Runs one LSTM layer (PyTorch gate order i, f, g, o) over a time-major sequence,
    /// without recording gradients: `gates = b + x_t W_ih^T + h_(t-1) W_hh^T`, then
    /// `c_t = σ(f) c_(t-1) + σ(i) tanh(g)` and `h_t = σ(o) tanh(c_t)`.
    ///
    /// Agrees with a projection matmul followed by ``lstmSequence(projectedInput:recurrentWeight:bias:initialHidden:initialCell:)``
    /// to float rounding (the sums add the same products in another order).
    /// - Parameters:
    ///   - input: x, `[T, B, I]` (T ≥ 1); a view with unit stride on the last axis is read
    ///     as it is (a batch-first `[B, T, I]` transposed to time-major, for one).
    ///   - inputWeight: W_ih, `[4H, I]`.
    ///   - recurrentWeight: W_hh, `[4H, H]`, H a multiple of 8 (see ``lstmLayerInferenceSupports(hiddenSize:)``).
    ///   - bias: b, `[4H]` (PyTorch: `b_ih + b_hh`).
    ///   - initialHidden: h_(-1), `[B, H]`; nil for zeros.
    ///   - initialCell: c_(-1), `[B, H]`; nil for zeros.
    /// - Returns: every step's hidden state `[T, B, H]`, and the final hidden and cell states
    ///   `[B, H]`: views of one `[T + 1, B, H]` tensor.
    public static func lstmLayerInference(
        input: Tensor, inputWeight: Tensor, recurrentWeight: Tensor, bias: Tensor, initialHidden: Tensor? = nil,
        initialCell: Tensor? = nil
    ) -> (outputs: Tensor, finalHidden: Tensor, finalCell: Tensor) {
        precondition(input.rank == 3 && input.shape[0] > 0 && input.shape[2] > 0,
                     "lstmLayerInference: input must be [T > 0, B, I > 0], got \(input.shape)")
        let T = input.shape[0], B = input.shape[1], I = input.shape[2], H = recurrentWeight.shape[0] / 4
        precondition(recurrentWeight.shape == [4 * H, H] && lstmLayerInferenceSupports(hiddenSize: H),
                     "lstmLayerInference: recurrentWeight \(recurrentWeight.shape) is not [4H, H] with H a positive multiple of 8")
        precondition(inputWeight.shape == [4 * H, I],
                     "lstmLayerInference: inputWeight \(inputWeight.shape) does not match input \(input.shape) (expected [\(4 * H), \(I)])")
        precondition(bias.shape == [4 * H], "lstmLayerInference: bias \(bias.shape) is not [\(4 * H)]")
        for (name, state) in [("initialHidden", initialHidden), ("initialCell", initialCell)] {
            if let state {
                precondition(state.shape == [B, H], "lstmLayerInference: \(name) \(state.shape) is not [\(B), \(H)]")
            }
        }
        let inputs = [input, inputWeight, recurrentWeight, bias] + [initialHidden, initialCell].compactMap { $0 }
        precondition(!Tensor.needsGradient(inputs),
                     "lstmLayerInference records no gradient: use lstmSequence when gradients are needed")
        let states = Tensor.uninitialized([T + 1, B, H])
        let views = (states.sliced(axis: 0, 0..<T), states.selecting(axis: 0, index: T - 1), states.selecting(axis: 0, index: T))
        if B == 0 { return views }
        let x = input.strides[2] == 1 ? input : input.contiguous()
        let (inputWeight, weight, gateBias, hidden0, cell0) = (
            inputWeight.contiguous(), recurrentWeight.contiguous(), bias.contiguous(), initialHidden?.contiguous(),
            initialCell?.contiguous() ?? Tensor.zeros([B, H]))
        let cells = Tensor.uninitialized([2, B, H])       // c_t in slot t % 2
        let sequence = LSTMInferenceSequence(
            input: x.pointer, stepStride: x.strides[0], rowStride: x.strides[1],
            bias: gateBias.pointer, initialHidden: hidden0?.pointer, initialCell: cell0.pointer,
            states: states.storage.pointer, cells: cells.storage.pointer, steps: T, batch: B)
        withExtendedLifetime((x, inputWeight, weight, gateBias, hidden0, cell0, cells)) {
            if LSTMFusedStep<KernelVector>.supports(hiddenSize: H) {
                sequence.run(LSTMFusedStep<KernelVector>(
                    inputWeight: inputWeight.pointer, inputSize: I, weight: weight.pointer, hiddenSize: H))
            } else {
                sequence.run(LSTMFusedStep<SIMD8<Float>>(
                    inputWeight: inputWeight.pointer, inputSize: I, weight: weight.pointer, hiddenSize: H))
            }
        }
        (states.storage.pointer + T * B * H).update(from: cells.storage.pointer + ((T - 1) % 2) * B * H, count: B * H)
        return views
    }
}

/// Where one inference sequence reads and writes, and the loop over its steps.
struct LSTMInferenceSequence: @unchecked Sendable {
    /// x_0's row 0; x_t row r at `input + t·stepStride + r·rowStride`.
    let input: UnsafePointer<Float>
    let stepStride: Int, rowStride: Int
    let bias: UnsafePointer<Float>
    let initialHidden: UnsafePointer<Float>?, initialCell: UnsafePointer<Float>
    /// `[T + 1, B, H]`: h_t at row block t.
    let states: UnsafeMutablePointer<Float>
    /// `[2, B, H]`: c_t in slot t % 2.
    let cells: UnsafeMutablePointer<Float>
    let steps: Int, batch: Int

    /// Below this many multiply-adds (T·B·4H·(I + H)) one thread runs the layer.
    static let splitThreshold = 1 << 22

    /// Runs every step: each thread owns a contiguous range of the blocks of units and takes
    /// blocks from another's range when it is done with its own (BlockClaims); the threads
    /// meet after each step.
    func run<V: KernelFloatVector>(_ fused: LSTMFusedStep<V>) {
        let H = fused.hiddenSize, B = batch, T = steps
        let work = T * B * 4 * H * (fused.inputSize + H)
        let parts = Parallel.runsNestedWorkSerially() || work < LSTMInferenceSequence.splitThreshold
            ? 1 : Swift.min(Parallel.threadCount, fused.blockCount)
        let claims = parts > 1 ? BlockClaims(blockCount: fused.blockCount, parts: parts) : nil
        LockstepThreads.run(parts: parts) { part, partCount, barrier in
            let scratchStorage = TensorStorage(uninitializedCount: fused.scratchCount(rows: B))
            let scratch = scratchStorage.pointer
            defer { withExtendedLifetime(scratchStorage) {} }
            for t in 0..<T {
                let step = LSTMStepPointers(
                    previousHidden: t == 0 ? initialHidden : UnsafePointer(states + (t - 1) * B * H), projected: nil,
                    input: input + t * stepStride, inputRowStride: rowStride, bias: bias,
                    previousCell: t == 0 ? initialCell : UnsafePointer(cells + ((t - 1) % 2) * B * H),
                    hidden: states + t * B * H, newCell: cells + (t % 2) * B * H, activations: nil, cellTanh: nil)
                if let claims, partCount > 1 {
                    if t > 0 { claims.clear(part: part, step: t - 1) }
                    while let block = claims.claimOwn(part: part, step: t) {
                        fused.forward(step, rows: B, blocks: block..<(block + 1), scratch: scratch)
                    }
                    for offset in 1..<partCount {
                        while let block = claims.claimFromBack(of: (part + offset) % partCount, step: t) {
                            fused.forward(step, rows: B, blocks: block..<(block + 1), scratch: scratch)
                        }
                    }
                } else {
                    fused.forward(step, rows: B, blocks: nil, scratch: scratch)
                }
                // Step t + 1 reads all of h_t, written by every part.
                if t < T - 1 { barrier.wait() }
            }
        }
    }
}
