// Kernel workloads: the 1024^3 GEMM of BENCHMARKS.md (with the direct cblas_sgemm figure of
// the same run beside ours) and 16 M-element elementwise and reduction kernels, reported in
// GB/s against a plain memory copy, to show the kernels run near memory bandwidth.

import CBLAS
import FactoryTensor
import Foundation

enum KernelWorkloads {
    static let elementCount = 1 << 24

    static func random(_ shape: [Int], seed: UInt64) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        return Tensor.uniform(shape, in: -1...1, using: &generator)
    }

    static let gemm1024 = BenchmarkWorkload(
        name: "gemm-1024", summary: "one 1024x1024x1024 float32 matrix product (Tensor.matmul), with direct cblas_sgemm for comparison"
    ) {
        let n = 1024
        _ = Parallel.threadCount  // configures OpenBLAS (threads, kernels) before the direct calls
        let a = random([n, n], seed: 1), b = random([n, n], seed: 2)
        // The ceiling: cblas_sgemm called directly on the same buffers, timed the same way.
        let direct = Tensor.zeros([n, n])
        var directSeconds: [Double] = []
        for round in 0..<(BenchmarkRunner.warmUpRounds + BenchmarkRunner.timedRounds) {
            let start = DispatchTime.now().uptimeNanoseconds
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n), 1,
                        a.storage.pointer, Int32(n), b.storage.pointer, Int32(n), 0, direct.storage.pointer, Int32(n))
            if round >= BenchmarkRunner.warmUpRounds {
                directSeconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
        }
        let directMedian = directSeconds.sorted()[directSeconds.count / 2]
        let flops = 2.0 * Double(n * n * n)
        return PreparedWorkload(samplesPerRound: 1, round: { _ = a.matmul(b) }) { seconds in
            [("gflops", flops / seconds / 1e9), ("cblas_gflops", flops / directMedian / 1e9),
             ("ratio_to_cblas", directMedian / seconds)]
        }
    }

    static func bandwidthFields(bytes: Double) -> (Double) -> [(String, Double)] {
        { seconds in [("gb_per_s", bytes / seconds / 1e9)] }
    }

    static let copy16M = BenchmarkWorkload(
        name: "copy-16m", summary: "memcpy of 16 M floats: the memory-bandwidth baseline for the kernels below"
    ) {
        let x = random([elementCount], seed: 3)
        let y = Tensor.zeros([elementCount])
        return PreparedWorkload(samplesPerRound: Double(elementCount), round: {
            memcpy(y.storage.pointer, x.storage.pointer, elementCount * 4)
        }, extraFields: bandwidthFields(bytes: Double(elementCount * 8)))
    }

    static let add16M = BenchmarkWorkload(name: "add-16m", summary: "x + y on 16 M floats (reads 2, writes 1)") {
        let x = random([elementCount], seed: 4), y = random([elementCount], seed: 5)
        return PreparedWorkload(samplesPerRound: Double(elementCount), round: { _ = x + y },
                                extraFields: bandwidthFields(bytes: Double(elementCount * 12)))
    }

    static let exp16M = BenchmarkWorkload(name: "exp-16m", summary: "exp(x) on 16 M floats (vectorised polynomial)") {
        let x = random([elementCount], seed: 6)
        return PreparedWorkload(samplesPerRound: Double(elementCount), round: { _ = x.exp() },
                                extraFields: bandwidthFields(bytes: Double(elementCount * 8)))
    }

    static let gelu16M = BenchmarkWorkload(name: "gelu-16m", summary: "gelu(x), erf form, on 16 M floats") {
        let x = random([elementCount], seed: 7)
        return PreparedWorkload(samplesPerRound: Double(elementCount), round: { _ = x.gelu() },
                                extraFields: bandwidthFields(bytes: Double(elementCount * 8)))
    }

    static let sum16M = BenchmarkWorkload(name: "sum-16m", summary: "sum of 16 M floats (reads 1)") {
        let x = random([elementCount], seed: 8)
        return PreparedWorkload(samplesPerRound: Double(elementCount), round: { _ = x.sum() },
                                extraFields: bandwidthFields(bytes: Double(elementCount * 4)))
    }

    static let smallOperations = BenchmarkWorkload(
        name: "overhead-8k", summary: "1000 tracked x * y + y on [32, 256] (an LSTM-sized step): per-operation overhead"
    ) {
        let x = random([32, 256], seed: 9), y = random([32, 256], seed: 10)
        y.requiresGradient = true
        return PreparedWorkload(samplesPerRound: 1000, round: {
            for _ in 0..<1000 { _ = x * y + y }
        }, extraFields: { seconds in [("microseconds_per_operation", seconds / 2000 * 1e6)] })
    }
}
