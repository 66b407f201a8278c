// Inverted dropout: in training, each element is zeroed with probability p and the kept
// ones are scaled by 1 / (1 - p), so inference needs no rescaling. The mask comes from a
// `SeededGenerator` draw (same seed, same mask, whatever the thread count) and is generated
// in fixed-size chunks on all threads, each with its own generator (eight chunks at a time in
// the lanes of one vector, else two interleaved).
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
        let output = Tensor.applyingDropoutMask(mask, to: self)
        return output.recordGradient("dropout", inputs: [self]) { gradient in
            [Tensor.applyingDropoutMask(mask, to: gradient)]
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
            [Tensor.applyingDropoutMask(mask, to: gradient), gradient]
        }
    }

    /// `values * mask` (no gradient recorded): a contiguous tensor of the mask's shape in one
    /// threaded `KernelVector` loop, anything else through the broadcasting elementwise path.
    static func applyingDropoutMask(_ mask: Tensor, to values: Tensor) -> Tensor {
        guard values.shape == mask.shape, values.isContiguous, mask.isContiguous else {
            return Tensor.combineElements(values, mask, MultiplyOperator.self, operation: "dropout")
        }
        let output = Tensor.uninitialized(values.shape)
        let pointers = UncheckedSendable((UnsafePointer(values.storage.pointer + values.offset),
                                          UnsafePointer(mask.storage.pointer + mask.offset), output.storage.pointer))
        Parallel.forEachRange(output.count) { range in
            let (x, mask, target) = pointers.value
            DropoutKernels.applyMask(x + range.lowerBound, mask + range.lowerBound, into: target + range.lowerBound,
                                     count: range.count, vector: KernelVector.self)
        }
        return output
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
            var chunk = range.lowerBound
            while chunk < range.upperBound {
                let start = chunk * chunkSize
                if chunk + DropoutKernels.vectorChunks <= range.upperBound
                    && start + DropoutKernels.vectorChunks * chunkSize <= count {
                    // Eight full chunks, their generators in the lanes of one vector: the same values.
                    DropoutKernels.fillEightChunks(output.value + start, base: base, firstChunk: chunk,
                                                   threshold: threshold, keptValue: keptValue)
                    chunk += DropoutKernels.vectorChunks
                } else if chunk + 1 < range.upperBound && start + 2 * chunkSize <= count {
                    // Two full chunks with their generators interleaved: the same values.
                    DropoutKernels.fillChunkPair(
                        output.value + start, seeds: (DropoutKernels.chunkSeed(base: base, chunk: chunk),
                                                      DropoutKernels.chunkSeed(base: base, chunk: chunk + 1)),
                        threshold: threshold, keptValue: keptValue)
                    chunk += 2
                } else {
                    DropoutKernels.fillChunk(
                        output.value + start, count: Swift.min(chunkSize, count - start),
                        seed: DropoutKernels.chunkSeed(base: base, chunk: chunk), threshold: threshold, keptValue: keptValue)
                    chunk += 1
                }
            }
        }
        return mask
    }
}

/// Mask generation: one independent generator per fixed-size chunk, so the mask does not
/// depend on how chunks are spread over threads; and the dropped-plus-residual row kernel,
/// generic over the vector type (the library runs `KernelVector`).
public enum DropoutKernels {
    /// Elements per chunk (each chunk gets its own generator).
    public static let chunkSize = 1 << 14

    /// Chunks generated together by ``fillEightChunks(_:base:firstChunk:threshold:keptValue:)``.
    static let vectorChunks = 8

    /// A well-mixed seed for chunk `chunk` of a mask whose draw was `base` (SplitMix64's
    /// finaliser, so neighbouring chunks' seeds share no structure).
    @inline(__always)
    public static func chunkSeed(base: UInt64, chunk: Int) -> UInt64 {
        var z = base &+ UInt64(chunk) &* 0xD1B5_4A32_D192_ED03
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Writes `count` mask values (0 or `keptValue`), two per 64 random bits: value 2j is 0
    /// when the low 32 bits of the generator's j-th draw fall below `threshold`, value 2j+1
    /// when the high 32 bits do. The definition every faster path reproduces exactly.
    @inline(__always)
    public static func fillChunk(_ output: UnsafeMutablePointer<Float>, count: Int, seed: UInt64, threshold: UInt32, keptValue: Float) {
        var generator = SeededGenerator(seed: seed)
        var index = 0
        while index + 2 <= count {
            let bits = generator.next()
            output[index] = UInt32(truncatingIfNeeded: bits) < threshold ? 0 : keptValue
            output[index + 1] = UInt32(truncatingIfNeeded: bits >> 32) < threshold ? 0 : keptValue
            index += 2
        }
        if index < count {
            output[index] = UInt32(truncatingIfNeeded: generator.next()) < threshold ? 0 : keptValue
        }
    }

    /// Two consecutive full chunks (`2 * chunkSize` values from `output`), exactly as two
    /// `fillChunk` calls, with the two generators stepped in the same loop: each
    /// generator's update is a serial chain of a few cycles, and two independent chains
    /// keep the core busy where one leaves it waiting.
    @inline(__always)
    static func fillChunkPair(_ output: UnsafeMutablePointer<Float>, seeds: (UInt64, UInt64), threshold: UInt32, keptValue: Float) {
        var first = SeededGenerator(seed: seeds.0), second = SeededGenerator(seed: seeds.1)
        let other = output + chunkSize
        var index = 0
        while index < chunkSize {  // chunkSize is even
            let a = first.next(), b = second.next()
            output[index] = UInt32(truncatingIfNeeded: a) < threshold ? 0 : keptValue
            output[index + 1] = UInt32(truncatingIfNeeded: a >> 32) < threshold ? 0 : keptValue
            other[index] = UInt32(truncatingIfNeeded: b) < threshold ? 0 : keptValue
            other[index + 1] = UInt32(truncatingIfNeeded: b >> 32) < threshold ? 0 : keptValue
            index += 2
        }
    }

    /// Eight consecutive full chunks (`firstChunk ..< firstChunk + 8`, `8 * chunkSize` values
    /// from `output`), exactly as eight `fillChunk` calls with their seeds: the eight
    /// xoshiro256** generators run in the lanes of one `SIMD8<UInt64>` (the multiplications
    /// by 5 and 9 as shifts and adds), each step's 64 bits per lane become two mask values
    /// through one compare of 16 32-bit halves, and the values are gathered per chunk from
    /// a small tile that stays in L1. Each lane is seeded as `SeededGenerator(seed:)` is
    /// (`SeededGenerator.initialState`; a test holds the streams equal).
    static func fillEightChunks(
        _ output: UnsafeMutablePointer<Float>, base: UInt64, firstChunk: Int, threshold: UInt32, keptValue: Float
    ) {
        var seeded = (SIMD8<UInt64>(), SIMD8<UInt64>(), SIMD8<UInt64>(), SIMD8<UInt64>())
        for lane in 0..<vectorChunks {
            let state = SeededGenerator.initialState(seed: chunkSeed(base: base, chunk: firstChunk + lane))
            seeded.0[lane] = state.0
            seeded.1[lane] = state.1
            seeded.2[lane] = state.2
            seeded.3[lane] = state.3
        }
        let thresholds = SIMD16<UInt32>(repeating: threshold)
        let kept = SIMD16<Float>(repeating: keptValue)
        let steps = chunkSize / 2, block = 64
        withUnsafeTemporaryAllocation(of: SIMD16<Float>.self, capacity: block) { tile in
            let tilePointer = tile.baseAddress!
            // The state as locals of this closure, so it lives in registers.
            var (s0, s1, s2, s3) = seeded
            var step = 0
            while step < steps {
                for t in 0..<block {
                    // xoshiro256**: rotl(s1 · 5, 7) · 9, then the state update, lane by lane.
                    let times5 = (s1 &<< 2) &+ s1
                    let rotated = (times5 &<< 7) | (times5 &>> 57)
                    let result = (rotated &<< 3) &+ rotated
                    let shifted = s1 &<< 17
                    s2 ^= s0
                    s3 ^= s1
                    s1 ^= s2
                    s0 ^= s3
                    s2 ^= shifted
                    s3 = (s3 &<< 45) | (s3 &>> 19)
                    // Halves 2k and 2k+1 are chunk k's low and high 32 bits.
                    let halves = unsafeBitCast(result, to: SIMD16<UInt32>.self)
                    tilePointer[t] = kept.replacing(with: 0, where: halves .< thresholds)
                }
                // Chunk k's two values of each step: 8 bytes at lane k of the tile's rows.
                let source = UnsafeRawPointer(tilePointer)
                for lane in 0..<vectorChunks {
                    let target = UnsafeMutableRawPointer(output + lane * chunkSize + 2 * step)
                    for t in 0..<block {
                        target.storeBytes(of: source.load(fromByteOffset: t * 64 + lane * 8, as: UInt64.self),
                                          toByteOffset: t * 8, as: UInt64.self)
                    }
                }
                step += block
            }
        }
    }

    /// `target[i] = x[i] * mask[i]` for `count` floats in vectors of type `V`: values (or
    /// their gradient) through a dropout mask.
    @_specialize(where V == SIMD8<Float>)
    @_specialize(where V == SIMD16<Float>)
    @inline(__always)
    public static func applyMask<V: KernelFloatVector>(
        _ x: UnsafePointer<Float>, _ mask: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, count: Int, vector: V.Type
    ) {
        let lanes = V.scalarCount
        var index = 0
        while index + lanes <= count {
            store(load(x + index, as: V.self) * load(mask + index, as: V.self), target + index)
            index += lanes
        }
        while index < count { target[index] = x[index] * mask[index]; index += 1 }
    }

    /// `target[i] = x[i] * mask[i] + residual[i]` in `KernelVector`s.
    @inline(__always)
    static func multiplyAdd(_ x: UnsafePointer<Float>, _ mask: UnsafePointer<Float>, _ residual: UnsafePointer<Float>,
                            into target: UnsafeMutablePointer<Float>, count: Int) {
        multiplyAdd(x, mask, residual, into: target, count: count, vector: KernelVector.self)
    }

    /// `target[i] = x[i] * mask[i] + residual[i]` for `count` floats in vectors of type `V`.
    /// Two roundings, as the unfused multiply and add: the operands are kept apart (a
    /// fused multiply-add would round once and differ from `dropout(x) + residual`).
    @_specialize(where V == SIMD8<Float>)
    @_specialize(where V == SIMD16<Float>)
    @inline(__always)
    public static func multiplyAdd<V: KernelFloatVector>(
        _ x: UnsafePointer<Float>, _ mask: UnsafePointer<Float>, _ residual: UnsafePointer<Float>,
        into target: UnsafeMutablePointer<Float>, count: Int, vector: V.Type
    ) {
        let lanes = V.scalarCount
        var index = 0
        while index + lanes <= count {
            store(load(x + index, as: V.self) * load(mask + index, as: V.self) + load(residual + index, as: V.self), target + index)
            index += lanes
        }
        while index < count { target[index] = x[index] * mask[index] + residual[index]; index += 1 }
    }
}
