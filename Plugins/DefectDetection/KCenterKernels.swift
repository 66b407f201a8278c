// KCenterKernels: the inner loops of the greedy k-centre coreset (CoresetSelection.swift) —
// squared distances of stored rows (Float or Float16) to a Float point, whole or with an
// early exit once a partial sum shows the distance cannot fall below a limit; partial
// squared distances over the leading coordinates of eight points at once (stored
// transposed); lane masks of comparisons (8 or 16 lanes); and a tournament tree that finds
// the widest cluster. Exactness notes are on each kernel: the search's result must not
// depend on which of them it used. Not here: the search itself.

import FactoryKit

/// How the greedy k-centre search stores coordinates: `Float`, or `Float16` (half the memory
/// traffic, for points already rounded to half precision). Arithmetic is in Float.
public protocol KCenterScalar: Sendable {
    init(_ value: Float)
    /// The value as a Float (exact for both conforming types).
    var floatValue: Float { get }
    /// Eight consecutive values, as floats.
    static func load8(_ pointer: UnsafePointer<Self>) -> SIMD8<Float>
}

extension Float: KCenterScalar {
    @inline(__always) public var floatValue: Float { self }
    @inline(__always) public static func load8(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
    }
}

extension Float16: KCenterScalar {
    @inline(__always) public var floatValue: Float { Float(self) }
    @inline(__always) public static func load8(_ pointer: UnsafePointer<Float16>) -> SIMD8<Float> {
        SIMD8<Float>(UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float16>.self))
    }
}

/// The greedy k-centre search's kernels.
public enum KCenterKernels {
    /// Relative safety factor of every early exit and partial-sum pruning test: a partial sum
    /// prunes only when it exceeds the limit by this factor, far more than the rounding
    /// difference (a few units in the last place) between any two summation orders of the
    /// same non-negative terms — so pruning never changes a comparison of whole distances.
    public static let partialSumFactor: Float = 1.0001

    /// `|x - y|²` over `dimensions` values: eight lanes, one accumulator, then the remainder
    /// (the early-exit form below with no limit).
    @inline(__always)
    public static func squaredDistance<Scalar: KCenterScalar>(_ x: UnsafePointer<Scalar>, _ y: UnsafePointer<Float>, _ dimensions: Int) -> Float {
        squaredDistance(x, y, dimensions, unlessAtLeast: .infinity)
    }

    /// ``squaredDistance(_:_:_:)`` (the same value, bit for bit) when it is below `limit`;
    /// otherwise possibly stops early and returns a partial sum that is at least `limit`.
    /// The partial sums (after 32 and 64 values) are the same accumulator's lanes summed, so
    /// the whole sum is never below them; they stop the loop only when at least
    /// `limit * partialSumFactor`. With points on their principal axes (largest variance
    /// first), most far points stop after the first 32 values.
    @inline(__always)
    public static func squaredDistance<Scalar: KCenterScalar>(_ x: UnsafePointer<Scalar>, _ y: UnsafePointer<Float>, _ dimensions: Int,
                                                              unlessAtLeast limit: Float) -> Float {
        var index = 0
        var accumulator = SIMD8<Float>()
        let stop = limit * partialSumFactor
        var checkpoint = 32
        while index + 8 <= dimensions {
            let a = Scalar.load8(x + index) - UnsafeRawPointer(y + index).loadUnaligned(as: SIMD8<Float>.self)
            accumulator.addProduct(a, a)
            index += 8
            if index == checkpoint {
                let partial = accumulator.sum()
                if partial >= stop { return partial }
                checkpoint *= 2
            }
        }
        var sum = accumulator.sum()
        while index < dimensions {
            let difference = x[index].floatValue - y[index]
            sum += difference * difference
            index += 1
        }
        return sum
    }

    /// The lanes of `mask` as the bits of an integer (lane i: bit i).
    @inline(__always)
    public static func laneBits(_ mask: SIMDMask<SIMD8<Int32>>) -> Int {
        let bits = SIMD8<Int32>(1, 2, 4, 8, 16, 32, 64, 128)
        return Int(SIMD8<Int32>(repeating: 0).replacing(with: bits, where: mask).wrappedSum())
    }

    /// The lanes where `a < b` as the bits of an integer (lane i: bit i), 8 or 16 lanes.
    @inline(__always)
    public static func laneBits<V: KernelFloatVector>(_ a: V, lessThan b: V) -> Int {
        NearestNeighbourIndex.negativeLanes(V().replacing(with: -1, where: V.lanesLess(a, b)))
    }

    /// `Σ_{h < leading} (rows[h][i] - y[h])²` for the eight points i = 0..<8 of a block whose
    /// leading coordinates are `rows` (row h: coordinate h of the eight points, as floats,
    /// converted once for all the centres a block is compared with). A lower bound on each
    /// point's whole squared distance to `y` (up to rounding: compare with ``partialSumFactor``).
    @inline(__always)
    public static func leadingSquaredDistances8(_ rows: UnsafePointer<SIMD8<Float>>, _ y: UnsafePointer<Float>, leading: Int) -> SIMD8<Float> {
        var sums = SIMD8<Float>()
        for row in 0..<leading {
            let difference = rows[row] - SIMD8(repeating: y[row])
            sums.addProduct(difference, difference)
        }
        return sums
    }
}

/// A tournament tree over the squared radii of the clusters: the widest cluster (the lowest
/// index among equal radii) in O(1), an update in O(log k).
public struct KCenterTournament {
    /// Leaves: a power of two at least the capacity.
    let leaves: Int
    /// Per leaf: its value (-1 for leaves not in use).
    var values: [Float]
    /// Node n (1 ..< leaves, root 1) holds the winning leaf of its subtree.
    var winners: [Int32]

    /// A tree for up to `capacity` values, none in use.
    public init(capacity: Int) {
        var size = 1
        while size < Swift.max(capacity, 1) { size *= 2 }
        leaves = size
        values = [Float](repeating: -1, count: size)
        winners = [Int32](repeating: 0, count: Swift.max(size, 2))
        for node in stride(from: size - 1, through: 1, by: -1) { replay(node) }
    }

    /// Recomputes node `node`'s winner from its two children.
    @inline(__always)
    mutating func replay(_ node: Int) {
        let left = 2 * node, right = left + 1
        let a = left >= leaves ? left - leaves : Int(winners[left])
        let b = right >= leaves ? right - leaves : Int(winners[right])
        // a < b always (the left subtree's leaves come first): b wins only when strictly larger.
        winners[node] = Int32(values[b] > values[a] ? b : a)
    }

    /// The leaf with the largest value (the lowest index among equal values).
    public var winner: Int { leaves == 1 ? 0 : Int(winners[1]) }

    /// The value of leaf `index`.
    public subscript(index: Int) -> Float { values[index] }

    /// Sets leaf `index` to `value` (non-negative) and replays its matches.
    public mutating func update(_ index: Int, _ value: Float) {
        values[index] = value
        var node = (index + leaves) / 2
        while node >= 1 {
            replay(node)
            node /= 2
        }
    }
}
