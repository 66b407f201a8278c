// GE2ELossTests: the softmax GE2E loss on a case worked out by hand (2 speakers × 2
// utterances in 2-D, where every cosine is a simple fraction), its invariances (embedding
// scale, the bias b), the clamp on w, and its gradients against central finite differences.

import FactoryModels
import FactoryNN
import FactoryTensor
import Foundation
import Testing
import TestSupport

@Suite struct GE2ELossTests {
    /// Speaker 0: e00 = (1, 0), e01 = (0.6, 0.8); speaker 1: e10 = (0, 1), e11 = (-0.6, 0.8).
    /// Centroids c0 ∝ (1.6, 0.8) ∝ (2, 1)/√5 and c1 ∝ (-0.6, 1.8) ∝ (-1, 3)/√10; the own
    /// centroid without the utterance is the other utterance. So, (own cos, other cos):
    /// e00: (e00·e01 = 0.6, e00·c1 = -1/√10)      e01: (0.6, (−0.6 + 2.4)/√10 = 1.8/√10)
    /// e10: (e10·e11 = 0.8, e10·c0 = 1/√5)        e11: (0.8, (−1.2 + 0.8)/√5 = −0.4/√5)
    /// With two speakers each row's loss is ln(1 + e^(w (other - own))), b cancelling out.
    static let handCase = Tensor([1, 0, 0.6, 0.8, 0, 1, -0.6, 0.8], shape: [2, 2, 2])
    static let ownAndOther: [(Double, Double)] = [(0.6, -1 / 10.0.squareRoot()), (0.6, 1.8 / 10.0.squareRoot()),
                                                  (0.8, 1 / 5.0.squareRoot()), (0.8, -0.4 / 5.0.squareRoot())]

    @Test func handComputedCase() {
        let loss = GE2ELoss(weight: 2, bias: 0.5)
        let value = loss(Self.handCase)
        #expect(value.shape == [])
        let expected = Self.ownAndOther.map { log(1 + exp(2 * ($0.1 - $0.0))) }.reduce(0, +) / 4   // 0.336166…
        #expect(abs(Double(value.item) - expected) < 1e-6, "\(value.item) vs \(expected)")
        #expect(abs(expected - 0.336_166_327) < 1e-9)

        // The logits themselves: S[j, i, k] = 2 cos + 0.5, own speaker's column from the
        // exclusive centroid.
        let logits = loss.similarities(Self.handCase).scalars
        let expectedLogits: [Double] = [0.6, -1 / 10.0.squareRoot(), 0.6, 1.8 / 10.0.squareRoot(),
                                        1 / 5.0.squareRoot(), 0.8, -0.4 / 5.0.squareRoot(), 0.8].map { 2 * $0 + 0.5 }
        for (ours, theirs) in zip(logits, expectedLogits) { #expect(abs(Double(ours) - theirs) < 1e-6) }

        // dL/dw = mean over rows of (other - own) σ(w (other - own)); dL/db = 0 exactly in
        // value (b shifts every logit of a row alike), up to Float rounding.
        value.backward()
        let sigmoid = { (x: Double) in 1 / (1 + exp(-x)) }
        let weightGradient = Self.ownAndOther.map { ($0.1 - $0.0) * sigmoid(2 * ($0.1 - $0.0)) }.reduce(0, +) / 4
        #expect(abs(Double(loss.weight.gradient!.item) - weightGradient) < 1e-6)
        #expect(abs(loss.bias.gradient!.item) < 1e-7)
    }

    /// Embeddings are scaled to unit length first, so scaling an utterance changes nothing.
    @Test func lossIsScaleInvariant() {
        let loss = GE2ELoss()
        let embeddings = TestData.uniform([3, 4, 8], seed: 5)
        let scales = TestData.uniform([3, 4, 1], in: 0.2...5, seed: 6)
        let plain = withoutGradients { loss(embeddings).item }
        let scaled = withoutGradients { loss(embeddings * scales).item }
        #expect(abs(plain - scaled) < 1e-5 * max(1, abs(plain)))
    }

    /// A negative w is clamped to `minimumWeight`: every logit is then b (to 1e-6), the loss
    /// is ln S, and w gets no gradient.
    @Test func negativeWeightIsClamped() {
        let loss = GE2ELoss(weight: -3, bias: 1)
        let value = loss(TestData.uniform([4, 3, 6], seed: 9))
        #expect(abs(value.item - log(4)) < 1e-5)
        value.backward()
        #expect(loss.weight.gradient!.item == 0)
    }

    @Test func gradientsMatchFiniteDifferences() {
        let loss = GE2ELoss(weight: 3, bias: -1)
        let embeddings = TestData.uniform([3, 4, 5], seed: 11)
        // Smooth function, 1e-2 central-difference step: truncation about 1e-5 of the
        // gradient scale and Float32 rounding of the objective about 1e-5; 2e-3 relative.
        let report = GradientCheck.run([embeddings, loss.weight, loss.bias]) { inputs in loss(inputs[0]) }
        #expect(report.relativeError < 2e-3, "\(report)")
    }

    @Test func keysAreTheCheckpointsSimilarityParameters() {
        let loss = GE2ELoss()
        #expect(loss.parameters().map(\.key) == ["similarity_weight", "similarity_bias"])
        #expect(loss.weight.scalars == [10] && loss.bias.scalars == [-5])
        #expect(loss.trainableParameters().count == 2)
    }
}
