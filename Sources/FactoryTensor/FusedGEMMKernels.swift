// A matrix product with the convolution epilogue fused: output[o, p] = clamp(bias[o] +
// Σ_k weight[o, k] * input[k, p]) for many images, writing each output element once. For
// convolutions whose weight [O, K] is small (the 1x1 convolutions of MobileNet/EfficientNet
// stages with large planes, the stem after im2col) this beats BLAS: those products are
// bound by memory traffic, and BLAS needs a pass to set the bias (or zero) before and
// another to clamp after. The weight is packed into tiles of 6 rows; a 6 x 16 block of the
// output lives in 12 vector accumulators while the K inputs stream past.
// Not here: the choice of kernel (ConvolutionKernels.forward), gradients (BLAS).

enum FusedGEMMKernels {
    /// Output rows per register tile.
    static let tileRows = 6
    /// Output columns per register tile (two vectors).
    static let tileColumns = 16

    /// Whether the fused kernel is expected to beat BLAS: the packed weight fits in L2 with
    /// room to spare (it is read once per 16 output columns) and the planes are wide enough
    /// that column tails are rare.
    static func isPreferred(outputChannels: Int, depth: Int, columns: Int) -> Bool {
        outputChannels * depth <= 64 * 1024 && columns >= 256
    }

    /// For each of `batch` images: output[n] ([O, P], rows `P` apart) = clamp(bias + weight
    /// [O, K] @ input[n] ([K, P])). Images are `inputImageStride` / `outputImageStride`
    /// floats apart. Threaded over (image, 16-column block) pairs.
    static func forward(
        batch: Int, outputChannels: Int, depth: Int, columns: Int,
        input: UnsafePointer<Float>, inputImageStride: Int,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        output: UnsafeMutablePointer<Float>, outputImageStride: Int, outputRange: ClosedRange<Float>?
    ) {
        let tiles = (outputChannels + tileRows - 1) / tileRows
        // packed[t][k][r] = weight[t * 6 + r, k] (0 past the last row); biases likewise.
        let packed = UnsafeMutablePointer<Float>.allocate(capacity: tiles * depth * tileRows)
        let packedBias = UnsafeMutablePointer<Float>.allocate(capacity: tiles * tileRows)
        defer {
            packed.deallocate()
            packedBias.deallocate()
        }
        for tile in 0..<tiles {
            for r in 0..<tileRows {
                let row = tile * tileRows + r
                packedBias[tile * tileRows + r] = row < outputChannels ? (bias?[row] ?? 0) : 0
                for k in 0..<depth {
                    packed[(tile * depth + k) * tileRows + r] = row < outputChannels ? weight[row * depth + k] : 0
                }
            }
        }
        // Columns are processed in chunks whose packed input panel stays in L2: the chunk's
        // [K, chunk] inputs are copied row by row (long unit-stride runs the prefetcher
        // follows) into [chunk / 16][K][16] order, zero-padded past the last column. Read in
        // place, the K rows of a 16-column block lie a plane apart, fall into a few cache
        // sets and evict each other.
        let chunkColumns = Swift.max(tileColumns, Swift.min(256, 32 * 1024 / depth / tileColumns * tileColumns))
        let chunks = (columns + chunkColumns - 1) / chunkColumns
        let lower = Float8(repeating: outputRange?.lowerBound ?? -.infinity)
        let upper = Float8(repeating: outputRange?.upperBound ?? .infinity)
        let pointers = UncheckedSendable((input, UnsafePointer(packed), UnsafePointer(packedBias), output))
        Parallel.forEachRange(batch * chunks, costPerItem: chunkColumns * tiles * tileRows * depth) { range in
            let (input, packed, packedBias, output) = pointers.value
            let panel = UnsafeMutablePointer<Float>.allocate(capacity: depth * chunkColumns)
            defer { panel.deallocate() }
            for item in range {
                let image = item / chunks, first = item % chunks * chunkColumns
                let width = Swift.min(chunkColumns, columns - first)
                let blocks = (width + tileColumns - 1) / tileColumns
                let source = input + image * inputImageStride + first
                for k in 0..<depth {
                    let from = source + k * columns
                    for block in 0..<blocks {
                        let row = panel + (block * depth + k) * tileColumns
                        let count = Swift.min(tileColumns, width - block * tileColumns)
                        if count == tileColumns {
                            let raw = UnsafeRawPointer(from + block * tileColumns)
                            UnsafeMutableRawPointer(row).storeBytes(of: raw.loadUnaligned(as: Float8.self), as: Float8.self)
                            UnsafeMutableRawPointer(row + 8).storeBytes(of: raw.loadUnaligned(fromByteOffset: 32, as: Float8.self), as: Float8.self)
                        } else {
                            for lane in 0..<tileColumns { row[lane] = lane < count ? from[block * tileColumns + lane] : 0 }
                        }
                    }
                }
                let target = output + image * outputImageStride + first
                for block in 0..<blocks {
                    for tile in 0..<tiles {
                        tile6x16(
                            input: panel + block * depth * tileColumns, inputStride: tileColumns,
                            weights: packed + tile * depth * tileRows, bias: packedBias + tile * tileRows, depth: depth,
                            output: target + tile * tileRows * columns + block * tileColumns, outputStride: columns,
                            rows: Swift.min(tileRows, outputChannels - tile * tileRows),
                            width: Swift.min(tileColumns, width - block * tileColumns),
                            lower: lower, upper: upper)
                    }
                }
            }
        }
    }

    /// One 6 x 16 output tile (only `rows` x `width` of it stored).
    @inline(__always)
    static func tile6x16(
        input: UnsafePointer<Float>, inputStride: Int, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
        depth: Int, output: UnsafeMutablePointer<Float>, outputStride: Int, rows: Int, width: Int,
        lower: Float8, upper: Float8
    ) {
        var a0 = Float8(repeating: bias[0]), a1 = a0
        var b0 = Float8(repeating: bias[1]), b1 = b0
        var c0 = Float8(repeating: bias[2]), c1 = c0
        var d0 = Float8(repeating: bias[3]), d1 = d0
        var e0 = Float8(repeating: bias[4]), e1 = e0
        var f0 = Float8(repeating: bias[5]), f1 = f0
        var x = UnsafeRawPointer(input)
        var w = weights
        for _ in 0..<depth {
            let x0 = x.loadUnaligned(as: Float8.self), x1 = x.loadUnaligned(fromByteOffset: 32, as: Float8.self)
            var v = Float8(repeating: w[0])
            a0.addProduct(v, x0); a1.addProduct(v, x1)
            v = Float8(repeating: w[1])
            b0.addProduct(v, x0); b1.addProduct(v, x1)
            v = Float8(repeating: w[2])
            c0.addProduct(v, x0); c1.addProduct(v, x1)
            v = Float8(repeating: w[3])
            d0.addProduct(v, x0); d1.addProduct(v, x1)
            v = Float8(repeating: w[4])
            e0.addProduct(v, x0); e1.addProduct(v, x1)
            v = Float8(repeating: w[5])
            f0.addProduct(v, x0); f1.addProduct(v, x1)
            x += 4 * inputStride
            w += tileRows
        }
        @inline(__always)
        func store(_ low: Float8, _ high: Float8, row: Int) {
            guard row < rows else { return }
            let target = output + row * outputStride
            let l = low.replacing(with: lower, where: low .< lower).replacing(with: upper, where: low .> upper)
            let h = high.replacing(with: lower, where: high .< lower).replacing(with: upper, where: high .> upper)
            if width == tileColumns {
                UnsafeMutableRawPointer(target).storeBytes(of: l, as: Float8.self)
                UnsafeMutableRawPointer(target + 8).storeBytes(of: h, as: Float8.self)
            } else {
                for lane in 0..<width { target[lane] = lane < 8 ? l[lane] : h[lane - 8] }
            }
        }
        store(a0, a1, row: 0); store(b0, b1, row: 1); store(c0, c1, row: 2)
        store(d0, d1, row: 3); store(e0, e1, row: 4); store(f0, f1, row: 5)
    }
}
