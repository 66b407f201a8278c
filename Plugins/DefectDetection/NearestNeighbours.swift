// NearestNeighbours: PatchCore's patch score — the squared Euclidean distance from each query
// feature to its nearest memory-bank row — computed as ||q||² + ||b||² - 2 q·b with the dot
// products from OpenBLAS GEMM, in tiles (256 queries x 1024 bank rows, so a tile's products
// and bank rows stay in a core's L2 cache) spread over the cores, each thread running
// single-threaded GEMMs. Exact up to Float32 rounding (results are clamped at 0). Scoring uses
// NearestNeighbourIndex, which computes far fewer full distances; this brute-force search is
// its reference and its fallback for small banks. Not here: building the bank (CoresetSelection).

import FactoryKit
import Foundation

/// Exact nearest-neighbour distances by matrix products.
public enum NearestNeighbours {
    /// Queries per tile.
    static let queryTile = 256
    /// Bank rows per tile.
    static let bankTile = 1024

    /// The squared norm of each row of a row-major `[rows, dimensions]` matrix.
    public static func squaredNorms(_ values: UnsafePointer<Float>, rows: Int, dimensions: Int) -> [Float] {
        (0..<rows).map { row in
            var sum: Float = 0
            let base = values + row * dimensions
            for index in 0..<dimensions { sum += base[index] * base[index] }
            return sum
        }
    }

    /// `min over j of norms[j] - 2 products[j]`, eight lanes at a time.
    @inline(__always)
    static func smallestDistance(norms: UnsafePointer<Float>, products: UnsafePointer<Float>, count: Int) -> Float {
        var lanes = SIMD8<Float>(repeating: .infinity)
        var index = 0
        while index + 8 <= count {
            let norm = UnsafeRawPointer(norms + index).loadUnaligned(as: SIMD8<Float>.self)
            let product = UnsafeRawPointer(products + index).loadUnaligned(as: SIMD8<Float>.self)
            lanes = pointwiseMin(lanes, norm - 2 * product)
            index += 8
        }
        var smallest = lanes.min()
        while index < count {
            smallest = Swift.min(smallest, norms[index] - 2 * products[index])
            index += 1
        }
        return smallest
    }

    /// For each row of `queries` (`[Q, D]`), the squared distance to the nearest row of
    /// `bank` (`[M, D]`, M > 0).
    /// - Parameter bankSquaredNorms: the bank's squared row norms, when already known.
    public static func nearestSquaredDistances(queries: Tensor, bank: Tensor, bankSquaredNorms: [Float]? = nil) -> [Float] {
        precondition(queries.rank == 2 && bank.rank == 2 && queries.shape[1] == bank.shape[1],
                     "nearestSquaredDistances: queries \(queries.shape) and bank \(bank.shape) must be [Q, D] and [M, D]")
        precondition(bank.shape[0] > 0, "nearestSquaredDistances: the bank is empty")
        let queryCount = queries.shape[0], bankCount = bank.shape[0], dimensions = bank.shape[1]
        let queryValues = queries.contiguous(), bankValues = bank.contiguous()
        let queryPointer = UnsafePointer(queryValues.storage.pointer + queryValues.offset)
        let bankPointer = UnsafePointer(bankValues.storage.pointer + bankValues.offset)
        let bankNorms = bankSquaredNorms ?? squaredNorms(bankPointer, rows: bankCount, dimensions: dimensions)
        precondition(bankNorms.count == bankCount, "nearestSquaredDistances: \(bankNorms.count) norms for \(bankCount) bank rows")
        var result = [Float](repeating: .infinity, count: queryCount)
        let tiles = (queryCount + queryTile - 1) / queryTile
        result.withUnsafeMutableBufferPointer { output in
            let outputBox = UncheckedSendable(output.baseAddress!)
            bankNorms.withUnsafeBufferPointer { norms in
                let normsBox = UncheckedSendable(norms.baseAddress!)
                Parallel.forEachRangeWithSingleThreadedBLAS(tiles, costPerItem: 1 << 15) { range in
                    let products = UnsafeMutablePointer<Float>.allocate(capacity: queryTile * bankTile)
                    defer { products.deallocate() }
                    for tile in range {
                        let first = tile * queryTile
                        let rows = Swift.min(queryTile, queryCount - first)
                        let queryNorms = squaredNorms(queryPointer + first * dimensions, rows: rows, dimensions: dimensions)
                        let out = outputBox.value + first
                        for bankStart in stride(from: 0, to: bankCount, by: bankTile) {
                            let columns = Swift.min(bankTile, bankCount - bankStart)
                            // products = queries_tile @ bank_tileᵀ
                            BLAS.gemm(rows: rows, columns: columns, depth: dimensions,
                                      MatrixOperand(pointer: queryPointer + first * dimensions, leadingDimension: dimensions, transposed: false),
                                      MatrixOperand(pointer: bankPointer + bankStart * dimensions, leadingDimension: dimensions, transposed: true),
                                      products, leadingDimension: columns)
                            let tileNorms = normsBox.value + bankStart
                            for row in 0..<rows {
                                let line = products + row * columns
                                out[row] = Swift.min(out[row], smallestDistance(norms: tileNorms, products: line, count: columns))
                            }
                        }
                        for row in 0..<rows { out[row] = Swift.max(out[row] + queryNorms[row], 0) }
                    }
                }
            }
        }
        return result
    }
}
