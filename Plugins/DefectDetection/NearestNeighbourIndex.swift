// NearestNeighbourIndex: PatchCore's exact nearest-neighbour search against a large memory
// bank, with cheap lower bounds to skip almost all of the full-width distances. The bank is
// centred and rotated onto its top principal directions (p of them); each vector x becomes
// x̃ = (its p coordinates, |residual|), and |q̃ - b̃|² <= |q - b|² for every pair (the residual
// part by the triangle inequality). The same holds with only the first p₁ < p coordinates and
// the residual beyond them: a weaker bound for p₁ + 1 multiply-adds instead of p + 1.
// The bank is stored in blocks of L rows (L = the kernel vector's lanes: 16 in an AVX-512
// build, 8 otherwise; the bound kernels are generic over the vector type), ordered by a k-d
// split of the principal coordinates so that near rows share blocks (the split is kept as a
// k-d tree whose leaves are the blocks). Sixteen consecutive queries at a time make one pass
// over the blocks: the first-stage bounds of 16 queries x L rows in registers (nothing written
// to memory); for a block and query where one can beat the query's best distance so far (with
// a rounding margin), the rest of the full bound; for a row whose full bound can still win, the
// exact distance. The 16 groups of a tile of 256 queries pass over one chunk of 64 blocks
// before the next, so a chunk's bounds and rows come from L2 for all of them. A query's best
// starts from the rows of its own leaf block and of the block across the split above it, then
// the nearest of those of the queries just before and after it (neighbouring patches are
// often near each other), so few rows pass. The result is the exact minimum (Float32 rounding
// of the direct distance), the same as the brute-force GEMM search of NearestNeighbours up to
// rounding; how many rows pass depends on the data (on the benchmark's features, about 100 of
// 980 blocks of 16 reach the second stage and about 35 of 15,680 rows the exact distance). Ball or box bounds on clusters of the bank
// prune almost nothing on those features (a patch's nearest distance is about a cluster's
// radius), so every row gets the first-stage bound. Not here: the brute-force search
// (NearestNeighbours), building the bank (CoresetSelection).

import FactoryKit
import Foundation
import Synchronization
#if arch(x86_64) && canImport(_Builtin_intrinsics)
import _Builtin_intrinsics.intel
#endif

/// A memory bank prepared for exact nearest-neighbour queries with principal-component bounds.
public struct NearestNeighbourIndex {
    /// The bank `[M, D]`, contiguous.
    public let bank: Tensor
    /// Principal directions used for the bounds (0: plain GEMM search).
    public let components: Int
    /// Principal directions of the first, cheaper bound (at most `components`).
    public let firstStageComponents: Int
    let count: Int
    let dimensions: Int
    let mean: [Float]
    /// `[D, components]`, orthonormal columns.
    let basis: [Float]
    /// Rows per block: the lanes of the bound kernels' vector (8 or 16).
    public let blockRows: Int
    /// The first-stage bank in blocks of `blockRows` rows (the last block padded), each block
    /// `[firstStageComponents + 2, blockRows]` (row index fastest): `(1 - ε)|b̃|²`, the first
    /// `firstStageComponents` principal coordinates, the residual norm beyond them.
    let firstStage: [Float]
    /// The rest of each block, `[components - firstStageComponents + 2, blockRows]`: the first-stage
    /// residual norm again, the remaining principal coordinates, the residual norm beyond all.
    let secondStage: [Float]
    /// Blocks of `blockRows` rows.
    let blocks: Int
    /// The bank's rows in block order (`[M, D]`): the rows a query's exact distances need
    /// are near each other in memory.
    let orderedBank: [Float]
    let bankNorms: [Float]
    /// The k-d split behind the block order, for a query's first guess.
    let tree: BlockTree
    /// Blocks of first guesses besides a query's own: those across the last `guessAcross`
    /// splits above it in the k-d tree.
    static let guessAcross = 1
    /// Queries per task (each thread runs whole tiles).
    static let queryTile = 256
    /// Blocks per chunk: all groups of a tile pass over one chunk before the next. 64 blocks
    /// of 16 rows are 94 KB of first-stage bounds, 123 KB of second-stage terms and 620 KB of
    /// bank rows, so a chunk stays in L2 while the tile's 16 groups pass over it.
    static let chunkBlocks = 64
    /// Relative rounding margin of the bounds (generous: the bounds' Float32 error is about
    /// 1e-6 of the squared norms involved).
    static let epsilon: Float = 1e-3

    /// Prepares `bank` (`[M, D]`, M > 0). With `components` of 0, or when the bank is too
    /// small or too narrow for bounds to pay, queries run the brute-force GEMM search.
    /// - Parameters:
    ///   - components: principal directions of the full bound.
    ///   - firstStageComponents: principal directions of the first bound (clamped to
    ///     `1...components`).
    ///   - blockRows: rows per block, 8 or 16: the lanes of the vector the bounds are
    ///     computed in (by default this build's `KernelVector`; the result does not depend on it).
    public init(bank: Tensor, components requested: Int = 48, firstStageComponents requestedFirst: Int = 20,
                blockRows: Int = KernelVector.scalarCount) {
        precondition(blockRows == 8 || blockRows == 16, "NearestNeighbourIndex: blockRows must be 8 or 16, got \(blockRows)")
        self.blockRows = blockRows
        let lanes = blockRows
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
            mean = []; basis = []; firstStage = []; secondStage = []; blocks = 0; orderedBank = []; firstStageComponents = 0
            tree = BlockTree()
            return
        }
        let first = Swift.max(1, Swift.min(requestedFirst, components))
        firstStageComponents = first
        // Mean, covariance and the top principal directions. Any orthonormal basis gives
        // valid bounds; the principal one, the tightest.
        let (meanFloat, centred, covariance) = PrincipalAxes.centredCovariance(values, rows: count, dimensions: dimensions)
        let axes = PrincipalAxes.symmetricEigen(covariance, dimensions: dimensions).vectors
        self.mean = meanFloat
        self.basis = (0..<(dimensions * components)).map { Float(axes[($0 / components) * dimensions + $0 % components]) }
        let reduced = Self.reduce(centred: centred, rows: count, dimensions: dimensions, basis: self.basis, components: components)
        // Blocks of `lanes` rows, transposed, in an order that keeps near rows in the same block;
        // padding rows have an infinite norm term, so their bounds are infinite and never win.
        let blocks = (count + lanes - 1) / lanes
        self.blocks = blocks
        let width = components + 1
        let (order, tree) = Self.blockOrder(reduced, rows: count, width: width, coordinates: first, blockRows: lanes)
        self.tree = tree
        orderedBank = order.flatMap { values[($0 * dimensions)..<(($0 + 1) * dimensions)] }
        let firstWidth = first + 2, secondWidth = components - first + 2
        var firstStage = [Float](repeating: 0, count: blocks * firstWidth * lanes)
        var secondStage = [Float](repeating: 0, count: blocks * secondWidth * lanes)
        for position in 0..<blocks * lanes {
            let block = position / lanes, lane = position % lanes
            let firstBase = block * firstWidth * lanes + lane, secondBase = block * secondWidth * lanes + lane
            guard position < count else {
                firstStage[firstBase] = .infinity
                continue
            }
            let row = order[position]
            let x = reduced[(row * width)..<((row + 1) * width)].map { Double($0) }
            var norm = 0.0, outside = x[components] * x[components]
            for k in 0..<components { norm += x[k] * x[k] }
            for k in first..<components { outside += x[k] * x[k] }
            norm += x[components] * x[components]
            let firstResidual = Float(outside.squareRoot())
            firstStage[firstBase] = (1 - Self.epsilon) * Float(norm)
            for k in 0..<first { firstStage[firstBase + (1 + k) * lanes] = Float(x[k]) }
            firstStage[firstBase + (first + 1) * lanes] = firstResidual
            secondStage[secondBase] = firstResidual
            for k in first..<components { secondStage[secondBase + (1 + k - first) * lanes] = Float(x[k]) }
            secondStage[secondBase + (components - first + 1) * lanes] = Float(x[components])
        }
        self.firstStage = firstStage
        self.secondStage = secondStage
    }

    /// The bank rows in block order: a k-d split (at a multiple of `blockRows` near the median,
    /// along the widest of the first `coordinates` principal coordinates) down to blocks, so
    /// that a query's candidate rows share blocks.
    static func blockOrder(_ reduced: [Float], rows: Int, width: Int, coordinates: Int, blockRows: Int) -> ([Int], BlockTree) {
        var order = Array(0..<rows)
        var tree = BlockTree()
        func split(_ range: Range<Int>) -> Int32 {
            guard range.count > blockRows else { return Int32(-1 - range.lowerBound / blockRows) }
            var widest = 0, widestSpread = -Float.infinity
            for k in 0..<coordinates {
                var low = Float.infinity, high = -Float.infinity
                for position in range {
                    let value = reduced[order[position] * width + k]
                    low = Swift.min(low, value); high = Swift.max(high, value)
                }
                if high - low > widestSpread { widest = k; widestSpread = high - low }
            }
            order[range].sort { reduced[$0 * width + widest] < reduced[$1 * width + widest] }
            let middle = range.lowerBound + (range.count / 2 + blockRows - 1) / blockRows * blockRows
            let node = tree.coordinates.count
            tree.coordinates.append(Int32(widest))
            tree.values.append(reduced[order[middle] * width + widest])
            tree.children += [0, 0]
            let lower = split(range.lowerBound..<middle)
            let upper = split(middle..<range.upperBound)
            tree.children[2 * node] = lower
            tree.children[2 * node + 1] = upper
            return Int32(node)
        }
        tree.root = split(0..<rows)
        return (order, tree)
    }

    /// A k-d tree over the principal coordinates whose leaves are the blocks: node n sends a
    /// point with coordinate `coordinates[n]` below `values[n]` to `children[2n]`, others to
    /// `children[2n + 1]`; a child (or the root) below 0 is the block `-1 - child`.
    struct BlockTree {
        var coordinates: [Int32] = []
        var values: [Float] = []
        var children: [Int32] = []
        var root: Int32 = -1

        /// The block whose region holds `point` (its principal coordinates), then the blocks
        /// across the last `across` splits above it (where `point` would land from the other
        /// side of each; fewer where the tree is shallower), nearest split first.
        func blocks(of point: UnsafePointer<Float>, across: Int) -> [Int] {
            func descend(_ start: Int32, others: inout [Int32]) -> Int32 {
                var code = start
                while code >= 0 {
                    let node = Int(code), side = point[Int(coordinates[node])] < values[node] ? 0 : 1
                    others.append(children[2 * node + 1 - side])
                    code = children[2 * node + side]
                }
                return code
            }
            var others: [Int32] = [], ignored: [Int32] = []
            var result = [Int(-1 - descend(root, others: &others))]
            for other in others.reversed().prefix(across) {
                result.append(Int(-1 - descend(other, others: &ignored)))
            }
            return result
        }
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

    /// `|x - y|²` by differences (four accumulators of eight lanes, then the remainder).
    @inline(__always)
    static func squaredDistance(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ dimensions: Int) -> Float {
        @inline(__always) func difference(_ index: Int) -> SIMD8<Float> {
            UnsafeRawPointer(x + index).loadUnaligned(as: SIMD8<Float>.self) - UnsafeRawPointer(y + index).loadUnaligned(as: SIMD8<Float>.self)
        }
        var index = 0
        var a0 = SIMD8<Float>(), a1 = a0, a2 = a0, a3 = a0
        while index + 32 <= dimensions {
            let d0 = difference(index), d1 = difference(index + 8), d2 = difference(index + 16), d3 = difference(index + 24)
            a0.addProduct(d0, d0); a1.addProduct(d1, d1); a2.addProduct(d2, d2); a3.addProduct(d3, d3)
            index += 32
        }
        while index + 8 <= dimensions {
            let d = difference(index)
            a0.addProduct(d, d)
            index += 8
        }
        var sum = ((a0 + a1) + (a2 + a3)).sum()
        while index < dimensions {
            let d = x[index] - y[index]
            sum += d * d
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
        let reduced = Self.reduce(centred: centred, rows: queryCount, dimensions: dimensions, basis: basis, components: components)
        // Each query's multipliers: first stage -2 (y₀ ... y_{p₁-1}, r₁); second stage 2 r₁ (to
        // take the first stage's residual term back out), -2 (y_{p₁} ... y_{p-1}, r); and its
        // margin-reduced squared norm (1 - ε)|q̃|².
        let first = firstStageComponents, components = self.components
        let firstWidth = first + 1, secondWidth = components - first + 2, width = components + 1
        var firstMultipliers = [Float](repeating: 0, count: queryCount * firstWidth)
        var secondMultipliers = [Float](repeating: 0, count: queryCount * secondWidth)
        var queryNorms = [Float](repeating: 0, count: queryCount)
        for row in 0..<queryCount {
            let x = reduced[(row * width)..<((row + 1) * width)].map { Double($0) }
            var norm = x[components] * x[components], outside = norm
            for k in 0..<components { norm += x[k] * x[k] }
            for k in first..<components { outside += x[k] * x[k] }
            let firstResidual = outside.squareRoot()
            for k in 0..<first { firstMultipliers[row * firstWidth + k] = Float(-2 * x[k]) }
            firstMultipliers[row * firstWidth + first] = Float(-2 * firstResidual)
            secondMultipliers[row * secondWidth] = Float(2 * firstResidual)
            for k in first..<components { secondMultipliers[row * secondWidth + 1 + k - first] = Float(-2 * x[k]) }
            secondMultipliers[row * secondWidth + secondWidth - 1] = Float(-2 * x[components])
            queryNorms[row] = (1 - Self.epsilon) * Float(norm)
        }
        // Each query's own block in the k-d order and the blocks across the last splits above
        // it: their rows are its first guesses.
        let guessBlocks = reduced.withUnsafeBufferPointer { reduced in
            (0..<queryCount).flatMap { query -> [Int32] in
                let blocks = tree.blocks(of: reduced.baseAddress! + query * width, across: Self.guessAcross)
                return (0...Self.guessAcross).map { Int32(blocks[Swift.min($0, blocks.count - 1)]) }
            }
        }
        var result = [Float](repeating: .infinity, count: queryCount)
        let tiles = (queryCount + Self.queryTile - 1) / Self.queryTile
        queryValues.withUnsafeBufferPointer { queryBuffer in
            firstMultipliers.withUnsafeBufferPointer { firstBuffer in
                secondMultipliers.withUnsafeBufferPointer { secondBuffer in
                    queryNorms.withUnsafeBufferPointer { normBuffer in
                      guessBlocks.withUnsafeBufferPointer { guessBuffer in
                        result.withUnsafeMutableBufferPointer { output in
                            let inputs = UncheckedSendable(QueryInputs(
                                queries: queryBuffer.baseAddress!, firstMultipliers: firstBuffer.baseAddress!,
                                secondMultipliers: secondBuffer.baseAddress!, norms: normBuffer.baseAddress!,
                                guessBlocks: guessBuffer.baseAddress!, count: queryCount, output: output.baseAddress!))
                            // Each thread takes the next tile when done with one (threads slowed by
                            // other work on the machine then take fewer).
                            let nextTile = TileCounter()
                            Parallel.forEachRange(tiles, costPerItem: Self.queryTile * blocks * blockRows * firstWidth) { _ in
                                search(inputs.value, tiles: tiles, next: nextTile)
                            }
                        }
                      }
                    }
                }
            }
        }
        return result
    }

    /// The next tile of queries to search, shared by the threads of one search.
    final class TileCounter: Sendable {
        let value = Atomic<Int>(0)
    }

    /// The prepared queries (see `nearestSquaredDistances`) and where their distances go.
    struct QueryInputs {
        let queries: UnsafePointer<Float>
        let firstMultipliers: UnsafePointer<Float>
        let secondMultipliers: UnsafePointer<Float>
        let norms: UnsafePointer<Float>
        /// Each query's `guessAcross + 1` blocks of first guesses (its own first).
        let guessBlocks: UnsafePointer<Int32>
        let count: Int
        let output: UnsafeMutablePointer<Float>
    }

    /// Searches tiles of `queryTile` queries (the next of `tiles` from `next`, until none is
    /// left) in groups of 16 consecutive queries, every group of a tile over one chunk of
    /// `chunkBlocks` blocks before the next chunk. Each query's first guess: the rows of its own block (the k-d tree's leaf holding its principal
    /// coordinates) and of the block across the split above it, then the nearest of those of
    /// the queries just before and after it.
    func search(_ inputs: QueryInputs, tiles: Int, next: TileCounter) {
        let firstWidth = firstStageComponents + 1, secondWidth = components - firstStageComponents + 2
        let dimensions = self.dimensions, size = Group.size
        let groups = (0..<(Self.queryTile / size)).map { _ in Group(firstWidth: firstWidth) }
        defer { for group in groups { group.deallocate() } }
        firstStage.withUnsafeBufferPointer { firstStage in
            secondStage.withUnsafeBufferPointer { secondStage in
                orderedBank.withUnsafeBufferPointer { bank in
                    let bank = bank.baseAddress!
                    while true {
                        let tile = next.value.add(1, ordering: .relaxed).oldValue
                        guard tile < tiles else { break }
                        let firstQuery = tile * Self.queryTile
                        let rows = Swift.min(Self.queryTile, inputs.count - firstQuery)
                        let groupCount = (rows + size - 1) / size
                        // Each query's first guess: the rows of its own block and those across.
                        for step in 0..<groupCount {
                            let group = groups[step]
                            for member in 0..<size {
                                let local = size * step + member
                                guard local < rows else {
                                    group.members[member] = -1
                                    for k in 0..<firstWidth { group.multipliers[k * size + member] = 0 }
                                    group.thresholds[member] = -.infinity
                                    continue
                                }
                                let query = firstQuery + local
                                let queryPointer = inputs.queries + query * dimensions
                                group.members[member] = query
                                group.queries[member] = queryPointer
                                group.secondMultipliers[member] = inputs.secondMultipliers + query * secondWidth
                                group.norms[member] = inputs.norms[query]
                                for k in 0..<firstWidth { group.multipliers[k * size + member] = inputs.firstMultipliers[query * firstWidth + k] }
                                group.best[member] = .infinity
                                group.nearest[member] = -1
                                for guess in 0...Self.guessAcross {
                                    let guessBlock = Int(inputs.guessBlocks[(Self.guessAcross + 1) * query + guess])
                                    for position in (guessBlock * blockRows)..<Swift.min(count, (guessBlock + 1) * blockRows) {
                                        let distance = Self.squaredDistance(queryPointer, bank + position * dimensions, dimensions)
                                        if distance < group.best[member] {
                                            group.best[member] = distance
                                            group.nearest[member] = position
                                        }
                                    }
                                }
                            }
                        }
                        // Then the nearest of those of the neighbouring queries (consecutive
                        // patches are often near each other).
                        for local in 0..<rows {
                            let group = groups[local / size], member = local % size
                            for other in Swift.max(0, local - 1)...Swift.min(rows - 1, local + 1) where other != local {
                                let guess = groups[other / size].nearest[other % size]
                                guard guess >= 0 else { continue }
                                let distance = Self.squaredDistance(group.queries[member], bank + guess * dimensions, dimensions)
                                if distance < group.best[member] {
                                    group.best[member] = distance
                                    group.nearest[member] = guess
                                }
                            }
                        }
                        for step in 0..<groupCount {
                            for member in 0..<size where groups[step].members[member] >= 0 { groups[step].updateThreshold(member) }
                        }
                        // All groups over one chunk of blocks, then the next chunk: a chunk's
                        // bounds and rows stay in cache for all of them.
                        var start = 0
                        while start < blocks {
                            let end = Swift.min(blocks, start + Self.chunkBlocks)
                            for step in 0..<groupCount {
                                if blockRows == 16 {
                                    Self.scan(SIMD16<Float>.self, group: groups[step], firstStage: firstStage.baseAddress!, secondStage: secondStage.baseAddress!,
                                              blocks: start..<end, firstWidth: firstWidth, secondWidth: secondWidth, bank: bank, dimensions: dimensions)
                                } else {
                                    Self.scan(SIMD8<Float>.self, group: groups[step], firstStage: firstStage.baseAddress!, secondStage: secondStage.baseAddress!,
                                              blocks: start..<end, firstWidth: firstWidth, secondWidth: secondWidth, bank: bank, dimensions: dimensions)
                                }
                            }
                            start = end
                        }
                        for step in 0..<groupCount {
                            for member in 0..<size where groups[step].members[member] >= 0 {
                                inputs.output[groups[step].members[member]] = groups[step].best[member]
                            }
                        }
                    }
                }
            }
        }
    }

    /// Sixteen queries searched together: their first-stage multipliers (`[firstWidth, 16]`), best
    /// distances so far and bound thresholds. A query's row j is looked at further only if
    /// `(1 - ε)|b̃_j|² - 2 q̃·b̃_j < best - (1 - ε)|q̃|²` (the threshold): its bound less a
    /// margin of ε times the squared norms is below the best. (A row at equality cannot beat
    /// the best; an empty member's threshold is -∞.)
    struct Group {
        /// Queries per group.
        static let size = 16
        let multipliers: UnsafeMutablePointer<Float>
        let members = UnsafeMutablePointer<Int>.allocate(capacity: Group.size)
        let queries = UnsafeMutablePointer<UnsafePointer<Float>>.allocate(capacity: Group.size)
        let secondMultipliers = UnsafeMutablePointer<UnsafePointer<Float>>.allocate(capacity: Group.size)
        let norms = UnsafeMutablePointer<Float>.allocate(capacity: Group.size)
        let best = UnsafeMutablePointer<Float>.allocate(capacity: Group.size)
        let nearest = UnsafeMutablePointer<Int>.allocate(capacity: Group.size)
        let thresholds = UnsafeMutablePointer<Float>.allocate(capacity: Group.size)
        /// A block's bounds for each query (16 vectors of up to 16 lanes): first stage, then full.
        let accumulators = UnsafeMutableRawPointer.allocate(byteCount: 16 * 64, alignment: 64)

        init(firstWidth: Int) {
            multipliers = .allocate(capacity: Group.size * firstWidth)
        }

        func deallocate() {
            multipliers.deallocate(); members.deallocate(); queries.deallocate(); secondMultipliers.deallocate()
            norms.deallocate(); best.deallocate(); nearest.deallocate(); thresholds.deallocate(); accumulators.deallocate()
        }

        @inline(__always)
        func updateThreshold(_ member: Int) {
            // Finite even before the first distance, so that padding rows (infinite bounds) never pass.
            thresholds[member] = Swift.min(best[member] - norms[member], .greatestFiniteMagnitude)
        }
    }

    /// Bit `lane` set where lane `lane` of `values` is negative (sign bit set), for 8 or 16
    /// lanes (one instruction where the build's instruction set has it).
    @inline(__always)
    public static func negativeLanes<V: KernelFloatVector>(_ values: V) -> Int {
        #if arch(x86_64) && canImport(_Builtin_intrinsics)
        if V.scalarCount == 8 { return Int(_mm256_movemask_ps(unsafeBitCast(values, to: SIMD8<Float>.self))) }
        #if FACTORY_AVX512
        if V.scalarCount == 16 { return Int(_mm512_movepi32_mask(_mm512_castps_si512(unsafeBitCast(values, to: SIMD16<Float>.self)))) }
        #endif
        #endif
        var bits = 0
        for lane in 0..<V.scalarCount where values[lane].sign == .minus { bits |= 1 << lane }
        return bits
    }

    /// One pass of the group's 16 queries over `blocks`, one block (`V.scalarCount` rows) at a
    /// time: the first-stage bounds of a block for the 16 queries in 16 vectors (with 16 lanes,
    /// 16 accumulators and the block's coordinate: 17 of the 32 vector registers).
    static func scan<V: KernelFloatVector>(_: V.Type, group: Group, firstStage: UnsafePointer<Float>, secondStage: UnsafePointer<Float>, blocks: Range<Int>,
                              firstWidth: Int, secondWidth: Int, bank: UnsafePointer<Float>, dimensions: Int) {
        let lanes = V.scalarCount
        let firstBlock = (firstWidth + 1) * lanes, secondBlock = secondWidth * lanes
        let accumulators = group.accumulators.bindMemory(to: V.self, capacity: 16)
        let hitMasks = UnsafeMutablePointer<Int>.allocate(capacity: 16)
        defer { hitMasks.deallocate() }
        var block = blocks.lowerBound
        while block < blocks.upperBound {
            let rows = firstStage + block * firstBlock
            // Eight lanes (the AVX2 build, 16 vector registers): two passes of eight queries,
            // so that the accumulators, the block's coordinate and the broadcast multiplier all
            // stay in registers; sixteen lanes (32 registers): all sixteen in one pass.
            let any = lanes == 8
                ? firstStageOfEight(V.self, rows: rows, queries: 0, firstWidth: firstWidth, group: group, accumulators: accumulators, hitMasks: hitMasks)
                    | firstStageOfEight(V.self, rows: rows, queries: 8, firstWidth: firstWidth, group: group, accumulators: accumulators, hitMasks: hitMasks)
                : firstStageOfSixteen(V.self, rows: rows, firstWidth: firstWidth, group: group, accumulators: accumulators, hitMasks: hitMasks)
            if any != 0 {
                // The second stage for every query with a passing lane, two queries at a time
                // where there are two (each coordinate vector loaded once for both; the two
                // are independent, so their latencies overlap), then the exact distances.
                let rest = secondStage + block * secondBlock
                var pending = 0
                for member in 0..<16 { pending |= (hitMasks[member] == 0 ? 0 : 1) << member }
                while pending != 0 {
                    let m = pending.trailingZeroBitCount
                    pending &= pending - 1
                    let w = group.secondMultipliers[m]
                    guard pending != 0 else {
                        var a0 = accumulators[m], a1 = V(), a2 = a1, a3 = a1
                        var j = 0
                        while j + 4 <= secondWidth {
                            a0.addProduct(V(repeating: w[j]), V.loadUnaligned(from: rest + lanes * j))
                            a1.addProduct(V(repeating: w[j + 1]), V.loadUnaligned(from: rest + lanes * (j + 1)))
                            a2.addProduct(V(repeating: w[j + 2]), V.loadUnaligned(from: rest + lanes * (j + 2)))
                            a3.addProduct(V(repeating: w[j + 3]), V.loadUnaligned(from: rest + lanes * (j + 3)))
                            j += 4
                        }
                        while j < secondWidth {
                            a0.addProduct(V(repeating: w[j]), V.loadUnaligned(from: rest + lanes * j))
                            j += 1
                        }
                        let bound = (a0 + a1) + (a2 + a3)
                        accumulators[m] = bound
                        hitMasks[m] = negativeLanes(bound - V(repeating: group.thresholds[m]))
                        break
                    }
                    let n = pending.trailingZeroBitCount
                    pending &= pending - 1
                    let v = group.secondMultipliers[n]
                    var a0 = accumulators[m], a1 = V(), a2 = a1, a3 = a1
                    var b0 = accumulators[n], b1 = V(), b2 = b1, b3 = b1
                    var j = 0
                    while j + 4 <= secondWidth {
                        let u0 = V.loadUnaligned(from: rest + lanes * j), u1 = V.loadUnaligned(from: rest + lanes * (j + 1))
                        let u2 = V.loadUnaligned(from: rest + lanes * (j + 2)), u3 = V.loadUnaligned(from: rest + lanes * (j + 3))
                        a0.addProduct(V(repeating: w[j]), u0); b0.addProduct(V(repeating: v[j]), u0)
                        a1.addProduct(V(repeating: w[j + 1]), u1); b1.addProduct(V(repeating: v[j + 1]), u1)
                        a2.addProduct(V(repeating: w[j + 2]), u2); b2.addProduct(V(repeating: v[j + 2]), u2)
                        a3.addProduct(V(repeating: w[j + 3]), u3); b3.addProduct(V(repeating: v[j + 3]), u3)
                        j += 4
                    }
                    while j < secondWidth {
                        let u = V.loadUnaligned(from: rest + lanes * j)
                        a0.addProduct(V(repeating: w[j]), u); b0.addProduct(V(repeating: v[j]), u)
                        j += 1
                    }
                    let boundM = (a0 + a1) + (a2 + a3), boundN = (b0 + b1) + (b2 + b3)
                    accumulators[m] = boundM
                    accumulators[n] = boundN
                    hitMasks[m] = negativeLanes(boundM - V(repeating: group.thresholds[m]))
                    hitMasks[n] = negativeLanes(boundN - V(repeating: group.thresholds[n]))
                }
                let bounds = UnsafeRawPointer(accumulators).assumingMemoryBound(to: Float.self)
                for member in 0..<16 where hitMasks[member] != 0 {
                    var winners = hitMasks[member]
                    repeat {
                        let lane = winners.trailingZeroBitCount
                        winners &= winners - 1
                        // The threshold may have dropped since.
                        guard bounds[member * lanes + lane] < group.thresholds[member] else { continue }
                        let row = block * lanes + lane
                        let distance = squaredDistance(group.queries[member], bank + row * dimensions, dimensions)
                        if distance < group.best[member] {
                            group.best[member] = distance
                            group.nearest[member] = row
                            group.updateThreshold(member)
                        }
                    } while winners != 0
                }
            }
            block += 1
        }
    }

    /// The first-stage bounds of one block for all 16 queries of the group in one pass (16
    /// accumulators: for the 16-lane build, whose 32 vector registers hold them), their
    /// passing lanes in `hitMasks` and, when any lane passes, the bounds in `accumulators`;
    /// returns the union of the lanes.
    @inline(__always)
    static func firstStageOfSixteen<V: KernelFloatVector>(_: V.Type, rows: UnsafePointer<Float>, firstWidth: Int, group: Group,
                                                          accumulators: UnsafeMutablePointer<V>, hitMasks: UnsafeMutablePointer<Int>) -> Int {
        let lanes = V.scalarCount
        let start = V.loadUnaligned(from: rows)
        var x0 = start, x1 = start, x2 = start, x3 = start, x4 = start, x5 = start, x6 = start, x7 = start
        var x8 = start, x9 = start, x10 = start, x11 = start, x12 = start, x13 = start, x14 = start, x15 = start
        var k = 0
        while k < firstWidth {
            let u = V.loadUnaligned(from: rows + lanes + lanes * k)
            let m = UnsafePointer(group.multipliers) + Group.size * k
            x0.addProduct(V(repeating: m[0]), u); x1.addProduct(V(repeating: m[1]), u)
            x2.addProduct(V(repeating: m[2]), u); x3.addProduct(V(repeating: m[3]), u)
            x4.addProduct(V(repeating: m[4]), u); x5.addProduct(V(repeating: m[5]), u)
            x6.addProduct(V(repeating: m[6]), u); x7.addProduct(V(repeating: m[7]), u)
            x8.addProduct(V(repeating: m[8]), u); x9.addProduct(V(repeating: m[9]), u)
            x10.addProduct(V(repeating: m[10]), u); x11.addProduct(V(repeating: m[11]), u)
            x12.addProduct(V(repeating: m[12]), u); x13.addProduct(V(repeating: m[13]), u)
            x14.addProduct(V(repeating: m[14]), u); x15.addProduct(V(repeating: m[15]), u)
            k += 1
        }
        let t = group.thresholds
        // Per query i, bit `lane` set where lane `lane` passes.
        hitMasks[0] = negativeLanes(x0 - V(repeating: t[0])); hitMasks[1] = negativeLanes(x1 - V(repeating: t[1]))
        hitMasks[2] = negativeLanes(x2 - V(repeating: t[2])); hitMasks[3] = negativeLanes(x3 - V(repeating: t[3]))
        hitMasks[4] = negativeLanes(x4 - V(repeating: t[4])); hitMasks[5] = negativeLanes(x5 - V(repeating: t[5]))
        hitMasks[6] = negativeLanes(x6 - V(repeating: t[6])); hitMasks[7] = negativeLanes(x7 - V(repeating: t[7]))
        hitMasks[8] = negativeLanes(x8 - V(repeating: t[8])); hitMasks[9] = negativeLanes(x9 - V(repeating: t[9]))
        hitMasks[10] = negativeLanes(x10 - V(repeating: t[10])); hitMasks[11] = negativeLanes(x11 - V(repeating: t[11]))
        hitMasks[12] = negativeLanes(x12 - V(repeating: t[12])); hitMasks[13] = negativeLanes(x13 - V(repeating: t[13]))
        hitMasks[14] = negativeLanes(x14 - V(repeating: t[14])); hitMasks[15] = negativeLanes(x15 - V(repeating: t[15]))
        let any = ((hitMasks[0] | hitMasks[1]) | (hitMasks[2] | hitMasks[3])) | ((hitMasks[4] | hitMasks[5]) | (hitMasks[6] | hitMasks[7]))
            | ((hitMasks[8] | hitMasks[9]) | (hitMasks[10] | hitMasks[11])) | ((hitMasks[12] | hitMasks[13]) | (hitMasks[14] | hitMasks[15]))
        if any != 0 {
            accumulators[0] = x0; accumulators[1] = x1; accumulators[2] = x2; accumulators[3] = x3
            accumulators[4] = x4; accumulators[5] = x5; accumulators[6] = x6; accumulators[7] = x7
            accumulators[8] = x8; accumulators[9] = x9; accumulators[10] = x10; accumulators[11] = x11
            accumulators[12] = x12; accumulators[13] = x13; accumulators[14] = x14; accumulators[15] = x15
        }
        return any
    }

    /// The first-stage bounds of one block (`V.scalarCount` rows at `rows`) for the group's
    /// queries `queries ..< queries + 8`, stored in `accumulators` with their passing lanes
    /// in `hitMasks`; returns the union of those lanes. Eight accumulators: for the
    /// eight-lane build, where 16 would not fit in its 16 vector registers.
    @inline(__always)
    static func firstStageOfEight<V: KernelFloatVector>(_: V.Type, rows: UnsafePointer<Float>, queries: Int, firstWidth: Int, group: Group,
                                                        accumulators: UnsafeMutablePointer<V>, hitMasks: UnsafeMutablePointer<Int>) -> Int {
        let lanes = V.scalarCount
        let start = V.loadUnaligned(from: rows)
        var x0 = start, x1 = start, x2 = start, x3 = start, x4 = start, x5 = start, x6 = start, x7 = start
        var k = 0
        while k < firstWidth {
            let u = V.loadUnaligned(from: rows + lanes + lanes * k)
            let m = UnsafePointer(group.multipliers) + Group.size * k + queries
            x0.addProduct(V(repeating: m[0]), u); x1.addProduct(V(repeating: m[1]), u)
            x2.addProduct(V(repeating: m[2]), u); x3.addProduct(V(repeating: m[3]), u)
            x4.addProduct(V(repeating: m[4]), u); x5.addProduct(V(repeating: m[5]), u)
            x6.addProduct(V(repeating: m[6]), u); x7.addProduct(V(repeating: m[7]), u)
            k += 1
        }
        let t = group.thresholds + queries, masks = hitMasks + queries, bounds = accumulators + queries
        bounds[0] = x0; bounds[1] = x1; bounds[2] = x2; bounds[3] = x3; bounds[4] = x4; bounds[5] = x5; bounds[6] = x6; bounds[7] = x7
        masks[0] = negativeLanes(x0 - V(repeating: t[0])); masks[1] = negativeLanes(x1 - V(repeating: t[1]))
        masks[2] = negativeLanes(x2 - V(repeating: t[2])); masks[3] = negativeLanes(x3 - V(repeating: t[3]))
        masks[4] = negativeLanes(x4 - V(repeating: t[4])); masks[5] = negativeLanes(x5 - V(repeating: t[5]))
        masks[6] = negativeLanes(x6 - V(repeating: t[6])); masks[7] = negativeLanes(x7 - V(repeating: t[7]))
        return ((masks[0] | masks[1]) | (masks[2] | masks[3])) | ((masks[4] | masks[5]) | (masks[6] | masks[7]))
    }
}
