// CoresetSelection: PatchCore's memory-bank reduction — greedy k-centre selection (each new
// centre is the point farthest from every centre chosen so far), on a seeded Gaussian random
// projection of the features for speed. The greedy loop is exact (the same choice as the
// brute-force definition) but skips work with the triangle inequality: every point belongs
// to its nearest centre's cluster, and a new centre c can only take points of a cluster j
// whose radius r_j satisfies |c - c_j| < 2 r_j, so most clusters are never rescanned.
// Not here: feature extraction (PatchFeatures.swift), scoring (NearestNeighbours.swift).

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
    /// - Parameters:
    ///   - points: `count * dimensions` values, row-major.
    ///   - dimensions: values per point.
    ///   - selecting: how many centres to choose (at most the number of points).
    ///   - start: the first centre.
    /// - Returns: the chosen indices in the order they were chosen.
    public static func greedyKCenter(points: [Float], dimensions: Int, selecting wanted: Int, start: Int = 0) -> [Int] {
        precondition(dimensions > 0 && points.count % dimensions == 0, "greedyKCenter: \(points.count) values are not rows of \(dimensions)")
        let count = points.count / dimensions
        guard count > 0, wanted > 0 else { return [] }
        precondition(start >= 0 && start < count, "greedyKCenter: start \(start) outside 0..<\(count)")
        let target = Swift.min(wanted, count)
        return points.withUnsafeBufferPointer { buffer in
            var search = KCenterSearch(points: buffer.baseAddress!, count: count, dimensions: dimensions)
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
    /// greedy k-centre on a random projection to `projectionDimensions`, starting from a
    /// seeded random row.
    /// - Returns: the chosen row indices, in the order chosen.
    public static func select(_ features: Tensor, ratio: Double, projectionDimensions: Int, seed: UInt64) -> [Int] {
        let count = features.shape[0]
        guard count > 0 else { return [] }
        let wanted = Swift.max(1, Swift.min(count, Int((Double(count) * ratio).rounded())))
        if wanted == count { return Array(0..<count) }
        let projected = randomProjection(features, dimensions: projectionDimensions, seed: seed)
        var generator = SeededGenerator(seed: seed &+ 1)
        let start = Int(generator.next() % UInt64(count))
        return greedyKCenter(points: projected.contiguous().scalars, dimensions: projected.shape[1], selecting: wanted, start: start)
    }
}

/// The state of one greedy k-centre run with cluster pruning.
struct KCenterSearch {
    let points: UnsafePointer<Float>
    let count: Int
    let dimensions: Int
    /// Squared distance of each point to its nearest centre.
    var nearest: [Float]
    /// Per centre: its point index, its members, the largest member distance (squared) and
    /// which member that is.
    var centres: [Int] = []
    var members: [[Int32]] = []
    var radius: [Float] = []
    var farthest: [Int] = []

    init(points: UnsafePointer<Float>, count: Int, dimensions: Int) {
        self.points = points
        self.count = count
        self.dimensions = dimensions
        nearest = [Float](repeating: .infinity, count: count)
    }

    /// The coordinates of the centres, in order, contiguous.
    var centreCoordinates: [Float] = []

    @inline(__always)
    func squaredDistance(_ a: Int, _ b: Int) -> Float {
        Self.squaredDistance(points + a * dimensions, points + b * dimensions, dimensions)
    }

    @inline(__always)
    static func squaredDistance(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dimensions: Int) -> Float {
        var sum: Float = 0
        var index = 0
        var accumulator = SIMD8<Float>()
        while index + 8 <= dimensions {
            let difference = UnsafeRawPointer(x + index).loadUnaligned(as: SIMD8<Float>.self)
                - UnsafeRawPointer(y + index).loadUnaligned(as: SIMD8<Float>.self)
            accumulator += difference * difference
            index += 8
        }
        sum = accumulator.sum()
        while index < dimensions {
            let difference = x[index] - y[index]
            sum += difference * difference
            index += 1
        }
        return sum
    }

    mutating func run(start: Int, target: Int) -> [Int] {
        // The first centre owns every point.
        var all = [Int32](repeating: 0, count: count)
        var best: Float = -1, bestIndex = start
        for index in 0..<count {
            all[index] = Int32(index)
            let distance = index == start ? 0 : squaredDistance(index, start)
            nearest[index] = distance
            if distance > best { best = distance; bestIndex = index }
        }
        centres = [start]
        centreCoordinates = Array(UnsafeBufferPointer(start: points + start * dimensions, count: dimensions))
        members = [all]
        radius = [best]
        farthest = [bestIndex]
        var distanceToCentres: [Float] = []
        while centres.count < target {
            // The next centre: the farthest member of the widest cluster.
            var widest = 0
            for cluster in 1..<radius.count where radius[cluster] > radius[widest] { widest = cluster }
            guard radius[widest] > 0 else { break }
            let centre = farthest[widest]
            // Distances to every centre, from their contiguous copy, on all cores when many.
            let centreCount = centres.count
            distanceToCentres = [Float](repeating: 0, count: centreCount)
            let newPoint = points + centre * dimensions
            centreCoordinates.withUnsafeBufferPointer { coordinates in
                distanceToCentres.withUnsafeMutableBufferPointer { distances in
                    let base = coordinates.baseAddress!, output = distances.baseAddress!
                    Parallel.forEachRange(centreCount, costPerItem: dimensions * 8) { range in
                        for existing in range { output[existing] = Self.squaredDistance(newPoint, base + existing * dimensions, dimensions) }
                    }
                }
            }
            var newMembers: [Int32] = []
            for cluster in 0..<centres.count {
                // A member x can move only if |c - c_j| < 2 r_j, i.e. d² < 4 r² (with a margin
                // for rounding, so pruning never changes the result).
                guard distanceToCentres[cluster] < 4.01 * radius[cluster] else { continue }
                var kept: [Int32] = []
                kept.reserveCapacity(members[cluster].count)
                var keptRadius: Float = 0, keptFarthest = centres[cluster]
                for member in members[cluster] {
                    let index = Int(member)
                    let distance = index == centre ? 0 : squaredDistance(index, centre)
                    if distance < nearest[index] {
                        nearest[index] = distance
                        newMembers.append(member)
                    } else {
                        kept.append(member)
                        if nearest[index] > keptRadius { keptRadius = nearest[index]; keptFarthest = index }
                    }
                }
                members[cluster] = kept
                radius[cluster] = keptRadius
                farthest[cluster] = keptFarthest
            }
            var newRadius: Float = 0, newFarthest = centre
            for member in newMembers where nearest[Int(member)] > newRadius {
                newRadius = nearest[Int(member)]
                newFarthest = Int(member)
            }
            centres.append(centre)
            centreCoordinates.append(contentsOf: UnsafeBufferPointer(start: newPoint, count: dimensions))
            members.append(newMembers)
            radius.append(newRadius)
            farthest.append(newFarthest)
        }
        return centres
    }
}
