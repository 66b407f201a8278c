// A matrix product with the convolution epilogue fused: output[o, p] = clamp(bias[o] +
// Σ_k weight[o, k] * input[k, p]) for many images, writing each output element once. For
// convolutions whose weight [O, K] is small (the 1x1 convolutions of MobileNet/EfficientNet
// stages with large planes, the stem after im2col) this beats BLAS: those products are
// bound by memory traffic, and BLAS needs a pass to set the bias (or zero) before and
// another to clamp after. The weight is packed into tiles of 6 rows; a 6 x (2 vectors)
// block of the output (6 x 32 at 16 lanes, 6 x 16 at 8) lives in 12 vector accumulators
// while the K inputs stream past. Generic over the vector type; the library runs it with
// `KernelVector`.
// Not here: the choice of kernel (ConvolutionKernels.forward), gradients (BLAS).

enum FusedGEMMKernels {
    /// Output rows per register tile.
    static let tileRows = 6

    /// Whether the fused kernel is expected to beat BLAS: the packed weight fits in L2 with
    /// room to spare (it is read once per 16 output columns) and the planes are wide enough
    /// that column tails are rare.
    static func isPreferred(outputChannels: Int, depth: Int, columns: Int) -> Bool {
        outputChannels * depth <= 64 * 1024 && columns >= 256
    }

    /// The weight [O, K] in tiles of `tileRows` rows, k-major inside a tile (packed[t][k][r] =
    /// weight[t * tileRows + r, k], 0 past the last row), and the bias likewise (0 without
    /// one). The caller deallocates both.
    static func packWeight(
        outputChannels: Int, depth: Int, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?
    ) -> (weight: UnsafeMutablePointer<Float>, bias: UnsafeMutablePointer<Float>) {
        let tiles = (outputChannels + tileRows - 1) / tileRows
        let packed = UnsafeMutablePointer<Float>.allocate(capacity: tiles * depth * tileRows)
        let packedBias = UnsafeMutablePointer<Float>.allocate(capacity: tiles * tileRows)
        for tile in 0..<tiles {
            for r in 0..<tileRows {
                let row = tile * tileRows + r
                packedBias[tile * tileRows + r] = row < outputChannels ? (bias?[row] ?? 0) : 0
                for k in 0..<depth {
                    packed[(tile * depth + k) * tileRows + r] = row < outputChannels ? weight[row * depth + k] : 0
                }
            }
        }
        return (packed, packedBias)
    }

    /// For each of `batch` images: output[n] ([O, P], rows `P` apart) = clamp(bias + weight
    /// [O, K] @ input[n] ([K, P])). Images are `inputImageStride` / `outputImageStride`
    /// floats apart. Threaded over (image, column chunk) pairs; `vector` is the vector type
    /// the tiles compute in (a tile is two of them wide).
    static func forward<V: KernelFloatVector>(
        vector: V.Type = KernelVector.self, batch: Int, outputChannels: Int, depth: Int, columns: Int,
        input: UnsafePointer<Float>, inputImageStride: Int,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        output: UnsafeMutablePointer<Float>, outputImageStride: Int, outputRange: ClosedRange<Float>?
    ) {
        let product = Product<V>(outputChannels: outputChannels, depth: depth, columns: columns, weight: weight, bias: bias, outputRange: outputRange)
        defer { product.deallocate() }
        // Columns are processed in chunks whose packed input panel stays in L2: the chunk's
        // [K, chunk] inputs are copied row by row (long unit-stride runs the prefetcher
        // follows) into [chunk / tile][K][tile columns] order, zero-padded past the last column. Read
        // in place, the K rows of a tile lie a plane apart, fall into a few cache
        // sets and evict each other.
        let tileColumns = Product<V>.tileColumns, chunkColumns = product.chunkColumns, chunks = product.chunks
        let pointers = UncheckedSendable((input, output))
        Parallel.forEachRange(batch * chunks, costPerItem: product.costPerChunk) { range in
            let (input, output) = pointers.value
            let panel = UnsafeMutablePointer<Float>.allocate(capacity: depth * chunkColumns)
            defer { panel.deallocate() }
            for item in range {
                let image = item / chunks, first = item % chunks * chunkColumns
                let width = Swift.min(chunkColumns, columns - first)
                let blocks = (width + tileColumns - 1) / tileColumns
                let source = input + image * inputImageStride + first
                packBlocks(vector: V.self, input: source, rowStride: columns, width: width, depth: depth, blocks: 0..<blocks, into: panel)
                product.computeChunk(panel: panel, blocks: blocks, width: width, output: output + image * outputImageStride + first, outputStride: columns)
            }
        }
    }

    /// What `forward` and `forwardPacked` share for one product: the packed weight and bias
    /// (the caller deallocates them), the column chunks and the clamp.
    struct Product<V: KernelFloatVector>: @unchecked Sendable {
        /// Output columns per tile: two vectors.
        static var tileColumns: Int { 2 * V.scalarCount }
        let outputChannels: Int
        let depth: Int
        let packedWeight: UnsafeMutablePointer<Float>
        let packedBias: UnsafeMutablePointer<Float>
        let chunkColumns: Int
        let chunks: Int
        let lower: V
        let upper: V

        init(outputChannels: Int, depth: Int, columns: Int, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
             outputRange: ClosedRange<Float>?) {
            self.outputChannels = outputChannels
            self.depth = depth
            (packedWeight, packedBias) = packWeight(outputChannels: outputChannels, depth: depth, weight: weight, bias: bias)
            chunkColumns = FusedGEMMKernels.chunkColumns(depth: depth, tileColumns: Self.tileColumns)
            chunks = (columns + chunkColumns - 1) / chunkColumns
            lower = V(repeating: outputRange?.lowerBound ?? -.infinity)
            upper = V(repeating: outputRange?.upperBound ?? .infinity)
        }

        /// The threading cost of one chunk (multiply-adds).
        var costPerChunk: Int { chunkColumns * ((outputChannels + tileRows - 1) / tileRows) * tileRows * depth }

        func deallocate() {
            packedWeight.deallocate()
            packedBias.deallocate()
        }

        /// `computeChunk` with this product's weight, bias and clamp.
        @inline(__always)
        func computeChunk(panel: UnsafePointer<Float>, blocks: Int, width: Int, output: UnsafeMutablePointer<Float>, outputStride: Int) {
            FusedGEMMKernels.computeChunk(panel: panel, blocks: blocks, width: width, packedWeight: packedWeight, packedBias: packedBias, depth: depth,
                                          outputChannels: outputChannels, output: output, outputStride: outputStride, lower: lower, upper: upper)
        }
    }

    /// Copies column blocks `blocks` (two vectors each) of a [depth, width] input whose rows
    /// are `rowStride` floats apart into panel order: panel[(block * depth + k) * tile + lane]
    /// = input[k, block * tile + lane], 0 at and past column `width`.
    @inline(__always)
    static func packBlocks<V: KernelFloatVector>(
        vector _: V.Type, input: UnsafePointer<Float>, rowStride: Int, width: Int, depth: Int, blocks: Range<Int>,
        into panel: UnsafeMutablePointer<Float>
    ) {
        let lanes = V.scalarCount, tileColumns = 2 * lanes
        for k in 0..<depth {
            let from = input + k * rowStride
            for block in blocks {
                let row = panel + (block * depth + k) * tileColumns
                let count = Swift.min(tileColumns, width - block * tileColumns)
                if count == tileColumns {
                    let run = from + block * tileColumns
                    store(load(run, as: V.self), row)
                    store(load(run + lanes, as: V.self), row + lanes)
                } else {
                    for lane in 0..<tileColumns { row[lane] = lane < count ? from[block * tileColumns + lane] : 0 }
                }
            }
        }
    }

    /// Columns per chunk: a chunk's packed [K, chunk] input panel stays in L2 (32 K floats),
    /// at most 256 columns and at least one tile.
    static func chunkColumns(depth: Int, tileColumns: Int) -> Int {
        Swift.max(tileColumns, Swift.min(256, 32 * 1024 / depth / tileColumns * tileColumns))
    }

    /// Every tile of one chunk: `blocks` column blocks of `panel` (packed by `packBlocks`, the
    /// chunk `width` columns wide) times every row tile of the packed weight, into `output`
    /// (the chunk's first column; rows `outputStride` apart).
    @inline(__always)
    static func computeChunk<V: KernelFloatVector>(
        panel: UnsafePointer<Float>, blocks: Int, width: Int, packedWeight: UnsafePointer<Float>, packedBias: UnsafePointer<Float>,
        depth: Int, outputChannels: Int, output: UnsafeMutablePointer<Float>, outputStride: Int, lower: V, upper: V
    ) {
        let tileColumns = 2 * V.scalarCount
        let tiles = (outputChannels + tileRows - 1) / tileRows
        for block in 0..<blocks {
            for tile in 0..<tiles {
                computeTile(
                    input: panel + block * depth * tileColumns, inputStride: tileColumns,
                    weights: packedWeight + tile * depth * tileRows, bias: packedBias + tile * tileRows, depth: depth,
                    output: output + tile * tileRows * outputStride + block * tileColumns, outputStride: outputStride,
                    rows: Swift.min(tileRows, outputChannels - tile * tileRows),
                    width: Swift.min(tileColumns, width - block * tileColumns),
                    lower: lower, upper: upper)
            }
        }
    }

    /// One 6 x (2 vectors) output tile (only `rows` x `width` of it stored).
    @inline(__always)
    static func computeTile<V: KernelFloatVector>(
        input: UnsafePointer<Float>, inputStride: Int, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
        depth: Int, output: UnsafeMutablePointer<Float>, outputStride: Int, rows: Int, width: Int,
        lower: V, upper: V
    ) {
        let lanes = V.scalarCount
        var a0 = V(repeating: bias[0]), a1 = a0
        var b0 = V(repeating: bias[1]), b1 = b0
        var c0 = V(repeating: bias[2]), c1 = c0
        var d0 = V(repeating: bias[3]), d1 = d0
        var e0 = V(repeating: bias[4]), e1 = e0
        var f0 = V(repeating: bias[5]), f1 = f0
        var x = input
        var w = weights
        for _ in 0..<depth {
            let x0 = load(x, as: V.self), x1 = load(x + lanes, as: V.self)
            var v = V(repeating: w[0])
            a0.addProduct(v, x0); a1.addProduct(v, x1)
            v = V(repeating: w[1])
            b0.addProduct(v, x0); b1.addProduct(v, x1)
            v = V(repeating: w[2])
            c0.addProduct(v, x0); c1.addProduct(v, x1)
            v = V(repeating: w[3])
            d0.addProduct(v, x0); d1.addProduct(v, x1)
            v = V(repeating: w[4])
            e0.addProduct(v, x0); e1.addProduct(v, x1)
            v = V(repeating: w[5])
            f0.addProduct(v, x0); f1.addProduct(v, x1)
            x += inputStride
            w += tileRows
        }
        // Whole rows stored in line (a helper taking the vectors is not always inlined, and
        // then passes them through the stack); part rows (a plane's last columns) through one.
        if width == 2 * lanes {
            store(a0.clamped(lower: lower, upper: upper), output)
            store(a1.clamped(lower: lower, upper: upper), output + lanes)
            if rows > 1 {
                store(b0.clamped(lower: lower, upper: upper), output + outputStride)
                store(b1.clamped(lower: lower, upper: upper), output + outputStride + lanes)
            }
            if rows > 2 {
                store(c0.clamped(lower: lower, upper: upper), output + 2 * outputStride)
                store(c1.clamped(lower: lower, upper: upper), output + 2 * outputStride + lanes)
            }
            if rows > 3 {
                store(d0.clamped(lower: lower, upper: upper), output + 3 * outputStride)
                store(d1.clamped(lower: lower, upper: upper), output + 3 * outputStride + lanes)
            }
            if rows > 4 {
                store(e0.clamped(lower: lower, upper: upper), output + 4 * outputStride)
                store(e1.clamped(lower: lower, upper: upper), output + 4 * outputStride + lanes)
            }
            if rows > 5 {
                store(f0.clamped(lower: lower, upper: upper), output + 5 * outputStride)
                store(f1.clamped(lower: lower, upper: upper), output + 5 * outputStride + lanes)
            }
        } else {
            storePart(a0, a1, output, width: width, lower: lower, upper: upper)
            if rows > 1 { storePart(b0, b1, output + outputStride, width: width, lower: lower, upper: upper) }
            if rows > 2 { storePart(c0, c1, output + 2 * outputStride, width: width, lower: lower, upper: upper) }
            if rows > 3 { storePart(d0, d1, output + 3 * outputStride, width: width, lower: lower, upper: upper) }
            if rows > 4 { storePart(e0, e1, output + 4 * outputStride, width: width, lower: lower, upper: upper) }
            if rows > 5 { storePart(f0, f1, output + 5 * outputStride, width: width, lower: lower, upper: upper) }
        }
    }

    /// The first `width` (< two vectors) lanes of `low` then `high`, clamped, at `target`.
    @inline(never)
    static func storePart<V: KernelFloatVector>(
        _ low: V, _ high: V, _ target: UnsafeMutablePointer<Float>, width: Int, lower: V, upper: V
    ) {
        let lanes = V.scalarCount
        let l = low.clamped(lower: lower, upper: upper), h = high.clamped(lower: lower, upper: upper)
        for lane in 0..<width { target[lane] = lane < lanes ? l[lane] : h[lane - lanes] }
    }
}
