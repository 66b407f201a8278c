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
            packBlocks(vector: V.self, input: input, rowStride: columns, width: columns, depth: depth, blocks: range, into: panel)
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
        let product = Product<V>(outputChannels: outputChannels, depth: depth, columns: columns, weight: weight, bias: bias, outputRange: outputRange)
        defer { product.deallocate() }
        // The chunks of `forward` (whole blocks of the packed panel).
        let tileColumns = Product<V>.tileColumns, chunkColumns = product.chunkColumns
        let pointers = UncheckedSendable((packedInput, output))
        Parallel.forEachRange(product.chunks, costPerItem: product.costPerChunk) { range in
            let (packedInput, output) = pointers.value
            for chunk in range {
                let first = chunk * chunkColumns
                let width = Swift.min(chunkColumns, columns - first)
                let blocks = (width + tileColumns - 1) / tileColumns
                let panel = packedInput + first / tileColumns * depth * tileColumns
                product.computeChunk(panel: panel, blocks: blocks, width: width, output: output + first, outputStride: columns)
            }
        }
    }
}
