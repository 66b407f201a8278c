// Tests of `Parallel.forEachRangeRunningNestedWorkSerially`: every item is visited once,
// and a `forEachRange` called inside one of its ranges runs on the calling thread (one
// range covering all its items), while outside such a range it still splits the work.

import FactoryTensor
import Foundation
import Synchronization
import Testing

@Suite(.serialized) struct NestedParallelWorkTests {
    @Test func nestedKernelsRunSeriallyInsideAndSplitOutside() {
        let saved = Parallel.threadCount
        Parallel.threadCount = 2
        defer { Parallel.threadCount = saved }
        let outerItems = 8, innerItems = 1 << 16
        let visits = Mutex([Int](repeating: 0, count: outerItems))
        let innerRangeCounts = Mutex([Int]())
        Parallel.forEachRangeRunningNestedWorkSerially(outerItems, costPerItem: Parallel.elementThreshold) { range in
            for item in range {
                visits.withLock { $0[item] += 1 }
                var ranges = 0
                Parallel.forEachRange(innerItems) { _ in ranges += 1 }  // runs here, so no race
                innerRangeCounts.withLock { $0.append(ranges) }
            }
        }
        #expect(visits.withLock { $0 } == [Int](repeating: 1, count: outerItems))
        #expect(innerRangeCounts.withLock { $0 } == [Int](repeating: 1, count: outerItems))
        // Outside, the same call splits over both threads again.
        let outsideRanges = Mutex(0)
        Parallel.forEachRange(innerItems) { _ in outsideRanges.withLock { $0 += 1 } }
        #expect(outsideRanges.withLock { $0 } == 2)
    }
}
