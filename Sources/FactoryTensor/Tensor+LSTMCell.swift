// The fused pointwise part of an LSTM step: from gate pre-activations and the previous cell
// state to the new hidden and cell states, with a hand-written backward. The matrix
// products that make the gates (x W_ih^T + h W_hh^T + b) are ordinary matmuls; this file
// is not an LSTM layer, and it has no peepholes, projections or dropout.
//
// Two outputs, one graph node: the kernel writes hidden and cell into one [2, B, H] tensor
// that carries the gradient function, and returns `selecting` views of its two halves. The
// engine adds the gradients arriving through either view (zero-padded to [2, B, H]) into
// that tensor's gradient, so the backward sees dL/dh and dL/dc together and an unused
// output simply contributes zeros. No new autodiff mechanism is needed.

extension Tensor {
    /// One LSTM cell update (PyTorch gate order i, f, g, o), fused:
    /// `i = σ(a_i), f = σ(a_f), g = tanh(a_g), o = σ(a_o)`, `c' = f * c + i * g`,
    /// `h' = o * tanh(c')`.
    ///
    /// - Parameters:
    ///   - gates: `[B, 4H]` pre-activations `x W_ih^T + h W_hh^T + b` (B batch, H hidden),
    ///     the four gates in the order i, f, g, o along the last axis.
    ///   - cellState: the previous cell state, `[B, H]`.
    /// - Returns: the new hidden and cell states, `[B, H]` each: views of one `[2, B, H]`
    ///   tensor (hidden at index 0, cell at index 1) that owns the gradient.
    public static func lstmCell(gates: Tensor, cellState: Tensor) -> (hidden: Tensor, cell: Tensor) {
        precondition(gates.rank == 2 && cellState.rank == 2 && gates.shape[1] % 4 == 0,
                     "lstmCell: gates must be [B, 4H] and cellState [B, H], got \(gates.shape) and \(cellState.shape)")
        let batch = gates.shape[0], hiddenSize = gates.shape[1] / 4
        precondition(cellState.shape == [batch, hiddenSize],
                     "lstmCell: cellState \(cellState.shape) does not match gates \(gates.shape) (expected [\(batch), \(hiddenSize)])")
        let (preActivations, previousCell) = withoutGradients { (gates.contiguous(), cellState.contiguous()) }
        let activations = Tensor.uninitialized([batch, 4 * hiddenSize])   // i, f, g, o after σ / tanh
        let cellTanh = Tensor.uninitialized([batch, hiddenSize])
        let states = Tensor.uninitialized([2, batch, hiddenSize])         // hidden, cell
        LSTMCellKernels.forward(
            gates: preActivations.storage.pointer + preActivations.offset,
            cell: previousCell.storage.pointer + previousCell.offset,
            batch: batch, hiddenSize: hiddenSize,
            activations: activations.storage.pointer, cellTanh: cellTanh.storage.pointer,
            hidden: states.storage.pointer, newCell: states.storage.pointer + batch * hiddenSize, vector: KernelVector.self)
        states.recordGradient("lstmCell", inputs: [gates, cellState]) { g in
            let upstream = g.contiguous()
            let gatesGradient = Tensor.uninitialized([batch, 4 * hiddenSize])
            let cellGradient = Tensor.uninitialized([batch, hiddenSize])
            LSTMCellKernels.backward(
                hiddenGradient: upstream.storage.pointer + upstream.offset,
                cellGradient: upstream.storage.pointer + upstream.offset + batch * hiddenSize,
                activations: activations.storage.pointer, cellTanh: cellTanh.storage.pointer,
                previousCell: previousCell.storage.pointer + previousCell.offset,
                batch: batch, hiddenSize: hiddenSize,
                gatesGradient: gatesGradient.storage.pointer, previousCellGradient: cellGradient.storage.pointer,
                vector: KernelVector.self)
            return [gates.requiresGradient ? gatesGradient : nil, cellState.requiresGradient ? cellGradient : nil]
        }
        return (states.selecting(axis: 0, index: 0), states.selecting(axis: 0, index: 1))
    }
}

/// Vectorised row kernels of the fused LSTM cell, at any float vector width (the library
/// passes KernelVector; tests both widths); rows (batch entries) go to threads unless
/// `threaded` is false (a caller that already runs on several threads). The gate functions
/// are LSTMGateFunctions', as in the fused step (LSTMFusedStep), so both give the same bits.
public enum LSTMCellKernels {
    /// From gate pre-activations `[batch, 4H]` and the previous cell `[batch, H]`: the
    /// activations σ(i), σ(f), tanh(g), σ(o) `[batch, 4H]`, tanh(c') `[batch, H]`, the new
    /// hidden `h'` and cell `c'` `[batch, H]`.
    @_specialize(exported: true, where V == SIMD8<Float>)
    @_specialize(exported: true, where V == SIMD16<Float>)
    public static func forward<V: KernelFloatVector>(
        gates: UnsafePointer<Float>, cell: UnsafePointer<Float>, batch: Int, hiddenSize: Int,
        activations: UnsafeMutablePointer<Float>, cellTanh: UnsafeMutablePointer<Float>,
        hidden: UnsafeMutablePointer<Float>, newCell: UnsafeMutablePointer<Float>, threaded: Bool = true,
        vector: V.Type
    ) {
        let H = hiddenSize, L = V.scalarCount
        let pointers = UncheckedSendable((gates, cell, activations, cellTanh, hidden, newCell))
        Parallel.forEachRange(batch, costPerItem: threaded ? 16 * H : 0) { rows in
            let (gates, cell, activations, cellTanh, hidden, newCell) = pointers.value
            for b in rows {
                let a = gates + b * 4 * H, act = activations + b * 4 * H
                let c = cell + b * H, tc = cellTanh + b * H, h = hidden + b * H, cNew = newCell + b * H
                var j = 0
                while j + L <= H {
                    let i = LSTMGateFunctions.sigmoid(load(a + j, as: V.self)), f = LSTMGateFunctions.sigmoid(load(a + H + j, as: V.self))
                    let g = LSTMGateFunctions.tanh(load(a + 2 * H + j, as: V.self)), o = LSTMGateFunctions.sigmoid(load(a + 3 * H + j, as: V.self))
                    let updated = f * load(c + j, as: V.self) + i * g
                    let squashed = LSTMGateFunctions.tanh(updated)
                    store(i, act + j); store(f, act + H + j); store(g, act + 2 * H + j); store(o, act + 3 * H + j)
                    store(updated, cNew + j); store(squashed, tc + j); store(o * squashed, h + j)
                    j += L
                }
                while j < H {
                    let i = LSTMGateFunctions.sigmoid(a[j]), f = LSTMGateFunctions.sigmoid(a[H + j])
                    let g = LSTMGateFunctions.tanh(a[2 * H + j]), o = LSTMGateFunctions.sigmoid(a[3 * H + j])
                    let updated = f * c[j] + i * g
                    let squashed = LSTMGateFunctions.tanh(updated)
                    act[j] = i; act[H + j] = f; act[2 * H + j] = g; act[3 * H + j] = o
                    cNew[j] = updated; tc[j] = squashed; h[j] = o * squashed
                    j += 1
                }
            }
        }
    }

    /// dc = dL/dc' + dL/dh' * o * (1 - tanh(c')^2); then
    /// d a_i = dc g i(1-i), d a_f = dc c f(1-f), d a_g = dc i (1-g^2), d a_o = dL/dh' tanh(c') o(1-o),
    /// and dL/dc = dc f.
    @_specialize(exported: true, where V == SIMD8<Float>)
    @_specialize(exported: true, where V == SIMD16<Float>)
    public static func backward<V: KernelFloatVector>(
        hiddenGradient: UnsafePointer<Float>, cellGradient: UnsafePointer<Float>,
        activations: UnsafePointer<Float>, cellTanh: UnsafePointer<Float>, previousCell: UnsafePointer<Float>,
        batch: Int, hiddenSize: Int,
        gatesGradient: UnsafeMutablePointer<Float>, previousCellGradient: UnsafeMutablePointer<Float>, threaded: Bool = true,
        vector: V.Type
    ) {
        let H = hiddenSize, L = V.scalarCount
        let pointers = UncheckedSendable((hiddenGradient, cellGradient, activations, cellTanh, previousCell, gatesGradient, previousCellGradient))
        Parallel.forEachRange(batch, costPerItem: threaded ? 16 * H : 0) { rows in
            let (gh, gc, activations, cellTanh, previousCell, gatesGradient, previousCellGradient) = pointers.value
            let one = V(repeating: 1)
            for b in rows {
                let act = activations + b * 4 * H, da = gatesGradient + b * 4 * H
                let dh = gh + b * H, dcOut = gc + b * H, tc = cellTanh + b * H, c = previousCell + b * H
                let dcPrevious = previousCellGradient + b * H
                var j = 0
                while j + L <= H {
                    let i = load(act + j, as: V.self), f = load(act + H + j, as: V.self)
                    let g = load(act + 2 * H + j, as: V.self), o = load(act + 3 * H + j, as: V.self)
                    let squashed = load(tc + j, as: V.self), hiddenUpstream = load(dh + j, as: V.self)
                    let dc = load(dcOut + j, as: V.self) + hiddenUpstream * o * (one - squashed * squashed)
                    store(dc * g * i * (one - i), da + j)
                    store(dc * load(c + j, as: V.self) * f * (one - f), da + H + j)
                    store(dc * i * (one - g * g), da + 2 * H + j)
                    store(hiddenUpstream * squashed * o * (one - o), da + 3 * H + j)
                    store(dc * f, dcPrevious + j)
                    j += L
                }
                while j < H {
                    let i = act[j], f = act[H + j], g = act[2 * H + j], o = act[3 * H + j]
                    let squashed = tc[j], hiddenUpstream = dh[j]
                    let dc = dcOut[j] + hiddenUpstream * o * (1 - squashed * squashed)
                    da[j] = dc * g * i * (1 - i)
                    da[H + j] = dc * c[j] * f * (1 - f)
                    da[2 * H + j] = dc * i * (1 - g * g)
                    da[3 * H + j] = hiddenUpstream * squashed * o * (1 - o)
                    dcPrevious[j] = dc * f
                    j += 1
                }
            }
        }
    }
}
