// PatchCore's numeric pieces against their definitions: the pruned greedy k-centre coreset
// against a brute-force greedy loop (same centres, same order; in Float32 and on Float16-rounded
// points; sweeping 8 and 16 centres per vector; clusters from the first centre, after a dense
// start, or all dense; with over 1024 centres on 1 and 2 threads; and, on duplicates and
// far-apart clusters where ties are exact, each choice at least as far as every other point),
// the GEMM and the principal-component-bounded nearest-neighbour distances against a naive
// double-precision loop (tolerance stated), the coreset's requested share, and the patch
// features' shapes.

import DefectDetection
import FactoryKit
import Foundation
import Testing

@Suite("PatchCore math")
struct PatchCoreMathTests {
    /// Seeded points: `clusters` Gaussian blobs (or uniform noise when 0) in `dimensions`.
    static func points(count: Int, dimensions: Int, clusters: Int, seed: UInt64) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        let centres = (0..<Swift.max(clusters, 1)).map { _ in (0..<dimensions).map { _ in generator.nextNormal() * 4 } }
        return (0..<count).flatMap { index -> [Float] in
            if clusters == 0 { return (0..<dimensions).map { _ in generator.nextUnitFloat() } }
            let centre = centres[index % clusters]
            return centre.map { $0 + generator.nextNormal() }
        }
    }

    /// The definition: each step adds the point farthest (squared distance, Double) from its
    /// nearest chosen centre, the first such point on ties.
    static func bruteForceGreedy(_ points: [Float], dimensions: Int, selecting: Int, start: Int) -> [Int] {
        let count = points.count / dimensions
        func distance(_ a: Int, _ b: Int) -> Double {
            (0..<dimensions).reduce(0.0) { sum, k in
                let d = Double(points[a * dimensions + k]) - Double(points[b * dimensions + k])
                return sum + d * d
            }
        }
        var chosen = [start]
        var nearest = (0..<count).map { distance($0, start) }
        while chosen.count < selecting {
            let next = nearest.indices.max { nearest[$0] < nearest[$1] || (nearest[$0] == nearest[$1] && $0 > $1) }!
            if nearest[next] == 0 { break }
            chosen.append(next)
            for index in 0..<count { nearest[index] = Swift.min(nearest[index], distance(index, next)) }
        }
        return chosen
    }

    @Test(arguments: [(count: 300, dimensions: 5, clusters: 0, selecting: 40), (count: 500, dimensions: 16, clusters: 6, selecting: 120),
                      (count: 257, dimensions: 9, clusters: 3, selecting: 257), (count: 64, dimensions: 2, clusters: 0, selecting: 1)])
    func greedyCoresetMatchesTheBruteForceDefinition(_ shape: (count: Int, dimensions: Int, clusters: Int, selecting: Int)) {
        let points = Self.points(count: shape.count, dimensions: shape.dimensions, clusters: shape.clusters, seed: UInt64(shape.count))
        let start = shape.count / 3
        let reference = Self.bruteForceGreedy(points, dimensions: shape.dimensions, selecting: shape.selecting, start: start)
        // One centre per sweep (batch 1), or several; clusters from the first centre on, after
        // 16 centres chosen densely, or every centre dense: the same result.
        for lanes in [8, 16] {
            for batch in [1, 4, 32] {
                for denseCentres in [1, 16, Int.max] {
                    let fast = CoresetSelection.greedyKCenter(points: points, dimensions: shape.dimensions, selecting: shape.selecting, start: start, lanes: lanes,
                                                              batch: batch, denseCentres: denseCentres)
                    #expect(fast == reference, "\(lanes) lanes, batch \(batch), \(denseCentres) dense")
                    #expect(Set(fast).count == fast.count, "no centre twice")
                }
            }
        }
    }

    @Test(arguments: [(count: 6000, dimensions: 24, clusters: 12, selecting: 300), (count: 4000, dimensions: 40, clusters: 0, selecting: 150)])
    func halfPrecisionCoresetIsTheExactGreedyOfTheRoundedPoints(_ shape: (count: Int, dimensions: Int, clusters: Int, selecting: Int)) {
        // Enough points (count x dimensions over 2^17) that the first scans run on several threads.
        let points = Self.points(count: shape.count, dimensions: shape.dimensions, clusters: shape.clusters, seed: 7)
        let rounded = points.map { Float(Float16($0)) }
        let halfReference = Self.bruteForceGreedy(rounded, dimensions: shape.dimensions, selecting: shape.selecting, start: 11)
        let fullReference = Self.bruteForceGreedy(points, dimensions: shape.dimensions, selecting: shape.selecting, start: 11)
        for lanes in [8, 16] {
            for denseCentres in [1, 64] {
                let fast = CoresetSelection.greedyKCenter(points: points, dimensions: shape.dimensions, selecting: shape.selecting, start: 11,
                                                          halfPrecision: true, lanes: lanes, denseCentres: denseCentres)
                #expect(fast == halfReference, "\(lanes) lanes, \(denseCentres) dense")
                let full = CoresetSelection.greedyKCenter(points: points, dimensions: shape.dimensions, selecting: shape.selecting, start: 11, lanes: lanes,
                                                          denseCentres: denseCentres)
                #expect(full == fullReference, "\(lanes) lanes, \(denseCentres) dense")
            }
        }
    }

    @Test func coresetWithManyCentresAndHeavyTrailingCoordinatesIsTheBruteForceGreedyOnAnyThreadCount() {
        // Over 1024 centres (the sweep then splits the centres over the threads) in 48
        // dimensions whose trailing coordinates carry most of each distance (partial distances
        // over the leading coordinates rule out little, so most whole distances run to the end):
        // the same centres in the same order as the brute-force loop, with 1 or 2 threads.
        var generator = SeededGenerator(seed: 77)
        let dimensions = 48, count = 2400
        let points = (0..<(count * dimensions)).map { index -> Float in
            let column = index % dimensions
            return generator.nextNormal() * (column < 16 ? 0.5 : 2) + (index / dimensions % 3 == 0 ? 3 : 0)
        }
        let reference = Self.bruteForceGreedy(points, dimensions: dimensions, selecting: 1100, start: 3)
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        for threads in [1, 2] {
            Parallel.threadCount = threads
            for lanes in [8, 16] {
                for batch in [1, 32] {
                    for denseCentres in [1, 256] {
                        let chosen = CoresetSelection.greedyKCenter(points: points, dimensions: dimensions, selecting: 1100, start: 3, lanes: lanes, batch: batch,
                                                                    denseCentres: denseCentres)
                        #expect(chosen == reference, "\(threads) threads, \(lanes) lanes, batch \(batch), \(denseCentres) dense")
                    }
                }
            }
        }
    }

    @Test func coresetStopsWhenEveryPointIsACentre() {
        // Three distinct points, each twice: (0,0) (1,1) (0,0) (5,5) (1,1) (5,5). From point 0
        // the farthest is (5,5) (index 3, the first of two), then (1,1) (index 1); then every
        // point coincides with a centre and the selection stops at three.
        let points: [Float] = [0, 0, 1, 1, 0, 0, 5, 5, 1, 1, 5, 5]
        for (lanes, denseCentres) in [(8, 1), (16, 1), (8, 6), (16, 6)] {
            let chosen = CoresetSelection.greedyKCenter(points: points, dimensions: 2, selecting: 6, start: 0, lanes: lanes, denseCentres: denseCentres)
            #expect(chosen == [0, 3, 1], "\(lanes) lanes, \(denseCentres) dense")
            #expect(Self.bruteForceGreedy(points, dimensions: 2, selecting: 6, start: 0) == chosen)
        }
    }

    /// Whether `chosen` is a greedy k-centre order from its first point: every choice is at
    /// least as far (squared, Double; relative 1e-6 for the Float32 arithmetic of the search)
    /// from the centres before it as every other point, and the selection stops only at
    /// `selecting` or when every point is a centre. Any tie-break passes.
    static func isGreedyOrder(_ chosen: [Int], points: [Float], dimensions: Int, selecting: Int) -> Bool {
        let count = points.count / dimensions
        func distance(_ a: Int, _ b: Int) -> Double {
            (0..<dimensions).reduce(0.0) { sum, k in
                let d = Double(points[a * dimensions + k]) - Double(points[b * dimensions + k])
                return sum + d * d
            }
        }
        guard let first = chosen.first, Set(chosen).count == chosen.count else { return false }
        var nearest = (0..<count).map { distance($0, first) }
        for next in chosen.dropFirst() {
            let farthest = nearest.max()!
            if farthest == 0 || nearest[next] < farthest * (1 - 1e-6) { return false }
            for index in 0..<count { nearest[index] = Swift.min(nearest[index], distance(index, next)) }
        }
        return chosen.count == selecting || nearest.max()! == 0
    }

    @Test(arguments: [8, 16])
    func coresetOnDuplicatesAndFarApartClustersIsAGreedyOrder(lanes: Int) {
        // Four tight blobs 1000 apart, every point three times (exact ties everywhere), plus
        // points on a coarse integer grid (many equal distances): the search may break ties
        // differently from the brute-force loop, but every choice must be a farthest point.
        var generator = SeededGenerator(seed: 21)
        let dimensions = 12
        var distinct: [Float] = []
        for blob in 0..<4 {
            for _ in 0..<60 {
                distinct += (0..<dimensions).map { k in (k == blob ? 1000 : 0) + 0.01 * generator.nextNormal() }
            }
        }
        for _ in 0..<120 { distinct += (0..<dimensions).map { _ in Float(Int(generator.next() % 3)) } }
        let points = distinct + distinct + distinct
        for selecting in [3, 40, 700] {
            // Clusters from the first centre on (the dense start breaks ties by lowest index,
            // the clusters by cluster: both greedy orders, checked below).
            let chosen = CoresetSelection.greedyKCenter(points: points, dimensions: dimensions, selecting: selecting, start: 5, lanes: lanes, denseCentres: 1)
            #expect(Self.isGreedyOrder(chosen, points: points, dimensions: dimensions, selecting: selecting), "selecting \(selecting)")
            // Ties are broken the same way whether the centres are swept one at a time or in batches.
            for batch in [1, 5] {
                let other = CoresetSelection.greedyKCenter(points: points, dimensions: dimensions, selecting: selecting, start: 5, lanes: lanes, batch: batch,
                                                           denseCentres: 1)
                #expect(other == chosen, "selecting \(selecting), batch \(batch)")
            }
            let dense = CoresetSelection.greedyKCenter(points: points, dimensions: dimensions, selecting: selecting, start: 5, lanes: lanes, denseCentres: 20)
            #expect(Self.isGreedyOrder(dense, points: points, dimensions: dimensions, selecting: selecting), "20 dense, selecting \(selecting)")
            let half = CoresetSelection.greedyKCenter(points: points, dimensions: dimensions, selecting: selecting, start: 5, halfPrecision: true, lanes: lanes)
            let rounded = points.map { Float(Float16($0)) }
            #expect(Self.isGreedyOrder(half, points: rounded, dimensions: dimensions, selecting: selecting), "half precision, selecting \(selecting)")
        }
    }

    @Test(arguments: [(queries: 600, bank: 2500, dimensions: 37), (queries: 5, bank: 1, dimensions: 152), (queries: 256, bank: 2048, dimensions: 8)])
    func gemmDistancesMatchTheNaiveLoop(_ shape: (queries: Int, bank: Int, dimensions: Int)) {
        var generator = SeededGenerator(seed: 99)
        let queries = Tensor.normal([shape.queries, shape.dimensions], using: &generator)
        let bank = Tensor.normal([shape.bank, shape.dimensions], using: &generator)
        let fast = NearestNeighbours.nearestSquaredDistances(queries: queries, bank: bank)
        let q = queries.scalars, b = bank.scalars
        for row in 0..<shape.queries {
            var best = Double.infinity
            for column in 0..<shape.bank {
                var sum = 0.0
                for k in 0..<shape.dimensions {
                    let d = Double(q[row * shape.dimensions + k]) - Double(b[column * shape.dimensions + k])
                    sum += d * d
                }
                best = Swift.min(best, sum)
            }
            // Float32 expansion ||q||² + ||b||² - 2 q·b: relative 1e-4 of the norms involved.
            let tolerance = 1e-4 * Double(2 * shape.dimensions)
            #expect(abs(Double(fast[row]) - best) <= tolerance, "row \(row): \(fast[row]) vs \(best)")
        }
    }

    /// The nearest squared distance of each query row, in Double.
    static func naiveNearest(_ queries: [Float], _ bank: [Float], dimensions: Int) -> [Double] {
        let bankCount = bank.count / dimensions
        return (0..<(queries.count / dimensions)).map { row in
            var best = Double.infinity
            for column in 0..<bankCount {
                var sum = 0.0
                for k in 0..<dimensions {
                    let d = Double(queries[row * dimensions + k]) - Double(bank[column * dimensions + k])
                    sum += d * d
                }
                best = Swift.min(best, sum)
            }
            return best
        }
    }

    @Test(arguments: [(queries: 300, bank: 3000, dimensions: 152, clusters: 20), (queries: 130, bank: 2500, dimensions: 100, clusters: 0),
                      (queries: 70, bank: 40, dimensions: 152, clusters: 3)])
    func boundedSearchMatchesTheNaiveLoop(_ shape: (queries: Int, bank: Int, dimensions: Int, clusters: Int)) {
        // Clustered data (tight bounds, few full distances), isotropic noise (loose bounds,
        // many), and a bank too small for bounds (the brute-force fallback).
        let all = Self.points(count: shape.queries + shape.bank, dimensions: shape.dimensions, clusters: shape.clusters, seed: 21)
        let split = shape.queries * shape.dimensions
        let queries = Array(all[0 ..< split])
        let bank = Array(all[split ..< all.count])
        let index = NearestNeighbourIndex(bank: Tensor(bank, shape: [shape.bank, shape.dimensions]))
        #expect(index.components == (shape.bank >= 4 * 48 ? 48 : 0))
        let fast = index.nearestSquaredDistances(queries: Tensor(queries, shape: [shape.queries, shape.dimensions]))
        let reference = Self.naiveNearest(queries, bank, dimensions: shape.dimensions)
        for row in 0..<shape.queries {
            // Direct Float32 differences: relative 1e-5 (the GEMM fallback: 1e-4 of the norms).
            let tolerance = 1e-5 * reference[row] + 1e-4 * Double(2 * shape.dimensions)
            #expect(abs(Double(fast[row]) - reference[row]) <= tolerance, "row \(row): \(fast[row]) vs \(reference[row])")
        }
    }

    @Test func boundedSearchFindsBankRowsAtDistanceZero() {
        var generator = SeededGenerator(seed: 6)
        let bank = Tensor.normal([500, 120], using: &generator)
        let index = NearestNeighbourIndex(bank: bank)
        #expect(index.components == 48)
        #expect(index.nearestSquaredDistances(queries: bank).allSatisfy { $0 == 0 })
    }

    @Test func aQueryInTheBankIsAtDistanceZero() {
        var generator = SeededGenerator(seed: 5)
        let bank = Tensor.normal([300, 24], using: &generator)
        let distances = NearestNeighbours.nearestSquaredDistances(queries: bank, bank: bank)
        #expect(distances.allSatisfy { $0 >= 0 && $0 < 1e-3 }, "\(distances.max()!)")
    }

    @Test func coresetSelectionKeepsTheRequestedShare() {
        var generator = SeededGenerator(seed: 4)
        let features = Tensor.normal([1000, 64], using: &generator)
        let chosen = CoresetSelection.select(features, ratio: 0.1, projectionDimensions: 16, seed: 1)
        #expect(chosen.count == 100)
        #expect(Set(chosen).count == 100)
        #expect(CoresetSelection.select(features, ratio: 0.1, projectionDimensions: 16, seed: 1) == chosen, "seeded")
    }
}
