// Tests of inverted dropout: the fraction dropped, the exact scaling of kept values,
// reproducibility from a seed, the identity in evaluation mode, and the gradient through
// the same mask (finite differences and an exact comparison).

import FactoryTensor
import TestSupport
import Testing

@Suite struct DropoutTests {
    /// Central differences in Float32 with epsilon 1e-2 on a function linear in its input.
    static let gradientTolerance = 1e-2

    @Test(arguments: [Float(0.1), 0.5, 0.9])
    func fractionDroppedIsCloseToProbability(probability: Float) {
        // 1M elements (many mask chunks, threaded): the dropped fraction has standard
        // deviation sqrt(p (1 - p) / n) <= 5e-4; 0.003 is six standard deviations.
        let count = 1 << 20
        var generator = SeededGenerator(seed: 1)
        let y = Tensor.ones([1024, 1024]).dropout(probability: probability, training: true, generator: &generator)
        let zeros = y.scalars.filter { $0 == 0 }.count
        let fraction = Float(zeros) / Float(count)
        #expect(Swift.abs(fraction - probability) < 0.003, "dropped \(fraction) for p = \(probability)")
    }

    @Test func keptValuesAreScaledExactly() {
        let probability: Float = 0.3
        let x = TestData.uniform([37, 53], in: 0.5...2, seed: 2)  // no zeros in x
        var generator = SeededGenerator(seed: 3)
        let y = x.dropout(probability: probability, training: true, generator: &generator)
        let scale = 1 / (1 - probability)
        var kept = 0
        for (input, output) in zip(x.scalars, y.scalars) where output != 0 {
            #expect(output == input * scale)
            kept += 1
        }
        #expect(kept > 0 && kept < x.count)
    }

    @Test func sameSeedGivesSameMaskAndSuccessiveCallsDiffer() {
        let x = Tensor.ones([100_003])  // not a multiple of the chunk size or of 2
        var first = SeededGenerator(seed: 42), second = SeededGenerator(seed: 42), other = SeededGenerator(seed: 43)
        let a = x.dropout(probability: 0.5, training: true, generator: &first).scalars
        let b = x.dropout(probability: 0.5, training: true, generator: &second).scalars
        let c = x.dropout(probability: 0.5, training: true, generator: &other).scalars
        #expect(a == b)
        #expect(a != c)
        // The generator advanced: a second call from the same stream gives a new mask.
        let next = x.dropout(probability: 0.5, training: true, generator: &first).scalars
        #expect(a != next)
        // The mask helper gives the same mask from the same state.
        var maskGenerator = SeededGenerator(seed: 42)
        #expect(Tensor.dropoutMask([100_003], probability: 0.5, generator: &maskGenerator).scalars == a)
    }

    @Test func evaluationAndZeroProbabilityAreIdentity() {
        let x = TestData.uniform([4, 5], seed: 4)
        var generator = SeededGenerator(seed: 5)
        let before = generator
        let evaluation = x.dropout(probability: 0.5, training: false, generator: &generator)
        let zero = x.dropout(probability: 0, training: true, generator: &generator)
        #expect(evaluation.scalars == x.scalars)
        #expect(zero.scalars == x.scalars)
        // The generator was not advanced.
        var untouched = before
        #expect(generator.next() == untouched.next())
    }

    @Test func probabilityOneDropsEverything() {
        var generator = SeededGenerator(seed: 6)
        let y = TestData.uniform([3, 7], seed: 7).dropout(probability: 1, training: true, generator: &generator)
        #expect(y.scalars.allSatisfy { $0 == 0 })
    }

    @Test(arguments: [[13], [4, 9], [3, 4, 5]])
    func gradientThroughSameMask(shape: [Int]) {
        let x = TestData.uniform(shape, seed: 8)
        let report = GradientCheck.run([x]) { inputs in
            var generator = SeededGenerator(seed: 9)  // same mask on every evaluation
            return inputs[0].dropout(probability: 0.4, training: true, generator: &generator)
        }
        #expect(report.relativeError < Self.gradientTolerance, "\(report)")
    }

    @Test func gradientIsOutputGradientTimesMaskOverKeepProbability() {
        let x = TestData.uniform([6, 10], seed: 10)
        x.requiresGradient = true
        var generator = SeededGenerator(seed: 11)
        let y = x.transposed().dropout(probability: 0.25, training: true, generator: &generator)  // non-contiguous
        let probe = TestData.uniform([10, 6], seed: 12)
        (y * probe).sum().backward()
        var maskGenerator = SeededGenerator(seed: 11)
        let mask = Tensor.dropoutMask([10, 6], probability: 0.25, generator: &maskGenerator)
        #expect(Set(mask.scalars) == [0, 1 / Float(0.75)])
        let expected = (probe * mask).transposed().scalars
        #expect(x.gradient!.scalars == expected)
    }
}
