// Tests of the losses: hand-derived values (computed with numpy by PyTorch's formulas and
// written here as literals), numerical stability, and finite-difference gradients for every
// loss in every reduction.

import FactoryTensor
import Foundation
import TestSupport
import Testing

/// Losses are smooth but not polynomial: with a 1e-2 step the central-difference truncation
/// error is ~1e-5 of the gradient scale and Float32 rounding of the objective adds ~1e-5;
/// 2e-3 relative is well above both and far below any real mistake (errors of O(1)).
private let lossGradientTolerance = 2e-3
/// Hand values are Float32 computations of O(1) numbers: a few ulps.
private let valueTolerance: Float = 2e-6

private func close(_ a: [Float], _ b: [Float], _ tolerance: Float = valueTolerance) -> Bool {
    a.count == b.count && TestData.maximumDifference(a, b) <= tolerance
}

@Suite struct LossTests {
    /// Four rows, three classes; row 2 carries the ignored target.
    private let logits = Tensor([1.0, 2.0, 0.5, 0.1, -1.0, 3.0, 2.0, 0.0, -2.0, 0.3, 0.3, 0.9], shape: [4, 3])
    private let targets = [1, 2, -1, 0]
    private let classWeights = Tensor([0.5, 2.0, 1.5])

    // MARK: Cross-entropy values

    @Test func crossEntropyPlainMatchesHandValue() {
        // numpy: logp = x - log(sum(exp(x), 1)); rows 0..2 with targets [1, 2, 0]:
        // -logp = [0.4643687841, 0.0707742190, 0.1429316285], sum 0.67807463, mean 0.22602488.
        let plain = logits.sliced(axis: 0, 0..<3)
        let perRow = Tensor.crossEntropy(logits: plain, targets: [1, 2, 0], reduction: .none)
        #expect(close(perRow.scalars, [0.4643687841, 0.0707742190, 0.1429316285]), "\(perRow)")
        #expect(close([Tensor.crossEntropy(logits: plain, targets: [1, 2, 0]).item], [0.22602488]))
        #expect(close([Tensor.crossEntropy(logits: plain, targets: [1, 2, 0], reduction: .sum).item], [0.67807463]))
    }

    @Test func crossEntropyWithWeightsIgnoreAndSmoothingMatchesPyTorchFormula() {
        // numpy, PyTorch's formula, w = [0.5, 2, 1.5], ε = 0.1, C = 3, row 2 ignored:
        //   logp = [[-1.4643687841, -0.4643687841, -1.9643687841],
        //           [-2.9707742190, -4.0707742190, -0.0707742190],
        //           (ignored),
        //           [-1.3408049286, -1.3408049286, -0.7408049286]]
        //   nll_i = -w[y_i] logp[i, y_i]   = [0.9287375682, 0.1061613284, 0, 0.6704024643]
        //   smooth_i = -Σ_c w_c logp[i, c] = [4.6074751364, 9.7330968758, 0, 4.4632197146]
        //   none: (1 - ε) nll + ε/C smooth = [0.9894463159, 0.4199817581, 0, 0.7521362084]
        //   sum: 2.16156428; mean: sum / (w[1] + w[2] + w[0] = 4.0) = 0.54039107.
        let none = Tensor.crossEntropy(
            logits: logits, targets: targets, classWeights: classWeights, ignoreIndex: -1, labelSmoothing: 0.1, reduction: .none)
        #expect(close(none.scalars, [0.9894463159, 0.4199817581, 0, 0.7521362084]), "\(none)")
        let sum = Tensor.crossEntropy(
            logits: logits, targets: targets, classWeights: classWeights, ignoreIndex: -1, labelSmoothing: 0.1, reduction: .sum)
        #expect(close([sum.item], [2.16156428]), "\(sum)")
        let mean = Tensor.crossEntropy(
            logits: logits, targets: targets, classWeights: classWeights, ignoreIndex: -1, labelSmoothing: 0.1)
        #expect(close([mean.item], [0.54039107]), "\(mean)")
    }

    @Test func crossEntropyMeanOverOnlyIgnoredRowsIsNaNAsPyTorch() {
        let loss = Tensor.crossEntropy(logits: logits, targets: [-1, -1, -1, -1], ignoreIndex: -1)
        #expect(loss.item.isNaN)
        #expect(Tensor.crossEntropy(logits: logits, targets: [-1, -1, -1, -1], ignoreIndex: -1, reduction: .sum).item == 0)
    }

    @Test func crossEntropyIsStableForHugeLogits() {
        // logp = x - max - log(1 + e^-1000 + e^-2000) = [0, -1000, -2000] up to rounding.
        let huge = Tensor([1000, 0, -1000], shape: [1, 3])
        let loss = Tensor.crossEntropy(logits: huge, targets: [1], labelSmoothing: 0.3, reduction: .sum)
        // (1 - 0.3) * 1000 + 0.3 / 3 * (0 + 1000 + 2000) = 700 + 300 = 1000.
        #expect(Swift.abs(loss.item - 1000) < 1e-3, "\(loss)")  // a few ulps of 1000
    }

    @Test func crossEntropyGradientIsSoftmaxMinusOneHot() {
        // d mean / dx = (softmax(x) - onehot(y)) / N; here N = 1, x = [0, ln 3] so
        // softmax = [1/4, 3/4] and target 0 gives [-3/4, 3/4].
        let x = Tensor([0, Float(Foundation.log(3.0))], shape: [1, 2])
        x.requiresGradient = true
        Tensor.crossEntropy(logits: x, targets: [0]).backward()
        #expect(close(x.gradient!.scalars, [-0.75, 0.75]))
    }

    // MARK: Cross-entropy gradients

    @Test(arguments: [LossReduction.none, .sum, .mean])
    func crossEntropyGradientMatchesFiniteDifferences(reduction: LossReduction) {
        let x = TestData.uniform([5, 11], in: -3...3, seed: 21)
        let report = GradientCheck.run([x]) { inputs in
            Tensor.crossEntropy(logits: inputs[0], targets: [3, 0, 10, 7, 7], reduction: reduction)
        }
        #expect(report.relativeError < lossGradientTolerance, "\(report)")
    }

    @Test(arguments: [LossReduction.none, .sum, .mean])
    func crossEntropyWithAllOptionsGradientMatchesFiniteDifferences(reduction: LossReduction) {
        // C = 11 exercises both the 8-lane body and the scalar tail of the row kernels.
        let x = TestData.uniform([6, 11], in: -3...3, seed: 22)
        let weights = TestData.uniform([11], in: 0.2...2, seed: 23)
        let report = GradientCheck.run([x]) { inputs in
            Tensor.crossEntropy(
                logits: inputs[0], targets: [3, 99, 10, 0, 99, 5], classWeights: weights,
                ignoreIndex: 99, labelSmoothing: 0.2, reduction: reduction)
        }
        #expect(report.relativeError < lossGradientTolerance, "\(report)")
    }

    @Test func crossEntropyOnTransposedLogitsMatchesContiguous() {
        let scores = TestData.uniform([3, 5], seed: 24)   // used as [5, 3] logits
        let viewed = Tensor.crossEntropy(logits: scores.transposed(), targets: [0, 1, 2, 2, 1], labelSmoothing: 0.1)
        let dense = Tensor.crossEntropy(logits: scores.transposed().contiguousCopy(), targets: [0, 1, 2, 2, 1], labelSmoothing: 0.1)
        #expect(viewed.item == dense.item)
    }

    // MARK: Binary cross-entropy with logits

    private let bceLogits = Tensor([0.5, -1.0, 2.0, -3.0, 0.0, 1.5], shape: [2, 3])
    private let bceTargets = Tensor([1.0, 0.0, 1.0, 0.0, 1.0, 0.25], shape: [2, 3])
    private let positiveWeight = Tensor([2.0, 0.5, 3.0])

    @Test func binaryCrossEntropyWithPositiveWeightMatchesHandValue() {
        // numpy: sp = log1p(exp(-x)), lw = 1 + (p - 1) y, loss = (1 - y) x + lw sp
        //   = [[0.9481539684, 0.3132616875, 0.3807840331], [0.0485873516, 0.3465735903, 1.4271199170]],
        // mean 0.57741342, sum 3.46448055; the same as -(p y log σ(x) + (1 - y) log(1 - σ(x))).
        let none = Tensor.binaryCrossEntropyWithLogits(
            logits: bceLogits, targets: bceTargets, positiveWeight: positiveWeight, reduction: .none)
        #expect(none.shape == [2, 3])
        #expect(close(none.scalars, [0.9481539684, 0.3132616875, 0.3807840331, 0.0485873516, 0.3465735903, 1.4271199170]), "\(none)")
        let mean = Tensor.binaryCrossEntropyWithLogits(logits: bceLogits, targets: bceTargets, positiveWeight: positiveWeight)
        #expect(close([mean.item], [0.57741342]))
        let sum = Tensor.binaryCrossEntropyWithLogits(
            logits: bceLogits, targets: bceTargets, positiveWeight: positiveWeight, reduction: .sum)
        #expect(close([sum.item], [3.46448055]))
    }

    @Test func binaryCrossEntropyWithoutWeightIsStable() {
        // max(x, 0) - x y + log(1 + e^-|x|): x = 100, y = 0 -> 100; x = -100, y = 1 -> 100;
        // x = 0, y = 0.5 -> log 2 = 0.6931471806.
        let loss = Tensor.binaryCrossEntropyWithLogits(
            logits: Tensor([100, -100, 0]), targets: Tensor([0, 1, 0.5]), reduction: .none)
        #expect(close(loss.scalars, [100, 100, 0.6931471806]), "\(loss)")
    }

    @Test(arguments: [LossReduction.none, .sum, .mean])
    func binaryCrossEntropyGradientMatchesFiniteDifferences(reduction: LossReduction) {
        let x = TestData.uniform([3, 4], in: -4...4, seed: 31)
        let y = TestData.uniform([3, 4], in: 0...1, seed: 32)
        let weight = TestData.uniform([4], in: 0.5...3, seed: 33)
        let weighted = GradientCheck.run([x, y, weight]) { inputs in
            Tensor.binaryCrossEntropyWithLogits(
                logits: inputs[0], targets: inputs[1], positiveWeight: inputs[2], reduction: reduction)
        }
        #expect(weighted.relativeError < lossGradientTolerance, "\(weighted)")
        let plain = GradientCheck.run([x, y]) { inputs in
            Tensor.binaryCrossEntropyWithLogits(logits: inputs[0], targets: inputs[1], reduction: reduction)
        }
        #expect(plain.relativeError < lossGradientTolerance, "\(plain)")
    }

    // MARK: Regression losses

    @Test func meanSquaredErrorAndL1MatchHandValues() {
        let prediction = Tensor([1, 2, 3, 4], shape: [2, 2])
        let target = Tensor([1.5, 2, 1, 7], shape: [2, 2])
        // Differences [-0.5, 0, 2, -3]: squares [0.25, 0, 4, 9] (sum 13.25, mean 3.3125);
        // absolute values [0.5, 0, 2, 3] (sum 5.5, mean 1.375).
        #expect(Tensor.meanSquaredError(prediction: prediction, target: target, reduction: .none).scalars == [0.25, 0, 4, 9])
        #expect(Tensor.meanSquaredError(prediction: prediction, target: target, reduction: .sum).item == 13.25)
        #expect(Tensor.meanSquaredError(prediction: prediction, target: target).item == 3.3125)
        #expect(Tensor.l1Loss(prediction: prediction, target: target, reduction: .none).scalars == [0.5, 0, 2, 3])
        #expect(Tensor.l1Loss(prediction: prediction, target: target, reduction: .sum).item == 5.5)
        #expect(Tensor.l1Loss(prediction: prediction, target: target).item == 1.375)
    }

    @Test func l1GradientAtZeroDifferenceIsZero() {
        let prediction = Tensor([1, 2, 3]), target = Tensor([1, 0, 5])
        prediction.requiresGradient = true
        Tensor.l1Loss(prediction: prediction, target: target, reduction: .sum).backward()
        // sign(p - t) = [0 (tie), 1, -1].
        #expect(prediction.gradient?.scalars == [0, 1, -1])
    }

    @Test(arguments: [LossReduction.none, .sum, .mean])
    func regressionLossGradientsMatchFiniteDifferences(reduction: LossReduction) {
        let prediction = TestData.uniform([3, 5], seed: 41)
        let target = TestData.uniform([3, 5], seed: 42)
        let squared = GradientCheck.run([prediction, target]) { inputs in
            Tensor.meanSquaredError(prediction: inputs[0], target: inputs[1], reduction: reduction)
        }
        #expect(squared.relativeError < lossGradientTolerance, "\(squared)")
        // L1 has a kink at prediction == target: keep |p - t| >= 0.1, far beyond the 1e-2 step.
        let offPrediction = TestData.avoiding([0], gap: 0.1, [3, 5], seed: 43)
        let zeroTarget = Tensor.zeros([3, 5])
        let absolute = GradientCheck.run([offPrediction, zeroTarget]) { inputs in
            Tensor.l1Loss(prediction: inputs[0], target: inputs[1], reduction: reduction)
        }
        #expect(absolute.relativeError < lossGradientTolerance, "\(absolute)")
    }
}
