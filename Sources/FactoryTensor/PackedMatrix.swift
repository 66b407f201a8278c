// PackedMatrix: the right-hand matrix B [K, N] of many products C += A·B with small A
// (an LSTM step: A is the [B, H] hidden state, B the recurrent weight), packed once into
// panels of two vectors' width (zero-padded), so each product streams B contiguously with no
// per-call packing. Generic over the float vector V (L lanes: SIMD8 for AVX2, SIMD16 for
// AVX-512; the library uses KernelVector): panels of 2L columns. The micro-kernel keeps an
// R×2L block of C in registers and does one broadcast-FMA per row and vector per k (R = 6 or 4
// at 8 lanes, 16 registers; 8, 6 or 4 at 16 lanes, 32 registers; 1 for a last row); a deep B
// runs in slices of k (a panel's slice, 16 KB at 8 lanes and 32 KB at 16, stays in L1 across
// the row tiles). Single-threaded: callers split rows across threads. Not here: large
// products (those go to OpenBLAS through BLAS.gemm), packing of A, other element types.

/// A matrix packed for repeated products `C += A · B` with a few rows of A at a time, in
/// vectors of type `V`.
public final class PackedMatrix<V: KernelFloatVector>: @unchecked Sendable {
    /// Columns per panel: two vectors.
    static var panelWidth: Int { 2 * V.scalarCount }

    /// K, the rows of B (the inner dimension of the product).
    public let depth: Int
    /// N, the columns of B.
    public let columns: Int
    /// Panel p holds columns 2Lp ..< 2Lp + 2L as K rows of 2L floats.
    let panels: UnsafeMutablePointer<Float>
    /// The buffer behind `panels`: a tensor storage, so 64-byte aligned (each k's panel row
    /// starts a cache line) and recycled from one call to the next.
    private let storage: TensorStorage
    let panelCount: Int

    /// Packs B.
    /// - Parameters:
    ///   - source: B's elements, row-major with `leadingDimension`, or, when `transposed`,
    ///     Bᵀ's (then source is `[N, K]`: an `[out, in]` weight used as `x Wᵀ`).
    ///   - depth: K.
    ///   - columns: N.
    @_specialize(exported: true, where V == SIMD8<Float>)
    @_specialize(exported: true, where V == SIMD16<Float>)
    public init(_ source: UnsafePointer<Float>, depth: Int, columns: Int, leadingDimension: Int, transposed: Bool) {
        precondition(depth > 0 && columns > 0, "PackedMatrix: depth \(depth) and columns \(columns) must be positive")
        self.depth = depth
        self.columns = columns
        let width = PackedMatrix.panelWidth
        panelCount = (columns + width - 1) / width
        storage = TensorStorage(uninitializedCount: panelCount * depth * width)
        panels = storage.pointer
        for panel in 0..<panelCount {
            let target = panels + panel * depth * width
            for k in 0..<depth {
                for lane in 0..<width {
                    let column = panel * width + lane
                    let value: Float
                    if column >= columns {
                        value = 0
                    } else {
                        value = transposed ? source[column * leadingDimension + k] : source[k * leadingDimension + column]
                    }
                    target[k * width + lane] = value
                }
            }
        }
    }

    /// `C += A · B` for `rows` rows of A (`[rows, K]`, row-major) and C (`[rows, N]`).
    @_specialize(exported: true, where V == SIMD8<Float>)
    @_specialize(exported: true, where V == SIMD16<Float>)
    public func multiplyAccumulate(
        _ a: UnsafePointer<Float>, rows: Int, leadingDimension lda: Int,
        into c: UnsafeMutablePointer<Float>, leadingDimension ldc: Int
    ) {
        let width = PackedMatrix.panelWidth
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 8 * width) { scratch in
            let tail = scratch.baseAddress!
            for panel in 0..<panelCount {
                let firstColumn = panel * width
                let valid = Swift.min(width, columns - firstColumn)
                // A deep panel in slices of `depthSlice` k: each slice stays in L1 while
                // every row tile runs over it; C carries the sum between slices, so each
                // element still adds its products in order of k.
                var k = 0
                while k < depth {
                    let K = Swift.min(PackedMatrix.depthSlice, depth - k)
                    let b = UnsafePointer(panels + (panel * depth + k) * width)
                    var row = 0
                    while row < rows {
                        let height = PackedMatrix.tileHeight(remainingRows: rows - row)
                        let aBlock = a + row * lda + k
                        if valid == width {
                            tile(height, aBlock, lda, b, K, c + row * ldc + firstColumn, ldc)
                        } else {
                            // A partial last panel: work on a full-width copy of C's valid columns.
                            for r in 0..<height {
                                for lane in 0..<width {
                                    tail[r * width + lane] = lane < valid ? c[(row + r) * ldc + firstColumn + lane] : 0
                                }
                            }
                            tile(height, aBlock, lda, b, K, tail, width)
                            for r in 0..<height {
                                for lane in 0..<valid { c[(row + r) * ldc + firstColumn + lane] = tail[r * width + lane] }
                            }
                        }
                        row += height
                    }
                    k += K
                }
            }
        }
    }

    /// The most k one pass of the row tiles covers: 256 rows of a panel (16 KB at 8 lanes,
    /// 32 KB at 16).
    static var depthSlice: Int { 256 }

    /// The next tile's rows. 8 lanes: 6 while that leaves no awkward remainder, then 4s,
    /// then single rows (32 rows: 6, 6, 6, 6, 4, 4; 16 rows: 6, 6, 4). 16 lanes: 8, with 6
    /// and 4 for the remainder (16 rows: 8, 8; 10 rows: 6, 4).
    static func tileHeight(remainingRows r: Int) -> Int {
        if V.scalarCount >= 16 {
            if r >= 12 || r == 8 || r == 9 { return 8 }
            if r >= 6 { return 6 }
            return r >= 4 ? 4 : 1
        }
        if r >= 10 || r == 6 || r == 7 { return 6 }
        return r >= 4 ? 4 : 1
    }

    @inline(__always)
    private func tile(_ height: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ K: Int,
                      _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        switch height {
        case 8: PackedMatrix.tile8(a, lda, b, K, c, ldc)
        case 6: PackedMatrix.tile6(a, lda, b, K, c, ldc)
        case 4: PackedMatrix.tile4(a, lda, b, K, c, ldc)
        default: PackedMatrix.tile1(a, b, K, c)
        }
    }

    // The tiles are never inlined: on their own, all accumulators stay in registers.

    /// Eight rows of C (16 accumulators), 2L columns: for 32 registers.
    @inline(never)
    static func tile8(_ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ K: Int,
                      _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        tile(8, a, lda, b, K, c, ldc)
    }

    /// Six rows of C (12 accumulators), 2L columns.
    @inline(never)
    static func tile6(_ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ K: Int,
                      _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        tile(6, a, lda, b, K, c, ldc)
    }

    /// Four rows of C (8 accumulators), 2L columns.
    @inline(never)
    static func tile4(_ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ K: Int,
                      _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        tile(4, a, lda, b, K, c, ldc)
    }

    /// Two vectors of one row of C.
    struct Pair {
        var x: V, y: V

        @inline(__always)
        init(_ c: UnsafeMutablePointer<Float>) {
            x = load(c, as: V.self)
            y = load(c + V.scalarCount, as: V.self)
        }

        /// += a · (w0, w1).
        @inline(__always)
        mutating func add(_ a: Float, _ w0: V, _ w1: V) {
            let s = V(repeating: a)
            x = x.addingProduct(s, w0)
            y = y.addingProduct(s, w1)
        }

        @inline(__always)
        func write(_ c: UnsafeMutablePointer<Float>) {
            store(x, c)
            store(y, c + V.scalarCount)
        }
    }

    /// An R-row tile (R ≤ 8, a constant once inlined into the tile functions): 2R accumulators.
    @inline(__always)
    static func tile(_ R: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ K: Int,
                     _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        let L = V.scalarCount
        let a0 = a, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda, a6 = a5 + lda, a7 = a6 + lda
        let c0 = c, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc, c4 = c3 + ldc, c5 = c4 + ldc, c6 = c5 + ldc, c7 = c6 + ldc
        var x0 = Pair(c0)
        var x1 = R > 1 ? Pair(c1) : x0, x2 = R > 2 ? Pair(c2) : x0, x3 = R > 3 ? Pair(c3) : x0
        var x4 = R > 4 ? Pair(c4) : x0, x5 = R > 5 ? Pair(c5) : x0, x6 = R > 6 ? Pair(c6) : x0, x7 = R > 7 ? Pair(c7) : x0
        var w = b
        for k in 0..<K {
            let w0 = load(w, as: V.self), w1 = load(w + L, as: V.self)
            x0.add(a0[k], w0, w1)
            if R > 1 { x1.add(a1[k], w0, w1) }
            if R > 2 { x2.add(a2[k], w0, w1) }
            if R > 3 { x3.add(a3[k], w0, w1) }
            if R > 4 { x4.add(a4[k], w0, w1) }
            if R > 5 { x5.add(a5[k], w0, w1) }
            if R > 6 { x6.add(a6[k], w0, w1) }
            if R > 7 { x7.add(a7[k], w0, w1) }
            w += 2 * L
        }
        x0.write(c0)
        if R > 1 { x1.write(c1) }
        if R > 2 { x2.write(c2) }
        if R > 3 { x3.write(c3) }
        if R > 4 { x4.write(c4) }
        if R > 5 { x5.write(c5) }
        if R > 6 { x6.write(c6) }
        if R > 7 { x7.write(c7) }
    }

    /// One row of C, 2L columns; two accumulator pairs over even and odd k hide FMA latency.
    @inline(never)
    static func tile1(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ K: Int, _ c: UnsafeMutablePointer<Float>) {
        let L = V.scalarCount, width = 2 * L
        var x0 = load(c, as: V.self), x1 = load(c + L, as: V.self)
        var y0 = V(repeating: 0), y1 = V(repeating: 0)
        var k = 0
        while k + 2 <= K {
            let s = V(repeating: a[k]), t = V(repeating: a[k + 1])
            x0 = x0.addingProduct(s, load(b + k * width, as: V.self)); x1 = x1.addingProduct(s, load(b + k * width + L, as: V.self))
            y0 = y0.addingProduct(t, load(b + (k + 1) * width, as: V.self)); y1 = y1.addingProduct(t, load(b + (k + 1) * width + L, as: V.self))
            k += 2
        }
        if k < K {
            let s = V(repeating: a[k])
            x0 = x0.addingProduct(s, load(b + k * width, as: V.self)); x1 = x1.addingProduct(s, load(b + k * width + L, as: V.self))
        }
        store(x0 + y0, c); store(x1 + y1, c + L)
    }
}
