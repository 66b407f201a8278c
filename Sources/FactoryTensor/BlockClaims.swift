// BlockClaims: who computes which block of units in each step of a lockstep kernel (an LSTM
// layer split by hidden units). Each part owns a contiguous range of the blocks and takes
// them from the front, so in a steady run the same part computes the same blocks every step
// and their weights stay in its core's cache. A part that has finished its own takes blocks
// from the back of another part's range, while that part still has at least two blocks
// unclaimed: when one core runs slower for a while (a busy neighbour on the host, say), the
// step then ends when the work is done, not when the slow part is. Each block is claimed
// exactly once a step; what a block computes does not depend on who claims it.
// Not here: the barrier between steps (LockstepBarrier), the blocks' work.

import Synchronization

/// The claims on the blocks of a lockstep kernel's steps, for a fixed number of parts.
///
/// Each part runs, in step `t` (after the barrier that ended step `t - 1`):
/// ```swift
/// if t > 0 { claims.clear(part: part, step: t - 1) }
/// while let block = claims.claimOwn(part: part, step: t) { compute(block) }
/// for offset in 1..<parts {
///     while let block = claims.claimFromBack(of: (part + offset) % parts, step: t) { compute(block) }
/// }
/// barrier.wait()
/// ```
///
/// Step `t` uses one of two sets of counters (by the parity of `t`); each part clears its
/// own counter of step `t - 1` at the start of step `t`, after the barrier that ended step
/// `t - 1` and before the one that ends step `t`, so no part still uses it and none uses it
/// again before it is clear.
public final class BlockClaims: @unchecked Sendable {
    /// Blocks in a step.
    public let blockCount: Int
    /// Parts that share them.
    public let parts: Int
    /// Per step parity and part, a cache line: claims from the front (by the owner) in the
    /// high 32 bits, from the back (by the others) in the low 32 bits.
    private let counters: UnsafeMutablePointer<Atomic<Int>>
    private static let countersPerLine = 8
    /// A part takes from another's range only while at least this many of its blocks are
    /// unclaimed: with one left, its owner (whose cache holds the block's weights) is about
    /// to take it.
    public static let minimumUnclaimedToTake = 2

    /// Claims for `blockCount` blocks shared by `parts` parts, none claimed yet.
    public init(blockCount: Int, parts: Int) {
        precondition(parts > 0 && blockCount >= 0 && blockCount < 1 << 31, "BlockClaims: \(blockCount) blocks, \(parts) parts")
        self.blockCount = blockCount
        self.parts = parts
        let count = 2 * parts * BlockClaims.countersPerLine
        // Line-aligned, so that no counter shares a line with other heap data either.
        counters = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Atomic<Int>>.stride, alignment: 64)
            .bindMemory(to: Atomic<Int>.self, capacity: count)
        for index in 0..<count { (counters + index).initialize(to: Atomic(0)) }
    }

    deinit {
        counters.deinitialize(count: 2 * parts * BlockClaims.countersPerLine)
        UnsafeMutableRawPointer(counters).deallocate()
    }

    /// The blocks `part` owns.
    public func range(of part: Int) -> Range<Int> {
        (blockCount * part / parts)..<(blockCount * (part + 1) / parts)
    }

    private func counter(part: Int, step: Int) -> UnsafeMutablePointer<Atomic<Int>> {
        counters + ((step % 2) * parts + part) * BlockClaims.countersPerLine
    }

    /// Clears `part`'s claims of `step`: call at the start of step `step + 1`.
    public func clear(part: Int, step: Int) {
        counter(part: part, step: step).pointee.store(0, ordering: .relaxed)
    }

    /// The next unclaimed block of `part`'s own range in `step`, from the front, or nil.
    public func claimOwn(part: Int, step: Int) -> Int? {
        let range = range(of: part)
        return claim(counter(part: part, step: step), size: range.count, fromFront: true, unclaimedAtLeast: 1)
            .map { range.lowerBound + $0 }
    }

    /// The last unclaimed block of `owner`'s range in `step`, or nil when fewer than
    /// ``minimumUnclaimedToTake`` are unclaimed.
    public func claimFromBack(of owner: Int, step: Int) -> Int? {
        let range = range(of: owner)
        return claim(counter(part: owner, step: step), size: range.count, fromFront: false,
                     unclaimedAtLeast: BlockClaims.minimumUnclaimedToTake)
            .map { range.upperBound - 1 - $0 }
    }

    /// Takes one claim at either end: the index from that end, or nil.
    private func claim(_ counter: UnsafeMutablePointer<Atomic<Int>>, size: Int, fromFront: Bool, unclaimedAtLeast: Int) -> Int? {
        var packed = counter.pointee.load(ordering: .relaxed)
        while true {
            let front = packed >> 32, back = packed & 0xFFFF_FFFF
            guard size - front - back >= unclaimedAtLeast else { return nil }
            let desired = fromFront ? packed + (1 << 32) : packed + 1
            let (exchanged, original) = counter.pointee.compareExchange(
                expected: packed, desired: desired, ordering: .relaxed)
            if exchanged { return fromFront ? front : back }
            packed = original
        }
    }
}
