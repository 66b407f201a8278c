// OrderedResults: independent work items spread over all cores (DispatchQueue.concurrentPerform),
// each result in its own slot, read back in item order — so the failure reported is the first
// in that order (not whichever thread failed first) and names the same file on every run.
// Used to decode images and check data sets. Not here: what the items are (DefectImages,
// DefectData).

import FactoryKit
import Foundation

/// Results of `count` independent items computed on all cores, in item order.
final class OrderedResults<Value>: @unchecked Sendable {
    private var slots: [Result<Value, Error>?]
    private let lock = NSLock()

    private init(count: Int) { slots = Array(repeating: nil, count: count) }

    /// `body(0) ..< body(count)` computed concurrently.
    /// - Returns: the values in item order.
    /// - Throws: the error of the lowest-numbered item that failed.
    static func map(count: Int, _ body: (Int) throws -> Value) throws -> [Value] {
        let results = OrderedResults(count: count)
        withoutActuallyEscaping(body) { body in
            let work = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: count) { index in
                results.set(index, Result { try work.value(index) })
            }
        }
        return try results.slots.map { try $0!.get() }
    }

    private func set(_ index: Int, _ result: Result<Value, Error>) {
        lock.lock()
        slots[index] = result
        lock.unlock()
    }
}
