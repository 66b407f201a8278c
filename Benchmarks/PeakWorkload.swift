// The machine's float32 arithmetic ceiling: every thread runs independent chains of fused
// multiply-adds on `KernelVector` registers (no memory traffic), and the workload reports the
// GFLOP/s of all threads together. It puts the other figures in proportion: `gemm-1024` is
// OpenBLAS's share of this peak, and a model workload's samples/s times its FLOPs per sample
// is its share. Not a model workload, not part of BENCHMARKS.md's list.

import FactoryTensor

enum PeakWorkload {
    /// Vector multiply-adds per chain per round, per thread.
    static let stepsPerRound = 40_000_000
    /// Independent accumulator chains: enough to cover the FMA latency on two units.
    static let chainCount = 16

    /// Runs `steps` rounds of `chainCount` independent multiply-adds; returns a value that
    /// depends on every chain so the work cannot be dropped.
    @inline(never)
    static func multiplyAddChains(steps: Int, seed: Float) -> Float {
        // Different values in every lane, so the compiler cannot narrow the vectors.
        let chains = (0..<chainCount).map { chain in
            var vector = KernelVector()
            for lane in 0..<KernelVector.scalarCount { vector[lane] = seed + Float(chain * KernelVector.scalarCount + lane) }
            return vector
        }
        // Sixteen named registers keep the chains out of memory inside the loop.
        let factor = KernelVector(repeating: 0.999_999), offset = KernelVector(repeating: 1e-7)
        var c0 = chains[0], c1 = chains[1], c2 = chains[2], c3 = chains[3]
        var c4 = chains[4], c5 = chains[5], c6 = chains[6], c7 = chains[7]
        var c8 = chains[8], c9 = chains[9], c10 = chains[10], c11 = chains[11]
        var c12 = chains[12], c13 = chains[13], c14 = chains[14], c15 = chains[15]
        for _ in 0..<steps {
            c0 = offset.addingProduct(c0, factor); c1 = offset.addingProduct(c1, factor)
            c2 = offset.addingProduct(c2, factor); c3 = offset.addingProduct(c3, factor)
            c4 = offset.addingProduct(c4, factor); c5 = offset.addingProduct(c5, factor)
            c6 = offset.addingProduct(c6, factor); c7 = offset.addingProduct(c7, factor)
            c8 = offset.addingProduct(c8, factor); c9 = offset.addingProduct(c9, factor)
            c10 = offset.addingProduct(c10, factor); c11 = offset.addingProduct(c11, factor)
            c12 = offset.addingProduct(c12, factor); c13 = offset.addingProduct(c13, factor)
            c14 = offset.addingProduct(c14, factor); c15 = offset.addingProduct(c15, factor)
        }
        let total = ((c0 + c1) + (c2 + c3)) + ((c4 + c5) + (c6 + c7)) + ((c8 + c9) + (c10 + c11)) + ((c12 + c13) + (c14 + c15))
        return total.sum()
    }

    static let workload = BenchmarkWorkload(
        name: "fma-peak", summary: "float32 fused multiply-adds in registers on every thread: the arithmetic ceiling, in a `gflops` field"
    ) {
        let threads = Parallel.threadCount
        let sinks = ChainResults(count: threads)
        let flops = 2.0 * Double(KernelVector.scalarCount * chainCount * stepsPerRound * threads)
        return PreparedWorkload(samplesPerRound: 1, round: {
            Parallel.forEachRange(threads, costPerItem: Parallel.elementThreshold) { range in
                for thread in range {
                    sinks.values[thread] += multiplyAddChains(steps: stepsPerRound, seed: Float(thread))
                }
            }
        }) { seconds in
            [("gflops", flops / seconds / 1e9), ("threads", Double(threads)), ("lanes", Double(KernelVector.scalarCount))]
        }
    }
}

/// One result per thread, each written only by its own thread (kept so the chains are not
/// optimised away).
private final class ChainResults: @unchecked Sendable {
    let values: UnsafeMutableBufferPointer<Float>

    init(count: Int) {
        values = .allocate(capacity: count)
        values.initialize(repeating: 0)
    }

    deinit { values.deallocate() }
}
