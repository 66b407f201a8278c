// CoresetSelection: PatchCore's memory-bank reduction — greedy k-centre selection (each new
// centre is the point farthest from every centre chosen so far), on the features' leading
// principal coordinates (centred, rotated onto their principal axes, the largest-variance axes
// kept) rounded to Float16 for speed (`select`; the rounding is far below what the dropped axes
// change). The greedy loop is exact on the points it is given (the same choice as the
// brute-force definition, up to ties). The first 256 centres are chosen densely (every point
// against each new centre, in order, on all threads: while clusters hold thousands of points
// that costs less than scanning them); then the loop skips work with bounds: every point belongs
// to its nearest centre's cluster; a new centre c can only take members from clusters j with
// |c - c_j| < 2 r_j (r_j: the cluster's radius), and only members x with
// |x - c_j| > |c - c_j| / 2 and |x - c| < |x - c_j|. Centres are chosen in batches that are
// provably the next greedy choices (a candidate joins the batch when no centre of the batch is
// closer to it than its own distance: see `KCenterSearch.run`), and one sweep serves the whole
// batch: in high dimensions most clusters are within reach of every new centre, so a batch of
// 20-30 centres loads each cluster once instead of 20-30 times (on the benchmark's features,
// 3.3 M cluster visits instead of 19.8 M). The batch's distances to every centre come from their
// products (computed from centre panels: KCenterKernels.swift) and squared norms, lowered by
// their rounding, checked one vector of centres (`KernelVector`'s lanes: 16 in an AVX-512 build)
// at a time; partial squared distances over the 16 leading (largest-variance) coordinates, eight
// members against a panel of the batch's centres at a time (as |x|² + |c|² - 2 x·c), rule out
// most (member, centre) pairs before any whole distance is computed (with a margin so that
// rounding never rules out a move). Each cluster keeps its members sorted by distance to the
// centre (a scan stops at the first member too close to it), with distances and leading
// coordinates in blocks of eight (transposed) and rows that never move; the widest cluster comes
// from a tournament tree; with many centres, each thread takes a run of them. Not here: feature
// extraction (PatchFeatures.swift), scoring (NearestNeighbourIndex.swift).

import FactoryKit
import Foundation

/// Greedy k-centre coreset selection.
public enum CoresetSelection {
    /// The indices of a greedy k-centre coreset of `points` (rows of `dimensions` floats).
    ///
    /// Definition: start with `start`; then repeatedly add the point whose squared distance
    /// to its nearest chosen centre is largest (the lowest index among exact ties of the
    /// brute-force sweep is guaranteed only for the dense start: after it, ties are broken by
    /// cluster). Stops early when every point coincides with a centre.
    ///
    /// With `halfPrecision`, the points are first rounded to `Float16` (stored in half the
    /// memory; distances still computed in Float32): the result is the exact greedy selection
    /// of the rounded points.
    /// - Parameters:
    ///   - points: `count * dimensions` values, row-major.
    ///   - dimensions: values per point.
    ///   - selecting: how many centres to choose (at most the number of points).
    ///   - start: the first centre.
    ///   - lanes: centres per vector in the sweep, 8 or 16 (by default this build's
    ///     `KernelVector`; the result does not depend on it).
    ///   - batch: at most this many centres chosen before one sweep (the result does not
    ///     depend on it: see ``KCenterSearch``; at most 64 are used).
    ///   - parallelBuildFrom: with at least this many members moved by a batch, its new
    ///     clusters are built on all threads (the result does not depend on it).
    ///   - denseCentres: this many centres (at least the first) are chosen by sweeps over
    ///     every point before the clusters take over (the result does not depend on it, up
    ///     to how exact ties are broken).
    /// - Returns: the chosen indices in the order they were chosen.
    public static func greedyKCenter(points: [Float], dimensions: Int, selecting wanted: Int, start: Int = 0,
                                     halfPrecision: Bool = false, lanes: Int = KernelVector.scalarCount, batch: Int = 32,
                                     parallelBuildFrom: Int = 4096, denseCentres: Int = 256) -> [Int] {
        precondition(dimensions > 0 && points.count % dimensions == 0, "greedyKCenter: \(points.count) values are not rows of \(dimensions)")
        precondition(lanes == 8 || lanes == 16, "greedyKCenter: lanes must be 8 or 16, got \(lanes)")
        precondition(batch >= 1, "greedyKCenter: batch must be at least 1, got \(batch)")
        let count = points.count / dimensions
        guard count > 0, wanted > 0 else { return [] }
        precondition(start >= 0 && start < count, "greedyKCenter: start \(start) outside 0..<\(count)")
        let target = Swift.min(wanted, count)
        func run<Scalar: KCenterScalar>(_ values: [Scalar]) -> [Int] {
            values.withUnsafeBufferPointer { buffer in
                var search = KCenterSearch(points: buffer.baseAddress!, count: count, dimensions: dimensions, capacity: target)
                defer { search.release() }
                return lanes == 16
                    ? search.run(start: start, target: target, lanes: SIMD16<Float>.self, batch: batch, parallelBuildFrom: parallelBuildFrom, denseCentres: denseCentres)
                    : search.run(start: start, target: target, lanes: SIMD8<Float>.self, batch: batch, parallelBuildFrom: parallelBuildFrom, denseCentres: denseCentres)
            }
        }
        return halfPrecision ? run(points.map { Float16($0) }) : run(points)
    }

    /// PatchCore's selection: `ratio` of the rows of `features` (at least one), chosen by
    /// greedy k-centre on the features' leading `projectionDimensions` principal coordinates
    /// (centred, rotated onto their principal axes, the largest-variance axes kept; rounded to
    /// `Float16`), starting from a seeded random row.
    ///
    /// Why principal axes and not a random projection (the PatchCore paper's choice): a
    /// projection only serves to make distances cheaper, and of all projections to k
    /// dimensions the leading principal axes lose the least of the squared distances on
    /// average. On the defect-fit benchmark's features (152 dimensions, a 10% coreset of
    /// 30,000 of its rows, coverage measured in the full space) the 64 leading axes cover
    /// better (largest distance to the coreset 34.1, 99th percentile 31.4) than a 128-d
    /// Gaussian projection (35.2, 31.9; all 152 dimensions: 31.7, 31.2), at half the cost.
    /// - Returns: the chosen row indices, in the order chosen.
    public static func select(_ features: Tensor, ratio: Double, projectionDimensions: Int, seed: UInt64) -> [Int] {
        precondition(projectionDimensions > 0, "select: projectionDimensions must be positive, got \(projectionDimensions)")
        let count = features.shape[0]
        guard count > 0 else { return [] }
        let wanted = Swift.max(1, Swift.min(count, Int((Double(count) * ratio).rounded())))
        if wanted == count { return Array(0..<count) }
        var generator = SeededGenerator(seed: seed &+ 1)
        let start = Int(generator.next() % UInt64(count))
        let points = principalCoordinates(features, keeping: projectionDimensions)
        let dimensions = points.shape[1]
        return greedyKCenter(points: points.scalars, dimensions: dimensions, selecting: wanted, start: start, halfPrecision: true)
    }

    /// `points` (`[N, D]`) centred and rotated onto their principal axes, largest variance
    /// first, keeping the leading `keeping` axes (all of them by default: then the same
    /// pairwise distances, up to Float rounding). With as much of each distance as possible in
    /// the leading coordinates, the greedy search's partial distances over those rule out most
    /// far points early; dropping the trailing axes loses the least of the distances that any
    /// projection to that many dimensions can. The axes come from the covariance of at most
    /// `covarianceSampleRows` evenly spaced rows (``PrincipalAxes/meanAndSampledCovariance(_:rows:dimensions:sampleRows:)``);
    /// the mean, from all of them.
    /// - Returns: `[N, min(keeping, D)]`.
    public static func principalCoordinates(_ points: Tensor, keeping: Int = .max, covarianceSampleRows: Int = 16_384) -> Tensor {
        precondition(points.rank == 2, "principalCoordinates: points must be [N, D], got \(points.shape)")
        precondition(keeping > 0, "principalCoordinates: keeping must be positive, got \(keeping)")
        let count = points.shape[0], dimensions = points.shape[1], kept = Swift.min(keeping, dimensions)
        guard count > 0 else { return Tensor([Float](), shape: [count, kept]) }
        let source = points.contiguous()
        let values = UnsafePointer(source.storage.pointer + source.offset)
        let (mean, covariance) = PrincipalAxes.meanAndSampledCovariance(values, rows: count, dimensions: dimensions, sampleRows: covarianceSampleRows)
        let axes = PrincipalAxes.symmetricEigen(covariance, dimensions: dimensions).vectors
        // Row r holds coordinate r of each kept axis (axis j is column j of `axes`).
        var rotation = [Float](repeating: 0, count: dimensions * kept)
        for row in 0..<dimensions {
            for column in 0..<kept { rotation[row * kept + column] = Float(axes[row * dimensions + column]) }
        }
        // (x - mean) R = x R - mean R: one GEMM on the points as they are, then each row less
        // the rotated mean (no centred copy of the points).
        let rotatedMean = (0..<kept).map { column in (0..<dimensions).reduce(Float(0)) { $0 + mean[$1] * rotation[$1 * kept + column] } }
        let result = Tensor.uninitialized([count, kept])
        let output = result.storage.pointer
        rotation.withUnsafeBufferPointer { rotation in
            BLAS.gemm(rows: count, columns: kept, depth: dimensions,
                      MatrixOperand(pointer: values, leadingDimension: dimensions, transposed: false),
                      MatrixOperand(pointer: rotation.baseAddress!, leadingDimension: kept, transposed: false),
                      output, leadingDimension: kept)
        }
        withExtendedLifetime(source) {}
        for row in 0..<count {
            let values = output + row * kept
            for column in 0..<kept { values[column] -= rotatedMean[column] }
        }
        return result
    }
}

/// One cluster of a greedy k-centre run: its members' point indices, rows (slots of
/// `coordinates`, which never move) and, in blocks of eight positions, their squared
/// distances to the centre followed by their leading coordinates (transposed: `leading` rows
/// of eight), sorted by decreasing distance (then increasing index), at positions
/// `first ..< end` (`end` fixed). Members only leave from the scanned front part: the kept
/// ones there shift towards the back and `first` grows, so nothing behind the last leaving
/// member moves. Past `end` the distances are zero.
struct KCenterCluster<Scalar: KCenterScalar> {
    let indices: UnsafeMutablePointer<Int32>
    let rows: UnsafeMutablePointer<Int32>
    let coordinates: UnsafeMutablePointer<Scalar>
    let blocks: UnsafeMutableRawPointer
    let blockBytes: Int
    let end: Int
    var first = 0

    var count: Int { end - first }
    /// Squared radius: the first member's distance (0 when empty).
    var radius: Float { first < end ? distance(first) : 0 }

    /// The distances of block `block` (positions 8 block ..< 8 block + 8).
    @inline(__always) func distances(block: Int) -> UnsafeMutablePointer<Float> {
        (blocks + block * blockBytes).assumingMemoryBound(to: Float.self)
    }
    /// Row 0 of the leading coordinates of block `block` (rows are eight values apart).
    @inline(__always) func leadingValues(block: Int) -> UnsafeMutablePointer<Scalar> {
        (blocks + block * blockBytes + 8 * MemoryLayout<Float>.stride).assumingMemoryBound(to: Scalar.self)
    }
    @inline(__always) func distance(_ position: Int) -> Float { distances(block: position >> 3)[position & 7] }

    /// A cluster of `count` members (in order: point index, squared distance, coordinates).
    init(count: Int, dimensions: Int, leading: Int, member: (Int) -> (index: Int32, distance: Float, row: UnsafePointer<Scalar>)) {
        end = count
        blockBytes = 8 * MemoryLayout<Float>.stride + 8 * leading * MemoryLayout<Scalar>.stride
        let blockCount = count / 8 + 1
        indices = .allocate(capacity: Swift.max(count, 1))
        rows = .allocate(capacity: Swift.max(count, 1))
        coordinates = KCenterSearch<Scalar>.allocateRows(Swift.max(count * dimensions, 1))
        blocks = .allocate(byteCount: blockCount * blockBytes, alignment: 32)
        blocks.initializeMemory(as: UInt8.self, repeating: 0, count: blockCount * blockBytes)
        for position in 0..<count {
            let (index, distance, row) = member(position)
            indices[position] = index
            rows[position] = Int32(position)
            (coordinates + position * dimensions).update(from: row, count: dimensions)
            distances(block: position >> 3)[position & 7] = distance
            let leadingValues = self.leadingValues(block: position >> 3) + (position & 7)
            for column in 0..<leading { leadingValues[8 * column] = row[column] }
        }
    }

    /// Copies member `source` to position `target` (a gap).
    @inline(__always) func move(_ source: Int, to target: Int, leading: Int) {
        indices[target] = indices[source]
        rows[target] = rows[source]
        distances(block: target >> 3)[target & 7] = distances(block: source >> 3)[source & 7]
        let from = leadingValues(block: source >> 3) + (source & 7), to = leadingValues(block: target >> 3) + (target & 7)
        for column in 0..<leading { to[8 * column] = from[8 * column] }
    }

    /// The coordinates of the member at `position`.
    @inline(__always) func row(_ position: Int, dimensions: Int) -> UnsafeMutablePointer<Scalar> {
        coordinates + Int(rows[position]) * dimensions
    }

    func release() {
        indices.deallocate()
        rows.deallocate()
        coordinates.deallocate()
        blocks.deallocate()
    }
}

/// A member moving to a new centre's cluster: its squared distance to that centre, point
/// index, row (in the rows the clusters are built from) and the new centre (its bucket).
struct KCenterMove {
    var distance: Float
    var index: Int32
    var row: Int32
    var target: Int32

    /// Orders a cluster's members: decreasing distance (non-negative floats order as their
    /// bit patterns), then increasing index.
    var key: UInt64 { UInt64(~distance.bitPattern) << 32 | UInt64(UInt32(bitPattern: index)) }
}

/// One thread's scan results: the members leaving their clusters (each for one centre of the
/// batch, `targets`), and the positions (in the cluster being scanned) of those leaving it.
struct KCenterScratch<Scalar: KCenterScalar> {
    var indices: [Int32] = []
    var distances: [Float] = []
    var coordinates: [Scalar] = []
    var targets: [Int32] = []
    var positions: [Int] = []
    /// The clusters that lost members.
    var shrunk: [Int] = []
    /// Sum of values loaded ahead of their use (so that the loads are not removed).
    var touched: UInt32 = 0

    mutating func clear() {
        indices.removeAll(keepingCapacity: true)
        distances.removeAll(keepingCapacity: true)
        coordinates.removeAll(keepingCapacity: true)
        targets.removeAll(keepingCapacity: true)
        shrunk.removeAll(keepingCapacity: true)
    }
}

/// Working memory of one thread's scans: a block's leading coordinates as floats, its eight
/// members' partial-distance terms for every candidate centre (`panels` vectors each), and
/// per member the candidates it stays open to (bit c: batch centre c).
struct KCenterScanBuffers {
    let converted: UnsafeMutablePointer<SIMD8<Float>>
    let products: UnsafeMutablePointer<Float>
    let openCandidates: UnsafeMutablePointer<UInt64>

    init(leading: Int, candidateSlots: Int) {
        converted = .allocate(capacity: Swift.max(leading, 1))
        products = .allocate(capacity: 8 * Swift.max(candidateSlots, 1))
        openCandidates = .allocate(capacity: 8)
    }

    func deallocate() {
        converted.deallocate(); products.deallocate(); openCandidates.deallocate()
    }
}

/// The batch's new centres for the partial distances of a scan, in panels of `lanes`
/// (`V.scalarCount`) centres: per panel, `leading` rows of `-2 c_h` (zero past the last
/// centre), and per centre its squared norm over the leading coordinates. A member x's partial
/// squared distance to centre c, `Σ_h (x_h - c_h)²` over the leading coordinates, is then
/// `|x|² + |c|² - 2 x·c` there: per block, eight members times a panel in eight chains of
/// fused multiply-adds (`KCenterSearch.scan`).
struct KCenterCandidatePanels {
    let values: UnsafeMutablePointer<Float>
    let norms: UnsafeMutablePointer<Float>
    let panels: Int
    let lanes: Int
    let leading: Int
    /// The largest of `norms` (it enters the rounding margin).
    var largestNorm: Float = 0

    init(capacity: Int, lanes: Int, leading: Int) {
        self.lanes = lanes
        self.leading = leading
        panels = (Swift.max(capacity, 1) + lanes - 1) / lanes
        values = .allocate(capacity: panels * leading * lanes)
        norms = .allocate(capacity: panels * lanes)
    }

    func deallocate() { values.deallocate(); norms.deallocate() }

    /// Fills the panels from the batch's `count` centres (rows of `dimensions` floats).
    mutating func set(_ centres: UnsafePointer<Float>, count: Int, dimensions: Int) {
        values.initialize(repeating: 0, count: panels * leading * lanes)
        norms.initialize(repeating: 0, count: panels * lanes)
        largestNorm = 0
        for centre in 0..<count {
            let panel = values + (centre / lanes) * leading * lanes + centre % lanes
            var norm: Float = 0
            for h in 0..<leading {
                let value = centres[centre * dimensions + h]
                panel[h * lanes] = -2 * value
                norm += value * value
            }
            norms[centre] = norm
            largestNorm = Swift.max(largestNorm, norm)
        }
    }
}

/// One sweep of a greedy k-centre batch over a run of centres (only pointers: it is shared
/// by the threads, each with its own run of centres).
struct KCenterSweep<Scalar: KCenterScalar>: @unchecked Sendable {
    let dimensions: Int
    let leading: Int
    /// Squared norms of the centres, and the radii (both 0 past the last centre).
    let centreNorms: UnsafeMutablePointer<Float>
    let radii: UnsafeMutablePointer<Float>
    /// Row i: the batch's centre i times every centre (`centreStride` apart).
    let products: UnsafePointer<Float>
    let centreStride: Int
    let centreCount: Int
    /// The batch's centres for the scans' partial distances.
    let candidatePanels: KCenterCandidatePanels

    /// For the centres in `blocks` (`V.scalarCount` each), finds which of the batch's new
    /// centres (`batch` rows of `dimensions` floats at `centres`, squared norms `norms`) can
    /// take members from their clusters (|c - c_j| < 2 r_j), one vector of centres at a time,
    /// and scans each such cluster once for all of them. |c - c_j|² comes from the products
    /// c·c_j (`KCenterCentrePanels.products`) and the squared norms, lowered by their rounding: a Float dot product of
    /// n terms errs by at most about n u |a| |b| (u = 2⁻²⁴), so the three of them by at most
    /// 2 n u (|c|² + |c_j|²); the bound takes off 3 n u (|c|² + |c_j|²).
    func callAsFunction<V: KernelFloatVector>(_: V.Type, blocks: Range<Int>, centres: UnsafePointer<Float>, norms: UnsafePointer<Float>, batch: Int,
                                              clusters: UnsafeMutablePointer<KCenterCluster<Scalar>>, moves: inout KCenterScratch<Scalar>) {
        let lanes = V.scalarCount
        let margin = KCenterSearch<Scalar>.margin, slack = KCenterSearch<Scalar>.distanceSlack
        let roundingFactor = V(repeating: 1 - 3 * Float(dimensions) * Float.ulpOfOne / 2), lowering = V(repeating: 1 - slack)
        // Per lane (cluster) of the current block: its candidate batch centres (bit c: centre
        // c) and their bounds (place c of `slots`; only candidates' places are read).
        let slots = candidatePanels.panels * candidatePanels.lanes
        let candidateMasks = UnsafeMutablePointer<UInt64>.allocate(capacity: lanes)
        let candidateBounds = UnsafeMutablePointer<Float>.allocate(capacity: slots * lanes)
        let laneBounds = UnsafeMutablePointer<Float>.allocate(capacity: lanes)
        let buffers = KCenterScanBuffers(leading: leading, candidateSlots: slots)
        defer {
            candidateMasks.deallocate(); candidateBounds.deallocate(); laneBounds.deallocate()
            buffers.deallocate()
        }
        candidateMasks.initialize(repeating: 0, count: lanes)
        candidateBounds.initialize(repeating: .infinity, count: slots * lanes)
        var touched: UInt32 = 0
        for block in blocks {
            let first = block * lanes
            let radiusValues = UnsafeRawPointer(radii + first).loadUnaligned(as: V.self)
            let boundLimits = radiusValues * V(repeating: margin)
            let blockNorms = UnsafeRawPointer(centreNorms + first).loadUnaligned(as: V.self)
            // Lanes past the last centre never take part.
            let validLanes = first + lanes <= centreCount ? (1 << lanes) - 1 : (1 << (centreCount - first)) - 1
            var any = 0
            for centre in 0..<batch {
                let norm = V(repeating: norms[centre])
                let product = UnsafeRawPointer(products + centre * centreStride + first).loadUnaligned(as: V.self)
                // (|c|² + |c_j|²)(1 - 3 n u) - 2 c·c_j, lowered again for the bound's own rounding.
                let bounds = ((norm + blockNorms) * roundingFactor - (product + product)) * lowering
                var keep = validLanes & KCenterKernels.laneBits(bounds, lessThan: boundLimits)
                if keep == 0 { continue }
                UnsafeMutableRawPointer(laneBounds).storeBytes(of: bounds, as: V.self)
                any |= keep
                while keep != 0 {
                    let lane = keep.trailingZeroBitCount
                    keep &= keep - 1
                    candidateMasks[lane] |= 1 << UInt64(centre)
                    candidateBounds[lane * slots + centre] = Swift.max(laneBounds[lane], .leastNormalMagnitude)
                }
            }
            if any == 0 { continue }
            // First one load from each cache line the scans will start with (independent
            // loads: their cache misses overlap), then the scans.
            var lanesLeft = any
            while lanesLeft != 0 {
                touched &+= UInt32(truncatingIfNeeded: clusters[first + lanesLeft.trailingZeroBitCount].first)
                lanesLeft &= lanesLeft - 1
            }
            lanesLeft = any
            while lanesLeft != 0 {
                let cluster = clusters[first + lanesLeft.trailingZeroBitCount]
                lanesLeft &= lanesLeft - 1
                let front = UnsafeRawPointer(cluster.distances(block: cluster.first >> 3)), last = cluster.blockBytes - 1
                for offset in Swift.stride(from: 0, to: 320, by: 64) { touched &+= UInt32(front.load(fromByteOffset: Swift.min(offset, last), as: UInt8.self)) }
            }
            lanesLeft = any
            while lanesLeft != 0 {
                let lane = lanesLeft.trailingZeroBitCount
                lanesLeft &= lanesLeft - 1
                KCenterSearch<Scalar>.scan(V.self, &clusters[first + lane], slot: first + lane, candidates: candidateMasks[lane],
                                           bounds: candidateBounds + lane * slots, centres: centres, panels: candidatePanels, dimensions: dimensions,
                                           leading: leading, buffers: buffers, moves: &moves)
                candidateMasks[lane] = 0
            }
        }
        moves.touched &+= touched
    }
}

/// The state of one greedy k-centre run with cluster pruning. Raw buffers throughout: the
/// clusters are scanned from several threads, each cluster by one thread.
struct KCenterSearch<Scalar: KCenterScalar> {
    let points: UnsafePointer<Scalar>
    let count: Int
    let dimensions: Int
    /// Leading coordinates in the partial distances of members (stored with each cluster).
    let leading: Int
    /// Per centre: its point index and cluster; coordinates (Float rows), squared norms and
    /// squared radii (both 0 past the last; `centreStride`, a multiple of 16, places each).
    var centres: [Int] = []
    let clusters: UnsafeMutablePointer<KCenterCluster<Scalar>>
    let centrePanels: KCenterCentrePanels
    let centreNorms: UnsafeMutablePointer<Float>
    let radii: UnsafeMutablePointer<Float>
    let centreStride: Int
    var tournament: KCenterTournament
    /// Pruning margin on squared distances: the triangle-inequality tests are a little
    /// conservative so that rounding never prunes a point that could move (the result stays exact).
    static var margin: Float { 4.01 }
    /// Relative slack of a whole squared distance between two centres (Float sums of
    /// `dimensions` non-negative terms): bounds are shrunk by it.
    static var distanceSlack: Float { 1e-5 }

    init(points: UnsafePointer<Scalar>, count: Int, dimensions: Int, capacity: Int) {
        self.points = points
        self.count = count
        self.dimensions = dimensions
        leading = Swift.min(16, dimensions)
        centreStride = (Swift.max(capacity, 1) + 15) / 16 * 16
        centrePanels = KCenterCentrePanels(capacity: centreStride, dimensions: dimensions)
        centreNorms = .allocate(capacity: centreStride)
        centreNorms.initialize(repeating: 0, count: centreStride)
        radii = .allocate(capacity: centreStride)
        radii.initialize(repeating: 0, count: centreStride)
        tournament = KCenterTournament(capacity: capacity)
        clusters = .allocate(capacity: Swift.max(capacity, 1))
    }

    func release() {
        centrePanels.deallocate()
        centreNorms.deallocate()
        radii.deallocate()
        for slot in 0..<centres.count { clusters[slot].release() }
        clusters.deinitialize(count: centres.count)
        clusters.deallocate()
    }

    /// Scans `cluster` for members closer to one of the batch's new centres than to their
    /// own centre, moving each to the nearest such centre (the earliest among equals: what the
    /// centres one after another would do) in `moves`. `candidates`: the batch centres (bit c:
    /// row c of `centres`) that can take members, with lower bounds on their squared
    /// distances to the cluster's centre at `bounds[c]`. The triangle inequality keeps a member
    /// x from centre c unless |x - c_j| > |c - c_j| / 2, i.e. 4 |x - c_j|² > the bound: the
    /// members are sorted by that distance, so the scan covers a prefix (for the smallest
    /// bound), a block of eight at a time; a partial distance over the leading coordinates
    /// rules out most (member, centre) pairs, the rest get a whole distance (with an early exit
    /// at the member's best so far). The kept members stay sorted.
    ///
    /// The partial distances come as |x|² + |c|² - 2 x·c over the leading coordinates, for the
    /// eight members against a whole panel of candidates at once (`panels`); that form rounds
    /// differently from the sum of squared differences, by at most about 34 u |x|² + 48 u |c|²
    /// (u = 2⁻²⁴, 16 terms: the fused chain from |c|², the two Float sums of squares and the
    /// threshold's own rounding): a pair is ruled out only when the partial exceeds the member's
    /// best distance (times ``KCenterKernels/partialSumFactor``) by 128 u (|x|² + the largest
    /// |c|²) more, so the true partial does too and no move is missed.
    static func scan<V: KernelFloatVector>(_: V.Type, _ cluster: inout KCenterCluster<Scalar>, slot: Int, candidates: UInt64, bounds: UnsafePointer<Float>,
                                           centres: UnsafePointer<Float>, panels: KCenterCandidatePanels, dimensions: Int, leading: Int,
                                           buffers: KCenterScanBuffers, moves: inout KCenterScratch<Scalar>) {
        let lanes = V.scalarCount, slots = panels.panels * lanes, panelLanes: UInt64 = (1 << UInt64(lanes)) - 1
        let converted = buffers.converted, products = buffers.products, openCandidates = buffers.openCandidates
        let factor = KCenterKernels.partialSumFactor
        let roundingMargin = SIMD8<Float>(repeating: 128 * Float.ulpOfOne / 2)
        let largestNorm = SIMD8<Float>(repeating: panels.largestNorm)
        // Past the end the distances are zero, never in the prefix: the bounds are positive.
        var smallestBound = Float.infinity
        var bits = candidates
        while bits != 0 {
            smallestBound = Swift.min(smallestBound, bounds[bits.trailingZeroBitCount])
            bits &= bits - 1
        }
        let prefixBound = SIMD8<Float>(repeating: smallestBound)
        moves.positions.removeAll(keepingCapacity: true)
        let first = cluster.first
        var block = first >> 3
        // Positions before `first` in its block hold stale copies.
        var valid = 0xFF & ~((1 << (first & 7)) - 1)
        while block * 8 < cluster.end {
            let memberDistances = UnsafeRawPointer(cluster.distances(block: block)).loadUnaligned(as: SIMD8<Float>.self)
            let scaledDistances = memberDistances * KCenterSearch.margin
            let prefixLanes = valid & KCenterKernels.laneBits(scaledDistances .>= prefixBound)
            if prefixLanes == 0 { break }
            // The block's leading coordinates as floats and their squared norms.
            let leadingValues = cluster.leadingValues(block: block)
            var memberNorms = SIMD8<Float>()
            for row in 0..<leading {
                let values = Scalar.load8(leadingValues + 8 * row)
                converted[row] = values
                memberNorms.addProduct(values, values)
            }
            // A pair stays open while |c|² - 2 x·c < best · factor - |x|² + margin.
            let margins = roundingMargin * (memberNorms + largestNorm)
            let openBelow = memberDistances * factor - memberNorms + margins
            for member in 0..<8 { openCandidates[member] = 0 }
            for panel in 0..<panels.panels {
                let panelCandidates = (candidates >> UInt64(panel * lanes)) & panelLanes
                if panelCandidates == 0 { continue }
                KCenterKernels.panelProducts(V.self, converted, panels.values + panel * leading * lanes, norms: panels.norms + panel * lanes,
                                             leading: leading, output: products + panel * lanes, outputStride: slots)
                let panelBounds = UnsafeRawPointer(bounds + panel * lanes).loadUnaligned(as: V.self)
                var members = prefixLanes
                while members != 0 {
                    let member = members.trailingZeroBitCount
                    members &= members - 1
                    let partials = V.loadUnaligned(from: products + member * slots + panel * lanes)
                    // Open: the partial is low enough and the member is past the candidate's bound.
                    let low = KCenterKernels.laneBits(partials, lessThan: V(repeating: openBelow[member]))
                    let short = KCenterKernels.laneBits(V(repeating: scaledDistances[member]), lessThan: panelBounds)
                    let open = UInt64(low & ~short) & panelCandidates
                    openCandidates[member] |= open << UInt64(panel * lanes)
                }
            }
            var anyOpen = 0
            for member in 0..<8 where openCandidates[member] != 0 { anyOpen |= 1 << member }
            if anyOpen == 0 {
                if prefixLanes != valid { break }
                valid = 0xFF
                block += 1
                continue
            }
            // One load from each open member's row first (independent loads: their cache
            // misses overlap); then the whole distances, member after member, candidates in
            // batch order.
            var touching = anyOpen
            while touching != 0 {
                let lane = touching.trailingZeroBitCount
                touching &= touching - 1
                moves.touched &+= UInt32(UnsafeRawPointer(cluster.row(block * 8 + lane, dimensions: dimensions)).load(as: UInt8.self))
            }
            var leaving = anyOpen
            while leaving != 0 {
                let lane = leaving.trailingZeroBitCount
                leaving &= leaving - 1
                let member = block * 8 + lane
                let row = cluster.row(member, dimensions: dimensions)
                let norm = memberNorms[lane], margin = margins[lane]
                var best = memberDistances[lane]
                var target = -1
                var open = openCandidates[lane]
                while open != 0 {
                    let candidate = open.trailingZeroBitCount
                    open &= open - 1
                    guard products[lane * slots + candidate] < best * factor - norm + margin else { continue }
                    let distance = KCenterKernels.squaredDistance(row, centres + candidate * dimensions, dimensions, unlessAtLeast: best)
                    if distance < best {
                        best = distance
                        target = candidate
                    }
                }
                guard target >= 0 else { continue }
                moves.indices.append(cluster.indices[member])
                moves.distances.append(best)
                moves.targets.append(Int32(target))
                moves.coordinates.append(contentsOf: UnsafeBufferPointer(start: row, count: dimensions))
                moves.positions.append(member)
            }
            if prefixLanes != valid { break }
            valid = 0xFF
            block += 1
        }
        guard let last = moves.positions.last else { return }
        // Close the gaps: the kept members before the last leaving one shift back, in order.
        var write = last + 1, pending = moves.positions.count - 1
        for member in Swift.stride(from: last, through: first, by: -1) {
            if pending >= 0 && moves.positions[pending] == member {
                pending -= 1
                continue
            }
            write -= 1
            cluster.move(member, to: write, leading: leading)
        }
        cluster.first += moves.positions.count
        moves.shrunk.append(slot)
    }

    /// `|x|²`, a Float sum (its rounding is covered where it is used).
    static func squaredNorm(_ x: UnsafePointer<Float>, _ dimensions: Int) -> Float {
        var sum: Float = 0
        for index in 0..<dimensions { sum += x[index] * x[index] }
        return sum
    }

    /// Room for `count` coordinates on a cache-line boundary (with 128 Float16 values a row is
    /// four whole lines, and the leading values that the early exits read first share one).
    static func allocateRows(_ count: Int) -> UnsafeMutablePointer<Scalar> {
        UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Scalar>.stride, alignment: 64).bindMemory(to: Scalar.self, capacity: count)
    }

    /// Adds a centre (point `centre`) with its cluster.
    mutating func addCentre(_ centre: Int, _ cluster: KCenterCluster<Scalar>) {
        let slot = centres.count
        let row = points + centre * dimensions
        let values = (0..<dimensions).map { row[$0].floatValue }
        values.withUnsafeBufferPointer { values in
            centrePanels.set(slot, values.baseAddress!)
            centreNorms[slot] = KCenterSearch.squaredNorm(values.baseAddress!, dimensions)
        }
        (clusters + slot).initialize(to: cluster)
        centres.append(centre)
        setRadius(slot)
    }

    mutating func setRadius(_ slot: Int) {
        let radius = clusters[slot].radius
        radii[slot] = radius
        tournament.update(slot, radius)
    }

    /// The first `centres` greedy centres from `start` (fewer when every point coincides with
    /// one), densely: after each centre, every point's squared distance to it (the search's
    /// kernel, with an early exit at the point's distance so far) and the farthest point (the
    /// lowest index among equals). While there are few centres their clusters hold thousands of
    /// points each, and a sweep over all the points in order, on all threads, costs less than
    /// the cluster scans. Returns the centres, and every point as a move to its nearest centre
    /// (the earliest among equals; target: the centre's place in the list, row: the point).
    static func denseStart(points: UnsafePointer<Scalar>, count: Int, dimensions: Int, start: Int,
                           centres wanted: Int) -> (centres: [Int], moves: [KCenterMove]) {
        let parts = Swift.max(1, Swift.min(Parallel.threadCount, count / 2048))
        let distances = UnsafeMutablePointer<Float>.allocate(capacity: count)
        let owners = UnsafeMutablePointer<Int32>.allocate(capacity: count)
        let farthest = UnsafeMutablePointer<(distance: Float, index: Int)>.allocate(capacity: parts)
        let centre = UnsafeMutablePointer<Float>.allocate(capacity: dimensions)
        defer { distances.deallocate(); owners.deallocate(); farthest.deallocate(); centre.deallocate() }
        distances.initialize(repeating: .infinity, count: count)
        owners.initialize(repeating: 0, count: count)
        var chosen = [start]
        while true {
            let slot = Int32(chosen.count - 1), row = points + chosen[chosen.count - 1] * dimensions
            for column in 0..<dimensions { centre[column] = row[column].floatValue }
            let shared = UncheckedSendable((points, distances, owners, farthest, UnsafePointer(centre)))
            let update: @Sendable (Int) -> Void = { part in
                let (points, distances, owners, farthest, centre) = shared.value
                var best: Float = -1, bestIndex = 0
                for index in count * part / parts ..< count * (part + 1) / parts {
                    let distance = KCenterKernels.squaredDistance(points + index * dimensions, centre, dimensions, unlessAtLeast: distances[index])
                    if distance < distances[index] {
                        distances[index] = distance
                        owners[index] = slot
                    }
                    if distances[index] > best {
                        best = distances[index]
                        bestIndex = index
                    }
                }
                farthest[part] = (best, bestIndex)
            }
            if parts == 1 { update(0) } else { DispatchQueue.concurrentPerform(iterations: parts, execute: update) }
            guard chosen.count < wanted else { break }
            // Parts in index order: the first of equal distances has the lowest index.
            var next = farthest[0]
            for part in 1..<parts where farthest[part].distance > next.distance { next = farthest[part] }
            guard next.distance > 0 else { break }
            chosen.append(next.index)
        }
        let moves = (0..<count).map { KCenterMove(distance: distances[$0], index: Int32($0), row: Int32($0), target: owners[$0]) }
        return (chosen, moves)
    }

    /// New clusters, one per target `0 ..< buckets` of `moves` (bucketed by target, each bucket
    /// sorted by decreasing distance, then increasing index; rows `row` of `rows`), built on
    /// all threads when `inParallel` (buckets dealt in turn).
    static func buildClusters(_ moves: [KCenterMove], buckets: Int, rows: UnsafePointer<Scalar>, dimensions: Int, leading: Int,
                              inParallel: Bool) -> [KCenterCluster<Scalar>] {
        var starts = [Int](repeating: 0, count: buckets + 1)
        for move in moves { starts[Int(move.target) + 1] += 1 }
        for bucket in 0..<buckets { starts[bucket + 1] += starts[bucket] }
        var bucketed = moves, filled = Array(starts.dropLast())
        for move in moves {
            bucketed[filled[Int(move.target)]] = move
            filled[Int(move.target)] += 1
        }
        let built = UnsafeMutablePointer<KCenterCluster<Scalar>>.allocate(capacity: Swift.max(buckets, 1))
        defer { built.deallocate() }
        bucketed.withUnsafeMutableBufferPointer { bucketed in
            let shared = UncheckedSendable((bucketed.baseAddress!, rows, built, starts))
            let build: @Sendable (Int) -> Void = { bucket in
                let (moved, rows, built, starts) = shared.value
                var members = UnsafeMutableBufferPointer(start: moved + starts[bucket], count: starts[bucket + 1] - starts[bucket])
                members.sort { $0.key < $1.key }
                (built + bucket).initialize(to: KCenterCluster(count: members.count, dimensions: dimensions, leading: leading) { position in
                    let member = members[position]
                    return (member.index, member.distance, rows + Int(member.row) * dimensions)
                })
            }
            let workers = Swift.min(Parallel.threadCount, buckets)
            if workers <= 1 || !inParallel {
                for bucket in 0..<buckets { build(bucket) }
            } else {
                DispatchQueue.concurrentPerform(iterations: workers) { worker in
                    for bucket in Swift.stride(from: worker, to: buckets, by: workers) { build(bucket) }
                }
            }
        }
        return (0..<buckets).map { (built + $0).move() }
    }

    /// The greedy selection from `start` until `target` centres (or every point is a centre),
    /// sweeping the centres `V.scalarCount` at a time (8 or 16; the result does not depend on it).
    ///
    /// Centres are chosen in batches of up to `maximumBatch`, each batch swept once: the first
    /// is the farthest member of the widest cluster, as always; the next candidate is the
    /// farthest remaining point as if the batch's centres had taken nothing (the front member
    /// of the widest cluster, with the batch's members taken off their clusters' fronts). If
    /// no centre of the batch is closer to it than its distance d, no sweep could lower d,
    /// while every other point stays at most d: it is the next greedy centre (with the same
    /// tie rule, the widest cluster of lowest index), and it joins the batch. The first
    /// candidate some batch centre is closer to ends the batch. So the result does not depend
    /// on `maximumBatch`; a batch scans each cluster once for all its centres.
    mutating func run<V: KernelFloatVector & Sendable>(start: Int, target: Int, lanes _: V.Type, batch requestedBatch: Int, parallelBuildFrom: Int,
                                                       denseCentres: Int) -> [Int] {
        let lanes = V.scalarCount
        // A scan's candidates are the bits of a UInt64.
        let maximumBatch = Swift.min(requestedBatch, 64)
        let points = self.points, dimensions = self.dimensions, count = self.count, leading = self.leading
        let threads = Parallel.threadCount
        // The first centres densely (every point against each), then their clusters.
        let (first, members) = Self.denseStart(points: points, count: count, dimensions: dimensions, start: start,
                                               centres: Swift.min(target, Swift.max(1, denseCentres)))
        let firstClusters = Self.buildClusters(members, buckets: first.count, rows: points, dimensions: dimensions, leading: leading,
                                               inParallel: count >= parallelBuildFrom)
        for (slot, cluster) in firstClusters.enumerated() { addCentre(first[slot], cluster) }
        // The batch: its points, and their coordinates as floats (rows).
        let centreValues = UnsafeMutablePointer<Float>.allocate(capacity: maximumBatch * dimensions)
        let batchNorms = UnsafeMutablePointer<Float>.allocate(capacity: maximumBatch)
        let products = UnsafeMutablePointer<Float>.allocate(capacity: maximumBatch * centreStride)
        var candidatePanels = KCenterCandidatePanels(capacity: maximumBatch, lanes: lanes, leading: leading)
        defer { centreValues.deallocate(); batchNorms.deallocate(); products.deallocate(); candidatePanels.deallocate() }
        var batch: [Int] = []
        // Members taken off the front of each cluster by the batch so far.
        var taken: [Int: Int] = [:]
        // With several threads, the centres in runs four times as many as the threads, taken in
        // turn by whichever thread is free (clusters differ in cost): one scratch per run.
        let runs = threads > 1 ? 4 * threads : 1
        var parts = [KCenterScratch<Scalar>](repeating: KCenterScratch(), count: runs)
        // The batch's moved members, and one copy of their rows.
        var moved: [KCenterMove] = [], movedRows: [Scalar] = []
        while centres.count < target {
            batch.removeAll(keepingCapacity: true)
            taken.removeAll(keepingCapacity: true)
            while batch.count < maximumBatch && centres.count + batch.count < target {
                let widest = tournament.winner
                let distance = tournament[widest]
                guard distance > 0 else { break }
                let position = clusters[widest].first + taken[widest, default: 0]
                let row = UnsafePointer(clusters[widest].row(position, dimensions: dimensions))
                // Closer to a centre of the batch: its distance after the sweep is unknown.
                var free = true
                for centre in 0..<batch.count
                where KCenterKernels.squaredDistance(row, centreValues + centre * dimensions, dimensions, unlessAtLeast: distance) < distance {
                    free = false
                    break
                }
                guard free else { break }
                for column in 0..<dimensions { centreValues[batch.count * dimensions + column] = row[column].floatValue }
                batch.append(Int(clusters[widest].indices[position]))
                taken[widest, default: 0] += 1
                // The cluster's next member bounds what is left of it (0 when none is).
                tournament.update(widest, position + 1 < clusters[widest].end ? clusters[widest].distance(position + 1) : 0)
            }
            guard !batch.isEmpty else { break }
            let centreCount = centres.count, batchCount = batch.count
            // Every cluster the batch can take members from, scanned: on all threads (runs of
            // contiguous centres) when there are many centres.
            for part in parts.indices { parts[part].clear() }
            let blocks = (centreCount + lanes - 1) / lanes
            // Every product of a batch centre and a centre, from the centre panels.
            centrePanels.products(V.self, batch: centreValues, batchCount: batchCount, centreCount: centreCount,
                                  output: products, outputStride: centreStride)
            for centre in 0..<batchCount { batchNorms[centre] = Self.squaredNorm(centreValues + centre * dimensions, dimensions) }
            candidatePanels.set(centreValues, count: batchCount, dimensions: dimensions)
            let sweep = KCenterSweep<Scalar>(dimensions: dimensions, leading: leading, centreNorms: centreNorms, radii: radii, products: UnsafePointer(products),
                                             centreStride: centreStride, centreCount: centreCount, candidatePanels: candidatePanels)
            let clusters = self.clusters
            let batchCentres = UnsafePointer(centreValues)
            parts.withUnsafeMutableBufferPointer { partBuffer in
                if threads <= 1 || centreCount * batchCount < 1024 {
                    sweep(V.self, blocks: 0..<blocks, centres: batchCentres, norms: batchNorms, batch: batchCount, clusters: clusters, moves: &partBuffer[0])
                } else {
                    let box = UncheckedSendable((clusters, partBuffer.baseAddress!, batchCentres, UnsafePointer(batchNorms)))
                    DispatchQueue.concurrentPerform(iterations: runs) { part in
                        let (clusters, parts, batchCentres, batchNorms) = box.value
                        sweep(V.self, blocks: blocks * part / runs ..< blocks * (part + 1) / runs, centres: batchCentres, norms: batchNorms, batch: batchCount,
                              clusters: clusters, moves: &parts[part])
                    }
                }
            }
            // Every cluster a batch centre came from shrank (the centre left it, for itself).
            for part in parts.indices { for cluster in parts[part].shrunk { setRadius(cluster) } }
            // The new clusters, from the threads' moves (rows from one copy of their coordinates).
            moved.removeAll(keepingCapacity: true)
            movedRows.removeAll(keepingCapacity: true)
            for part in parts {
                let firstRow = Int32(movedRows.count / dimensions)
                movedRows.append(contentsOf: part.coordinates)
                for position in part.indices.indices {
                    moved.append(KCenterMove(distance: part.distances[position], index: part.indices[position], row: firstRow + Int32(position),
                                             target: part.targets[position]))
                }
            }
            let built = movedRows.withUnsafeBufferPointer { rows in
                Self.buildClusters(moved, buckets: batchCount, rows: rows.baseAddress!, dimensions: dimensions, leading: leading,
                                   inParallel: moved.count >= parallelBuildFrom)
            }
            for (centre, cluster) in built.enumerated() { addCentre(batch[centre], cluster) }
        }
        return centres
    }
}
