// NearestNeighbourIndex: PatchCore's exact nearest-neighbour search against a large memory
// bank, with a cheap lower bound to skip most of the full-width distances. The bank is
// centred and rotated onto its top principal directions (p of them); each vector x becomes
// x̃ = (its p coordinates, |residual|), and |q̃ - b̃|² <= |q - b|² for every pair (the residual
// part by the triangle inequality). Per query: all bounds by one GEMM in p + 1 dimensions
// (instead of D), in chunks of the bank; per chunk, the exact distance to the row with the
// smallest bound when it can beat the best so far, then exact distances only to the rows
// whose bound is below the best distance found (with a rounding margin). The result is the exact minimum (Float32 rounding of the direct distance), the
// same as the brute-force GEMM search of NearestNeighbours up to rounding. How many rows need
// the exact distance depends on the data (on the benchmark's features, about 30 of 15,680).
// Not here: the brute-force search (NearestNeighbours), building the bank (CoresetSelection).

import FactoryKit
import Foundation

/// A memory bank prepared for exact nearest-neighbour queries with principal-component bounds.
public struct NearestNeighbourIndex {
    /// The bank `[M, D]`, contiguous.
    public let bank: Tensor
    /// Principal directions used for the bounds (0: plain GEMM search).
    public let components: Int
    let count: Int
    let dimensions: Int
    let mean: [Float]
    /// `[D, components]`, orthonormal columns.
    let basis: [Float]
    /// `[M, components + 1]`: principal coordinates and residual norm of each bank row.
    let reducedBank: [Float]
    let reducedNorms: [Float]
    let bankNorms: [Float]
    /// Queries per tile and bank rows per chunk: a chunk's bounds (`queryTile x bankTile`
    /// floats) stay in a core's L2 cache.
    static let queryTile = 64
    static let bankTile = 2048

    /// Prepares `bank` (`[M, D]`, M > 0). With `components` of 0, or when the bank is too
    /// small or too narrow for bounds to pay, queries run the brute-force GEMM search.
    public init(bank: Tensor, components requested: Int = 48) {
        precondition(bank.rank == 2 && bank.shape[0] > 0, "NearestNeighbourIndex: the bank must be [M, D] with M > 0, got \(bank.shape)")
        let bank = bank.contiguous()
        self.bank = bank
        let count = bank.shape[0], dimensions = bank.shape[1]
        self.count = count
        self.dimensions = dimensions
        let values = bank.scalars
        bankNorms = values.withUnsafeBufferPointer { NearestNeighbours.squaredNorms($0.baseAddress!, rows: count, dimensions: dimensions) }
        let components = (requested > 0 && 2 * requested <= dimensions && count >= 4 * requested) ? requested : 0
        self.components = components
        guard components > 0 else {
            mean = []; basis = []; reducedBank = []; reducedNorms = []
            return
        }
        // Mean and covariance (Double), then the top principal directions by subspace
        // iteration. Any orthonormal basis gives valid bounds; a better one, tighter bounds.
        var mean = [Double](repeating: 0, count: dimensions)
        for row in 0..<count { for column in 0..<dimensions { mean[column] += Double(values[row * dimensions + column]) } }
        mean = mean.map { $0 / Double(count) }
        let meanFloat = mean.map { Float($0) }
        var centred = values
        for row in 0..<count { for column in 0..<dimensions { centred[row * dimensions + column] -= meanFloat[column] } }
        var covarianceFloat = [Float](repeating: 0, count: dimensions * dimensions)
        centred.withUnsafeBufferPointer { x in
            covarianceFloat.withUnsafeMutableBufferPointer { c in
                BLAS.gemm(rows: dimensions, columns: dimensions, depth: count,
                          MatrixOperand(pointer: x.baseAddress!, leadingDimension: dimensions, transposed: true),
                          MatrixOperand(pointer: x.baseAddress!, leadingDimension: dimensions, transposed: false),
                          c.baseAddress!, leadingDimension: dimensions)
            }
        }
        let covariance = covarianceFloat.map { Double($0) }
        let basis = Self.principalDirections(covariance, dimensions: dimensions, components: components)
        self.mean = meanFloat
        self.basis = basis.map { Float($0) }
        let reduced = Self.reduce(centred: centred, rows: count, dimensions: dimensions, basis: self.basis, components: components)
        reducedBank = reduced
        reducedNorms = reduced.withUnsafeBufferPointer { NearestNeighbours.squaredNorms($0.baseAddress!, rows: count, dimensions: components + 1) }
    }

    /// `components` orthonormal columns (`[D, components]`, row-major) spanning about the top
    /// eigenvectors of the symmetric `covariance`: subspace iteration with Gram-Schmidt.
    static func principalDirections(_ covariance: [Double], dimensions: Int, components: Int) -> [Double] {
        // Start: a fixed pseudo-random basis (deterministic), then C·V, orthonormalised.
        var generator = SeededGenerator(seed: 17)
        var v = (0..<(dimensions * components)).map { _ in Double(generator.nextNormal()) }
        func orthonormalise(_ v: inout [Double]) {
            for column in 0..<components {
                for _ in 0..<2 {  // twice, for numerical orthogonality
                    for previous in 0..<column {
                        var dot = 0.0
                        for row in 0..<dimensions { dot += v[row * components + column] * v[row * components + previous] }
                        for row in 0..<dimensions { v[row * components + column] -= dot * v[row * components + previous] }
                    }
                }
                var norm = 0.0
                for row in 0..<dimensions { norm += v[row * components + column] * v[row * components + column] }
                norm = norm.squareRoot()
                if norm < 1e-300 {
                    // Degenerate: any unit vector orthogonal to the others will do.
                    for row in 0..<dimensions { v[row * components + column] = row == column ? 1 : 0 }
                    for previous in 0..<column {
                        let dot = v[column * components + previous]
                        for row in 0..<dimensions { v[row * components + column] -= dot * v[row * components + previous] }
                    }
                    norm = 0
                    for row in 0..<dimensions { norm += v[row * components + column] * v[row * components + column] }
                    norm = Swift.max(norm.squareRoot(), 1e-300)
                }
                for row in 0..<dimensions { v[row * components + column] /= norm }
            }
        }
        orthonormalise(&v)
        var product = [Double](repeating: 0, count: dimensions * components)
        for _ in 0..<30 {
            for row in 0..<dimensions {
                for column in 0..<components {
                    var sum = 0.0
                    for k in 0..<dimensions { sum += covariance[row * dimensions + k] * v[k * components + column] }
                    product[row * components + column] = sum
                }
            }
            v = product
            orthonormalise(&v)
        }
        return v
    }

    /// `[rows, components + 1]`: each centred row's principal coordinates and residual norm.
    static func reduce(centred: [Float], rows: Int, dimensions: Int, basis: [Float], components: Int) -> [Float] {
        var coordinates = [Float](repeating: 0, count: rows * components)
        centred.withUnsafeBufferPointer { x in
            basis.withUnsafeBufferPointer { b in
                coordinates.withUnsafeMutableBufferPointer { y in
                    BLAS.gemm(rows: rows, columns: components, depth: dimensions,
                              MatrixOperand(pointer: x.baseAddress!, leadingDimension: dimensions, transposed: false),
                              MatrixOperand(pointer: b.baseAddress!, leadingDimension: components, transposed: false),
                              y.baseAddress!, leadingDimension: components)
                }
            }
        }
        // The residual x - V y itself (not |x|² - |y|², which cancels when it is small).
        var residual = centred
        coordinates.withUnsafeBufferPointer { y in
            basis.withUnsafeBufferPointer { b in
                residual.withUnsafeMutableBufferPointer { r in
                    BLAS.gemm(rows: rows, columns: dimensions, depth: components, alpha: -1,
                              MatrixOperand(pointer: y.baseAddress!, leadingDimension: components, transposed: false),
                              MatrixOperand(pointer: b.baseAddress!, leadingDimension: components, transposed: true),
                              beta: 1, r.baseAddress!, leadingDimension: dimensions)
                }
            }
        }
        let width = components + 1
        var reduced = [Float](repeating: 0, count: rows * width)
        for row in 0..<rows {
            var outOfPlane: Float = 0
            for column in 0..<dimensions { outOfPlane += residual[row * dimensions + column] * residual[row * dimensions + column] }
            for column in 0..<components { reduced[row * width + column] = coordinates[row * components + column] }
            reduced[row * width + components] = outOfPlane.squareRoot()
        }
        return reduced
    }

    /// `|x - y|²` by differences (eight lanes, then the remainder).
    @inline(__always)
    static func squaredDistance(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dimensions: Int) -> Float {
        var index = 0
        var accumulator = SIMD8<Float>()
        while index + 8 <= dimensions {
            let a = UnsafeRawPointer(x + index).loadUnaligned(as: SIMD8<Float>.self) - UnsafeRawPointer(y + index).loadUnaligned(as: SIMD8<Float>.self)
            accumulator.addProduct(a, a)
            index += 8
        }
        var sum = accumulator.sum()
        while index < dimensions {
            let difference = x[index] - y[index]
            sum += difference * difference
            index += 1
        }
        return sum
    }

    /// For each row of `queries` (`[Q, D]`), the squared distance to the nearest bank row.
    public func nearestSquaredDistances(queries: Tensor) -> [Float] {
        precondition(queries.rank == 2 && queries.shape[1] == dimensions,
                     "nearestSquaredDistances: queries \(queries.shape) must be [Q, \(dimensions)]")
        guard components > 0 else {
            return NearestNeighbours.nearestSquaredDistances(queries: queries, bank: bank, bankSquaredNorms: bankNorms)
        }
        let queryCount = queries.shape[0]
        if queryCount == 0 { return [] }
        let queryValues = queries.contiguous().scalars
        var centred = queryValues
        for row in 0..<queryCount { for column in 0..<dimensions { centred[row * dimensions + column] -= mean[column] } }
        let width = components + 1
        let reducedQueries = Self.reduce(centred: centred, rows: queryCount, dimensions: dimensions, basis: basis, components: components)
        var result = [Float](repeating: .infinity, count: queryCount)
        let tiles = (queryCount + Self.queryTile - 1) / Self.queryTile
        let count = self.count, dimensions = self.dimensions
        queryValues.withUnsafeBufferPointer { queryBuffer in
            reducedQueries.withUnsafeBufferPointer { reducedQueryBuffer in
                reducedBank.withUnsafeBufferPointer { reducedBankBuffer in
                    reducedNorms.withUnsafeBufferPointer { normBuffer in
                        bank.withContiguousElements { bankBuffer in
                            result.withUnsafeMutableBufferPointer { output in
                                let box = UncheckedSendable((queryBuffer.baseAddress!, reducedQueryBuffer.baseAddress!, reducedBankBuffer.baseAddress!,
                                                             normBuffer.baseAddress!, bankBuffer.baseAddress!, output.baseAddress!))
                                Parallel.forEachRangeWithSingleThreadedBLAS(tiles, costPerItem: 1 << 15) { range in
                                    let (queries, reducedQueries, reducedBank, norms, bank, output) = box.value
                                    let bounds = UnsafeMutablePointer<Float>.allocate(capacity: Self.queryTile * Self.bankTile)
                                    defer { bounds.deallocate() }
                                    for tile in range {
                                        let first = tile * Self.queryTile
                                        let rows = Swift.min(Self.queryTile, queryCount - first)
                                        var queryNorms = [Float](repeating: 0, count: rows)
                                        for row in 0..<rows {
                                            let reducedQuery = reducedQueries + (first + row) * width
                                            for k in 0..<width { queryNorms[row] += reducedQuery[k] * reducedQuery[k] }
                                        }
                                        for bankStart in stride(from: 0, to: count, by: Self.bankTile) {
                                            let columns = Swift.min(Self.bankTile, count - bankStart)
                                            // bounds = q̃ · b̃ for the tile's queries and this chunk of the bank.
                                            BLAS.gemm(rows: rows, columns: columns, depth: width,
                                                      MatrixOperand(pointer: reducedQueries + first * width, leadingDimension: width, transposed: false),
                                                      MatrixOperand(pointer: reducedBank + bankStart * width, leadingDimension: width, transposed: true),
                                                      bounds, leadingDimension: columns)
                                            for row in 0..<rows {
                                                Self.searchChunk(products: bounds + row * columns, norms: norms + bankStart, count: columns,
                                                                 queryNorm: queryNorms[row], query: queries + (first + row) * dimensions,
                                                                 bank: bank + bankStart * dimensions, dimensions: dimensions, best: &output[first + row])
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return result
    }

    /// One query against one chunk of bank rows: its bounds are `queryNorm + norms[j] -
    /// 2 products[j]`. If the chunk's smallest bound can beat `best`, the exact distance to
    /// that row first, then to every row whose bound can still beat the best so far.
    @inline(__always)
    static func searchChunk(products: UnsafePointer<Float>, norms: UnsafePointer<Float>, count: Int, queryNorm: Float,
                            query: UnsafePointer<Float>, bank: UnsafePointer<Float>, dimensions: Int, best: inout Float) {
        // Row j can beat `best` only if its bound, less its rounding margin (relative to the
        // squared norms of the reduced vectors; generous), is below: with v_j = norms[j] -
        // 2 products[j], v_j - ε norms[j] <= best - (1 - ε) queryNorm.
        let epsilon: Float = 1e-3
        // The smallest margin-reduced bound of the chunk and its first row.
        var lanes = SIMD8<Float>(repeating: .infinity)
        var index = 0
        while index + 8 <= count {
            let norm = UnsafeRawPointer(norms + index).loadUnaligned(as: SIMD8<Float>.self)
            let value = norm - 2 * UnsafeRawPointer(products + index).loadUnaligned(as: SIMD8<Float>.self) - epsilon * norm
            lanes.replace(with: value, where: value .< lanes)
            index += 8
        }
        var smallest = lanes.min()
        while index < count {
            smallest = Swift.min(smallest, norms[index] - 2 * products[index] - epsilon * norms[index])
            index += 1
        }
        var threshold = best - (1 - epsilon) * queryNorm
        guard smallest <= threshold else { return }
        var first = 0
        while first < count - 1 && !(norms[first] - 2 * products[first] - epsilon * norms[first] <= smallest) { first += 1 }
        best = Swift.min(best, squaredDistance(query, bank + first * dimensions, dimensions))
        threshold = best - (1 - epsilon) * queryNorm
        index = 0
        while index + 8 <= count {
            let norm = UnsafeRawPointer(norms + index).loadUnaligned(as: SIMD8<Float>.self)
            let value = norm - 2 * UnsafeRawPointer(products + index).loadUnaligned(as: SIMD8<Float>.self) - epsilon * norm
            let hits = value .<= SIMD8<Float>(repeating: threshold)
            if any(hits) {
                for lane in 0..<8 where hits[lane] && index + lane != first {
                    let distance = squaredDistance(query, bank + (index + lane) * dimensions, dimensions)
                    if distance < best {
                        best = distance
                        threshold = best - (1 - epsilon) * queryNorm
                    }
                }
            }
            index += 8
        }
        while index < count {
            if norms[index] - 2 * products[index] - epsilon * norms[index] <= threshold && index != first {
                let distance = squaredDistance(query, bank + index * dimensions, dimensions)
                if distance < best {
                    best = distance
                    threshold = best - (1 - epsilon) * queryNorm
                }
            }
            index += 1
        }
    }
}
