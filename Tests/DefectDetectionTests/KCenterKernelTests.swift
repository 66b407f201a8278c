// The greedy k-centre coreset's kernels against plain definitions: the early-exit squared
// distance (bit-identical to the plain one below the limit, never below the limit above it),
// the partial distances of eight transposed points against a panel of 8 or 16 centres in the
// dot-product form (Double reference, within half the scan's rounding margin), lane masks as
// bits (both widths), the tournament tree (linear maximum, lowest index on ties), the centre
// panels' products (Double reference, n u |a| |b|), the symmetric eigen-decomposition
// (hand-derived 2x2; orthonormal, diagonalising, sorted), the sampled covariance (Double
// reference), the principal rotation (distances kept to relative 1e-4; with axes dropped,
// the subspace the points span found — also from a sample of the points — and no distance
// lengthened), and the whole search on rotated half-precision points against the
// brute-force greedy, with enough centres for the threaded sweep.

import DefectDetection
import FactoryKit
import Foundation
import Testing

@Suite("k-centre kernels")
struct KCenterKernelTests {
    static func plainSquaredDistance(_ x: [Float], _ y: [Float]) -> Double {
        zip(x, y).reduce(0.0) { sum, pair in
            let d = Double(pair.0) - Double(pair.1)
            return sum + d * d
        }
    }

    @Test(arguments: [5, 16, 37, 128, 152])
    func earlyExitDistanceDecidesLikeThePlainDistance(_ dimensions: Int) {
        var generator = SeededGenerator(seed: UInt64(dimensions))
        for _ in 0..<200 {
            // Leading coordinates larger, as on principal axes.
            let x = (0..<dimensions).map { Float16(generator.nextNormal() * 8 / Float($0 + 1).squareRoot()) }
            let y = (0..<dimensions).map { _ in generator.nextNormal() }
            let plain = x.withUnsafeBufferPointer { xs in y.withUnsafeBufferPointer { ys in
                KCenterKernels.squaredDistance(xs.baseAddress!, ys.baseAddress!, dimensions)
            } }
            // Against the Double definition: Float sums of `dimensions` terms, relative 1e-5.
            let reference = Self.plainSquaredDistance(x.map { Float($0) }, y)
            #expect(abs(Double(plain) - reference) <= 1e-5 * reference + 1e-6)
            for fraction: Float in [0.05, 0.3, 0.7, 0.999, 1, 1.001, 2] {
                let limit = plain * fraction
                let early = x.withUnsafeBufferPointer { xs in y.withUnsafeBufferPointer { ys in
                    KCenterKernels.squaredDistance(xs.baseAddress!, ys.baseAddress!, dimensions, unlessAtLeast: limit)
                } }
                #expect((early < limit) == (plain < limit), "same decision at limit \(limit)")
                if early < limit {
                    #expect(early == plain, "below the limit: the plain value, bit for bit")
                } else {
                    #expect(early >= limit && early <= plain, "a partial sum between the limit and the whole")
                }
            }
        }
    }

    @Test func panelProductsGivePartialDistancesWithinTheScansMargin() {
        // Eight Float16 points (transposed) against a panel of 8 or 16 centres, three of them
        // equal to points (partial distance 0: the worst cancellation of the |x|² + |c|² - 2 x·c
        // form). Double reference over the leading 16 coordinates; the scan rules a pair out only
        // past 128 u (|x|² + the largest |c|²) (u = 2^-24): the error must stay within half of it.
        func check<V: KernelFloatVector>(_: V.Type) {
            var generator = SeededGenerator(seed: UInt64(V.scalarCount))
            let leading = 16, lanes = V.scalarCount
            let points = (0..<8).map { _ in (0..<leading).map { _ in Float(Float16(generator.nextNormal() * 3 + 2)) } }
            var centres = (0..<lanes).map { _ in (0..<leading).map { _ in generator.nextNormal() * 3 + 2 } }
            centres[0] = points[5]; centres[3] = points[0]; centres[lanes - 1] = points[7]
            let rows = (0..<leading).map { h in SIMD8<Float>((0..<8).map { points[$0][h] }) }
            let panel = (0..<(leading * lanes)).map { -2 * centres[$0 % lanes][$0 / lanes] }
            let norms = centres.map { centre in centre.reduce(Float(0)) { $0 + $1 * $1 } }
            var output = [Float](repeating: .nan, count: 8 * lanes)
            rows.withUnsafeBufferPointer { rows in panel.withUnsafeBufferPointer { panel in norms.withUnsafeBufferPointer { norms in
                output.withUnsafeMutableBufferPointer { output in
                    KCenterKernels.panelProducts(V.self, rows.baseAddress!, panel.baseAddress!, norms: norms.baseAddress!, leading: leading,
                                                 output: output.baseAddress!, outputStride: lanes)
                }
            } } }
            let largestNorm = Double(norms.max()!), u = Double(Float.ulpOfOne) / 2
            for point in 0..<8 {
                let pointNorm = points[point].reduce(Float(0)) { $0 + $1 * $1 }
                for centre in 0..<lanes {
                    let reference = Self.plainSquaredDistance(points[point], centres[centre])
                    let computed = Double(pointNorm) + Double(output[point * lanes + centre])
                    #expect(abs(computed - reference) <= 64 * u * (Double(pointNorm) + largestNorm),
                            "\(lanes) lanes, point \(point), centre \(centre): \(computed) against \(reference)")
                }
            }
        }
        check(SIMD8<Float>.self)
        check(SIMD16<Float>.self)
    }

    @Test func laneBitsOfAComparisonAtBothWidths() {
        var generator = SeededGenerator(seed: 41)
        for _ in 0..<50 {
            let a = (0..<16).map { _ in Float(Int(generator.next() % 5)) - 2 }, b = (0..<16).map { _ in Float(Int(generator.next() % 5)) - 2 }
            var expected = 0
            for lane in 0..<16 where a[lane] < b[lane] { expected |= 1 << lane }
            #expect(KCenterKernels.laneBits(SIMD16<Float>(a), lessThan: SIMD16<Float>(b)) == expected)
            #expect(KCenterKernels.laneBits(SIMD8<Float>(a[0..<8]), lessThan: SIMD8<Float>(b[0..<8])) == expected & 0xFF)
        }
        // -0 < +0 is false; infinities compare as numbers.
        #expect(KCenterKernels.laneBits(SIMD8<Float>(-0.0, 0, 1, .infinity, -.infinity, 0, 0, 0), lessThan: SIMD8<Float>(0, -0.0, .infinity, .infinity, 0, 0, 0, 0)) == 0b10100)
    }

    @Test func laneBitsNumberTheLanes() {
        let values = SIMD8<Float>(3, -1, 4, 1, -5, 9, 2, -6)
        #expect(KCenterKernels.laneBits(values .> 0) == 0b0110_1101)
        #expect(KCenterKernels.laneBits(values .> 100) == 0)
        #expect(KCenterKernels.laneBits(values .< 100) == 0xFF)
    }

    @Test(arguments: [1, 2, 7, 64, 1000])
    func tournamentFindsTheLinearMaximum(_ capacity: Int) {
        var generator = SeededGenerator(seed: UInt64(capacity))
        var tree = KCenterTournament(capacity: capacity)
        var values = [Float](repeating: -1, count: capacity)
        for step in 0..<3000 {
            let index = Int(generator.next() % UInt64(capacity))
            // Few distinct values, so that ties are common.
            let value = Float(generator.next() % 5)
            values[index] = value
            tree.update(index, value)
            let best = values.max()!
            let expected = values.firstIndex(of: best)!
            #expect(tree.winner == expected, "step \(step)")
            #expect(tree[tree.winner] == best)
        }
    }

    @Test func symmetricEigenOfATwoByTwo() {
        // [[2, 1], [1, 2]]: eigenvalues 3 and 1, eigenvectors (1, 1) / sqrt 2 and (1, -1) / sqrt 2.
        let (values, vectors) = PrincipalAxes.symmetricEigen([2, 1, 1, 2], dimensions: 2)
        #expect(abs(values[0] - 3) < 1e-12 && abs(values[1] - 1) < 1e-12)
        let half = 0.5.squareRoot()
        #expect(abs(abs(vectors[0]) - half) < 1e-12 && abs(vectors[2] - vectors[0]) < 1e-12, "column 0 along (1, 1)")
        #expect(abs(abs(vectors[1]) - half) < 1e-12 && abs(vectors[3] + vectors[1]) < 1e-12, "column 1 along (1, -1)")
    }

    @Test(arguments: [1, 3, 20, 128, 152])
    func symmetricEigenDiagonalises(_ n: Int) {
        var generator = SeededGenerator(seed: UInt64(n))
        // A covariance-like matrix: B Bᵀ with a decaying spectrum.
        let b = (0..<(n * n)).map { index in Double(generator.nextNormal()) / Double(index % n + 1) }
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { for k in 0..<n { a[i * n + j] += b[i * n + k] * b[j * n + k] } } }
        let (values, v) = PrincipalAxes.symmetricEigen(a, dimensions: n)
        let scale = a.map(abs).max()!
        for i in 0..<n {
            if i > 0 { #expect(values[i] <= values[i - 1], "sorted") }
            for j in 0..<n {
                var dot = 0.0, rotated = 0.0
                for k in 0..<n {
                    dot += v[k * n + i] * v[k * n + j]
                    for l in 0..<n { rotated += v[k * n + i] * a[k * n + l] * v[l * n + j] }
                }
                // Double rounding over n-term sums: 1e-10 (relative to the largest entry).
                #expect(abs(dot - (i == j ? 1 : 0)) < 1e-10, "orthonormal \(i) \(j)")
                #expect(abs(rotated - (i == j ? values[i] : 0)) < 1e-10 * scale * Double(n), "diagonal \(i) \(j)")
            }
        }
    }

    @Test(arguments: [1000, 37, 1])
    func sampledCovarianceIsTheSampleAboutTheWholeMean(_ sampleRows: Int) {
        // 150 rows of 6: the mean of every row; the Gram matrix of rows ⌊i · 150 / s⌋ (all of
        // them when s ≥ 150) about that mean. Double reference; Float data, a GEMM in Float:
        // relative 1e-5 of the largest entry.
        var generator = SeededGenerator(seed: 41)
        let rows = 150, dimensions = 6
        let values = (0..<(rows * dimensions)).map { index in generator.nextNormal() * Float(index % dimensions + 1) + 3 }
        let (mean, covariance) = values.withUnsafeBufferPointer {
            PrincipalAxes.meanAndSampledCovariance($0.baseAddress!, rows: rows, dimensions: dimensions, sampleRows: sampleRows)
        }
        let exactMean = (0..<dimensions).map { column in (0..<rows).reduce(0.0) { $0 + Double(values[$1 * dimensions + column]) } / Double(rows) }
        for column in 0..<dimensions { #expect(abs(Double(mean[column]) - exactMean[column]) < 1e-5 * (1 + abs(exactMean[column])), "mean \(column)") }
        let sampled = Swift.min(rows, sampleRows)
        let sample = (0..<sampled).map { $0 * rows / sampled }
        #expect(Set(sample).count == sampled && (sampled < rows || sample == Array(0..<rows)), "evenly spaced, every row when not fewer")
        var reference = [Double](repeating: 0, count: dimensions * dimensions)
        for row in sample {
            for i in 0..<dimensions {
                for j in 0..<dimensions {
                    reference[i * dimensions + j] += (Double(values[row * dimensions + i]) - exactMean[i]) * (Double(values[row * dimensions + j]) - exactMean[j])
                }
            }
        }
        let scale = reference.map(abs).max()!
        for index in 0..<(dimensions * dimensions) {
            #expect(abs(covariance[index] - reference[index]) <= 1e-5 * scale, "entry \(index): \(covariance[index]) against \(reference[index])")
        }
    }

    @Test func centrePanelProductsAreTheDotProducts() {
        // Batches of 1 to 19 rows (whole groups of eight or four and the rest) against 37 centres (two
        // whole panels and part of a third), at 8 and 16 lanes; Double reference. A Float dot
        // product of n terms errs by at most n u |a| |b| (u = 2^-24): that is the tolerance.
        var generator = SeededGenerator(seed: 31)
        let dimensions = 24, centreCount = 37
        let centres = (0..<(centreCount * dimensions)).map { _ in generator.nextNormal() }
        let panels = KCenterCentrePanels(capacity: 40, dimensions: dimensions)
        defer { panels.deallocate() }
        for centre in 0..<centreCount {
            centres.withUnsafeBufferPointer { panels.set(centre, $0.baseAddress! + centre * dimensions) }
        }
        let stride = 48
        for batchCount in 1...19 {
            let batch = (0..<(batchCount * dimensions)).map { _ in generator.nextNormal() }
            for lanes in [8, 16] {
                var output = [Float](repeating: .nan, count: batchCount * stride)
                batch.withUnsafeBufferPointer { batch in
                    output.withUnsafeMutableBufferPointer { output in
                        if lanes == 8 {
                            panels.products(SIMD8<Float>.self, batch: batch.baseAddress!, batchCount: batchCount, centreCount: centreCount,
                                            output: output.baseAddress!, outputStride: stride)
                        } else {
                            panels.products(SIMD16<Float>.self, batch: batch.baseAddress!, batchCount: batchCount, centreCount: centreCount,
                                            output: output.baseAddress!, outputStride: stride)
                        }
                    }
                }
                for row in 0..<batchCount {
                    for centre in 0..<centreCount {
                        var product = 0.0, normA = 0.0, normB = 0.0
                        for k in 0..<dimensions {
                            let a = Double(batch[row * dimensions + k]), b = Double(centres[centre * dimensions + k])
                            product += a * b; normA += a * a; normB += b * b
                        }
                        let tolerance = Double(dimensions) * 0x1p-24 * (normA * normB).squareRoot()
                        #expect(abs(Double(output[row * stride + centre]) - product) <= tolerance, "\(lanes) lanes, row \(row), centre \(centre)")
                    }
                    // The rest of the third panel holds unused (zero) slots.
                    for centre in centreCount..<48 { #expect(output[row * stride + centre] == 0, "row \(row), slot \(centre)") }
                }
            }
        }
    }

    @Test func principalCoordinatesKeepDistancesAndSortVariances() {
        var generator = SeededGenerator(seed: 17)
        let count = 400, dimensions = 24
        // Anisotropic points: coordinate k scaled by (k + 1), so variance grows with k.
        let values = (0..<(count * dimensions)).map { index in generator.nextNormal() * Float(index % dimensions + 1) + 5 }
        let rotated = CoresetSelection.principalCoordinates(Tensor(values, shape: [count, dimensions])).scalars
        for pair in 0..<50 {
            let a = pair, b = count - 1 - pair
            let before = Self.plainSquaredDistance(Array(values[a * dimensions ..< (a + 1) * dimensions]), Array(values[b * dimensions ..< (b + 1) * dimensions]))
            let after = Self.plainSquaredDistance(Array(rotated[a * dimensions ..< (a + 1) * dimensions]), Array(rotated[b * dimensions ..< (b + 1) * dimensions]))
            // A Float rotation (orthonormal to ~1e-7) of Float data: relative 1e-4.
            #expect(abs(after - before) <= 1e-4 * before, "pair \(pair)")
        }
        let variances = (0..<dimensions).map { column in (0..<count).reduce(0.0) { $0 + Double(rotated[$1 * dimensions + column]) * Double(rotated[$1 * dimensions + column]) } }
        for column in 1..<dimensions { #expect(variances[column] <= variances[column - 1] * (1 + 1e-4), "column \(column)") }
        let means = (0..<dimensions).map { column in (0..<count).reduce(0.0) { $0 + Double(rotated[$1 * dimensions + column]) } / Double(count) }
        #expect(means.allSatisfy { abs($0) < 1e-3 }, "centred")
    }

    @Test func keptPrincipalCoordinatesFindTheSubspaceThePointsSpan() {
        // Points on an 8-dimensional subspace of 32 dimensions (8 random directions, each point
        // a random combination, plus an offset): the 8 leading principal coordinates keep
        // every distance, and are the first 8 columns of the full rotation; a Gaussian random
        // projection to 8 dimensions would not keep them.
        var generator = SeededGenerator(seed: 23)
        let count = 300, dimensions = 32, spanned = 8
        let directions = (0..<(spanned * dimensions)).map { _ in generator.nextNormal() }
        var values = [Float](repeating: 0, count: count * dimensions)
        for point in 0..<count {
            let weights = (0..<spanned).map { axis in generator.nextNormal() * Float(axis + 1) }
            for column in 0..<dimensions {
                values[point * dimensions + column] = 3 + (0..<spanned).reduce(Float(0)) { $0 + weights[$1] * directions[$1 * dimensions + column] }
            }
        }
        let points = Tensor(values, shape: [count, dimensions])
        // Axes from every point, and from 20 of the 300 (still more than the 8 spanned).
        for sampleRows in [count, 20] {
            let kept = CoresetSelection.principalCoordinates(points, keeping: spanned, covarianceSampleRows: sampleRows)
            #expect(kept.shape == [count, spanned])
            let full = CoresetSelection.principalCoordinates(points, covarianceSampleRows: sampleRows).scalars, keptValues = kept.scalars
            for point in 0..<count {
                for column in 0..<spanned {
                    let a = keptValues[point * spanned + column], b = full[point * dimensions + column]
                    #expect(abs(a - b) <= 1e-4 * (1 + abs(b)), "point \(point), column \(column)")
                }
            }
            for pair in 0..<50 {
                let a = pair, b = count - 1 - pair
                let before = Self.plainSquaredDistance(Array(values[a * dimensions ..< (a + 1) * dimensions]), Array(values[b * dimensions ..< (b + 1) * dimensions]))
                let after = Self.plainSquaredDistance(Array(keptValues[a * spanned ..< (a + 1) * spanned]), Array(keptValues[b * spanned ..< (b + 1) * spanned]))
                // Float data with trailing variances of rounding size only: relative 1e-3.
                #expect(abs(after - before) <= 1e-3 * before, "sample of \(sampleRows), pair \(pair): \(after) against \(before)")
            }
        }
        // Asking for more axes than there are keeps them all.
        #expect(CoresetSelection.principalCoordinates(points, keeping: 100).shape == [count, dimensions])
    }

    @Test func keptPrincipalCoordinatesNeverLengthenADistance() {
        // Dropping axes of an orthonormal rotation can only shorten a distance.
        var generator = SeededGenerator(seed: 29)
        let count = 200, dimensions = 20
        let values = (0..<(count * dimensions)).map { _ in generator.nextNormal() }
        let kept = CoresetSelection.principalCoordinates(Tensor(values, shape: [count, dimensions]), keeping: 6).scalars
        for pair in 0..<60 {
            let a = pair, b = count - 1 - pair
            let before = Self.plainSquaredDistance(Array(values[a * dimensions ..< (a + 1) * dimensions]), Array(values[b * dimensions ..< (b + 1) * dimensions]))
            let after = Self.plainSquaredDistance(Array(kept[a * 6 ..< (a + 1) * 6]), Array(kept[b * 6 ..< (b + 1) * 6]))
            #expect(after <= before * (1 + 1e-4), "pair \(pair): \(after) against \(before)")
            #expect(after < before * 0.9, "pair \(pair): isotropic points lose most of a distance to 6 of 20 axes")
        }
    }

    @Test func rotatedHalfPrecisionCoresetIsTheExactGreedy() {
        // The realistic path: clustered points on their principal axes, rounded to Float16 —
        // most members ruled out by partial distances — and enough centres (over 1024) for
        // the threaded sweep.
        let count = 5000, dimensions = 32, selecting = 1300
        let points = PatchCoreMathTests.points(count: count, dimensions: dimensions, clusters: 40, seed: 9)
        let rotated = CoresetSelection.principalCoordinates(Tensor(points, shape: [count, dimensions])).scalars
        let rounded = rotated.map { Float(Float16($0)) }
        let reference = PatchCoreMathTests.bruteForceGreedy(rounded, dimensions: dimensions, selecting: selecting, start: 123)
        for lanes in [8, 16] {
            for batch in [1, 32, 64] {
                // New clusters built on one thread, and on all of them (from one moved member);
                // clusters from the first centre on, and after 256 centres chosen densely.
                for parallelBuildFrom in [Int.max, 1] {
                    for denseCentres in [1, 256] {
                        let fast = CoresetSelection.greedyKCenter(points: rotated, dimensions: dimensions, selecting: selecting, start: 123, halfPrecision: true,
                                                                  lanes: lanes, batch: batch, parallelBuildFrom: parallelBuildFrom, denseCentres: denseCentres)
                        #expect(fast == reference, "\(lanes) lanes, batch \(batch), parallel build from \(parallelBuildFrom), \(denseCentres) dense")
                    }
                }
            }
        }
        // Every centre chosen densely.
        let dense = CoresetSelection.greedyKCenter(points: rotated, dimensions: dimensions, selecting: selecting, start: 123, halfPrecision: true,
                                                   denseCentres: selecting)
        #expect(dense == reference, "all dense")
    }
}
