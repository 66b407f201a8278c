// Tests of the inference LSTM layer (input projection fused into each step, threads split by
// hidden units): against the recurrence in plain Double loops for every tile height, input
// sizes that are no multiple of anything, with and without initial states, and sizes large
// enough to split across threads; against the training path (projection matmul, then
// lstmSequence) on a batch-first input read through its time-major view; the step over
// ranges of unit blocks equals the whole step bit for bit at both vector widths; and
// LockstepThreads' barrier orders every part's writes before every part's reads.

import FactoryTensor
import Foundation
import Synchronization
import TestSupport
import Testing

@Suite struct LSTMLayerInferenceTests {
    /// The layer in plain Double loops: every step's h, then the final c.
    private func plainLayer(input: [Float], inputWeight: [Float], weight: [Float], bias: [Float], hidden: [Float]?,
                            cell: [Float]?, steps T: Int, batch B: Int, inputSize I: Int, hiddenSize H: Int)
        -> (outputs: [Float], cell: [Float]) {
        LSTMReference.layer(steps: T, batch: B, hiddenSize: H, weight: weight, bias: bias, hidden: hidden, cell: cell) { t, b, row in
            (0..<I).reduce(0.0) { sum, k in sum + Double(input[(t * B + b) * I + k]) * Double(inputWeight[row * I + k]) }
        }
    }

    /// x `[T, B, I]` in ±1, W_ih and W_hh uniform in ±1/√H (PyTorch's initialisation), b in ±1,
    /// h_(-1) and c_(-1) in ±1.
    private func tensors(steps T: Int, batch B: Int, inputSize I: Int, hiddenSize H: Int, seed: UInt64) -> [Tensor] {
        let bound = 1 / Float(H).squareRoot()
        return [TestData.uniform([T, B, I], seed: seed), TestData.uniform([4 * H, I], in: -bound...bound, seed: seed + 1),
                TestData.uniform([4 * H, H], in: -bound...bound, seed: seed + 2), TestData.uniform([4 * H], seed: seed + 3),
                TestData.uniform([B, H], seed: seed + 4), TestData.uniform([B, H], seed: seed + 5)]
    }

    /// Batches 1 to 7, 16 and 32 use every tile height at either width; H = 8 and 24 take the
    /// 8-lane step in a 16-lane build; I = 40 (GE2E's mels) and odd sizes. The last two cases
    /// (T·B·4H·(I + H) ≥ 2^22) split their units across threads where there are several cores.
    /// The sums have I + H products of O(1/√H) terms: Float32 rounding within 3e-5.
    @Test(arguments: [(1, 1, 3, 8), (3, 2, 5, 16), (2, 3, 40, 24), (3, 4, 7, 32), (2, 5, 1, 16), (2, 6, 33, 48),
                      (3, 7, 40, 64), (2, 16, 9, 32), (40, 8, 40, 64), (12, 32, 40, 128)])
    func matchesPlainLoops(steps: Int, batch: Int, inputSize: Int, hiddenSize: Int) {
        let t = tensors(steps: steps, batch: batch, inputSize: inputSize, hiddenSize: hiddenSize, seed: 90)
        for withInitialStates in [true, false] {
            let expected = plainLayer(input: t[0].scalars, inputWeight: t[1].scalars, weight: t[2].scalars, bias: t[3].scalars,
                                      hidden: withInitialStates ? t[4].scalars : nil, cell: withInitialStates ? t[5].scalars : nil,
                                      steps: steps, batch: batch, inputSize: inputSize, hiddenSize: hiddenSize)
            let result = Tensor.lstmLayerInference(
                input: t[0], inputWeight: t[1], recurrentWeight: t[2], bias: t[3],
                initialHidden: withInitialStates ? t[4] : nil, initialCell: withInitialStates ? t[5] : nil)
            let label = "T \(steps) B \(batch) I \(inputSize) H \(hiddenSize), initial states \(withInitialStates)"
            #expect(result.outputs.shape == [steps, batch, hiddenSize], "\(label)")
            #expect(TestData.maximumDifference(result.outputs.scalars, expected.outputs) < 3e-5, "\(label)")
            #expect(result.finalHidden.scalars == Array(result.outputs.scalars.suffix(batch * hiddenSize)), "\(label)")
            #expect(TestData.maximumDifference(result.finalCell.scalars, expected.cell) < 3e-5, "\(label)")
        }
    }

    /// A batch-first `[B, T, I]` input, read through its `[T, B, I]` view without a copy, gives
    /// what the training path gives: the projection as one matmul, then lstmSequence. The two
    /// add the same products in another order: 1e-5 on O(1) values.
    @Test func agreesWithProjectionThenSequence() {
        let T = 9, B = 5, I = 40, H = 64
        let batchFirst = TestData.uniform([B, T, I], seed: 120)
        let t = tensors(steps: T, batch: B, inputSize: I, hiddenSize: H, seed: 121)
        let timeMajor = batchFirst.transposed(0, 1)
        #expect(!timeMajor.isContiguous)
        let fused = Tensor.lstmLayerInference(input: timeMajor, inputWeight: t[1], recurrentWeight: t[2], bias: t[3],
                                              initialHidden: t[4], initialCell: t[5])
        let reference = Tensor.lstmSequence(projectedInput: timeMajor.matmul(t[1].transposed()), recurrentWeight: t[2],
                                            bias: t[3], initialHidden: t[4], initialCell: t[5])
        #expect(TestData.maximumDifference(fused.outputs.scalars, reference.outputs.scalars) < 1e-5)
        #expect(TestData.maximumDifference(fused.finalCell.scalars, reference.finalCell.scalars) < 1e-5)
    }

    /// The step run on ranges of unit blocks (as the threads split it) writes exactly what the
    /// whole step writes and nothing outside its blocks, at both widths, with W_ih packed; and
    /// in depth slices of 5 (slices inside the input's k, and one that crosses into the hidden
    /// ones) it gives the same bits as in one pass.
    @Test func blockRangesComposeBitForBit() {
        func check<V: KernelFloatVector>(_ type: V.Type, hiddenSize H: Int, splits: [Int]) {
            let rows = 7, I = 13, L = V.scalarCount
            let t = tensors(steps: 1, batch: rows, inputSize: I, hiddenSize: H, seed: 130)
            let p = t.map { UnsafePointer($0.storage.pointer + $0.offset) }
            let sliced = LSTMFusedStep<V>(inputWeight: p[1], inputSize: I, weight: p[2], hiddenSize: H, depthSlice: 5)
            let onePass = LSTMFusedStep<V>(inputWeight: p[1], inputSize: I, weight: p[2], hiddenSize: H, depthSlice: I + H)
            /// h_t then c_t, NaN where the step wrote nothing.
            func run(_ step: LSTMFusedStep<V>, _ ranges: [Range<Int>]) -> [Float] {
                var out = [Float](repeating: .nan, count: 2 * rows * H)
                out.withUnsafeMutableBufferPointer { o in
                    for range in ranges {
                        step.forward(LSTMStepPointers(
                            previousHidden: p[4], projected: nil, input: p[0], inputRowStride: I, bias: p[3], previousCell: p[5],
                            hidden: o.baseAddress!, newCell: o.baseAddress! + rows * H, activations: nil, cellTanh: nil),
                            rows: rows, blocks: range)
                    }
                }
                return out
            }
            let whole = run(sliced, [0..<sliced.blockCount])
            #expect(!whole.contains { $0.isNaN })
            #expect(run(onePass, [0..<onePass.blockCount]) == whole, "\(V.self) H \(H): slices of 5 against one pass")
            var ranges: [Range<Int>] = [], start = 0
            for end in splits + [sliced.blockCount] {
                ranges.append(start..<end)
                start = end
            }
            #expect(run(sliced, ranges) == whole, "\(V.self) H \(H) split at \(splits)")
            // One range alone writes its units of every row, and only those.
            let alone = run(sliced, [ranges[1]])
            for (index, value) in alone.enumerated() {
                let unit = index % H
                if ranges[1].contains(unit / L) {
                    #expect(value == whole[index])
                } else {
                    #expect(value.isNaN, "\(V.self) H \(H): unit \(unit) written outside blocks \(ranges[1])")
                }
            }
            withExtendedLifetime(t) {}
        }
        check(SIMD8<Float>.self, hiddenSize: 32, splits: [1, 3])
        check(SIMD16<Float>.self, hiddenSize: 48, splits: [2])
    }

    /// An empty batch gives empty outputs of the right shapes.
    @Test func emptyBatch() {
        let t = tensors(steps: 3, batch: 1, inputSize: 4, hiddenSize: 16, seed: 140)
        let result = Tensor.lstmLayerInference(input: Tensor.zeros([3, 0, 4]), inputWeight: t[1], recurrentWeight: t[2], bias: t[3])
        #expect(result.outputs.shape == [3, 0, 16] && result.finalHidden.shape == [0, 16] && result.finalCell.shape == [0, 16])
    }

    /// Parts through 300 phases, one barrier each: each part writes its slot of the phase's
    /// row, passes the barrier, and must then read every part's value for that phase. Two
    /// rows alternate, so a part let through early would read a stale value, and one that ran
    /// a phase ahead would overwrite a row another part is still to read. A late part now and
    /// then makes the others wait past their spinning, asleep (and spin short afterwards).
    /// With three parts for every core (and some work in each phase), the kernel switches
    /// parts out while others wait for them: the order must hold then too.
    @Test(arguments: [3, 3 * ProcessInfo.processInfo.activeProcessorCount])
    func lockstepBarrierOrdersWritesBeforeReads(parts: Int) {
        let phases = 300
        let oversubscribed = parts > ProcessInfo.processInfo.activeProcessorCount
        let slots = UnsafeMutablePointer<Int>.allocate(capacity: 2 * parts)
        slots.initialize(repeating: -1, count: 2 * parts)
        defer { slots.deallocate() }
        let mismatches = Atomic<Int>(0)
        let shared = UncheckedSendable(slots)
        var counts: [Int] = []
        LockstepThreads.run(parts: parts) { part, partCount, barrier in
            if part == 0 { counts.append(partCount) }
            for phase in 0..<phases {
                // Every 50th phase part 1 arrives 3 ms late: the others spin out and sleep.
                if part == 1 && phase % 50 == 0 { usleep(3000) }
                if oversubscribed {
                    var sum = 0.0
                    for k in 0..<20_000 { sum += Double(k ^ phase) }
                    if sum < 0 { mismatches.add(1, ordering: .relaxed) }
                }
                let row = shared.value + (phase % 2) * parts
                row[part] = phase * parts + part
                barrier.wait()
                for other in 0..<parts where row[other] != phase * parts + other {
                    mismatches.add(1, ordering: .relaxed)
                }
            }
        }
        #expect(counts == [parts])
        #expect(mismatches.load(ordering: .relaxed) == 0)
        var ran: [Int] = []
        LockstepThreads.run(parts: 1) { part, partCount, barrier in
            barrier.wait()
            ran.append(part * 10 + partCount)
        }
        #expect(ran == [1])
    }
}
