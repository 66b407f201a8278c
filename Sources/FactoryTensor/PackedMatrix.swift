// PackedMatrix: the right-hand matrix B [K, N] of many products C += A·B with small A
// (an LSTM step: A is the [B, H] hidden state, B the recurrent weight), packed once into
// panels of 16 columns (zero-padded), so each product streams B contiguously with no
// per-call packing. The micro-kernel keeps a 6×16 (or 4×16, 1×16) block of C in registers
// and does one broadcast-FMA per row and 8 lanes per k; a deep B runs in slices of 256 k
// (16 KB of a panel, kept in L1 across the row tiles). Single-threaded: callers split rows
// across threads. Not here: large products (those go to OpenBLAS through BLAS.gemm),
// packing of A, other element types.

/// A matrix packed for repeated products `C += A · B` with a few rows of A at a time.
public final class PackedMatrix: @unchecked Sendable {
    /// Columns per panel: two 8-lane vectors.
    static let panelWidth = 16

    /// K, the rows of B (the inner dimension of the product).
    public let depth: Int
    /// N, the columns of B.
    public let columns: Int
    /// Panel p holds columns 16p ..< 16p + 16 as K rows of 16 floats.
    let panels: UnsafeMutablePointer<Float>
    let panelCount: Int

    /// Packs B.
    /// - Parameters:
    ///   - source: B's elements, row-major with `leadingDimension`, or, when `transposed`,
    ///     Bᵀ's (then source is `[N, K]`: an `[out, in]` weight used as `x Wᵀ`).
    ///   - depth: K.
    ///   - columns: N.
    public init(_ source: UnsafePointer<Float>, depth: Int, columns: Int, leadingDimension: Int, transposed: Bool) {
        precondition(depth > 0 && columns > 0, "PackedMatrix: depth \(depth) and columns \(columns) must be positive")
        self.depth = depth
        self.columns = columns
        let width = PackedMatrix.panelWidth
        panelCount = (columns + width - 1) / width
        panels = .allocate(capacity: panelCount * depth * width)
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

    deinit { panels.deallocate() }

    /// `C += A · B` for `rows` rows of A (`[rows, K]`, row-major) and C (`[rows, N]`).
    public func multiplyAccumulate(
        _ a: UnsafePointer<Float>, rows: Int, leadingDimension lda: Int,
        into c: UnsafeMutablePointer<Float>, leadingDimension ldc: Int
    ) {
        let width = PackedMatrix.panelWidth
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 6 * width) { scratch in
            let tail = scratch.baseAddress!
            for panel in 0..<panelCount {
                let firstColumn = panel * width
                let valid = Swift.min(width, columns - firstColumn)
                // A deep panel in slices of `depthSlice` k: each slice (16 KB) stays in L1 while
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
                            // A partial last panel: work on a 16-wide copy of C's valid columns.
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

    /// The most k one pass of the row tiles covers: 256 rows of a panel are 16 KB.
    static let depthSlice = 256

    /// The next tile's rows: 6 while that leaves no awkward remainder, then 4s, then single
    /// rows (32 rows: 6, 6, 6, 6, 4, 4; 16 rows: 6, 6, 4).
    static func tileHeight(remainingRows r: Int) -> Int {
        if r >= 10 || r == 6 || r == 7 { return 6 }
        return r >= 4 ? 4 : 1
    }

    @inline(__always)
    private func tile(_ height: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ K: Int,
                      _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        switch height {
        case 6: PackedMatrix.tile6(a, lda, b, K, c, ldc)
        case 4: PackedMatrix.tile4(a, lda, b, K, c, ldc)
        default: PackedMatrix.tile1(a, b, K, c)
        }
    }

    // The tiles are never inlined: on their own, all accumulators stay in registers.

    /// Six rows of C (12 accumulators), 16 columns.
    @inline(never)
    static func tile6(_ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ K: Int,
                      _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        let a0 = a, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda
        let c0 = c, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc, c4 = c3 + ldc, c5 = c4 + ldc
        var x00 = load(c0), x01 = load(c0 + 8), x10 = load(c1), x11 = load(c1 + 8)
        var x20 = load(c2), x21 = load(c2 + 8), x30 = load(c3), x31 = load(c3 + 8)
        var x40 = load(c4), x41 = load(c4 + 8), x50 = load(c5), x51 = load(c5 + 8)
        var w = b
        for k in 0..<K {
            let w0 = load(w), w1 = load(w + 8)
            let s0 = Float8(repeating: a0[k]), s1 = Float8(repeating: a1[k]), s2 = Float8(repeating: a2[k])
            x00 = x00.addingProduct(s0, w0); x01 = x01.addingProduct(s0, w1)
            x10 = x10.addingProduct(s1, w0); x11 = x11.addingProduct(s1, w1)
            x20 = x20.addingProduct(s2, w0); x21 = x21.addingProduct(s2, w1)
            let s3 = Float8(repeating: a3[k]), s4 = Float8(repeating: a4[k]), s5 = Float8(repeating: a5[k])
            x30 = x30.addingProduct(s3, w0); x31 = x31.addingProduct(s3, w1)
            x40 = x40.addingProduct(s4, w0); x41 = x41.addingProduct(s4, w1)
            x50 = x50.addingProduct(s5, w0); x51 = x51.addingProduct(s5, w1)
            w += 16
        }
        store(x00, c0); store(x01, c0 + 8); store(x10, c1); store(x11, c1 + 8)
        store(x20, c2); store(x21, c2 + 8); store(x30, c3); store(x31, c3 + 8)
        store(x40, c4); store(x41, c4 + 8); store(x50, c5); store(x51, c5 + 8)
    }

    /// Four rows of C (8 accumulators), 16 columns.
    @inline(never)
    static func tile4(_ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ K: Int,
                      _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        let a0 = a, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda
        let c0 = c, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc
        var x00 = load(c0), x01 = load(c0 + 8), x10 = load(c1), x11 = load(c1 + 8)
        var x20 = load(c2), x21 = load(c2 + 8), x30 = load(c3), x31 = load(c3 + 8)
        var w = b
        for k in 0..<K {
            let w0 = load(w), w1 = load(w + 8)
            let s0 = Float8(repeating: a0[k]), s1 = Float8(repeating: a1[k])
            let s2 = Float8(repeating: a2[k]), s3 = Float8(repeating: a3[k])
            x00 = x00.addingProduct(s0, w0); x01 = x01.addingProduct(s0, w1)
            x10 = x10.addingProduct(s1, w0); x11 = x11.addingProduct(s1, w1)
            x20 = x20.addingProduct(s2, w0); x21 = x21.addingProduct(s2, w1)
            x30 = x30.addingProduct(s3, w0); x31 = x31.addingProduct(s3, w1)
            w += 16
        }
        store(x00, c0); store(x01, c0 + 8); store(x10, c1); store(x11, c1 + 8)
        store(x20, c2); store(x21, c2 + 8); store(x30, c3); store(x31, c3 + 8)
    }

    /// One row of C, 16 columns; two accumulator pairs over even and odd k hide FMA latency.
    @inline(never)
    static func tile1(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ K: Int, _ c: UnsafeMutablePointer<Float>) {
        var x0 = load(c), x1 = load(c + 8)
        var y0 = Float8(repeating: 0), y1 = Float8(repeating: 0)
        var k = 0
        while k + 2 <= K {
            let s = Float8(repeating: a[k]), t = Float8(repeating: a[k + 1])
            x0 = x0.addingProduct(s, load(b + k * 16)); x1 = x1.addingProduct(s, load(b + k * 16 + 8))
            y0 = y0.addingProduct(t, load(b + k * 16 + 16)); y1 = y1.addingProduct(t, load(b + k * 16 + 24))
            k += 2
        }
        if k < K {
            let s = Float8(repeating: a[k])
            x0 = x0.addingProduct(s, load(b + k * 16)); x1 = x1.addingProduct(s, load(b + k * 16 + 8))
        }
        store(x0 + y0, c); store(x1 + y1, c + 8)
    }
}
