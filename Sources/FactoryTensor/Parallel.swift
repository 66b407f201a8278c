// Parallel: the one place that splits kernel work across threads, and the one knob
// (`Parallel.threadCount`, default = cores) that also sets OpenBLAS's thread count (and, on
// first use, makes sure OpenBLAS runs kernels for this CPU, BLASCoreSelection.swift, and that
// its idle workers do not spin between products, BLASSpinWait.swift).
// It is not a scheduler: work is cut into equal contiguous ranges, one per thread.

import CBLAS
import Dispatch
import Foundation

/// Multithreading settings and helpers shared by every kernel.
public enum Parallel {
    nonisolated(unsafe) private static var configuredThreadCount: Int = {
        let count = defaultThreadCount()
        _ = BLASCoreSelection.outcome  // OpenBLAS's kernels for this CPU, before its first use
        _ = BLASSpinWait.shortened     // and idle OpenBLAS workers that sleep instead of yielding
        openblas_set_num_threads(Int32(count))
        return count
    }()

    /// Minimum number of elements before an elementwise or reduction kernel uses threads.
    public static let elementThreshold = 1 << 15

    /// The number of threads kernels and OpenBLAS use. Defaults to the number of cores
    /// (or `FACTORY_THREADS` when set). Setting it reconfigures OpenBLAS too.
    public static var threadCount: Int {
        get { configuredThreadCount }
        set {
            let count = Swift.max(1, newValue)
            configuredThreadCount = count
            openblas_set_num_threads(Int32(count))
        }
    }

    private static func defaultThreadCount() -> Int {
        if let text = ProcessInfo.processInfo.environment["FACTORY_THREADS"], let value = Int(text), value > 0 {
            return value
        }
        return Swift.max(1, ProcessInfo.processInfo.activeProcessorCount)
    }

    /// Runs `body(range)` over `0..<count`, split into at most `threadCount` contiguous
    /// ranges when `count * costPerItem` reaches `elementThreshold`, else on this thread.
    @inlinable
    public static func forEachRange(
        _ count: Int, costPerItem: Int = 1, _ body: (Range<Int>) -> Void
    ) {
        let threads = Swift.min(threadCount, count)
        if threads <= 1 || count * costPerItem < elementThreshold || runsNestedWorkSerially() {
            if count > 0 { body(0..<count) }
            return
        }
        withoutActuallyEscaping(body) { escapable in
            let box = UncheckedSendable(escapable)
            DispatchQueue.concurrentPerform(iterations: threads) { part in
                let start = count * part / threads
                let end = count * (part + 1) / threads
                if start < end { box.value(start..<end) }
            }
        }
    }
}

extension Parallel {
    /// Like ``forEachRange(_:costPerItem:_:)``, for bodies that call BLAS on small matrices:
    /// while the ranges run on several threads, OpenBLAS is set to one thread, so each
    /// thread's products run where they are called instead of contending for OpenBLAS's own
    /// threads. OpenBLAS's thread count is restored afterwards.
    public static func forEachRangeWithSingleThreadedBLAS(
        _ count: Int, costPerItem: Int = 1, _ body: (Range<Int>) -> Void
    ) {
        if runsAsOneRange(count, costPerItem: costPerItem) {
            if count > 0 { body(0..<count) }
            return
        }
        withSingleThreadedOpenBLAS { forEachRange(count, costPerItem: costPerItem, body) }
    }

    /// Whether `count` items of `costPerItem` run as one range on the calling thread: one
    /// thread, too little work, or already inside a range of
    /// ``forEachRangeRunningNestedWorkSerially(_:costPerItem:_:)``, where OpenBLAS runs on one
    /// thread and must stay so (restoring its count would hand the other ranges' products
    /// to OpenBLAS's threads).
    static func runsAsOneRange(_ count: Int, costPerItem: Int) -> Bool {
        Swift.min(threadCount, count) <= 1 || count * costPerItem < elementThreshold || runsNestedWorkSerially()
    }

    /// Runs `work` with OpenBLAS on one thread, and restores its thread count afterwards.
    static func withSingleThreadedOpenBLAS(_ work: () -> Void) {
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(Int32(threadCount)) }
        work()
    }
}

extension Parallel {
    /// Set inside the ranges of ``forEachRangeRunningNestedWorkSerially(_:costPerItem:_:)``.
    @TaskLocal static var nestedWorkRunsSerially = false

    /// Whether this thread is inside a range of ``forEachRangeRunningNestedWorkSerially(_:costPerItem:_:)``,
    /// where kernels run on the calling thread.
    @usableFromInline
    static func runsNestedWorkSerially() -> Bool { nestedWorkRunsSerially }

    /// Like ``forEachRange(_:costPerItem:_:)``, for bodies that call whole threaded kernels
    /// on independent items (e.g. one image each): while the ranges run on several threads,
    /// every `forEachRange` inside them runs on its calling thread and OpenBLAS uses one
    /// thread, so each thread works through its items with its own caches and no nested
    /// thread pools. Without threads (one thread, or too little work) the body runs here and
    /// the kernels inside thread as usual.
    public static func forEachRangeRunningNestedWorkSerially(
        _ count: Int, costPerItem: Int = 1, _ body: (Range<Int>) -> Void
    ) {
        if runsAsOneRange(count, costPerItem: costPerItem) {
            if count > 0 { body(0..<count) }
            return
        }
        let threads = Swift.min(threadCount, count)
        withSingleThreadedOpenBLAS {
            withoutActuallyEscaping(body) { escapable in
                let box = UncheckedSendable(escapable)
                DispatchQueue.concurrentPerform(iterations: threads) { part in
                    let start = count * part / threads
                    let end = count * (part + 1) / threads
                    if start < end { $nestedWorkRunsSerially.withValue(true) { box.value(start..<end) } }
                }
            }
        }
    }
}

/// Wraps a value that is shared across kernel threads under the kernel's own discipline
/// (each thread writes a disjoint range).
public struct UncheckedSendable<Value>: @unchecked Sendable {
    public let value: Value
    @inlinable public init(_ value: Value) { self.value = value }
}
