// The fused 1x1 kernel (FusedGEMMKernels) on an input packed once and read by several
// calls: the inverted-bottleneck block expands an image in slices of output channels, and
// `FusedGEMMKernels.forward` would pack (copy) the image's whole input again for every
// slice. Here `packInput` lays one image out in the kernel's panel order ([column block]
// [K][two vectors], zero past the last column) and `forwardPacked` runs the same register
// tiles over it, chunk by chunk as `forward` does, so each output element is the same sum
// in the same order: the results are equal to `forward`'s to the bit.
// Not here: the tile itself and the packing of the weight (FusedGEMMKernels.swift).

extension FusedGEMMKernels {
    /// Floats of one image's packed input: `depth` rows of `columns`, in blocks of two vectors.
    static func packedInputCount<V: KernelFloatVector>(vector _: V.Type = KernelVector.self, depth: Int, columns: Int) -> Int {
        let tileColumns = 2 * V.scalarCount
        return (columns + tileColumns - 1) / tileColumns * depth * tileColumns
    }

    /// Packs one image's input [depth, columns] into `panel` (`packedInputCount` floats):
    /// panel[(block * depth + k) * tile + lane] = input[k, block * tile + lane], 0 past the
    /// last column. Threaded over column blocks.
    static func packInput<V: KernelFloatVector>(
        vector _: V.Type = KernelVector.self, depth: Int, columns: Int, input: UnsafePointer<Float>,
        into panel: UnsafeMutablePointer<Float>
    ) {
        let lanes = V.scalarCount, tileColumns = 2 * lanes
        let blocks = (columns + tileColumns - 1) / tileColumns
        let pointers = UncheckedSendable((input, panel))
        Parallel.forEachRange(blocks, costPerItem: depth * tileColumns) { range in
            let (input, panel) = pointers.value
            for k in 0..<depth {
                let from = input + k * columns
                for block in range {
                    let row = panel + (block * depth + k) * tileColumns
                    let count = Swift.min(tileColumns, columns - block * tileColumns)
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
    }

    /// output ([O, P], rows `P` apart) = clamp(bias + weight [O, K] @ input) for one image
    /// whose input `packInput` packed (with the same vector type). Threaded over chunks of
    /// columns, as `forward`.
    static func forwardPacked<V: KernelFloatVector>(
        vector: V.Type = KernelVector.self, outputChannels: Int, depth: Int, columns: Int,
        packedInput: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        output: UnsafeMutablePointer<Float>, outputRange: ClosedRange<Float>?
    ) {
        let tileColumns = 2 * V.scalarCount
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
        // The chunks of `forward` (whole blocks of the packed panel).
        let chunkColumns = Swift.max(tileColumns, Swift.min(256, 32 * 1024 / depth / tileColumns * tileColumns))
        let chunks = (columns + chunkColumns - 1) / chunkColumns
        let lower = V(repeating: outputRange?.lowerBound ?? -.infinity)
        let upper = V(repeating: outputRange?.upperBound ?? .infinity)
        let pointers = UncheckedSendable((packedInput, UnsafePointer(packed), UnsafePointer(packedBias), output))
        Parallel.forEachRange(chunks, costPerItem: chunkColumns * tiles * tileRows * depth) { range in
            let (packedInput, packed, packedBias, output) = pointers.value
            for chunk in range {
                let first = chunk * chunkColumns
                let width = Swift.min(chunkColumns, columns - first)
                let blocks = (width + tileColumns - 1) / tileColumns
                let panel = packedInput + first / tileColumns * depth * tileColumns
                let target = output + first
                for block in 0..<blocks {
                    for tile in 0..<tiles {
                        computeTile(
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
}
