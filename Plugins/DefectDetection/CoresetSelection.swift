// CoresetSelection: PatchCore's memory-bank reduction — greedy k-centre selection (each new
// centre is the point farthest from every centre chosen so far), on a seeded Gaussian random
// projection of the features, centred and rounded to Float16 for speed (`select`; the
// rounding is far below the projection's own distortion). The greedy loop is exact on the
// points it is given (the same choice as the brute-force definition, up to ties) but skips
// work with the triangle inequality: every point belongs to its nearest centre's cluster, and
// a new centre c can only take members x of a cluster j with |x - c_j| > |c - c_j| / 2. Each
// cluster keeps its members' coordinates contiguous, sorted by distance to the centre, so a
// scan streams memory and stops at the first member that cannot move; clusters are scanned
// on all cores. Not here: feature extraction (PatchFeatures.swift), scoring
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
    /// - Returns: the chosen indices in the order they were chosen.
    public static func greedyKCenter(points: [Float], dimensions: Int, selecting wanted: Int, start: Int = 0,
                                     halfPrecision: Bool = false) -> [Int] {
        precondition(dimensions > 0 && points.count % dimensions == 0, "greedyKCenter: \(points.count) values are not rows of \(dimensions)")
        let count = points.count / dimensions
        guard count > 0, wanted > 0 else { return [] }
        precondition(start >= 0 && start < count, "greedyKCenter: start \(start) outside 0..<\(count)")
        let target = Swift.min(wanted, count)
        if halfPrecision {
            let halves = points.map { Float16($0) }
            return halves.withUnsafeBufferPointer { buffer in
                var search = KCenterSearch(points: buffer.baseAddress!, count: count, dimensions: dimensions, capacity: target)
                defer { search.release() }
                return search.run(start: start, target: target)
            }
        }
        return points.withUnsafeBufferPointer { buffer in
            var search = KCenterSearch(points: buffer.baseAddress!, count: count, dimensions: dimensions, capacity: target)
            defer { search.release() }
            return search.run(start: start, target: target)
        }
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
    /// greedy k-centre on a random projection to `projectionDimensions` (centred, rounded to
    /// `Float16`), starting from a seeded random row.
    /// - Returns: the chosen row indices, in the order chosen.
    public static func select(_ features: Tensor, ratio: Double, projectionDimensions: Int, seed: UInt64) -> [Int] {
        let count = features.shape[0]
        guard count > 0 else { return [] }
        let wanted = Swift.max(1, Swift.min(count, Int((Double(count) * ratio).rounded())))
        if wanted == count { return Array(0..<count) }
        let projected = randomProjection(features, dimensions: projectionDimensions, seed: seed)
        var generator = SeededGenerator(seed: seed &+ 1)
        let start = Int(generator.next() % UInt64(count))
        // Centred (distances unchanged): small norms keep the selection's expanded distance
        // bounds |c|² + |c_j|² - 2 c·c_j tight.
        let dimensions = projected.shape[1]
        var points = projected.contiguous().scalars
        var mean = [Double](repeating: 0, count: dimensions)
        for row in 0..<count { for column in 0..<dimensions { mean[column] += Double(points[row * dimensions + column]) } }
        let centre = mean.map { Float($0 / Double(count)) }
        for row in 0..<count { for column in 0..<dimensions { points[row * dimensions + column] -= centre[column] } }
        return greedyKCenter(points: points, dimensions: dimensions, selecting: wanted, start: start, halfPrecision: true)
    }
}

/// One cluster of a greedy k-centre run: its members' point indices, squared distances to the
/// centre and coordinates, contiguous and sorted by decreasing distance (then increasing index),
/// so that scans stream memory and stop at the first member that cannot move.
struct KCenterCluster<Scalar: KCenterScalar> {
    var indices: UnsafeMutablePointer<Int32>
    var distances: UnsafeMutablePointer<Float>
    var coordinates: UnsafeMutablePointer<Scalar>
    var count: Int

    /// Squared radius: the first member's distance (0 when empty).
    var radius: Float { count > 0 ? distances[0] : 0 }

    /// A cluster holding copies of `count` members, in the given order.
    init(count: Int, dimensions: Int, fill: (UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Scalar>) -> Void) {
        indices = .allocate(capacity: Swift.max(count, 1))
        distances = .allocate(capacity: Swift.max(count, 1))
        coordinates = .allocate(capacity: Swift.max(count * dimensions, 1))
        self.count = count
        fill(indices, distances, coordinates)
    }

    func release() {
        indices.deallocate()
        distances.deallocate()
        coordinates.deallocate()
    }
}

/// Members leaving their clusters for a new centre (one buffer per thread).
struct KCenterMoves<Scalar: KCenterScalar> {
    var indices: [Int32] = []
    var distances: [Float] = []
    var coordinates: [Scalar] = []
}

/// The state of one greedy k-centre run with cluster pruning. Raw buffers throughout: the
/// clusters are scanned from several threads, each cluster by one thread.
struct KCenterSearch<Scalar: KCenterScalar> {
    let points: UnsafePointer<Scalar>
    let count: Int
    let dimensions: Int
    /// Per centre: its point index, its cluster, its coordinates (contiguous) and squared norm.
    var centres: [Int] = []
    var clusters: [KCenterCluster<Scalar>] = []
    let centreCoordinates: UnsafeMutablePointer<Float>
    var centreNorms: [Float] = []
    /// Pruning margin on squared distances: the pruning tests are a little conservative so
    /// that rounding never prunes a point that could move (the result stays exact).
    static var margin: Float { 4.01 }

    init(points: UnsafePointer<Scalar>, count: Int, dimensions: Int, capacity: Int) {
        self.points = points
        self.count = count
        self.dimensions = dimensions
        centreCoordinates = .allocate(capacity: Swift.max(capacity, 1) * dimensions)
    }

    func release() {
        centreCoordinates.deallocate()
        for cluster in clusters { cluster.release() }
    }

    /// `|x - y|²`: eight lanes, one accumulator, then the remainder (the same order as
    /// ``squaredDistances4(_:_:_:)``, so both give the same values).
    @inline(__always)
    static func squaredDistance(_ x: UnsafePointer<Scalar>, _ y: UnsafePointer<Float>, _ dimensions: Int) -> Float {
        var index = 0
        var accumulator = SIMD8<Float>()
        while index + 8 <= dimensions {
            let a = Scalar.load8(x + index) - UnsafeRawPointer(y + index).loadUnaligned(as: SIMD8<Float>.self)
            accumulator.addProduct(a, a)
            index += 8
        }
        var sum = accumulator.sum()
        while index < dimensions {
            let difference = x[index].floatValue - y[index]
            sum += difference * difference
            index += 1
        }
        return sum
    }

    /// `|row_i - y|²` for four consecutive rows (`dimensions` apart) starting at `rows`.
    @inline(__always)
    static func squaredDistances4(_ rows: UnsafePointer<Scalar>, _ y: UnsafePointer<Float>, _ dimensions: Int) -> SIMD4<Float> {
        var index = 0
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        let r0 = rows, r1 = rows + dimensions, r2 = rows + 2 * dimensions, r3 = rows + 3 * dimensions
        while index + 8 <= dimensions {
            let centre = UnsafeRawPointer(y + index).loadUnaligned(as: SIMD8<Float>.self)
            let d0 = Scalar.load8(r0 + index) - centre
            let d1 = Scalar.load8(r1 + index) - centre
            let d2 = Scalar.load8(r2 + index) - centre
            let d3 = Scalar.load8(r3 + index) - centre
            a0.addProduct(d0, d0)
            a1.addProduct(d1, d1)
            a2.addProduct(d2, d2)
            a3.addProduct(d3, d3)
            index += 8
        }
        var sums = SIMD4<Float>(a0.sum(), a1.sum(), a2.sum(), a3.sum())
        while index < dimensions {
            for row in 0..<4 {
                let difference = rows[row * dimensions + index].floatValue - y[index]
                sums[row] += difference * difference
            }
            index += 1
        }
        return sums
    }

    /// `x · y`.
    @inline(__always)
    static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dimensions: Int) -> Float {
        var index = 0
        var accumulator = SIMD8<Float>()
        while index + 8 <= dimensions {
            accumulator.addProduct(UnsafeRawPointer(x + index).loadUnaligned(as: SIMD8<Float>.self), UnsafeRawPointer(y + index).loadUnaligned(as: SIMD8<Float>.self))
            index += 8
        }
        var sum = accumulator.sum()
        while index < dimensions {
            sum += x[index] * y[index]
            index += 1
        }
        return sum
    }

    /// `row_i · y` for four consecutive rows starting at `rows`.
    @inline(__always)
    static func dots4(_ rows: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dimensions: Int) -> SIMD4<Float> {
        var index = 0
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
        let r0 = UnsafeRawPointer(rows), r1 = UnsafeRawPointer(rows + dimensions)
        let r2 = UnsafeRawPointer(rows + 2 * dimensions), r3 = UnsafeRawPointer(rows + 3 * dimensions)
        let stride = MemoryLayout<Float>.stride
        while index + 8 <= dimensions {
            let centre = UnsafeRawPointer(y + index).loadUnaligned(as: SIMD8<Float>.self)
            let offset = index * stride
            a0.addProduct(r0.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self), centre)
            a1.addProduct(r1.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self), centre)
            a2.addProduct(r2.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self), centre)
            a3.addProduct(r3.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self), centre)
            index += 8
        }
        var sums = SIMD4<Float>(a0.sum(), a1.sum(), a2.sum(), a3.sum())
        while index < dimensions {
            for row in 0..<4 { sums[row] += rows[row * dimensions + index] * y[index] }
            index += 1
        }
        return sums
    }

    /// A sort order of `count` members: decreasing distance, then increasing index.
    static func order(indices: UnsafePointer<Int32>, distances: UnsafePointer<Float>, count: Int) -> [Int] {
        (0..<count).sorted { a, b in
            distances[a] > distances[b] || (distances[a] == distances[b] && indices[a] < indices[b])
        }
    }

    /// Scans `cluster` for members closer to `centre` than to their own centre, moving them to
    /// `moves`. The triangle inequality keeps a member x unless |x - c_j| > |c - c_j| / 2, i.e.
    /// 4 |x - c_j|² > `bound` (a lower bound on |c - c_j|²): the members are sorted by that
    /// distance, so the scan covers a prefix; the kept members stay sorted.
    static func scan(_ cluster: inout KCenterCluster<Scalar>, bound: Float, centre: UnsafePointer<Float>, dimensions: Int, moves: inout KCenterMoves<Scalar>) {
        let count = cluster.count
        let indices = cluster.indices, distances = cluster.distances, coordinates = cluster.coordinates
        var prefix = 0
        while prefix < count && margin * distances[prefix] >= bound { prefix += 1 }
        if prefix == 0 { return }
        var write = 0, read = 0
        @inline(__always) func visit(_ position: Int, _ distance: Float) {
            let row = coordinates + position * dimensions
            if distance < distances[position] {
                moves.indices.append(indices[position])
                moves.distances.append(distance)
                moves.coordinates.append(contentsOf: UnsafeBufferPointer(start: row, count: dimensions))
            } else {
                if write != position {
                    indices[write] = indices[position]
                    distances[write] = distances[position]
                    (coordinates + write * dimensions).update(from: row, count: dimensions)
                }
                write += 1
            }
        }
        while read + 4 <= prefix {
            let four = squaredDistances4(coordinates + read * dimensions, centre, dimensions)
            for lane in 0..<4 { visit(read + lane, four[lane]) }
            read += 4
        }
        while read < prefix {
            visit(read, squaredDistance(coordinates + read * dimensions, centre, dimensions))
            read += 1
        }
        if write < prefix {
            let tail = count - prefix
            if tail > 0 {
                memmove(indices + write, indices + prefix, tail * MemoryLayout<Int32>.stride)
                memmove(distances + write, distances + prefix, tail * MemoryLayout<Float>.stride)
                memmove(coordinates + write * dimensions, coordinates + prefix * dimensions, tail * dimensions * MemoryLayout<Scalar>.stride)
            }
            cluster.count = write + tail
        }
    }

    /// Adds a centre (point `centre`, coordinates already at row `centres.count` of
    /// `centreCoordinates`) with its cluster.
    mutating func addCentre(_ centre: Int, _ cluster: KCenterCluster<Scalar>) {
        let row = centreCoordinates + centres.count * dimensions
        centreNorms.append(Self.dot(row, row, dimensions))
        centres.append(centre)
        clusters.append(cluster)
    }

    mutating func run(start: Int, target: Int) -> [Int] {
        let points = self.points, dimensions = self.dimensions, count = self.count
        let threads = Parallel.threadCount
        // The first centre owns every point.
        let startPoint = (0..<dimensions).map { points[start * dimensions + $0].floatValue }
        var initial = [Float](repeating: 0, count: count)
        initial.withUnsafeMutableBufferPointer { output in
            let output = UncheckedSendable(output.baseAddress!)
            Parallel.forEachRange(count, costPerItem: 2 * dimensions) { range in
                for index in range { output.value[index] = index == start ? 0 : Self.squaredDistance(points + index * dimensions, startPoint, dimensions) }
            }
        }
        let allIndices = (0..<count).map { Int32($0) }
        let sorted = Self.order(indices: allIndices, distances: initial, count: count)
        let first = KCenterCluster(count: count, dimensions: dimensions) { indices, distances, coordinates in
            for (position, index) in sorted.enumerated() {
                indices[position] = Int32(index)
                distances[position] = initial[index]
                (coordinates + position * dimensions).update(from: points + index * dimensions, count: dimensions)
            }
        }
        centreCoordinates.update(from: startPoint, count: dimensions)
        addCentre(start, first)
        // Rounding slack of the expanded squared distance |c|² + |c_j|² - 2 c·c_j, relative to
        // the squared norms (generous: dot products of `dimensions` terms in Float32).
        let slack = Float(dimensions + 64) * 2e-7
        var bounds = [Float](repeating: 0, count: target + 4)
        var candidates: [Int] = []
        var radii: [Float] = [first.radius]
        radii.reserveCapacity(target)
        while centres.count < target {
            // The next centre: the farthest member of the widest cluster.
            var widest = 0, widestRadius = radii[0]
            for cluster in 1..<radii.count where radii[cluster] > widestRadius { widest = cluster; widestRadius = radii[cluster] }
            guard widestRadius > 0 else { break }
            let centre = Int(clusters[widest].indices[0])
            let centreCount = centres.count
            let centreRow = centreCoordinates + centreCount * dimensions
            for index in 0..<dimensions { centreRow[index] = clusters[widest].coordinates[index].floatValue }
            let centrePoint = UnsafePointer(centreRow)
            let centreNorm = Self.dot(centrePoint, centrePoint, dimensions)
            // Lower bounds on the squared distances to every centre, by dot products with
            // their contiguous copy (half the arithmetic of differences), on all cores when many.
            let coordinates = UncheckedSendable(UnsafePointer(centreCoordinates))
            let centreBox = UncheckedSendable(centrePoint)
            centreNorms.withUnsafeBufferPointer { norms in
                bounds.withUnsafeMutableBufferPointer { output in
                    let pointers = UncheckedSendable((norms.baseAddress!, output.baseAddress!))
                    let groups = (centreCount + 3) / 4
                    Parallel.forEachRange(groups, costPerItem: 4 * dimensions) { range in
                        let (norms, output) = pointers.value
                        let coordinates = coordinates.value, centrePoint = centreBox.value
                        for group in range {
                            let existing = group * 4
                            if existing + 4 <= centreCount {
                                let products = Self.dots4(coordinates + existing * dimensions, centrePoint, dimensions)
                                for lane in 0..<4 {
                                    let total = centreNorm + norms[existing + lane]
                                    output[existing + lane] = total - 2 * products[lane] - slack * total
                                }
                            } else {
                                for row in existing..<centreCount {
                                    let total = centreNorm + norms[row]
                                    output[row] = total - 2 * Self.dot(coordinates + row * dimensions, centrePoint, dimensions) - slack * total
                                }
                            }
                        }
                    }
                }
            }
            // Clusters the new centre can take members from: |c - c_j| < 2 r_j.
            candidates.removeAll(keepingCapacity: true)
            var work = 0
            for cluster in 0..<centreCount where bounds[cluster] <= Self.margin * radii[cluster] {
                candidates.append(cluster)
                work += clusters[cluster].count
            }
            var parts = [KCenterMoves<Scalar>](repeating: KCenterMoves(), count: threads)
            if threads <= 1 || work * dimensions < 1 << 17 {
                for cluster in candidates {
                    Self.scan(&clusters[cluster], bound: bounds[cluster], centre: centrePoint, dimensions: dimensions, moves: &parts[0])
                }
            } else {
                // Contiguous runs of candidates with about equal member counts, one per thread;
                // each cluster is scanned by one thread.
                var splits = [0]
                var running = 0
                for (position, cluster) in candidates.enumerated() {
                    running += clusters[cluster].count
                    if running * threads >= work * splits.count && splits.count < threads { splits.append(position + 1) }
                }
                while splits.count <= threads { splits.append(candidates.count) }
                clusters.withUnsafeMutableBufferPointer { clusterBuffer in
                    bounds.withUnsafeBufferPointer { boundBuffer in
                        parts.withUnsafeMutableBufferPointer { partBuffer in
                            let box = UncheckedSendable((clusterBuffer.baseAddress!, boundBuffer.baseAddress!, partBuffer.baseAddress!,
                                                         candidates, splits, centrePoint))
                            DispatchQueue.concurrentPerform(iterations: threads) { part in
                                let (clusters, bounds, parts, candidates, splits, centrePoint) = box.value
                                for position in splits[part] ..< splits[part + 1] {
                                    let cluster = candidates[position]
                                    Self.scan(&clusters[cluster], bound: bounds[cluster], centre: centrePoint, dimensions: dimensions, moves: &parts[part])
                                }
                            }
                        }
                    }
                }
            }
            for cluster in candidates { radii[cluster] = clusters[cluster].radius }
            // The new cluster: the moved members, sorted.
            var moved = parts[0]
            for part in parts.dropFirst() {
                moved.indices += part.indices
                moved.distances += part.distances
                moved.coordinates += part.coordinates
            }
            let newOrder = Self.order(indices: moved.indices, distances: moved.distances, count: moved.indices.count)
            let cluster = KCenterCluster(count: newOrder.count, dimensions: dimensions) { indices, distances, coordinates in
                moved.coordinates.withUnsafeBufferPointer { source in
                    for (position, member) in newOrder.enumerated() {
                        indices[position] = moved.indices[member]
                        distances[position] = moved.distances[member]
                        (coordinates + position * dimensions).update(from: source.baseAddress! + member * dimensions, count: dimensions)
                    }
                }
            }
            addCentre(centre, cluster)
            radii.append(cluster.radius)
        }
        return centres
    }
}

/// How the greedy k-centre run stores coordinates: `Float`, or `Float16` (half the memory
/// traffic of the scans, for points already rounded to half precision). Arithmetic is in Float.
protocol KCenterScalar: Sendable {
    init(_ value: Float)
    var floatValue: Float { get }
    /// Eight consecutive values, as floats.
    static func load8(_ pointer: UnsafePointer<Self>) -> SIMD8<Float>
}

extension Float: KCenterScalar {
    @inline(__always) var floatValue: Float { self }
    @inline(__always) static func load8(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
    }
}

extension Float16: KCenterScalar {
    @inline(__always) var floatValue: Float { Float(self) }
    @inline(__always) static func load8(_ pointer: UnsafePointer<Float16>) -> SIMD8<Float> {
        SIMD8<Float>(UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float16>.self))
    }
}
