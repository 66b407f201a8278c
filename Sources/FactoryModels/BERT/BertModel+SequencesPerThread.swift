// Inference with whole sequences per thread: when nothing records gradients and the model
// is in evaluation mode, the batch is cut into one run of sequences per thread and each
// thread encodes its own run through every layer, its kernels on the calling thread and
// OpenBLAS single-threaded. No thread waits for another between operations (a layer
// otherwise joins its threads after each product, attention, GELU and LayerNorm), and each
// thread's activations stay in its own core's cache. The sequences are independent, so the
// result equals encoding the batch at once (up to float rounding of the different splits).
// Not here: training (dropout draws and the tape need the batch as one), the layers' maths.

import FactoryTensor

extension BertModel {
    /// The last hidden state `[B, T, C]` encoded with whole sequences per thread, or `nil`
    /// when that does not apply: gradients are being recorded, the model is training, there
    /// is one thread, or the batch does not split into near-equal runs.
    func encodedSequencesPerThread(_ input: BertInput) -> Tensor? {
        let B = input.batchSize, threads = Parallel.threadCount
        guard !GradientMode.isEnabled, !isTraining, threads > 1, B >= threads,
              B % threads == 0 || B >= 4 * threads else { return nil }
        let parts = UnsafeMutableBufferPointer<Tensor?>.allocate(capacity: B)
        parts.initialize(repeating: nil)
        defer {
            _ = parts.deinitialize()
            parts.deallocate()
        }
        let shared = UncheckedSendable(parts)
        let tokens = input.sequenceLength * configuration.hiddenSize
        Parallel.forEachRangeRunningNestedWorkSerially(B, costPerItem: Swift.max(tokens, Parallel.elementThreshold)) { range in
            // The gradient mode is per thread: this worker thread starts with recording on.
            let hidden = withoutGradients { self.encode(input.sequences(range)) }
            shared.value[range.lowerBound] = hidden
        }
        let runs = parts.compactMap { $0 }
        return runs.count == 1 ? runs[0] : Tensor.concatenate(runs, axis: 0)
    }
}

extension BertInput {
    /// The sequences `range` of the batch, as a batch of their own.
    func sequences(_ range: Range<Int>) -> BertInput {
        let elements = (range.lowerBound * sequenceLength)..<(range.upperBound * sequenceLength)
        return BertInput(ids: Array(ids[elements]), typeIDs: Array(typeIDs[elements]),
                         attentionMask: Array(attentionMask[elements]), batchSize: range.count,
                         sequenceLength: sequenceLength)
    }
}
