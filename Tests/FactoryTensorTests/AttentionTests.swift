// The fused multi-head attention op: its forward pass equals attention composed from plain
// ops (reshape, permute, matmul, softmax), with and without a key mask and dropout; its
// gradients match finite differences (including through the mask and the dropout); and the
// threaded path (many sequence/head pairs, single-threaded BLAS per thread) equals the
// sequential one. The packed form ([B, T, 3C] holding Q, K, V side by side) equals the
// separate one, in outputs and gradients, with and without recording gradients. The
// softmax (its own exponential for non-positive exponents) against double precision, on
// scores wide enough that many weights underflow to 0, for lengths with and without a tail.

import FactoryTensor
import Foundation
import Testing
import TestSupport

@Suite struct AttentionTests {
    /// Attention from unfused ops: `softmax(Q Kᵀ scale + additive mask) · (dropout mask) · V`.
    static func composed(_ q: Tensor, _ k: Tensor, _ v: Tensor, heads: Int, mask: Tensor?, dropout: Tensor?) -> Tensor {
        let B = q.shape[0], T = q.shape[1], C = q.shape[2], D = C / heads
        func split(_ x: Tensor) -> Tensor { x.reshaped([B, T, heads, D]).permuted([0, 2, 1, 3]) }
        var scores = split(q).matmul(split(k).transposed()) * (1 / Float(D).squareRoot())
        if let mask { scores = scores + ((1 - mask) * -1e30).reshaped([B, 1, 1, T]) }
        var probabilities = scores.softmax(axis: -1)
        if let dropout { probabilities = probabilities * dropout }
        return probabilities.matmul(split(v)).permuted([0, 2, 1, 3]).reshaped([B, T, C])
    }

    static let mask = Tensor([1, 1, 1, 0, 0, 1, 1, 1, 1, 1], shape: [2, 5])

    @Test(arguments: [false, true])
    func forwardEqualsComposedAttention(masked: Bool) {
        let q = TestData.uniform([2, 5, 6], seed: 1), k = TestData.uniform([2, 5, 6], seed: 2), v = TestData.uniform([2, 5, 6], seed: 3)
        var generator = SeededGenerator(seed: 0)
        let fused = Tensor.multiHeadAttention(query: q, key: k, value: v, headCount: 3, keyMask: masked ? Self.mask : nil, generator: &generator)
        let reference = Self.composed(q, k, v, heads: 3, mask: masked ? Self.mask : nil, dropout: nil)
        // Tolerance: float32 with a different summation order in the products and softmax.
        #expect(TestData.maximumDifference(fused.scalars, reference.scalars) <= 1e-6)
    }

    @Test func dropoutUsesTheSameMaskAsDropoutMask() {
        let q = TestData.uniform([2, 5, 6], seed: 1), k = TestData.uniform([2, 5, 6], seed: 2), v = TestData.uniform([2, 5, 6], seed: 3)
        var generator = SeededGenerator(seed: 42)
        let fused = Tensor.multiHeadAttention(query: q, key: k, value: v, headCount: 3, keyMask: Self.mask,
                                              dropoutProbability: 0.3, generator: &generator)
        var replay = SeededGenerator(seed: 42)
        let dropout = Tensor.dropoutMask([2, 3, 5, 5], probability: 0.3, generator: &replay)
        #expect(dropout.scalars.contains(0), "the mask drops something, so the test can fail")
        let reference = Self.composed(q, k, v, heads: 3, mask: Self.mask, dropout: dropout)
        #expect(TestData.maximumDifference(fused.scalars, reference.scalars) <= 1e-6)
        #expect(generator.next() == replay.next(), "one draw per call, as dropout")
    }

    @Test(arguments: [(false, Float(0)), (true, Float(0)), (true, Float(0.4))])
    func gradientsMatchFiniteDifferences(masked: Bool, dropout: Float) {
        let inputs = [TestData.uniform([2, 5, 6], seed: 4), TestData.uniform([2, 5, 6], seed: 5), TestData.uniform([2, 5, 6], seed: 6)]
        let report = GradientCheck.run(inputs, epsilon: 1e-2) { x in
            var generator = SeededGenerator(seed: 7)   // the same dropout mask on every evaluation
            return Tensor.multiHeadAttention(query: x[0], key: x[1], value: x[2], headCount: 3,
                                             keyMask: masked ? Self.mask : nil, dropoutProbability: dropout, generator: &generator)
        }
        // Tolerance as the other smooth ops: float32 central differences with step 1e-2.
        #expect(report.relativeError < 1e-2, "\(report)")
    }

    @Test func fullyMaskedSequenceAttendsUniformly() {
        let v = TestData.uniform([1, 3, 2], seed: 9)
        var generator = SeededGenerator(seed: 0)
        let output = Tensor.multiHeadAttention(query: TestData.uniform([1, 3, 2], seed: 8), key: TestData.uniform([1, 3, 2], seed: 7),
                                               value: v, headCount: 1, keyMask: Tensor.zeros([1, 3]), generator: &generator)
        let mean = v.mean(axes: [1]).scalars
        for token in 0..<3 {
            let row = output.selecting(axis: 1, index: token).scalars
            #expect(TestData.maximumDifference(row, mean) <= 1e-6)
        }
    }

    /// 16 sequences × 4 heads of 64 tokens: big enough for the threaded path (pairs split
    /// across threads, single-threaded BLAS in each); outputs and gradients equal the
    /// composed reference's.
    @Test func threadedPathEqualsComposedAttention() {
        let q = TestData.uniform([16, 64, 32], seed: 1), k = TestData.uniform([16, 64, 32], seed: 2), v = TestData.uniform([16, 64, 32], seed: 3)
        for input in [q, k, v] { input.requiresGradient = true }
        let probe = TestData.uniform([16, 64, 32], seed: 4)
        func gradients(_ output: Tensor) -> [[Float]] {
            for input in [q, k, v] { input.zeroGradient() }
            (output * probe).sum().backward()
            return [output.scalars, q.gradient!.scalars, k.gradient!.scalars, v.gradient!.scalars]
        }
        var generator = SeededGenerator(seed: 5)
        let fused = gradients(Tensor.multiHeadAttention(query: q, key: k, value: v, headCount: 4, dropoutProbability: 0.1, generator: &generator))
        var replay = SeededGenerator(seed: 5)
        let dropout = Tensor.dropoutMask([16, 4, 64, 64], probability: 0.1, generator: &replay)
        let reference = gradients(Self.composed(q, k, v, heads: 4, mask: nil, dropout: dropout))
        // Tolerance: float32, sums of 64 terms in a different order.
        for (name, (a, b)) in zip(["output", "dQ", "dK", "dV"], zip(fused, reference)) {
            #expect(TestData.maximumDifference(a, b) <= 1e-5, "\(name)")
        }
    }

    /// Packed Q|K|V equals separate Q, K, V: the output with and without gradients recorded
    /// (inference keeps no probabilities), and the packed gradient equals the three
    /// separate gradients side by side; threaded (16 × 4 pairs), masked and with dropout.
    @Test(arguments: [Float(0), Float(0.2)])
    func packedQueryKeyValueEqualsSeparate(dropout: Float) {
        let B = 16, T = 24, C = 32, heads = 4
        let packed = TestData.uniform([B, T, 3 * C], seed: 11)
        packed.requiresGradient = true
        let mask = Tensor((0..<(B * T)).map { $0 % T < T - ($0 / T) % 3 ? 1 : 0 }, shape: [B, T])
        let pieces = packed.detached().split(axis: 2, parts: 3).map { $0.contiguous() }
        for piece in pieces { piece.requiresGradient = true }
        let probe = TestData.uniform([B, T, C], seed: 12)

        var generator = SeededGenerator(seed: 13)
        let fused = Tensor.multiHeadAttention(packedQueryKeyValue: packed, headCount: heads, keyMask: mask,
                                              dropoutProbability: dropout, generator: &generator)
        (fused * probe).sum().backward()
        var replay = SeededGenerator(seed: 13)
        let separate = Tensor.multiHeadAttention(query: pieces[0], key: pieces[1], value: pieces[2], headCount: heads, keyMask: mask,
                                                 dropoutProbability: dropout, generator: &replay)
        (separate * probe).sum().backward()
        // The same kernels on the same numbers: equal up to BLAS's blocking for the other stride.
        #expect(TestData.maximumDifference(fused.scalars, separate.scalars) <= 1e-6)
        let separateGradient = Tensor.concatenate(pieces.map { $0.gradient! }, axis: 2)
        #expect(TestData.maximumDifference(packed.gradient!.scalars, separateGradient.scalars) <= 1e-6)

        var inference = SeededGenerator(seed: 13)
        let withoutTape = withoutGradients {
            Tensor.multiHeadAttention(packedQueryKeyValue: packed, headCount: heads, keyMask: mask,
                                      dropoutProbability: dropout, generator: &inference)
        }
        #expect(TestData.maximumDifference(withoutTape.scalars, fused.scalars) <= 1e-6)
    }

    @Test func packedGradientMatchesFiniteDifferences() {
        let packed = TestData.uniform([2, 5, 18], seed: 14)
        let report = GradientCheck.run([packed], epsilon: 1e-2) { x in
            var generator = SeededGenerator(seed: 7)
            return Tensor.multiHeadAttention(packedQueryKeyValue: x[0], headCount: 3, keyMask: Self.mask,
                                             dropoutProbability: 0.3, generator: &generator)
        }
        // Tolerance as the separate form's: float32 central differences with step 1e-2.
        #expect(report.relativeError < 1e-2, "\(report)")
    }

    /// Attention in double precision, straight from the definition.
    static func doublePrecision(_ q: [Float], _ k: [Float], _ v: [Float], batch B: Int, tokens T: Int, heads H: Int,
                                headSize D: Int, mask: [Float]?) -> [Double] {
        let C = H * D, scale = 1 / Double(D).squareRoot()
        var output = [Double](repeating: 0, count: B * T * C)
        for b in 0..<B {
            for h in 0..<H {
                for i in 0..<T {
                    var scores = [Double](repeating: -.infinity, count: T)
                    for j in 0..<T where mask == nil || mask![b * T + j] != 0 {
                        var dot = 0.0
                        for d in 0..<D { dot += Double(q[(b * T + i) * C + h * D + d]) * Double(k[(b * T + j) * C + h * D + d]) }
                        scores[j] = dot * scale
                    }
                    let maximum = scores.max()!
                    let weights = scores.map { Foundation.exp($0 - maximum) }
                    let sum = weights.reduce(0, +)
                    for j in 0..<T {
                        for d in 0..<D { output[(b * T + i) * C + h * D + d] += weights[j] / sum * Double(v[(b * T + j) * C + h * D + d]) }
                    }
                }
            }
        }
        return output
    }

    @Test(arguments: [13, 128])
    func softmaxOfWideScoresEqualsDoublePrecision(tokens: Int) {
        let B = 2, H = 2, D = 8, T = tokens
        // Scores up to about ±100: most weights of a row underflow, and exponents reach
        // far below -87 where the exponential is flushed to 0.
        let q = TestData.uniform([B, T, H * D], in: -6...6, seed: 21), k = TestData.uniform([B, T, H * D], in: -6...6, seed: 22)
        let v = TestData.uniform([B, T, H * D], seed: 23)
        let mask = Tensor((0..<(B * T)).map { $0 % 5 == 3 ? Float(0) : 1 }, shape: [B, T])
        for keyMask in [nil, mask] {
            var generator = SeededGenerator(seed: 0)
            let fused = withoutGradients {
                Tensor.multiHeadAttention(query: q, key: k, value: v, headCount: H, keyMask: keyMask, generator: &generator)
            }
            let reference = Self.doublePrecision(q.scalars, k.scalars, v.scalars, batch: B, tokens: T, heads: H, headSize: D,
                                                 mask: keyMask?.scalars)
            let worst = zip(fused.scalars, reference).map { Swift.abs(Double($0) - $1) }.max()!
            // Tolerance: float32 scores of about ±100 carry ~1e-5 absolute rounding, which
            // moves a weight by that relative amount; the exponential itself is within 2 ulp.
            #expect(worst <= 2e-5, "worst error \(worst), masked: \(keyMask != nil)")
        }
    }
}
