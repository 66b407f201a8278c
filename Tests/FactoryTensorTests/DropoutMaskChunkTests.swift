// Tensor.dropoutMask generates eight chunks at a time with their generators in vector lanes
// (and pairs or single chunks at the ends of each thread's range): every value must equal
// the plain definition, DropoutKernels.fillChunk per chunk with its seed, exactly (masks
// decide which units train, and runs are reproducible from a seed).

import FactoryTensor
import Testing

@Suite struct DropoutMaskChunkTests {
    @Test(arguments: [Float(0.1), 0.5, 0.93])
    func maskEqualsChunkByChunkDefinition(probability: Float) {
        // 21 full chunks and a partial one: groups of eight, pairs, singles and a tail.
        let count = 21 * DropoutKernels.chunkSize + 123
        var generator = SeededGenerator(seed: 41)
        var replay = generator
        let mask = Tensor.dropoutMask([count], probability: probability, generator: &generator).scalars
        let base = replay.next()
        let threshold = UInt32(Swift.min((Double(probability) * 4_294_967_296).rounded(), 4_294_967_295))
        let keptValue = 1 / (1 - probability)
        var expected = [Float](repeating: .nan, count: count)
        expected.withUnsafeMutableBufferPointer { buffer in
            var start = 0, chunk = 0
            while start < count {
                DropoutKernels.fillChunk(buffer.baseAddress! + start, count: Swift.min(DropoutKernels.chunkSize, count - start),
                                         seed: DropoutKernels.chunkSeed(base: base, chunk: chunk),
                                         threshold: threshold, keptValue: keptValue)
                start += DropoutKernels.chunkSize
                chunk += 1
            }
        }
        #expect(mask.map(\.bitPattern) == expected.map(\.bitPattern))
        // And the generator advanced by exactly one draw.
        #expect(generator.next() == replay.next())
    }
}
