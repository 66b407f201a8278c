// Tests of BlockClaims: the order of claims within one step, taken one by one (a part's own
// blocks from the front, another's from the back down to the last one, which stays its
// owner's), clearing a step's counters for the step two later; and, with parts on threads
// that meet at LockstepThreads' barrier and one part now and then late, every block claimed
// exactly once a step and some taken from the late part.

import FactoryTensor
import Foundation
import Synchronization
import Testing

@Suite struct BlockClaimsTests {
    @Test func ownBlocksFromTheFrontOthersFromTheBack() {
        let claims = BlockClaims(blockCount: 10, parts: 3)
        #expect([0, 1, 2].map { claims.range(of: $0) } == [0..<3, 3..<6, 6..<10])
        // Part 0 takes its own three, then part 2's from the back while two or more are
        // unclaimed: 9, 8, 7, leaving 6 to part 2.
        var taken: [Int] = []
        while let block = claims.claimOwn(part: 0, step: 0) { taken.append(block) }
        while let block = claims.claimFromBack(of: 2, step: 0) { taken.append(block) }
        #expect(taken == [0, 1, 2, 9, 8, 7])
        #expect(claims.claimOwn(part: 2, step: 0) == 6)
        #expect(claims.claimOwn(part: 2, step: 0) == nil)
        // Part 1 has taken one of its own: 4 and 5 are left, so another part takes 5 only.
        #expect(claims.claimOwn(part: 1, step: 0) == 3)
        #expect(claims.claimFromBack(of: 1, step: 0) == 5)
        #expect(claims.claimFromBack(of: 1, step: 0) == nil)
        #expect(claims.claimOwn(part: 1, step: 0) == 4)
        #expect(claims.claimOwn(part: 1, step: 0) == nil)
        // Step 1 has counters of its own; step 2 reuses step 0's once each part cleared its own.
        #expect(claims.claimOwn(part: 1, step: 1) == 3)
        for part in 0..<3 { claims.clear(part: part, step: 0) }
        #expect(claims.claimOwn(part: 0, step: 2) == 0)
        #expect(claims.claimFromBack(of: 2, step: 2) == 9)
    }

    /// Three parts, 16 blocks (5, 5 and 6 each), 200 steps. Every 10th step part 2 starts 5 ms
    /// late, so the others finish their own blocks first and take some of its.
    @Test func everyBlockOnceAStepWithALatePart() {
        let parts = 3, blocks = 16, steps = 200
        let claims = BlockClaims(blockCount: blocks, parts: parts)
        // Part p marks what it claimed in its own region: no two parts write the same entry.
        let marks = UnsafeMutablePointer<Int>.allocate(capacity: parts * steps * blocks)
        marks.initialize(repeating: 0, count: parts * steps * blocks)
        defer { marks.deallocate() }
        let shared = UncheckedSendable(marks)
        let takenFromOthers = Atomic<Int>(0)
        var partCounts: [Int] = []
        LockstepThreads.run(parts: parts) { part, partCount, barrier in
            if part == 0 { partCounts.append(partCount) }
            let mine = shared.value + part * steps * blocks
            for step in 0..<steps {
                if part == 2 && step % 10 == 0 { usleep(5000) }
                if step > 0 { claims.clear(part: part, step: step - 1) }
                while let block = claims.claimOwn(part: part, step: step) { mine[step * blocks + block] += 1 }
                for offset in 1..<partCount {
                    while let block = claims.claimFromBack(of: (part + offset) % partCount, step: step) {
                        mine[step * blocks + block] += 1
                        takenFromOthers.add(1, ordering: .relaxed)
                    }
                }
                barrier.wait()
            }
        }
        let counts = (0..<(steps * blocks)).map { index in (0..<parts).reduce(0) { $0 + marks[$1 * steps * blocks + index] } }
        #expect(partCounts == [parts])
        let wrong = (0..<(steps * blocks)).filter { counts[$0] != 1 }
        #expect(wrong.isEmpty, "blocks not claimed exactly once (step, block): \(wrong.prefix(5).map { ($0 / blocks, $0 % blocks) })")
        // 20 late starts of 5 ms, each leaving 5 of part 2's 6 blocks to the others (who need
        // microseconds for theirs): at least 10 taken even on a crowded machine.
        #expect(takenFromOthers.load(ordering: .relaxed) >= 10)
    }
}
