// LockstepThreads: runs the parts of one kernel at the same time, each on a thread of its
// own, for kernels whose parts must meet between phases (an LSTM layer split by hidden units
// meets after every time step: each step reads the whole previous hidden state). The meeting
// is a barrier on two atomic counters (arrivals and phase), spun on first, which costs about
// a cache-line transfer where a dispatch handshake costs tens of microseconds.
// Why not Parallel.forEachRange: Dispatch may run two iterations one after the other on one
// thread, and a part waiting at a barrier for a part that has not started would wait forever.
// Here the parts are real threads (pthreads), started and joined per call (tens of
// microseconds): only for work of milliseconds or more. A waiting part spins, then sleeps
// until the last part arrives; it sleeps early when the machine has more runnable threads
// than cores (LockstepBarrier), so that on a machine busy with other work it does not take
// the core the others need. Every thread is started before any part runs: if the system
// refuses one, the work runs as a single part on the calling thread instead.
// Not here: a thread pool, work stealing, uneven parts.

import Foundation
import Synchronization

/// Runs parts of a kernel concurrently on their own threads, with a barrier between phases.
public enum LockstepThreads {
    /// Runs `body(part, partCount, barrier)` for every part in `0..<partCount`, all at the
    /// same time: part 0 on the calling thread, each other part on a new thread. `partCount`
    /// is `parts`, or 1 when the system would not start a thread (the body must split its
    /// work by the count it is given). Returns when every part has returned. Every part must
    /// pass the barrier the same number of times.
    public static func run(parts: Int, _ body: (_ part: Int, _ partCount: Int, _ barrier: LockstepBarrier) -> Void) {
        precondition(parts > 0, "LockstepThreads: \(parts) parts")
        guard parts > 1 else { return body(0, 1, LockstepBarrier(parties: 1)) }
        let barrier = LockstepBarrier(parties: parts)
        let gate = StartGate()
        withoutActuallyEscaping(body) { escapable in
            // Each thread is joined before this closure returns, and its context (which holds
            // the body) is released on that thread: nothing keeps the body afterwards.
            var threads: [pthread_t] = []
            for part in 1..<parts {
                let context = Unmanaged.passRetained(
                    PartContext(body: escapable, part: part, parts: parts, barrier: barrier, gate: gate)).toOpaque()
                var thread = pthread_t()
                let status = pthread_create(&thread, nil, { raw in
                    let context = Unmanaged<PartContext>.fromOpaque(raw!).takeRetainedValue()
                    if context.gate.waitForStart() { context.body(context.part, context.parts, context.barrier) }
                    return nil
                }, context)
                guard status == 0 else {
                    Unmanaged<PartContext>.fromOpaque(context).release()
                    break
                }
                threads.append(thread)
            }
            let started = threads.count == parts - 1
            gate.open(running: started)
            if started {
                escapable(0, parts, barrier)
            }
            for thread in threads { pthread_join(thread, nil) }
            if !started { escapable(0, 1, LockstepBarrier(parties: 1)) }
        }
    }

    /// What a started thread runs.
    private final class PartContext {
        let body: (Int, Int, LockstepBarrier) -> Void
        let part: Int, parts: Int
        let barrier: LockstepBarrier
        let gate: StartGate
        init(body: @escaping (Int, Int, LockstepBarrier) -> Void, part: Int, parts: Int, barrier: LockstepBarrier, gate: StartGate) {
            self.body = body
            self.part = part
            self.parts = parts
            self.barrier = barrier
            self.gate = gate
        }
    }

    /// Holds started threads until every thread is known to have started (or one failed).
    private final class StartGate: Sendable {
        /// 0 while threads are being started, 1 to run, -1 to return without running.
        private let state = Atomic<Int>(0)

        func open(running: Bool) { state.store(running ? 1 : -1, ordering: .releasing) }

        /// Whether the part should run, once the gate opens.
        func waitForStart() -> Bool {
            var spins = 0
            while true {
                let value = state.load(ordering: .acquiring)
                if value != 0 { return value == 1 }
                spins += 1
                if spins > 4096 { sched_yield() }
            }
        }
    }
}

/// A reusable barrier for a fixed number of parties (``LockstepThreads``): every party's
/// writes before its `wait()` are visible to every party after it.
///
/// A waiting party spins on the phase counter, then sleeps on a condition variable. It spins
/// for up to `longSpins` checks while every thread of the process keeps its core. It sleeps
/// (within `spinsBetweenSwitchChecks` checks) once any thread of the process has been
/// switched out involuntarily during the phase (the kernel's count of such switches,
/// `getrusage`, has grown; on systems without that count it never grows): the machine then has
/// more runnable threads than cores, the party waited for may be the one switched out, and a
/// spinning waiter would only hold the core it needs. A wait that spins all `longSpins`
/// checks in vain means the same (a party just woken may sit in the run queue behind other
/// work, which no count shows), and the next `shortSpinPhases` phases of the process spin
/// only `shortSpins` checks.
public final class LockstepBarrier: @unchecked Sendable {
    /// How many parties meet.
    public let parties: Int
    private let arrivals = Atomic<Int>(0)
    private let phase = Atomic<Int>(0)
    /// Where waiters sleep after spinning; the last arrival wakes them.
    private let sleeping = NSCondition()
    /// The process's involuntary context switches when the current phase opened.
    private let switchesAtPhaseStart = Atomic<Int>(0)
    /// Phase checks before a waiter sleeps while the machine looks idle: about 90 us here, a
    /// little less than one step of GE2E's larger LSTM layers.
    ///
    /// Measured on ge2e-infer (2 threads, 480 meetings a batch), against a fixed `shortSpins`:
    /// with that, an idle machine slept and woke about 700 times in 7 batches, each wake-up
    /// making its party late for the next meeting; with a fixed 2^20 (about 350 us) the median
    /// batch was 5% faster, but with one other busy process on the 2 cores it was 2.4 times
    /// slower (0.317 against 0.132 s). These rules keep the first and not the second: median
    /// 0.0826 against 0.0847 s idle (6 alternations), 0.119 against 0.134 s beside one busy
    /// process and 0.232 against 0.232 s beside two (3 and 2 alternations).
    static let longSpins = 1 << 18
    /// Phase checks before a waiter sleeps after a long spin was in vain: about 12 us.
    static let shortSpins = 1 << 15
    /// How many phases spin short after a long spin was in vain.
    static let shortSpinPhases = 256
    /// Phases (of any barrier of the process) left to spin short.
    static let shortSpinPhasesLeft = Atomic<Int>(0)
    /// Phase checks between two reads of the switch count (a system call of about 0.3 us).
    static let spinsBetweenSwitchChecks = 1 << 12

    init(parties: Int) {
        self.parties = parties
        switchesAtPhaseStart.store(LockstepBarrier.involuntarySwitches(), ordering: .relaxed)
    }

    /// How often the kernel has taken a core from a thread of this process that could still
    /// run (`ru_nivcsw`), or 0 where the system does not say.
    static func involuntarySwitches() -> Int {
        #if canImport(Glibc)
        var usage = rusage()
        guard getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage) == 0 else { return 0 }
        return usage.ru_nivcsw
        #else
        return 0
        #endif
    }

    /// Waits until every party has called `wait()` as often as this one.
    public func wait() {
        guard parties > 1 else { return }
        let current = phase.load(ordering: .acquiring)
        if arrivals.add(1, ordering: .acquiringAndReleasing).newValue == parties {
            // The last to arrive opens the next phase for the others, and wakes any that sleep
            // (under the lock: a waiter checks the phase and sleeps under it, so none misses this).
            arrivals.store(0, ordering: .relaxed)
            switchesAtPhaseStart.store(LockstepBarrier.involuntarySwitches(), ordering: .relaxed)
            let shortPhases = LockstepBarrier.shortSpinPhasesLeft.load(ordering: .relaxed)
            if shortPhases > 0 {
                // Another barrier of the process may count down at the same time: one try, never below 0.
                _ = LockstepBarrier.shortSpinPhasesLeft.compareExchange(
                    expected: shortPhases, desired: shortPhases - 1, ordering: .relaxed)
            }
            phase.store(current + 1, ordering: .releasing)
            sleeping.lock()
            sleeping.broadcast()
            sleeping.unlock()
            return
        }
        // The phase was read with acquiring ordering after its opener stored the count.
        let switchesAtStart = switchesAtPhaseStart.load(ordering: .relaxed)
        let spinsAllowed = LockstepBarrier.shortSpinPhasesLeft.load(ordering: .relaxed) > 0
            ? LockstepBarrier.shortSpins : LockstepBarrier.longSpins
        var spins = 0, switched = false
        while spins < spinsAllowed && !switched {
            for _ in 0..<LockstepBarrier.spinsBetweenSwitchChecks where phase.load(ordering: .acquiring) != current { return }
            spins += LockstepBarrier.spinsBetweenSwitchChecks
            switched = LockstepBarrier.involuntarySwitches() != switchesAtStart
        }
        if !switched && spinsAllowed == LockstepBarrier.longSpins {
            // A long spin in vain, with no thread switched out.
            LockstepBarrier.shortSpinPhasesLeft.store(LockstepBarrier.shortSpinPhases, ordering: .relaxed)
        }
        sleeping.lock()
        while phase.load(ordering: .acquiring) == current { sleeping.wait() }
        sleeping.unlock()
    }
}
