// CoresetSelection: PatchCore's memory-bank reduction — greedy k-centre selection (each new
// centre is the point farthest from every centre chosen so far), on a seeded Gaussian random
// projection of the features, centred, rotated onto its principal axes (distances unchanged)
// and rounded to Float16 for speed (`select`; the rounding is far below the projection's own
// distortion). The greedy loop is exact on the points it is given (the same choice as the
// brute-force definition, up to ties) but skips work with bounds: every point belongs to its
// nearest centre's cluster; a new centre c can only take members from clusters j with
// |c - c_j| < 2 r_j (r_j: the cluster's radius), and only members x with |x - c_j| >
// |c - c_j| / 2 and |x - c| < |x - c_j|. Partial squared distances over the leading
// (largest-variance) coordinates, one vector of centres (`KernelVector`'s lanes: 16 in an
// AVX-512 build) or eight members at a time, rule out most
// clusters and members before any whole distance is computed (KCenterKernels.swift, with a
// safety factor so that rounding never rules out a move). Each cluster keeps its members
// sorted by distance to the centre (a scan stops at the first member too close to it), with
// distances and leading coordinates in blocks of eight (transposed) and rows that never move;
// the widest cluster comes from a tournament tree; with many centres, each thread takes a run
// of them. Not here: feature extraction (PatchFeatures.swift), scoring
// (NearestNeighbourIndex.swift).

import FactoryKit
import Foundation

/// Greedy k-centre coreset selection.
public enum CoresetSelection {
    /// The indices of a greedy k-centre coreset of `points` (rows of `dimensions` floats).
    ///
    /// Definition: start with `start`; then repeatedly add the point whose squared distance
    /// to its nearest chosen centre is largest (the lowest index among exact ties of the
    /// brute-force sweep is not guaranteed: ties are broken by cluster). Stops early when
    /// every point coincides with a centre.
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
    /// - Returns: the chosen indices in the order they were chosen.
    public static func greedyKCenter(points: [Float], dimensions: Int, selecting wanted: Int, start: Int = 0,
                                     halfPrecision: Bool = false, lanes: Int = KernelVector.scalarCount) -> [Int] {
        precondition(dimensions > 0 && points.count % dimensions == 0, "greedyKCenter: \(points.count) values are not rows of \(dimensions)")
        precondition(lanes == 8 || lanes == 16, "greedyKCenter: lanes must be 8 or 16, got \(lanes)")
        let count = points.count / dimensions
        guard count > 0, wanted > 0 else { return [] }
        precondition(start >= 0 && start < count, "greedyKCenter: start \(start) outside 0..<\(count)")
        let target = Swift.min(wanted, count)
        func run<Scalar: KCenterScalar>(_ values: [Scalar]) -> [Int] {
            values.withUnsafeBufferPointer { buffer in
                var search = KCenterSearch(points: buffer.baseAddress!, count: count, dimensions: dimensions, capacity: target)
                defer { search.release() }
                return lanes == 16 ? search.run(start: start, target: target, lanes: SIMD16<Float>.self)
                    : search.run(start: start, target: target, lanes: SIMD8<Float>.self)
            }
        }
        return halfPrecision ? run(points.map { Float16($0) }) : run(points)
    }

    /// `features` (`[N, D]`) times a seeded Gaussian matrix `[D, dimensions]` scaled by
    /// `1 / sqrt(dimensions)` (Johnson-Lindenstrauss): distances are kept approximately.
    /// When `dimensions >= D` the features are returned unchanged.
    public static func randomProjection(_ features: Tensor, dimensions: Int, seed: UInt64) -> Tensor {
        precondition(features.rank == 2, "randomProjection: features must be [N, D], got \(features.shape)")
        let inputDimensions = features.shape[1]
        guard dimensions < inputDimensions else { return features.contiguous() }
        var generator = SeededGenerator(seed: seed)
        let matrix = Tensor.normal([inputDimensions, dimensions], using: &generator) * (1 / Float(dimensions).squareRoot())
        return withoutGradients { features.matmul(matrix) }
    }

    /// PatchCore's selection: `ratio` of the rows of `features` (at least one), chosen by
    /// greedy k-centre on a random projection to `projectionDimensions` (centred, rotated onto
    /// its principal axes, rounded to `Float16`), starting from a seeded random row.
    /// - Returns: the chosen row indices, in the order chosen.
    public static func select(_ features: Tensor, ratio: Double, projectionDimensions: Int, seed: UInt64) -> [Int] {
        let count = features.shape[0]
        guard count > 0 else { return [] }
        let wanted = Swift.max(1, Swift.min(count, Int((Double(count) * ratio).rounded())))
        if wanted == count { return Array(0..<count) }
        let projected = randomProjection(features, dimensions: projectionDimensions, seed: seed)
        var generator = SeededGenerator(seed: seed &+ 1)
        let start = Int(generator.next() % UInt64(count))
        let points = principalCoordinates(projected)
        let dimensions = points.shape[1]
        return greedyKCenter(points: points.scalars, dimensions: dimensions, selecting: wanted, start: start, halfPrecision: true)
    }

    /// `points` (`[N, D]`) centred and rotated onto their principal axes, largest variance
    /// first: the same pairwise distances (up to Float rounding), with as much of each
    /// distance as possible in the leading coordinates — the greedy search's partial
    /// distances over those then rule out most far points early.
    public static func principalCoordinates(_ points: Tensor) -> Tensor {
        precondition(points.rank == 2, "principalCoordinates: points must be [N, D], got \(points.shape)")
        let count = points.shape[0], dimensions = points.shape[1]
        guard count > 0 else { return Tensor([Float](), shape: [count, dimensions]) }
        let (_, centredValues, covariance) = PrincipalAxes.centredCovariance(points.contiguous().scalars, rows: count, dimensions: dimensions)
        let centred = Tensor(centredValues, shape: [count, dimensions])
        let axes = PrincipalAxes.symmetricEigen(covariance, dimensions: dimensions).vectors
        let rotation = Tensor(axes.map { Float($0) }, shape: [dimensions, dimensions])
        return withoutGradients { centred.matmul(rotation) }.contiguous()
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

/// One thread's scan results: the members leaving their clusters for the new centre, and the
/// positions (in the cluster being scanned) of those leaving it.
struct KCenterScratch<Scalar: KCenterScalar> {
    var indices: [Int32] = []
    var distances: [Float] = []
    var coordinates: [Scalar] = []
    var positions: [Int] = []
    /// The clusters that lost members.
    var shrunk: [Int] = []
    /// This sweep's clusters to look at closer, and those to scan with their bounds.
    var survivors: [Int32] = []
    var candidates: [Int32] = []
    var bounds: [Float] = []
    /// Sum of values loaded ahead of their use (so that the loads are not removed).
    var touched: UInt32 = 0

    mutating func clear() {
        indices.removeAll(keepingCapacity: true)
        distances.removeAll(keepingCapacity: true)
        coordinates.removeAll(keepingCapacity: true)
        shrunk.removeAll(keepingCapacity: true)
    }
}

/// One sweep of a greedy k-centre step over a run of centres (only pointers: it is shared
/// by the threads, each with its own run of centres).
struct KCenterSweep<Scalar: KCenterScalar>: @unchecked Sendable {
    let dimensions: Int
    let leading: Int
    let centreLeading: Int
    let centreCoordinates: UnsafeMutablePointer<Scalar>
    let centreLeadingValues: UnsafeMutablePointer<Scalar>
    let radii: UnsafeMutablePointer<Float>
    let centreStride: Int

    /// Finds the clusters of the centres in `blocks` (`V.scalarCount` centres each) that the
    /// new centre can take members from (|c - c_j| < 2 r_j: the leading coordinates rule out
    /// most, one vector of centres at a time; the rest get a whole distance with an early
    /// exit) and scans them.
    func callAsFunction<V: KernelFloatVector>(_: V.Type, blocks: Range<Int>, centre: UnsafePointer<Float>, clusters: UnsafeMutablePointer<KCenterCluster<Scalar>>,
                                 moves: inout KCenterScratch<Scalar>) {
        let keepFactor = V(repeating: KCenterSearch<Scalar>.margin * KCenterKernels.partialSumFactor)
        moves.survivors.removeAll(keepingCapacity: true)
        moves.candidates.removeAll(keepingCapacity: true)
        moves.bounds.removeAll(keepingCapacity: true)
        for block in blocks {
            let first = block * V.scalarCount
            let partial = KCenterKernels.leadingSquaredDistances(centreLeadingValues + first, stride: centreStride, centre, leading: centreLeading, as: V.self)
            var keep = KCenterKernels.laneBits(partial, lessThan: UnsafeRawPointer(radii + first).loadUnaligned(as: V.self) * keepFactor)
            while keep != 0 {
                moves.survivors.append(Int32(first + keep.trailingZeroBitCount))
                keep &= keep - 1
            }
        }
        // Whole distances, and then scans, in groups: first one load from each cache line the
        // group will need (independent loads: their cache misses overlap), then the work.
        var touched: UInt32 = 0
        let group = 8, rowBytes = dimensions * MemoryLayout<Scalar>.stride
        moves.survivors.withUnsafeBufferPointer { survivors in
            for groupStart in Swift.stride(from: 0, to: survivors.count, by: group) {
                let members = groupStart ..< Swift.min(groupStart + group, survivors.count)
                for position in members {
                    let row = UnsafeRawPointer(centreCoordinates + Int(survivors[position]) * dimensions)
                    touched &+= UInt32(row.load(as: UInt8.self)) &+ UInt32(row.load(fromByteOffset: Swift.min(64, rowBytes - 1), as: UInt8.self))
                }
                for position in members {
                    let cluster = Int(survivors[position])
                    // Past `limit` (with the early exit's factor) the bound exceeds margin r_j².
                    let radius = radii[cluster]
                    let limit = KCenterSearch<Scalar>.margin * radius / (1 - KCenterSearch<Scalar>.distanceSlack)
                    let whole = KCenterKernels.squaredDistance(UnsafePointer(centreCoordinates + cluster * dimensions), centre, dimensions, unlessAtLeast: limit)
                    let bound = whole * (1 - KCenterSearch<Scalar>.distanceSlack)
                    if bound <= KCenterSearch<Scalar>.margin * radius {
                        moves.candidates.append(Int32(cluster))
                        moves.bounds.append(bound)
                    }
                }
            }
        }
        let candidates = moves.candidates, bounds = moves.bounds
        for groupStart in Swift.stride(from: 0, to: candidates.count, by: group) {
            let members = groupStart ..< Swift.min(groupStart + group, candidates.count)
            for position in members { touched &+= UInt32(truncatingIfNeeded: clusters[Int(candidates[position])].first) }
            for position in members {
                let cluster = clusters[Int(candidates[position])]
                let front = UnsafeRawPointer(cluster.distances(block: cluster.first >> 3)), last = cluster.blockBytes - 1
                for offset in Swift.stride(from: 0, to: 320, by: 64) { touched &+= UInt32(front.load(fromByteOffset: Swift.min(offset, last), as: UInt8.self)) }
            }
            for position in members {
                let cluster = Int(candidates[position])
                KCenterSearch<Scalar>.scan(&clusters[cluster], slot: cluster, bound: bounds[position], centre: centre, dimensions: dimensions,
                                           leading: leading, moves: &moves)
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
    /// Leading coordinates in the partial distances of members (stored with each cluster)
    /// and of centres.
    let leading: Int
    let centreLeading: Int
    /// Per centre: its point index and cluster; coordinates (rows), leading
    /// coordinates (transposed, `centreStride` apart: a multiple of 16) and squared radii (0
    /// past the last).
    var centres: [Int] = []
    let clusters: UnsafeMutablePointer<KCenterCluster<Scalar>>
    let centreCoordinates: UnsafeMutablePointer<Scalar>
    let centreLeadingValues: UnsafeMutablePointer<Scalar>
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
        centreLeading = Swift.min(32, dimensions)
        centreStride = (Swift.max(capacity, 1) + 15) / 16 * 16
        centreCoordinates = Self.allocateRows(Swift.max(capacity, 1) * dimensions)
        centreLeadingValues = .allocate(capacity: centreLeading * centreStride)
        centreLeadingValues.initialize(repeating: Scalar(0), count: centreLeading * centreStride)
        radii = .allocate(capacity: centreStride)
        radii.initialize(repeating: 0, count: centreStride)
        tournament = KCenterTournament(capacity: capacity)
        clusters = .allocate(capacity: Swift.max(capacity, 1))
    }

    func release() {
        centreCoordinates.deallocate()
        centreLeadingValues.deallocate()
        radii.deallocate()
        for slot in 0..<centres.count { clusters[slot].release() }
        clusters.deinitialize(count: centres.count)
        clusters.deallocate()
    }

    /// Scans `cluster` for members closer to `centre` than to their own centre, moving them to
    /// `moves`. The triangle inequality keeps a member x unless |x - c_j| > |c - c_j| / 2, i.e.
    /// 4 |x - c_j|² > `bound` (a lower bound on |c - c_j|²): the members are sorted by that
    /// distance, so the scan covers a prefix, a block of eight at a time; a partial distance
    /// over the leading coordinates rules out most of them, the rest get a whole distance
    /// (with an early exit). The kept members stay sorted.
    static func scan(_ cluster: inout KCenterCluster<Scalar>, slot: Int, bound: Float, centre: UnsafePointer<Float>, dimensions: Int, leading: Int,
                     moves: inout KCenterScratch<Scalar>) {
        // Past the end the distances are zero, never in the prefix: `bound` is positive.
        let prefixBound = SIMD8<Float>(repeating: Swift.max(bound, .leastNormalMagnitude))
        moves.positions.removeAll(keepingCapacity: true)
        let first = cluster.first
        var block = first >> 3
        // Positions before `first` in its block hold stale copies.
        var valid = 0xFF & ~((1 << (first & 7)) - 1)
        while block * 8 < cluster.end {
            let memberDistances = UnsafeRawPointer(cluster.distances(block: block)).loadUnaligned(as: SIMD8<Float>.self)
            let prefixLanes = valid & KCenterKernels.laneBits(memberDistances * margin .>= prefixBound)
            if prefixLanes == 0 { break }
            let partial = KCenterKernels.leadingSquaredDistances8(cluster.leadingValues(block: block), stride: 8, centre, leading: leading)
            var open = prefixLanes & KCenterKernels.laneBits(partial .< memberDistances * KCenterKernels.partialSumFactor)
            while open != 0 {
                let lane = open.trailingZeroBitCount
                open &= open - 1
                let member = block * 8 + lane
                let limit = memberDistances[lane]
                let row = cluster.row(member, dimensions: dimensions)
                let distance = KCenterKernels.squaredDistance(row, centre, dimensions, unlessAtLeast: limit)
                if distance < limit {
                    moves.indices.append(cluster.indices[member])
                    moves.distances.append(distance)
                    moves.coordinates.append(contentsOf: UnsafeBufferPointer(start: row, count: dimensions))
                    moves.positions.append(member)
                }
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

    /// Room for `count` coordinates on a cache-line boundary (with 128 Float16 values a row is
    /// four whole lines, and the leading values that the early exits read first share one).
    static func allocateRows(_ count: Int) -> UnsafeMutablePointer<Scalar> {
        UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Scalar>.stride, alignment: 64).bindMemory(to: Scalar.self, capacity: count)
    }

    /// Adds a centre (point `centre`) with its cluster.
    mutating func addCentre(_ centre: Int, _ cluster: KCenterCluster<Scalar>) {
        let slot = centres.count
        let row = centreCoordinates + slot * dimensions
        row.update(from: points + centre * dimensions, count: dimensions)
        for column in 0..<centreLeading { centreLeadingValues[column * centreStride + slot] = row[column] }
        (clusters + slot).initialize(to: cluster)
        centres.append(centre)
        setRadius(slot)
    }

    mutating func setRadius(_ slot: Int) {
        let radius = clusters[slot].radius
        radii[slot] = radius
        tournament.update(slot, radius)
    }

    /// The greedy selection from `start` until `target` centres (or every point is a centre),
    /// sweeping the centres `V.scalarCount` at a time (8 or 16; the result does not depend on it).
    mutating func run<V: KernelFloatVector & Sendable>(start: Int, target: Int, lanes _: V.Type) -> [Int] {
        let lanes = V.scalarCount
        let points = self.points, dimensions = self.dimensions, count = self.count, leading = self.leading
        let threads = Parallel.threadCount
        // The first centre owns every point.
        let startPoint = (0..<dimensions).map { points[start * dimensions + $0].floatValue }
        var initial = [Float](repeating: 0, count: count)
        initial.withUnsafeMutableBufferPointer { output in
            let output = UncheckedSendable(output.baseAddress!)
            Parallel.forEachRange(count, costPerItem: 2 * dimensions) { range in
                for index in range { output.value[index] = index == start ? 0 : KCenterKernels.squaredDistance(points + index * dimensions, startPoint, dimensions) }
            }
        }
        let sorted = (0..<count).sorted { a, b in initial[a] > initial[b] || (initial[a] == initial[b] && a < b) }
        let first = KCenterCluster(count: count, dimensions: dimensions, leading: leading) { position in
            let index = sorted[position]
            return (Int32(index), initial[index], points + index * dimensions)
        }
        addCentre(start, first)
        let centreValues = UnsafeMutablePointer<Float>.allocate(capacity: dimensions)
        defer { centreValues.deallocate() }
        var parts = [KCenterScratch<Scalar>](repeating: KCenterScratch(), count: threads)
        while centres.count < target {
            // The next centre: the farthest member of the widest cluster.
            let widest = tournament.winner
            guard tournament[widest] > 0 else { break }
            let centre = Int(clusters[widest].indices[clusters[widest].first])
            let centreCount = centres.count
            for column in 0..<dimensions { centreValues[column] = points[centre * dimensions + column].floatValue }
            let centrePoint = UnsafePointer(centreValues)
            // Every cluster the new centre can take members from, scanned: on all threads (each
            // a contiguous run of centres) when there are many centres.
            for part in parts.indices { parts[part].clear() }
            let blocks = (centreCount + lanes - 1) / lanes
            let sweep = KCenterSweep(dimensions: dimensions, leading: leading, centreLeading: centreLeading, centreCoordinates: centreCoordinates,
                                     centreLeadingValues: centreLeadingValues, radii: radii, centreStride: centreStride)
            let clusters = self.clusters
            parts.withUnsafeMutableBufferPointer { partBuffer in
                if threads <= 1 || centreCount < 1024 {
                    sweep(V.self, blocks: 0..<blocks, centre: centrePoint, clusters: clusters, moves: &partBuffer[0])
                } else {
                    let box = UncheckedSendable((clusters, partBuffer.baseAddress!, centrePoint))
                    DispatchQueue.concurrentPerform(iterations: threads) { part in
                        let (clusters, parts, centrePoint) = box.value
                        sweep(V.self, blocks: blocks * part / threads ..< blocks * (part + 1) / threads, centre: centrePoint, clusters: clusters,
                              moves: &parts[part])
                    }
                }
            }
            for part in parts.indices { for cluster in parts[part].shrunk { setRadius(cluster) } }
            // The new cluster: the moved members, sorted.
            var moved = parts[0]
            for part in parts.dropFirst() {
                moved.indices += part.indices
                moved.distances += part.distances
                moved.coordinates += part.coordinates
            }
            let order = (0..<moved.indices.count).sorted { a, b in
                moved.distances[a] > moved.distances[b] || (moved.distances[a] == moved.distances[b] && moved.indices[a] < moved.indices[b])
            }
            let cluster = moved.coordinates.withUnsafeBufferPointer { rows in
                KCenterCluster(count: order.count, dimensions: dimensions, leading: leading) { position in
                    let member = order[position]
                    return (moved.indices[member], moved.distances[member], rows.baseAddress! + member * dimensions)
                }
            }
            addCentre(centre, cluster)
        }
        return centres
    }
}
