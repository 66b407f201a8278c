// BLASSpinWait: shortens how long OpenBLAS's idle worker threads spin after a product.
// OpenBLAS's pthread build keeps each worker in a sched_yield loop for 2^28 TSC cycles
// (about 0.1 s) after its last job before it sleeps; between products the kernels' own
// threads (Parallel, the LSTM recurrence) then share the cores with a thread that does
// nothing but yield: measured as a quarter of ge2e-train's samples in the scheduler. Here,
// once, before the first product (from Parallel's configuration): unless the user set
// OPENBLAS_THREAD_TIMEOUT (or GOTO_THREAD_TIMEOUT), the workers are restarted with a timeout
// of 2^20 cycles (a fraction of a millisecond: back-to-back products still find them
// awake), the same as starting the process with OPENBLAS_THREAD_TIMEOUT=20. It does nothing
// when OpenBLAS does not export the entry points (looked up with dlsym, never linked), e.g.
// a single-threaded or OpenMP build. Not here: the thread count (Parallel.swift), the
// kernel choice (BLASCoreSelection.swift).

import Foundation

/// The spin time of OpenBLAS's idle workers.
public enum BLASSpinWait {
    /// log2 of the TSC cycles an idle OpenBLAS worker spins before sleeping.
    public static let timeoutExponent = 20

    /// Whether the workers were restarted with the shorter timeout (once, thread-safe).
    public static let shortened: Bool = configure(environment: ProcessInfo.processInfo.environment)

    private typealias VoidFunction = @convention(c) () -> Void
    private typealias IntFunction = @convention(c) () -> Int32

    private static func configure(environment: [String: String]) -> Bool {
        guard environment["OPENBLAS_THREAD_TIMEOUT"] == nil, environment["GOTO_THREAD_TIMEOUT"] == nil,
              let process = dlopen(nil, RTLD_NOW),
              let readEnvironment = dlsym(process, "openblas_read_env"),
              let shutdown = dlsym(process, "blas_thread_shutdown_"),
              let start = dlsym(process, "blas_thread_init")
        else { return false }
        // blas_thread_init takes the timeout from the environment (read by openblas_read_env
        // in versions that cache it); the variable is removed again so that child processes
        // start with OpenBLAS's default.
        setenv("OPENBLAS_THREAD_TIMEOUT", "\(timeoutExponent)", 1)
        unsafeBitCast(readEnvironment, to: VoidFunction.self)()
        _ = unsafeBitCast(shutdown, to: IntFunction.self)()
        _ = unsafeBitCast(start, to: IntFunction.self)()
        unsetenv("OPENBLAS_THREAD_TIMEOUT")
        unsafeBitCast(readEnvironment, to: VoidFunction.self)()
        return true
    }
}
