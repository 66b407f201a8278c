// TensorStorage: the reference-counted, 64-byte-aligned Float32 buffer behind every Tensor,
// and the pool that recycles large buffers. Views (reshape, transpose, slice, expand) share
// one storage; it is not a tensor and knows nothing of shapes or gradients.
//
// Why a pool: a training step allocates the same large buffers every step. Fresh large
// allocations come from mmap and cost a page fault per 4 KiB on first touch (about as much
// as the kernel that fills them); recycled ones are already mapped.

import Foundation
import Synchronization

/// A contiguous, aligned block of `Float` values owned by one or more tensors.
public final class TensorStorage: @unchecked Sendable {
    /// Number of `Float` elements in the buffer.
    public let count: Int
    /// Start of the buffer. Valid for the lifetime of this object.
    public let pointer: UnsafeMutablePointer<Float>

    /// Allocates uninitialised storage for `count` floats.
    public init(uninitializedCount count: Int) {
        precondition(count >= 0, "TensorStorage: negative element count \(count)")
        self.count = count
        let byteCount = Swift.max(count, 1) * MemoryLayout<Float>.stride
        let raw = StoragePool.shared.take(byteCount: byteCount)
            ?? UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: 64)
        self.pointer = raw.bindMemory(to: Float.self, capacity: Swift.max(count, 1))
    }

    /// Allocates storage for `count` floats, every one set to `value`.
    public convenience init(count: Int, repeating value: Float) {
        self.init(uninitializedCount: count)
        pointer.initialize(repeating: value, count: count)
    }

    deinit {
        let byteCount = Swift.max(count, 1) * MemoryLayout<Float>.stride
        let raw = UnsafeMutableRawPointer(pointer)
        if !StoragePool.shared.give(raw, byteCount: byteCount) { raw.deallocate() }
    }
}

/// Recycles freed buffers of 64 KiB and more, by exact size, up to a byte budget.
public final class StoragePool: Sendable {
    /// The pool every `TensorStorage` uses. Its budget is an eighth of physical memory, at
    /// least 1 GiB: a training step of a convolutional backbone frees 2 GiB of activations
    /// (EfficientNet-Lite0, batch 16 at 224), and what the pool cannot keep is faulted in
    /// again, page by page, the next step. The pool never holds more than was once live.
    public static let shared = StoragePool(
        budgetBytes: Swift.max(1 << 30, Int(clamping: ProcessInfo.processInfo.physicalMemory / 8)))

    /// Buffers smaller than this go straight back to malloc, which serves them well.
    public static let minimumPooledBytes = 1 << 16

    private struct State {
        var free: [Int: [UnsafeMutableRawPointer]] = [:]
        var cachedBytes = 0
    }
    private let state = Mutex(UncheckedSendable(State()))
    private let budgetBytes: Int

    init(budgetBytes: Int) { self.budgetBytes = budgetBytes }

    func take(byteCount: Int) -> UnsafeMutableRawPointer? {
        guard byteCount >= StoragePool.minimumPooledBytes else { return nil }
        return state.withLock { box -> UnsafeMutableRawPointer? in
            var current = box.value
            guard let pointer = current.free[byteCount]?.popLast() else { return nil }
            current.cachedBytes -= byteCount
            box = UncheckedSendable(current)
            return pointer
        }
    }

    func give(_ pointer: UnsafeMutableRawPointer, byteCount: Int) -> Bool {
        guard byteCount >= StoragePool.minimumPooledBytes else { return false }
        return state.withLock { box -> Bool in
            var current = box.value
            guard current.cachedBytes + byteCount <= budgetBytes else { return false }
            current.free[byteCount, default: []].append(pointer)
            current.cachedBytes += byteCount
            box = UncheckedSendable(current)
            return true
        }
    }

    /// Returns every cached buffer to the system.
    public func drain() {
        state.withLock { box in
            for pointers in box.value.free.values { for pointer in pointers { pointer.deallocate() } }
            box = UncheckedSendable(State())
        }
    }

    /// Bytes currently held for reuse.
    public var cachedBytes: Int { state.withLock { $0.value.cachedBytes } }
}
