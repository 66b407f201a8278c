// KCenterKernels: the inner loops of the greedy k-centre coreset (CoresetSelection.swift) —
// squared distances of stored rows (Float or Float16) to a Float point, whole or with an
// early exit once a partial sum shows the distance cannot fall below a limit; partial squared
// distances over the leading coordinates of eight points (stored transposed) against a panel
// of centres at once (as |c|² - 2 x·c); lane masks of comparisons (8 or 16 lanes); the
// centres in panels of 16 and their products with a batch of new centres; and a tournament
// tree that finds the widest cluster. Exactness notes are on each kernel: the search's result
// must not depend on which of them it used. Not here: the search itself.

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

    /// `output[m * outputStride + i] = norms[i] + Σ_h rows[h][m] · panel[h · lanes + i]` for
    /// the eight points m of a block (`rows`: their leading coordinates, transposed, as
    /// floats) and the `V.scalarCount` centres i of a panel holding `-2 c_h`, with `norms` the
    /// centres' squared norms over the leading coordinates: |c|² - 2 x·c, the partial squared
    /// distance less |x|². Eight independent chains of fused multiply-adds (one per point),
    /// each a Float sum of `leading + 1` terms in order.
    @inline(__always)
    public static func panelProducts<V: KernelFloatVector>(_: V.Type, _ rows: UnsafePointer<SIMD8<Float>>, _ panel: UnsafePointer<Float>,
                                                           norms: UnsafePointer<Float>, leading: Int,
                                                           output: UnsafeMutablePointer<Float>, outputStride: Int) {
        let start = V.loadUnaligned(from: norms)
        var s0 = start, s1 = start, s2 = start, s3 = start, s4 = start, s5 = start, s6 = start, s7 = start
        var column = panel
        for h in 0..<leading {
            let values = V.loadUnaligned(from: column)
            column += V.scalarCount
            let x = rows[h]
            s0.addProduct(V(repeating: x[0]), values); s1.addProduct(V(repeating: x[1]), values)
            s2.addProduct(V(repeating: x[2]), values); s3.addProduct(V(repeating: x[3]), values)
            s4.addProduct(V(repeating: x[4]), values); s5.addProduct(V(repeating: x[5]), values)
            s6.addProduct(V(repeating: x[6]), values); s7.addProduct(V(repeating: x[7]), values)
        }
        s0.storeUnaligned(to: output); s1.storeUnaligned(to: output + outputStride)
        s2.storeUnaligned(to: output + 2 * outputStride); s3.storeUnaligned(to: output + 3 * outputStride)
        s4.storeUnaligned(to: output + 4 * outputStride); s5.storeUnaligned(to: output + 5 * outputStride)
        s6.storeUnaligned(to: output + 6 * outputStride); s7.storeUnaligned(to: output + 7 * outputStride)
    }
}

/// The centres of a greedy k-centre run in panels of 16: centre c's coordinate k at
/// `values[((c / 16) * dimensions + k) * 16 + c % 16]`, so that the products of a batch of new
/// centres with every centre run through each panel once with vector loads, and adding a
/// centre writes one column — no repacking per batch, which is what a BLAS call pays (at
/// 22 x 64 x 15,680 it reached about 23 GFLOP/s; see `products`).
public struct KCenterCentrePanels {
    /// Centres per panel.
    public static let width = 16
    public let values: UnsafeMutablePointer<Float>
    public let dimensions: Int
    public let capacity: Int

    /// Room for `capacity` centres (rounded up to whole panels), all zero.
    public init(capacity: Int, dimensions: Int) {
        self.dimensions = dimensions
        self.capacity = (Swift.max(capacity, 1) + Self.width - 1) / Self.width * Self.width
        values = .allocate(capacity: self.capacity * dimensions)
        values.initialize(repeating: 0, count: self.capacity * dimensions)
    }

    public func deallocate() { values.deallocate() }

    /// Stores centre `slot`'s coordinates.
    public func set(_ slot: Int, _ row: UnsafePointer<Float>) {
        let panel = values + (slot / Self.width) * dimensions * Self.width + slot % Self.width
        for k in 0..<dimensions { panel[k * Self.width] = row[k] }
    }

    /// `output[i * outputStride + c] = Σ_k batch[i * dimensions + k] * centre_c[k]` for the
    /// `batchCount` rows of `batch` and the centres `0 ..< centreCount` (written in whole
    /// panels: up to the next multiple of 16, from the zeros of unused slots). Each product
    /// is a Float sum of `dimensions` products, in order, with fused multiply-adds: within
    /// `dimensions` units in the last place of `|a| |b|`, as any summation order is. On all
    /// threads when there is enough work.
    public func products<V: KernelFloatVector>(_: V.Type, batch: UnsafePointer<Float>, batchCount: Int, centreCount: Int,
                                                output: UnsafeMutablePointer<Float>, outputStride: Int) {
        let panels = (centreCount + Self.width - 1) / Self.width
        let values = UnsafePointer(self.values), dimensions = self.dimensions
        // Rows go in groups (eight accumulators each); the last, partial group is computed
        // from a zero-padded copy into a scratch panel row block.
        let groupRows = Self.width / V.scalarCount == 1 ? 8 : 4
        let whole = batchCount / groupRows * groupRows, rest = batchCount - whole
        var padded = [Float](repeating: 0, count: groupRows * dimensions)
        for index in 0..<(rest * dimensions) { padded[index] = batch[whole * dimensions + index] }
        padded.withUnsafeBufferPointer { padded in
            let output = UncheckedSendable(output), batch = UncheckedSendable(batch), padded = UncheckedSendable(padded.baseAddress!)
            Parallel.forEachRange(panels, costPerItem: 2 * batchCount * dimensions * Self.width) { range in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: groupRows * Self.width) { scratch in
                    let scratch = scratch.baseAddress!
                    for panel in range {
                        let panelValues = values + panel * dimensions * Self.width, target = output.value + panel * Self.width
                        for row in stride(from: 0, to: whole, by: groupRows) {
                            Self.groupProducts(V.self, batch: batch.value + row * dimensions, panel: panelValues, dimensions: dimensions,
                                               output: target + row * outputStride, outputStride: outputStride)
                        }
                        guard rest > 0 else { continue }
                        Self.groupProducts(V.self, batch: padded.value, panel: panelValues, dimensions: dimensions, output: scratch, outputStride: Self.width)
                        for row in 0..<rest {
                            (target + (whole + row) * outputStride).update(from: scratch + row * Self.width, count: Self.width)
                        }
                    }
                }
            }
        }
    }

    /// One panel's products with one group of batch rows: eight accumulators (with 16 lanes
    /// eight rows, with 8 lanes four rows of two vectors), so that eight independent chains
    /// of fused multiply-adds hide their latency.
    @inline(__always)
    static func groupProducts<V: KernelFloatVector>(_: V.Type, batch a: UnsafePointer<Float>, panel: UnsafePointer<Float>, dimensions: Int,
                                                    output target: UnsafeMutablePointer<Float>, outputStride: Int) {
        let lanes = V.scalarCount
        if lanes == Self.width {
            // One pointer per row: no index arithmetic (and its overflow checks) in the loop.
            let a0 = a, a1 = a0 + dimensions, a2 = a1 + dimensions, a3 = a2 + dimensions
            let a4 = a3 + dimensions, a5 = a4 + dimensions, a6 = a5 + dimensions, a7 = a6 + dimensions
            var s0 = V(), s1 = V(), s2 = V(), s3 = V(), s4 = V(), s5 = V(), s6 = V(), s7 = V()
            var column = panel
            for k in 0..<dimensions {
                let values = V.loadUnaligned(from: column)
                column += Self.width
                s0.addProduct(V(repeating: a0[k]), values); s1.addProduct(V(repeating: a1[k]), values)
                s2.addProduct(V(repeating: a2[k]), values); s3.addProduct(V(repeating: a3[k]), values)
                s4.addProduct(V(repeating: a4[k]), values); s5.addProduct(V(repeating: a5[k]), values)
                s6.addProduct(V(repeating: a6[k]), values); s7.addProduct(V(repeating: a7[k]), values)
            }
            s0.storeUnaligned(to: target); s1.storeUnaligned(to: target + outputStride)
            s2.storeUnaligned(to: target + 2 * outputStride); s3.storeUnaligned(to: target + 3 * outputStride)
            s4.storeUnaligned(to: target + 4 * outputStride); s5.storeUnaligned(to: target + 5 * outputStride)
            s6.storeUnaligned(to: target + 6 * outputStride); s7.storeUnaligned(to: target + 7 * outputStride)
        } else {
            let r0 = a, r1 = r0 + dimensions, r2 = r1 + dimensions, r3 = r2 + dimensions
            var s0 = V(), s1 = V(), s2 = V(), s3 = V(), t0 = V(), t1 = V(), t2 = V(), t3 = V()
            var column = panel
            for k in 0..<dimensions {
                let low = V.loadUnaligned(from: column), high = V.loadUnaligned(from: column + lanes)
                column += Self.width
                let a0 = V(repeating: r0[k]), a1 = V(repeating: r1[k]), a2 = V(repeating: r2[k]), a3 = V(repeating: r3[k])
                s0.addProduct(a0, low); t0.addProduct(a0, high); s1.addProduct(a1, low); t1.addProduct(a1, high)
                s2.addProduct(a2, low); t2.addProduct(a2, high); s3.addProduct(a3, low); t3.addProduct(a3, high)
            }
            s0.storeUnaligned(to: target); t0.storeUnaligned(to: target + lanes)
            s1.storeUnaligned(to: target + outputStride); t1.storeUnaligned(to: target + outputStride + lanes)
            s2.storeUnaligned(to: target + 2 * outputStride); t2.storeUnaligned(to: target + 2 * outputStride + lanes)
            s3.storeUnaligned(to: target + 3 * outputStride); t3.storeUnaligned(to: target + 3 * outputStride + lanes)
        }
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
