// LockstepThreads: runs the parts of one kernel at the same time, each on a thread of its
// own, for kernels whose parts must meet between phases (an LSTM layer split by hidden units
// meets after every time step: each step reads the whole previous hidden state). The meeting
// is a spinning barrier on one atomic counter, which costs about a cache-line transfer where
// a dispatch handshake costs tens of microseconds.
// Why not Parallel.forEachRange: Dispatch may run two iterations one after the other on one
// thread, and a part waiting at a barrier for a part that has not started would wait forever.
// Here the parts are real threads (pthreads), started and joined per call (tens of microseconds): only for work of
// milliseconds or more. A waiting part spins briefly, then yields its core, so an oversubscribed
// machine slows down instead of stalling. Not here: a thread pool, work stealing, uneven parts.

import Foundation
import Synchronization

/// Runs parts of a kernel concurrently on their own threads, with a barrier between phases.
public enum LockstepThreads {
    /// Runs `body(part, barrier)` for every part in `0..<parts`, all at the same time: part 0
    /// on the calling thread, each other part on a new thread. Returns when every part has
    /// returned. Every part must pass the barrier the same number of times.
    public static func run(parts: Int, _ body: (_ part: Int, _ barrier: LockstepBarrier) -> Void) {
        precondition(parts > 0, "LockstepThreads: \(parts) parts")
        let barrier = LockstepBarrier(parties: parts)
        guard parts > 1 else { return body(0, barrier) }
        withoutActuallyEscaping(body) { escapable in
            // Each thread is joined before this closure returns, and its context (which holds
            // the body) is released on that thread: nothing keeps the body afterwards.
            var threads: [pthread_t] = []
            for part in 1..<parts {
                let context = Unmanaged.passRetained(PartContext(body: escapable, part: part, barrier: barrier)).toOpaque()
                var thread = pthread_t()
                let status = pthread_create(&thread, nil, { raw in
                    let context = Unmanaged<PartContext>.fromOpaque(raw!).takeRetainedValue()
                    context.body(context.part, context.barrier)
                    return nil
                }, context)
                precondition(status == 0, "LockstepThreads: could not start a thread (pthread_create: \(status))")
                threads.append(thread)
            }
            escapable(0, barrier)
            for thread in threads { pthread_join(thread, nil) }
        }
    }

    /// What a started thread runs.
    private final class PartContext {
        let body: (Int, LockstepBarrier) -> Void
        let part: Int
        let barrier: LockstepBarrier
        init(body: @escaping (Int, LockstepBarrier) -> Void, part: Int, barrier: LockstepBarrier) {
            self.body = body
            self.part = part
            self.barrier = barrier
        }
    }
}

/// A reusable barrier for a fixed number of parties (``LockstepThreads``): every party's
/// writes before its `wait()` are visible to every party after it.
public final class LockstepBarrier: Sendable {
    /// How many parties meet.
    public let parties: Int
    private let arrivals = Atomic<Int>(0)
    private let phase = Atomic<Int>(0)

    init(parties: Int) { self.parties = parties }

    /// Waits until every party has called `wait()` as often as this one.
    public func wait() {
        guard parties > 1 else { return }
        let current = phase.load(ordering: .acquiring)
        if arrivals.add(1, ordering: .acquiringAndReleasing).newValue == parties {
            // The last to arrive opens the next phase for the others.
            arrivals.store(0, ordering: .relaxed)
            phase.store(current + 1, ordering: .releasing)
            return
        }
        var spins = 0
        while phase.load(ordering: .acquiring) == current {
            spins += 1
            if spins > 4096 { sched_yield() }
        }
    }
}
