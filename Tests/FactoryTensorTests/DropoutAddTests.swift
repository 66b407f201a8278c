// Tests of the fused `dropout(x) + residual`: the same mask and the same values as dropout
// followed by an add, the same gradients (exactly) and finite differences, the plain sum in
// evaluation, and the mask generator's quality (neighbouring elements drop independently)
// and its two-chunks-at-a-time fill (the same values as one chunk at a time).

import FactoryTensor
import TestSupport
import Testing

@Suite struct DropoutAddTests {
    @Test(arguments: [[13], [4, 9], [70, 1000]])
    func equalsDropoutThenAddWithItsGradients(shape: [Int]) {
        func run(fused: Bool) -> (output: [Float], input: [Float], residual: [Float]) {
            let x = TestData.uniform(shape, seed: 1), r = TestData.uniform(shape, seed: 2)
            x.requiresGradient = true
            r.requiresGradient = true
            var generator = SeededGenerator(seed: 3)
            let y = fused
                ? x.dropout(probability: 0.3, training: true, generator: &generator, adding: r)
                : x.dropout(probability: 0.3, training: true, generator: &generator) + r
            (y * TestData.uniform(shape, seed: 4)).sum().backward()
            return (y.scalars, x.gradient!.scalars, r.gradient!.scalars)
        }
        let fused = run(fused: true), reference = run(fused: false)
        // The same multiply then add in the same order: equal to the bit.
        #expect(fused.output == reference.output)
        #expect(fused.input == reference.input)
        #expect(fused.residual == reference.residual)
        #expect(fused.input.contains(0), "something was dropped, so the test can fail")
    }

    @Test func matchesFiniteDifferences() {
        let x = TestData.uniform([6, 7], seed: 5), r = TestData.uniform([6, 7], seed: 6)
        let report = GradientCheck.run([x, r]) { inputs in
            var generator = SeededGenerator(seed: 7)  // the same mask on every evaluation
            return inputs[0].dropout(probability: 0.4, training: true, generator: &generator, adding: inputs[1])
        }
        // Linear in both inputs: Float32 central differences with epsilon 1e-2 are within 1e-2.
        #expect(report.relativeError < 1e-2, "\(report)")
    }

    @Test func evaluationIsThePlainSumAndDrawsNothing() {
        let x = TestData.uniform([5, 3], seed: 8), r = TestData.uniform([5, 3], seed: 9)
        var generator = SeededGenerator(seed: 10)
        var untouched = SeededGenerator(seed: 10)
        let y = x.dropout(probability: 0.5, training: false, generator: &generator, adding: r)
        #expect(y.scalars == (x + r).scalars)
        #expect(generator.next() == untouched.next())
    }

    @Test func neighbouringElementsDropIndependently() {
        // 2^20 elements (64 chunks of the mask generator): for p = 0.5 the fraction of
        // neighbouring pairs both dropped is p² = 0.25 with standard deviation about 5e-4,
        // and each 32-element word's dropped count averages 16 (checks lanes and chunks do
        // not repeat one pattern). 0.004 is eight standard deviations.
        var generator = SeededGenerator(seed: 11)
        let mask = Tensor.dropoutMask([1 << 20], probability: 0.5, generator: &generator).scalars
        var both = 0
        for index in 0..<(mask.count - 1) where mask[index] == 0 && mask[index + 1] == 0 { both += 1 }
        #expect(Swift.abs(Double(both) / Double(mask.count - 1) - 0.25) < 0.004)
        var lag8 = 0
        for index in 0..<(mask.count - 8) where mask[index] == 0 && mask[index + 8] == 0 { lag8 += 1 }
        #expect(Swift.abs(Double(lag8) / Double(mask.count - 8) - 0.25) < 0.004)
        let chunk = 1 << 14
        #expect(Array(mask[0..<chunk]) != Array(mask[chunk..<(2 * chunk)]), "chunks draw different masks")
    }

    @Test func chunksFilledInPairsEqualChunksFilledAlone() {
        // [4 chunks] fills its chunks two at a time; [1.5 chunks] has no two full chunks, so
        // both of its chunks are filled alone (the second, partial, with a prefix of the same
        // stream). They agree on all 1.5 chunks: both generators of a pair are checked.
        let chunk = 1 << 14
        var paired = SeededGenerator(seed: 12), alone = SeededGenerator(seed: 12)
        let pairedMask = Tensor.dropoutMask([4 * chunk], probability: 0.3, generator: &paired).scalars
        let aloneMask = Tensor.dropoutMask([chunk + chunk / 2], probability: 0.3, generator: &alone).scalars
        #expect(Array(pairedMask[0..<aloneMask.count]) == aloneMask)
    }
}
