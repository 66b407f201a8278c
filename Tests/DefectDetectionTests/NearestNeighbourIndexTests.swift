// NearestNeighbourIndex's two-stage bounded search against a plain double-precision loop over
// every bank row, on cases chosen to break it: duplicate rows, queries equal to bank rows, one
// tight cluster, all rows equal, a bank far from the origin, banks of one to five blocks
// (some mostly padding), ties (rows equally far from a query), query counts that leave
// groups and tiles partly empty, queries in an order where the previous query's nearest row
// is a bad guess, query counts that fill or part-fill groups of 16 over banks of several chunks,
// and every split between first-stage and full components — each with blocks
// of 8 and of 16 rows (the bound kernels at both vector widths, on any machine); and the
// sign-bit lane masks at both widths.

import DefectDetection
import FactoryKit
import Foundation
import Testing

@Suite("Nearest-neighbour index")
struct NearestNeighbourIndexTests {
    /// The nearest squared distance of each query row, in Double, over every bank row.
    static func naiveNearest(_ queries: [Float], _ bank: [Float], dimensions: Int) -> [Double] {
        PatchCoreMathTests.naiveNearest(queries, bank, dimensions: dimensions)
    }

    /// Searches with the index (blocks of 8 and of 16 rows) and checks every distance against the naive loop. The index
    /// returns a Float32 distance by direct differences: relative 1e-5 plus 1e-6 of the
    /// squared norms involved (absolute rounding of the differences of large values).
    static func check(bank: [Float], queries: [Float], dimensions: Int, components: Int, firstStageComponents: Int,
                      expectBounds: Bool = true, sourceLocation: SourceLocation = #_sourceLocation) {
        for blockRows in [8, 16] {
            check(bank: bank, queries: queries, dimensions: dimensions, components: components, firstStageComponents: firstStageComponents,
                  blockRows: blockRows, expectBounds: expectBounds, sourceLocation: sourceLocation)
        }
    }

    static func check(bank: [Float], queries: [Float], dimensions: Int, components: Int, firstStageComponents: Int, blockRows: Int,
                      expectBounds: Bool, sourceLocation: SourceLocation) {
        let index = NearestNeighbourIndex(bank: Tensor(bank, shape: [bank.count / dimensions, dimensions]),
                                          components: components, firstStageComponents: firstStageComponents, blockRows: blockRows)
        #expect(index.blockRows == blockRows, sourceLocation: sourceLocation)
        #expect((index.components > 0) == expectBounds, "components \(index.components)", sourceLocation: sourceLocation)
        let fast = index.nearestSquaredDistances(queries: Tensor(queries, shape: [queries.count / dimensions, dimensions]))
        let reference = naiveNearest(queries, bank, dimensions: dimensions)
        let scale = (bank + queries).reduce(0.0) { Swift.max($0, Double(abs($1))) }
        var failures = 0
        for row in reference.indices {
            let tolerance = 1e-5 * reference[row] + 1e-6 * scale * scale * Double(dimensions)
            if !(abs(Double(fast[row]) - reference[row]) <= tolerance) {
                failures += 1
                if failures <= 5 {
                    Issue.record("blocks of \(blockRows), row \(row): \(fast[row]) vs \(reference[row])", sourceLocation: sourceLocation)
                }
            }
        }
        #expect(failures == 0, "\(failures) of \(reference.count) rows wrong", sourceLocation: sourceLocation)
    }

    static func normals(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in generator.nextNormal() * scale }
    }

    /// Clustered data like patch features: `clusters` blobs, rows in random cluster order.
    static func blobs(rows: Int, dimensions: Int, clusters: Int, spread: Float, seed: UInt64) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        let centres = (0..<clusters).map { _ in (0..<dimensions).map { _ in generator.nextNormal() * 4 } }
        return (0..<rows).flatMap { _ -> [Float] in
            let centre = centres[Int(generator.nextUnitFloat() * Float(clusters)) % clusters]
            return centre.map { $0 + spread * generator.nextNormal() }
        }
    }

    @Test(arguments: [1, 8, 20, 48])
    func clusteredBankAtEveryFirstStageWidth(first: Int) {
        let dimensions = 152
        let all = Self.blobs(rows: 1300 + 301, dimensions: dimensions, clusters: 12, spread: 1, seed: 3)
        let split = 1300 * dimensions
        Self.check(bank: Array(all[0..<split]), queries: Array(all[split...]), dimensions: dimensions, components: 48, firstStageComponents: first)
    }

    @Test func duplicateRowsAndQueriesInTheBank() {
        // Every bank row three times (the same block and other blocks); half the queries are
        // bank rows (distance exactly 0: direct differences of equal values), half are not.
        let dimensions = 40
        let distinct = Self.blobs(rows: 150, dimensions: dimensions, clusters: 4, spread: 0.5, seed: 5)
        let bank = distinct + distinct + distinct
        var queries = Array(distinct[0..<(70 * dimensions)])
        queries += Self.blobs(rows: 70, dimensions: dimensions, clusters: 4, spread: 0.5, seed: 6)
        Self.check(bank: bank, queries: queries, dimensions: dimensions, components: 16, firstStageComponents: 6)
        for blockRows in [8, 16] {
            let index = NearestNeighbourIndex(bank: Tensor(bank, shape: [450, dimensions]), components: 16, firstStageComponents: 6, blockRows: blockRows)
            let distances = index.nearestSquaredDistances(queries: Tensor(Array(queries[0..<(70 * dimensions)]), shape: [70, dimensions]))
            #expect(distances.allSatisfy { $0 == 0 }, "blocks of \(blockRows)")
        }
    }

    @Test func oneTightClusterAndAllRowsEqual() {
        let dimensions = 64
        var centre = Self.normals(dimensions, seed: 8, scale: 3)
        let tight = (0..<300).flatMap { _ in centre }.enumerated().map { $0.element + 1e-3 * Float(($0.offset * 7919) % 13) }
        let queries = Self.blobs(rows: 41, dimensions: dimensions, clusters: 1, spread: 0.01, seed: 9).enumerated()
            .map { $0.element * 0.01 + centre[$0.offset % dimensions] }
        Self.check(bank: tight, queries: queries, dimensions: dimensions, components: 16, firstStageComponents: 4)
        // No variance at all: any basis is a principal one; every distance is to the one point.
        let equal = (0..<200).flatMap { _ in centre }
        Self.check(bank: equal, queries: queries + centre, dimensions: dimensions, components: 16, firstStageComponents: 4)
        centre[0] += 1
        Self.check(bank: equal, queries: centre, dimensions: dimensions, components: 16, firstStageComponents: 4)
    }

    @Test func bankFarFromTheOrigin() {
        // Rows around (1000, ..., 1000): the bounds work on centred rows, so the offset must not
        // swamp the distances (about 2 x dimensions) in rounding.
        let dimensions = 32
        let bank = Self.blobs(rows: 400, dimensions: dimensions, clusters: 5, spread: 1, seed: 10).map { $0 + 1000 }
        let queries = Self.blobs(rows: 90, dimensions: dimensions, clusters: 5, spread: 1, seed: 11).map { $0 + 1000 }
        let reference = Self.naiveNearest(queries, bank, dimensions: dimensions)
        for blockRows in [8, 16] {
            let index = NearestNeighbourIndex(bank: Tensor(bank, shape: [400, dimensions]), components: 12, firstStageComponents: 4, blockRows: blockRows)
            let fast = index.nearestSquaredDistances(queries: Tensor(queries, shape: [90, dimensions]))
            for row in reference.indices {
                // Direct Float32 differences of values near 1000: each within 1e-4 absolute.
                let tolerance = 1e-5 * reference[row] + 2e-4 * Double(dimensions)
                #expect(abs(Double(fast[row]) - reference[row]) <= tolerance, "blocks of \(blockRows), row \(row): \(fast[row]) vs \(reference[row])")
            }
        }
    }

    @Test(arguments: [8, 9, 15, 16, 17, 31, 33, 48, 65, 79])
    func banksOfAFewBlocks(rows: Int) {
        // One to ten blocks of 8 rows or one to five of 16, some mostly padding lanes, which must never win.
        let dimensions = 10
        let bank = Self.normals(rows * dimensions, seed: UInt64(rows))
        let queries = Self.normals(23 * dimensions, seed: 100 + UInt64(rows))
        Self.check(bank: bank, queries: queries + Array(bank[0..<dimensions]), dimensions: dimensions, components: 2, firstStageComponents: 1)
    }

    @Test func tiesBetweenRows() {
        // Rows ±e_k (all at distance 1 from the origin, which is a query) and queries that are
        // equally far from two or more rows.
        let dimensions = 24
        var bank: [Float] = []
        for k in 0..<dimensions {
            for sign: Float in [1, -1] {
                var row = [Float](repeating: 0, count: dimensions)
                row[k] = sign
                bank += row
            }
        }
        bank += bank  // and each twice
        var queries = [Float](repeating: 0, count: dimensions)  // the origin
        for k in 0..<(dimensions - 1) {
            var between = [Float](repeating: 0, count: dimensions)
            between[k] = 0.5; between[k + 1] = 0.5
            queries += between
        }
        Self.check(bank: bank, queries: queries, dimensions: dimensions, components: 6, firstStageComponents: 2)
        for blockRows in [8, 16] {
            let index = NearestNeighbourIndex(bank: Tensor(bank, shape: [bank.count / dimensions, dimensions]), components: 6, firstStageComponents: 2,
                                              blockRows: blockRows)
            let distances = index.nearestSquaredDistances(queries: Tensor(queries, shape: [queries.count / dimensions, dimensions]))
            #expect(distances[0] == 1)
            #expect(distances.dropFirst().allSatisfy { $0 == 0.5 })
        }
    }

    @Test func queriesInAnOrderThatMisleadsTheFirstGuess() {
        // Consecutive queries from opposite ends of the data: the previous queries' nearest
        // rows are far, so the first guess is poor; tiles of 256 are crossed and the last
        // group of 16 is partly empty (601 queries).
        let dimensions = 48
        let bank = Self.blobs(rows: 2000, dimensions: dimensions, clusters: 30, spread: 0.7, seed: 12)
        let near = Self.blobs(rows: 301, dimensions: dimensions, clusters: 30, spread: 0.7, seed: 13)
        let far = Self.normals(300 * dimensions, seed: 14, scale: 9)
        var queries: [Float] = []
        for row in 0..<301 {
            queries += near[(row * dimensions)..<((row + 1) * dimensions)]
            if row < 300 { queries += far[(row * dimensions)..<((row + 1) * dimensions)] }
        }
        Self.check(bank: bank, queries: queries, dimensions: dimensions, components: 20, firstStageComponents: 8)
    }

    @Test(arguments: [1, 16, 17, 255, 257, 300])
    func groupsOfSixteenOverSeveralChunks(queryCount: Int) {
        // 1,100 rows: more than one chunk of 64 blocks at both widths (69 blocks of 16, 138 of
        // 8); query counts that fill groups of 16 and tiles of 256 exactly, or leave them
        // partly empty. The queries cycle through bank rows (their own block holds them:
        // distance 0), rows jittered by 0.05 and points far from the data, so the first
        // guesses (own block, neighbouring queries' nearest) are exact, good or poor in turn.
        let dimensions = 152
        let bank = Self.blobs(rows: 1100, dimensions: dimensions, clusters: 10, spread: 1, seed: 21)
        var generator = SeededGenerator(seed: 22)
        var queries: [Float] = []
        for query in 0..<queryCount {
            let row = (query * 389) % 1100
            let source = bank[(row * dimensions)..<((row + 1) * dimensions)]
            switch query % 3 {
            case 0: queries += source
            case 1: queries += source.map { $0 + 0.05 * generator.nextNormal() }
            default: queries += (0..<dimensions).map { _ in 6 * generator.nextNormal() }
            }
        }
        Self.check(bank: bank, queries: queries, dimensions: dimensions, components: 48, firstStageComponents: 20)
    }

    @Test func negativeLanesAtBothWidths() {
        var generator = SeededGenerator(seed: 17)
        for _ in 0..<50 {
            let values = (0..<16).map { _ in generator.nextNormal() }
            var expected = 0
            for lane in 0..<16 where values[lane] < 0 { expected |= 1 << lane }
            #expect(NearestNeighbourIndex.negativeLanes(SIMD16<Float>(values)) == expected)
            #expect(NearestNeighbourIndex.negativeLanes(SIMD8<Float>(values[0..<8])) == expected & 0xFF)
        }
        // -0 has its sign bit set (the bounds compare by subtraction: a tie gives +0, not a pass).
        #expect(NearestNeighbourIndex.negativeLanes(SIMD8<Float>(-0.0, 0, 1, -1, 0, 0, 0, -.infinity)) == 0b1000_1001)
        #expect(NearestNeighbourIndex.negativeLanes(SIMD16<Float>(repeating: 0)) == 0)
    }

    @Test func tooSmallForBoundsFallsBackToTheGemmSearch() {
        // 30 rows < 4 x 16 components: the brute-force GEMM search (its own rounding: 1e-4 of
        // the norms, within this check's absolute term for values of this size).
        let dimensions = 40
        let bank = Self.normals(30 * dimensions, seed: 15)
        let queries = Self.normals(9 * dimensions, seed: 16)
        let index = NearestNeighbourIndex(bank: Tensor(bank, shape: [30, dimensions]), components: 16)
        #expect(index.components == 0)
        let fast = index.nearestSquaredDistances(queries: Tensor(queries, shape: [9, dimensions]))
        let reference = Self.naiveNearest(queries, bank, dimensions: dimensions)
        for row in reference.indices {
            #expect(abs(Double(fast[row]) - reference[row]) <= 1e-4 * Double(2 * dimensions), "row \(row)")
        }
    }
}
