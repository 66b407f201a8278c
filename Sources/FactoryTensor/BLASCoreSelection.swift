// BLASCoreSelection: makes OpenBLAS use the matrix kernels this CPU can run when its own CPU
// detection gave up. OpenBLAS built with DYNAMIC_ARCH (Debian's package) picks its kernels from
// the CPU model at load time; a CPU newer than the library (e.g. Sapphire/Emerald Rapids under
// Debian 12's OpenBLAS 0.3.21) is not recognised, and OpenBLAS falls back to its SSE3
// "Prescott" kernels: 5-7x slower GEMM (measured 17-21 GFLOP/s against 120 with SkylakeX
// kernels on the same 2-core machine). Here, once, before the first product: if the user did not
// choose a core (`OPENBLAS_CORETYPE`) and OpenBLAS reports the Prescott fallback while the CPU
// (as the kernel lists it in /proc/cpuinfo, which only shows AVX-512 when the OS enabled it)
// has AVX-512 or AVX2+FMA, OpenBLAS's dynamic dispatch is re-initialised for SkylakeX or Haswell
// — the same thing `OPENBLAS_CORETYPE` does at load time.
// It does nothing on a CPU OpenBLAS recognises, with an OpenBLAS built for one CPU, or when
// the re-initialisation entry points are not exported (looked up with dlsym, never linked).
// Not here: the thread count (Parallel.swift), the products themselves (BLAS.swift).

import CBLAS
import Foundation

/// Which OpenBLAS kernels run the matrix products, and the fix-up for unrecognised CPUs.
public enum BLASCoreSelection {
    /// What happened at configuration: the core OpenBLAS uses now, and the one it had chosen
    /// itself when that was replaced.
    public struct Outcome: Sendable, Equatable {
        /// OpenBLAS's name for the kernels in use (e.g. "SkylakeX", "Haswell", "Zen").
        public var coreName: String
        /// OpenBLAS's own choice when it was replaced here, nil when it was kept.
        public var replacedCoreName: String?
    }

    /// Configures OpenBLAS once (on first use, thread-safe) and tells what it runs.
    public static let outcome: Outcome = configure(
        environment: ProcessInfo.processInfo.environment,
        cpuFlags: cpuFlags(cpuInfo: (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""))

    /// The OpenBLAS core name for a CPU with these `/proc/cpuinfo` flags, when OpenBLAS fell
    /// back to Prescott: "SkylakeX" with AVX-512 F/CD/BW/DQ/VL, "Haswell" with AVX2 and FMA,
    /// else nil (the fallback is right).
    public static func replacementCore(forFallback coreName: String, cpuFlags: Set<String>) -> String? {
        guard coreName.lowercased() == "prescott" else { return nil }
        if ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(cpuFlags.contains) { return "SkylakeX" }
        if cpuFlags.contains("avx2") && cpuFlags.contains("fma") { return "Haswell" }
        return nil
    }

    /// The flags of the first processor listed in a `/proc/cpuinfo` text (empty when none).
    public static func cpuFlags(cpuInfo: String) -> Set<String> {
        for line in cpuInfo.split(separator: "\n", omittingEmptySubsequences: true) {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == "flags" else { continue }
            return Set(parts[1].split(separator: " ").map(String.init))
        }
        return []
    }

    private static func currentCoreName() -> String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name).trimmingCharacters(in: .whitespaces)
    }

    private typealias VoidFunction = @convention(c) () -> Void

    private static func configure(environment: [String: String], cpuFlags: Set<String>) -> Outcome {
        let chosen = currentCoreName()
        guard environment["OPENBLAS_CORETYPE"] == nil,
              let replacement = replacementCore(forFallback: chosen, cpuFlags: cpuFlags),
              let process = dlopen(nil, RTLD_NOW),
              let quitSymbol = dlsym(process, "gotoblas_dynamic_quit"),
              let initSymbol = dlsym(process, "gotoblas_dynamic_init")
        else { return Outcome(coreName: chosen, replacedCoreName: nil) }
        // gotoblas_dynamic_init reads OPENBLAS_CORETYPE, as it does at load time; the variable
        // is restored afterwards so child processes detect for themselves.
        setenv("OPENBLAS_CORETYPE", replacement, 1)
        unsafeBitCast(quitSymbol, to: VoidFunction.self)()
        unsafeBitCast(initSymbol, to: VoidFunction.self)()
        unsetenv("OPENBLAS_CORETYPE")
        return Outcome(coreName: currentCoreName(), replacedCoreName: chosen)
    }
}
