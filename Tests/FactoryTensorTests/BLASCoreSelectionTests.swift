// BLASCoreSelection: which OpenBLAS kernels replace the Prescott fallback for which CPU flags,
// how /proc/cpuinfo is read, and that after configuration the products are still right
// (a 96x80x72 GEMM against a plain triple loop in Double).

import FactoryTensor
import TestSupport
import Testing

@Suite struct BLASCoreSelectionTests {
    @Test func replacesOnlyThePrescottFallback() {
        let avx512: Set<String> = ["sse2", "avx", "avx2", "fma", "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]
        #expect(BLASCoreSelection.replacementCore(forFallback: "Prescott", cpuFlags: avx512) == "SkylakeX")
        #expect(BLASCoreSelection.replacementCore(forFallback: "Prescott", cpuFlags: ["avx", "avx2", "fma"]) == "Haswell")
        // AVX-512 foundation alone (no BW/DQ/VL) is not enough for the SkylakeX kernels.
        #expect(BLASCoreSelection.replacementCore(forFallback: "Prescott", cpuFlags: ["avx2", "fma", "avx512f"]) == "Haswell")
        #expect(BLASCoreSelection.replacementCore(forFallback: "Prescott", cpuFlags: ["sse2", "avx"]) == nil)
        // A core OpenBLAS recognised is kept.
        #expect(BLASCoreSelection.replacementCore(forFallback: "Zen", cpuFlags: avx512) == nil)
        #expect(BLASCoreSelection.replacementCore(forFallback: "Haswell", cpuFlags: avx512) == nil)
    }

    @Test func readsTheFirstProcessorsFlags() {
        let text = "processor\t: 0\nmodel name\t: Some CPU\nflags\t\t: fpu sse2 avx2 fma\nbugs\t\t: none\n\nprocessor\t: 1\nflags\t\t: fpu\n"
        #expect(BLASCoreSelection.cpuFlags(cpuInfo: text) == ["fpu", "sse2", "avx2", "fma"])
        #expect(BLASCoreSelection.cpuFlags(cpuInfo: "") == [])
    }

    @Test func productsAreRightAfterConfiguration() {
        let outcome = BLASCoreSelection.outcome
        if let replaced = outcome.replacedCoreName {
            #expect(replaced.lowercased() == "prescott")
            #expect(outcome.coreName.lowercased() != "prescott")
        }
        let (rows, depth, columns) = (96, 80, 72)
        let a = TestData.uniform([rows, depth], seed: 11), b = TestData.uniform([depth, columns], seed: 12)
        let product = a.matmul(b).scalars
        let left = a.scalars, right = b.scalars
        var worst: Double = 0
        for row in 0..<rows {
            for column in 0..<columns {
                var sum: Double = 0
                for inner in 0..<depth { sum += Double(left[row * depth + inner]) * Double(right[inner * columns + column]) }
                worst = max(worst, abs(sum - Double(product[row * columns + column])))
            }
        }
        // 80 products of values in [-1, 1] summed in Float: well under 1e-4.
        #expect(worst < 1e-4, "\(outcome.coreName): largest error \(worst)")
    }
}
