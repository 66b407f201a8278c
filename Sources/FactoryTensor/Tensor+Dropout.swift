// Inverted dropout: in training, each element is zeroed with probability p and the kept
// ones are scaled by 1 / (1 - p), so inference needs no rescaling. The mask comes from a
// `SeededGenerator` draw (same seed, same mask, whatever the thread count) and is generated
// in fixed-size chunks on all threads, each element from a counter-based hash (vectorised).
// Not here: the `Dropout` module or dropout variants (spatial/channel dropout, DropConnect,
// stochastic depth).

extension Tensor {
    /// Inverted dropout: zeroes each element with probability `probability` and scales the
    /// rest by 1 / (1 - probability). The identity when `training` is false or the
    /// probability is 0 (the generator is then not advanced).
    ///
    /// The gradient is `g * mask`, through the same mask. Each call advances `generator` by
    /// one draw, so successive calls get different masks and one seed replays them all.
    /// - Parameters:
    ///   - probability: the chance that an element is zeroed, in [0, 1].
    ///   - training: whether to drop at all.
    ///   - generator: the random source for the mask.
    public func dropout(probability: Float, training: Bool, generator: inout SeededGenerator) -> Tensor {
        precondition(probability >= 0 && probability <= 1,
                     "dropout: probability \(probability) is outside [0, 1] (input shape \(shape))")
        if !training || probability == 0 { return self }
        let mask = Tensor.dropoutMask(shape, probability: probability, generator: &generator)
        let output = Tensor.combineElements(self, mask, MultiplyOperator.self, operation: "dropout")
        return output.recordGradient("dropout", inputs: [self]) { gradient in
            [Tensor.combineElements(gradient, mask, MultiplyOperator.self, operation: "dropout")]
        }
    }

    /// `dropout(self) + residual` as one pass (a transformer's residual branch): the same
    /// mask as ``dropout(probability:training:generator:)`` would draw from `generator`, and
    /// the same result, without the intermediate dropped tensor. The gradient is `g * mask`
    /// for `self` and `g` for `residual`. With `training` false or probability 0 it is
    /// `self + residual` and the generator is not advanced.
    /// - Parameters:
    ///   - probability: the chance that an element is zeroed, in [0, 1].
    ///   - training: whether to drop at all.
    ///   - generator: the random source for the mask.
    ///   - residual: added to the dropped tensor; any shape that broadcasts with it.
    public func dropout(probability: Float, training: Bool, generator: inout SeededGenerator, adding residual: Tensor) -> Tensor {
        guard training && probability > 0, residual.shape == shape, isContiguous, residual.isContiguous else {
            return dropout(probability: probability, training: training, generator: &generator) + residual
        }
        let mask = Tensor.dropoutMask(shape, probability: probability, generator: &generator)
        let output = Tensor.uninitialized(shape)
        let pointers = UncheckedSendable((UnsafePointer(storage.pointer + offset), UnsafePointer(mask.storage.pointer),
                                          UnsafePointer(residual.storage.pointer + residual.offset), output.storage.pointer))
        Parallel.forEachRange(count, costPerItem: 2) { range in
            let (x, mask, residual, target) = pointers.value
            DropoutKernels.multiplyAdd(x + range.lowerBound, mask + range.lowerBound, residual + range.lowerBound,
                                       into: target + range.lowerBound, count: range.count)
        }
        return output.recordGradient("dropoutAdd", inputs: [self, residual]) { gradient in
            [Tensor.combineElements(gradient, mask, MultiplyOperator.self, operation: "dropout"), gradient]
        }
    }

    /// A dropout mask of `shape`: each element is 0 with probability `probability`, else
    /// 1 / (1 - probability). Advances `generator` by one draw.
    /// - Parameters:
    ///   - shape: the mask's shape.
    ///   - probability: the chance that an element is 0, in [0, 1].
    ///   - generator: the random source; the mask depends only on its state.
    public static func dropoutMask(_ shape: [Int], probability: Float, generator: inout SeededGenerator) -> Tensor {
        precondition(probability >= 0 && probability <= 1,
                     "dropoutMask: probability \(probability) is outside [0, 1] (shape \(shape))")
        let mask = Tensor.uninitialized(shape)
        let count = mask.count
        let base = generator.next()
        if probability == 1 {
            mask.storage.pointer.update(repeating: 0, count: count)
            return mask
        }
        let keptValue = 1 / (1 - probability)
        // An element is dropped when its 32 random bits fall below `threshold`.
        let threshold = UInt32(Swift.min((Double(probability) * 4_294_967_296).rounded(), 4_294_967_295))
        let chunkSize = DropoutKernels.chunkSize
        let chunks = (count + chunkSize - 1) / chunkSize
        let output = UncheckedSendable(mask.storage.pointer)
        Parallel.forEachRange(chunks, costPerItem: chunkSize * 2) { range in
            for chunk in range {
                let start = chunk * chunkSize
                DropoutKernels.fillChunk(
                    output.value + start, count: Swift.min(chunkSize, count - start),
                    seed: DropoutKernels.chunkSeed(base: base, chunk: chunk), threshold: threshold, keptValue: keptValue)
            }
        }
        return mask
    }
}

/// Mask generation: one independent generator per fixed-size chunk, so the mask does not
/// depend on how chunks are spread over threads.
enum DropoutKernels {
    /// Elements per chunk (each chunk gets its own generator).
    static let chunkSize = 1 << 14

    /// A well-mixed seed for chunk `chunk` of a mask whose draw was `base` (SplitMix64's
    /// finaliser, so neighbouring chunks' seeds share no structure).
    @inline(__always)
    static func chunkSeed(base: UInt64, chunk: Int) -> UInt64 {
        var z = base &+ UInt64(chunk) &* 0xD1B5_4A32_D192_ED03
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Writes `count` mask values (0 or `keptValue`). Element `i` of the chunk is dropped
    /// when a counter-based hash of `i` keyed by `seed` (two rounds of the "lowbias32"
    /// integer hash, each a bijection of 32-bit words) falls below `threshold`: eight lanes at
    /// a time with no serial generator state, so the loop runs at vector speed.
    @inline(__always)
    static func fillChunk(_ output: UnsafeMutablePointer<Float>, count: Int, seed: UInt64, threshold: UInt32, keptValue: Float) {
        let firstKey = SIMD8<UInt32>(repeating: UInt32(truncatingIfNeeded: seed))
        let secondKey = SIMD8<UInt32>(repeating: UInt32(truncatingIfNeeded: seed >> 32))
        let limit = SIMD8<UInt32>(repeating: threshold)
        let kept = Float8(repeating: keptValue)
        var counters = SIMD8<UInt32>(0, 1, 2, 3, 4, 5, 6, 7)
        let step = SIMD8<UInt32>(repeating: 8)
        var index = 0
        while index + 8 <= count {
            let bits = mix(mix(counters &+ firstKey) ^ secondKey)
            store(kept.replacing(with: 0, where: bits .< limit), output + index)
            counters &+= step
            index += 8
        }
        if index < count {
            let bits = mix(mix(counters &+ firstKey) ^ secondKey)
            let values = kept.replacing(with: 0, where: bits .< limit)
            for lane in 0..<(count - index) { output[index + lane] = values[lane] }
        }
    }

    /// `target[i] = x[i] * mask[i] + residual[i]` (two roundings, as the unfused multiply and add).
    @inline(__always)
    static func multiplyAdd(_ x: UnsafePointer<Float>, _ mask: UnsafePointer<Float>, _ residual: UnsafePointer<Float>,
                            into target: UnsafeMutablePointer<Float>, count: Int) {
        var index = 0
        while index + 8 <= count {
            store(load(x + index) * load(mask + index) + load(residual + index), target + index)
            index += 8
        }
        while index < count { target[index] = x[index] * mask[index] + residual[index]; index += 1 }
    }

    /// Chris Wellons' "lowbias32" integer hash, lanewise: a bijection of 32-bit words whose
    /// output bits each flip with probability close to 1/2 when any input bit flips.
    @inline(__always)
    static func mix(_ value: SIMD8<UInt32>) -> SIMD8<UInt32> {
        var x = value
        x ^= x &>> 16
        x &*= SIMD8<UInt32>(repeating: 0x7FEB_352D)
        x ^= x &>> 15
        x &*= SIMD8<UInt32>(repeating: 0x846C_A68B)
        x ^= x &>> 16
        return x
    }
}
