// Fused multi-head scaled dot-product attention: softmax(Q Kᵀ · scale + mask) V for every
// (sequence, head) pair, as one recorded operation. Heads stay packed in the hidden axis
// ([B, T, H·D]), so no permuted copies are made; BLAS reads each head as a strided
// sub-matrix. The B·H pairs are split across threads, each calling single-threaded BLAS on
// its own pairs (small 128×128×32 products are faster that way than one multi-threaded
// call at a time), and the softmax runs on each score block while it is still in cache.
// Q, K and V come as three [B, T, C] tensors or packed side by side in one [B, T, 3C] (the
// output of one fused projection), read in place either way. Saved for backward: the
// probabilities [B, H, T, T] and, with dropout, the mask; when no gradient is recorded the
// probabilities are not kept (each thread reuses one [T, T] block). Not here: causal masks,
// cross-attention with different lengths, the Q/K/V projections.

import Foundation

extension Tensor {
    /// Multi-head scaled dot-product self-attention over heads packed in the last axis.
    ///
    /// For each sequence b and head h (columns `h·D ..< (h+1)·D`):
    /// `P = softmax(Q Kᵀ · scale)` over keys, with masked keys given weight exactly 0 (a
    /// sequence whose every key is masked attends uniformly); then
    /// `out = dropout(P) V`. Differentiable in `query`, `key` and `value`.
    /// - Parameters:
    ///   - query: `[B, T, H·D]`.
    ///   - key: `[B, T, H·D]`.
    ///   - value: `[B, T, H·D]`.
    ///   - headCount: H.
    ///   - keyMask: `[B, T]`, 1 for real tokens and 0 for padding; `nil` attends to all.
    ///   - scale: multiplies the scores; `nil` means `1 / sqrt(D)`.
    ///   - dropoutProbability: dropout on the probabilities (0 for none).
    ///   - generator: the random source for the dropout mask (one draw per call with dropout).
    /// - Returns: `[B, T, H·D]`, heads concatenated.
    public static func multiHeadAttention(
        query: Tensor, key: Tensor, value: Tensor, headCount: Int, keyMask: Tensor? = nil, scale: Float? = nil,
        dropoutProbability: Float = 0, generator: inout SeededGenerator
    ) -> Tensor {
        precondition(query.rank == 3 && key.shape == query.shape && value.shape == query.shape,
                     "multiHeadAttention: query \(query.shape), key \(key.shape) and value \(value.shape) must all be [B, T, H*D]")
        let B = query.shape[0], T = query.shape[1], C = query.shape[2]
        checkAttentionArguments(batch: B, tokens: T, hiddenSize: C, headCount: headCount, keyMask: keyMask, dropoutProbability: dropoutProbability)
        let D = C / headCount
        let layout = AttentionKernels.Layout(batch: B, heads: headCount, tokens: T, headSize: D, inputStride: C,
                                             scale: scale ?? 1 / Float(D).squareRoot())
        let (q, k, v) = withoutGradients { (query.contiguous(), key.contiguous(), value.contiguous()) }
        let needsBackward = Tensor.needsGradient([query, key, value])
        let (output, backward) = attend(
            q.elementPointer, k.elementPointer, v.elementPointer, inputs: [q, k, v], keyMask: keyMask,
            dropoutProbability: dropoutProbability, generator: &generator, needsBackward: needsBackward, layout)
        return output.recordGradient("multiHeadAttention", inputs: [query, key, value]) { gradient in
            let gradients = (Tensor.uninitialized([B, T, C]), Tensor.uninitialized([B, T, C]), Tensor.uninitialized([B, T, C]))
            backward!(gradient, gradients.0.storage.pointer, gradients.1.storage.pointer, gradients.2.storage.pointer)
            return [gradients.0, gradients.1, gradients.2]
        }
    }

    /// The checks both attention entry points make: heads divide the hidden size, dropout in
    /// [0, 1), a key mask of `[B, T]`.
    private static func checkAttentionArguments(batch B: Int, tokens T: Int, hiddenSize C: Int, headCount: Int,
                                                keyMask: Tensor?, dropoutProbability: Float) {
        precondition(headCount > 0 && C % headCount == 0,
                     "multiHeadAttention: headCount \(headCount) does not divide the hidden size \(C)")
        precondition(dropoutProbability >= 0 && dropoutProbability < 1,
                     "multiHeadAttention: dropout probability \(dropoutProbability) is outside [0, 1)")
        if let keyMask {
            precondition(keyMask.shape == [B, T], "multiHeadAttention: key mask \(keyMask.shape) is not [B, T] = [\(B), \(T)]")
        }
    }

    /// Multi-head self-attention over queries, keys and values packed side by side in the
    /// last axis of one tensor: `[B, T, 3·H·D]` holding Q in columns `0 ..< C`, K in
    /// `C ..< 2C` and V in `2C ..< 3C` (C = H·D), the output of one fused projection.
    ///
    /// Equal to ``multiHeadAttention(query:key:value:headCount:keyMask:scale:dropoutProbability:generator:)``
    /// on the three slices, without copying them apart; the gradient is one `[B, T, 3C]` tensor.
    /// - Returns: `[B, T, C]`, heads concatenated.
    public static func multiHeadAttention(
        packedQueryKeyValue packed: Tensor, headCount: Int, keyMask: Tensor? = nil, scale: Float? = nil,
        dropoutProbability: Float = 0, generator: inout SeededGenerator
    ) -> Tensor {
        precondition(packed.rank == 3 && packed.shape[2] % 3 == 0,
                     "multiHeadAttention: packed query/key/value \(packed.shape) is not [B, T, 3*H*D]")
        let B = packed.shape[0], T = packed.shape[1], C = packed.shape[2] / 3
        checkAttentionArguments(batch: B, tokens: T, hiddenSize: C, headCount: headCount, keyMask: keyMask, dropoutProbability: dropoutProbability)
        let D = C / headCount
        let layout = AttentionKernels.Layout(batch: B, heads: headCount, tokens: T, headSize: D, inputStride: 3 * C,
                                             scale: scale ?? 1 / Float(D).squareRoot())
        let source = withoutGradients { packed.contiguous() }
        let base = source.elementPointer
        let (output, backward) = attend(
            base, base + C, base + 2 * C, inputs: [source], keyMask: keyMask,
            dropoutProbability: dropoutProbability, generator: &generator,
            needsBackward: Tensor.needsGradient([packed]), layout)
        return output.recordGradient("multiHeadAttention", inputs: [packed]) { gradient in
            let packedGradient = Tensor.uninitialized([B, T, 3 * C])
            let target = packedGradient.storage.pointer
            backward!(gradient, target, target + C, target + 2 * C)
            return [packedGradient]
        }
    }

    /// The shared forward of both attention entry points: runs the kernels and returns the
    /// output and, when `needsBackward`, the function that writes the three input
    /// gradients (rows `layout.inputStride` apart) for an output gradient. Without it, the
    /// probabilities are not kept: each thread reuses one `[T, T]` block.
    private static func attend(
        _ query: UnsafePointer<Float>, _ key: UnsafePointer<Float>, _ value: UnsafePointer<Float>, inputs: [Tensor],
        keyMask: Tensor?, dropoutProbability: Float, generator: inout SeededGenerator, needsBackward: Bool,
        _ layout: AttentionKernels.Layout
    ) -> (Tensor, ((Tensor, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void)?) {
        let B = layout.batch, H = layout.heads, T = layout.tokens
        let mask = keyMask.map { mask in withoutGradients { mask.contiguous().scalars } }
        let probabilities = needsBackward ? Tensor.uninitialized([B, H, T, T]) : nil
        let dropoutMask = dropoutProbability > 0
            ? Tensor.dropoutMask([B, H, T, T], probability: dropoutProbability, generator: &generator) : nil
        let output = Tensor.uninitialized([B, T, layout.hidden])
        AttentionKernels.forward(
            query: query, key: key, value: value, keyMask: mask,
            dropoutMask: dropoutMask?.elementPointer, probabilities: probabilities?.storage.pointer,
            output: output.storage.pointer, layout)
        guard needsBackward, let probabilities else { return (output, nil) }
        let pointers = UncheckedSendable((query, key, value))
        return (output, { gradient, queryGradient, keyGradient, valueGradient in
            // `inputs` keeps the storage behind the pointers alive as long as this closure.
            withExtendedLifetime(inputs) {
                let g = gradient.contiguous()
                let (query, key, value) = pointers.value
                AttentionKernels.backward(
                    query: query, key: key, value: value,
                    probabilities: probabilities.elementPointer, dropoutMask: dropoutMask?.elementPointer,
                    outputGradient: g.elementPointer, queryGradient: queryGradient,
                    keyGradient: keyGradient, valueGradient: valueGradient, layout)
            }
        })
    }

    /// The first element of a contiguous tensor.
    fileprivate var elementPointer: UnsafePointer<Float> { UnsafePointer(storage.pointer + offset) }
}

/// The per-(sequence, head) kernels of ``Tensor/multiHeadAttention(query:key:value:headCount:keyMask:scale:dropoutProbability:generator:)``;
/// the row kernels are generic over the vector type (the library runs `KernelVector`).
public enum AttentionKernels {
    struct Layout {
        let batch: Int, heads: Int, tokens: Int, headSize: Int
        /// Distance between rows of the queries, keys, values and their gradients: C when
        /// they are separate `[B, T, C]` tensors, 3C when packed side by side.
        let inputStride: Int
        let scale: Float
        var hidden: Int { heads * headSize }
        /// Offset of head `h` of sequence `b` in a `[B, T, C]` tensor (the output and its gradient).
        func headOffset(_ pair: Int) -> Int { (pair / heads) * tokens * hidden + (pair % heads) * headSize }
        /// Offset of head `h` of sequence `b` in the queries, keys or values (rows `inputStride` apart).
        func inputHeadOffset(_ pair: Int) -> Int { (pair / heads) * tokens * inputStride + (pair % heads) * headSize }
        /// Offset of the `[T, T]` block of pair `pair` in `[B, H, T, T]`.
        func blockOffset(_ pair: Int) -> Int { pair * tokens * tokens }
    }

    /// `probabilities` receives every `[T, T]` block for the backward pass; `nil` (inference)
    /// keeps one block per thread instead, which stays in cache.
    static func forward(
        query: UnsafePointer<Float>, key: UnsafePointer<Float>, value: UnsafePointer<Float>, keyMask: [Float]?,
        dropoutMask: UnsafePointer<Float>?, probabilities: UnsafeMutablePointer<Float>?, output: UnsafeMutablePointer<Float>,
        _ layout: Layout
    ) {
        let T = layout.tokens, D = layout.headSize, C = layout.hidden, S = layout.inputStride
        let shared = UncheckedSendable((query, key, value, dropoutMask, probabilities, output))
        Parallel.forEachRangeWithSingleThreadedBLAS(layout.batch * layout.heads, costPerItem: T * T * D) { range in
            let (query, key, value, dropoutMask, probabilities, output) = shared.value
            let scratchCount = (dropoutMask == nil ? 0 : T * T) + (probabilities == nil ? T * T : 0)
            withUnsafeTemporaryAllocation(of: Float.self, capacity: scratchCount) { scratch in
                for pair in range {
                    let input = layout.inputHeadOffset(pair), head = layout.headOffset(pair)
                    let block = probabilities.map { $0 + layout.blockOffset(pair) } ?? scratch.baseAddress!
                    BLAS.gemm(rows: T, columns: T, depth: D, alpha: layout.scale,
                              MatrixOperand(pointer: query + input, leadingDimension: S, transposed: false),
                              MatrixOperand(pointer: key + input, leadingDimension: S, transposed: true),
                              block, leadingDimension: T)
                    softmaxRows(block, tokens: T, keyMask: keyMask.map { ($0, (pair / layout.heads) * T) })
                    var weights = UnsafePointer(block)
                    if let dropoutMask {
                        let mask = dropoutMask + layout.blockOffset(pair)
                        let target = scratch.baseAddress! + (probabilities == nil ? T * T : 0)
                        DropoutKernels.applyMask(UnsafePointer(block), mask, into: target, count: T * T, vector: KernelVector.self)
                        weights = UnsafePointer(target)
                    }
                    BLAS.gemm(rows: T, columns: D, depth: T,
                              MatrixOperand(pointer: weights, leadingDimension: T, transposed: false),
                              MatrixOperand(pointer: value + input, leadingDimension: S, transposed: false),
                              output + head, leadingDimension: C)
                }
            }
        }
    }

    static func backward(
        query: UnsafePointer<Float>, key: UnsafePointer<Float>, value: UnsafePointer<Float>,
        probabilities: UnsafePointer<Float>, dropoutMask: UnsafePointer<Float>?, outputGradient: UnsafePointer<Float>,
        queryGradient: UnsafeMutablePointer<Float>, keyGradient: UnsafeMutablePointer<Float>,
        valueGradient: UnsafeMutablePointer<Float>, _ layout: Layout
    ) {
        let T = layout.tokens, D = layout.headSize, C = layout.hidden, S = layout.inputStride
        let shared = UncheckedSendable((query, key, value, probabilities, dropoutMask, outputGradient, queryGradient, keyGradient, valueGradient))
        Parallel.forEachRangeWithSingleThreadedBLAS(layout.batch * layout.heads, costPerItem: T * T * D * 2) { range in
            let (query, key, value, probabilities, dropoutMask, g, dQ, dK, dV) = shared.value
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * T * T) { scratch in
                let scores = scratch.baseAddress!, dropped = scores + T * T
                for pair in range {
                    let input = layout.inputHeadOffset(pair), head = layout.headOffset(pair), block = probabilities + layout.blockOffset(pair)
                    var weights = block
                    if let dropoutMask {
                        DropoutKernels.applyMask(block, dropoutMask + layout.blockOffset(pair), into: dropped, count: T * T, vector: KernelVector.self)
                        weights = UnsafePointer(dropped)
                    }
                    // dV = dropout(P)ᵀ g
                    BLAS.gemm(rows: T, columns: D, depth: T,
                              MatrixOperand(pointer: weights, leadingDimension: T, transposed: true),
                              MatrixOperand(pointer: g + head, leadingDimension: C, transposed: false),
                              dV + input, leadingDimension: S)
                    // d(dropout(P)) = g Vᵀ, then through the dropout mask and the softmax.
                    BLAS.gemm(rows: T, columns: T, depth: D,
                              MatrixOperand(pointer: g + head, leadingDimension: C, transposed: false),
                              MatrixOperand(pointer: value + input, leadingDimension: S, transposed: true),
                              scores, leadingDimension: T)
                    let mask = dropoutMask.map { $0 + layout.blockOffset(pair) }
                    for row in 0..<T {
                        softmaxBackwardRow(block + row * T, scores + row * T, mask: mask.map { $0 + row * T }, T)
                    }
                    // dQ = scale · dS K,  dK = scale · dSᵀ Q
                    BLAS.gemm(rows: T, columns: D, depth: T, alpha: layout.scale,
                              MatrixOperand(pointer: scores, leadingDimension: T, transposed: false),
                              MatrixOperand(pointer: key + input, leadingDimension: S, transposed: false),
                              dQ + input, leadingDimension: S)
                    BLAS.gemm(rows: T, columns: D, depth: T, alpha: layout.scale,
                              MatrixOperand(pointer: scores, leadingDimension: T, transposed: true),
                              MatrixOperand(pointer: query + input, leadingDimension: S, transposed: false),
                              dK + input, leadingDimension: S)
                }
            }
        }
    }

    /// Softmax of each row of a `[T, T]` score block in place. Masked keys get weight 0; a
    /// sequence with no unmasked key attends uniformly.
    static func softmaxRows(_ block: UnsafeMutablePointer<Float>, tokens T: Int, keyMask: (values: [Float], start: Int)?) {
        guard let (mask, start) = keyMask, mask[start ..< start + T].contains(0) else {
            for row in 0..<T { SoftmaxKernels.forwardRow(block + row * T, block + row * T, T, logarithm: false) }
            return
        }
        if !mask[start ..< start + T].contains(where: { $0 != 0 }) {
            block.update(repeating: 1 / Float(T), count: T * T)
            return
        }
        for row in 0..<T {
            let scores = block + row * T
            for column in 0..<T where mask[start + column] == 0 { scores[column] = -.infinity }
            SoftmaxKernels.forwardRow(scores, scores, T, logarithm: false)
        }
    }

    /// The softmax backward of one row in place: `g` (the gradient of the dropped
    /// probabilities) is first multiplied by the row's dropout mask, when there is one, in
    /// the same pass that sums it against the probabilities `y`; then `g ← y · (g − Σ g·y)`.
    /// The same operations in the same order as multiplying by the mask and then calling
    /// `SoftmaxKernels.backwardRow`, one pass over the row fewer. In `KernelVector`s.
    @inline(__always)
    static func softmaxBackwardRow(_ y: UnsafePointer<Float>, _ g: UnsafeMutablePointer<Float>, mask: UnsafePointer<Float>?, _ count: Int) {
        softmaxBackwardRow(y, g, mask: mask, count, vector: KernelVector.self)
    }

    /// ``softmaxBackwardRow(_:_:mask:_:)`` in vectors of type `V`: `g ← g · mask` (when a
    /// dropout mask is given), then `g ← y · (g − Σ g·y)`, for one row of `count` floats.
    @_specialize(where V == SIMD8<Float>)
    @_specialize(where V == SIMD16<Float>)
    @inline(__always)
    public static func softmaxBackwardRow<V: KernelFloatVector>(
        _ y: UnsafePointer<Float>, _ g: UnsafeMutablePointer<Float>, mask: UnsafePointer<Float>?, _ count: Int, vector: V.Type
    ) {
        guard let mask else {
            SoftmaxKernels.backwardRow(y, g, g, count, logarithm: false, vector: V.self)
            return
        }
        let lanes = V.scalarCount
        var vectorTotal = V()
        var index = 0
        while index + lanes <= count {
            let masked = load(g + index, as: V.self) * load(mask + index, as: V.self)
            store(masked, g + index)
            vectorTotal += masked * load(y + index, as: V.self)
            index += lanes
        }
        var total = horizontalSum(vectorTotal)
        while index < count {
            let masked = g[index] * mask[index]
            g[index] = masked
            total += masked * y[index]
            index += 1
        }
        let vectorTotalRepeated = V(repeating: total)
        index = 0
        while index + lanes <= count {
            store(load(y + index, as: V.self) * (load(g + index, as: V.self) - vectorTotalRepeated), g + index)
            index += lanes
        }
        while index < count { g[index] = y[index] * (g[index] - total); index += 1 }
    }
}
