// Tests of softmax and log-softmax: hand-derived values (including masked -infinity
// scores and large inputs), finite-difference gradient checks over the last axis, middle
// axes and non-contiguous inputs, and agreement with the composed (exp / sum) definition on
// inputs large enough to take the threaded, chunked paths.

import FactoryTensor
import Foundation
import TestSupport
import Testing

@Suite struct SoftmaxTests {
    /// Float32 results of exp and a division, compared with float64 numpy: a few ulp.
    static let valueTolerance: Float = 1e-6
    /// Central differences in Float32 with epsilon 1e-2: truncation error ~eps² plus
    /// rounding of the objective; agreement is typically ~1e-4 relative.
    static let gradientTolerance = 1e-2
    /// Fused kernel vs the composed ops in Float32 (different summation orders).
    static let referenceTolerance: Float = 1e-5

    // MARK: Hand-derived values

    @Test func softmaxOfSmallRow() {
        // numpy: e = exp([1, 2, 3] - 3); e / e.sum()
        let y = Tensor([1, 2, 3]).softmax()
        let expected: [Float] = [0.090030573, 0.244728471, 0.665240956]
        #expect(TestData.maximumDifference(y.scalars, expected) < Self.valueTolerance, "\(y.scalars)")
    }

    @Test func softmaxGivesMaskedEntriesZero() {
        // numpy: x = [0.5, -inf, 1.5, -inf]; exp(x - 1.5) / sum -> [1/(1+e), 0, e/(1+e), 0]
        let y = Tensor([0.5, -.infinity, 1.5, -.infinity]).softmax()
        let expected: [Float] = [0.268941421, 0, 0.731058579, 0]
        #expect(y.scalars.allSatisfy { $0.isFinite }, "\(y.scalars)")
        #expect(y.scalars[1] == 0 && y.scalars[3] == 0)
        #expect(TestData.maximumDifference(y.scalars, expected) < Self.valueTolerance, "\(y.scalars)")
    }

    @Test func softmaxWithMaskedEntriesInLongRowsAndColumns() {
        // 20 entries (vector lanes and a tail), every third masked; the rest equal, so each
        // unmasked entry gets 1 / (number unmasked) = 1/13.
        var row = [Float](repeating: 0.25, count: 20)
        for index in stride(from: 0, to: 20, by: 3) { row[index] = -.infinity }
        let lastAxis = Tensor(row, shape: [1, 20]).softmax(axis: -1).scalars
        let firstAxis = Tensor(row, shape: [20, 1]).softmax(axis: 0).scalars
        for values in [lastAxis, firstAxis] {
            for (index, value) in values.enumerated() {
                if index % 3 == 0 { #expect(value == 0) } else { #expect(Swift.abs(value - 1 / 13) < Self.valueTolerance) }
            }
        }
        // log-softmax keeps -infinity where masked and stays finite elsewhere.
        let logarithm = Tensor(row, shape: [1, 20]).logSoftmax().scalars
        for (index, value) in logarithm.enumerated() {
            if index % 3 == 0 { #expect(value == -.infinity) } else { #expect(Swift.abs(value + Float(Foundation.log(13.0))) < 1e-5) }
        }
    }

    @Test func logSoftmaxOfLargeValuesStaysFinite() {
        // numpy: x = [1000, 1001]; x - 1001 - log(exp(-1) + 1)
        let y = Tensor([1000, 1001]).logSoftmax()
        let expected: [Float] = [-1.313261688, -0.313261688]
        #expect(y.scalars.allSatisfy { $0.isFinite }, "\(y.scalars)")
        // Float32 spacing at 1000 is 6e-5, so the subtraction x - 1001 is exact but the
        // offset is rounded there: allow 1e-4.
        #expect(TestData.maximumDifference(y.scalars, expected) < 1e-4, "\(y.scalars)")
    }

    @Test func softmaxAlongFirstAxis() {
        // numpy: x = [[1, 2], [3, 0]]; e = exp(x - x.max(0)); e / e.sum(0)
        let y = Tensor([1, 2, 3, 0], shape: [2, 2]).softmax(axis: 0)
        let expected: [Float] = [0.119202922, 0.880797078, 0.880797078, 0.119202922]
        #expect(TestData.maximumDifference(y.scalars, expected) < Self.valueTolerance, "\(y.scalars)")
    }

    @Test func softmaxOfMaskedScoresHasZeroGradientThere() {
        let x = TestData.uniform([2, 6], seed: 11)
        var maskValues = [Float](repeating: 0, count: 12)
        maskValues[1] = -.infinity; maskValues[4] = -.infinity; maskValues[11] = -.infinity
        let mask = Tensor(maskValues, shape: [2, 6])
        let report = GradientCheck.run([x]) { inputs in (inputs[0] + mask).softmax() }
        #expect(report.relativeError < Self.gradientTolerance, "\(report)")
        let gradient = x.gradient!.scalars
        #expect(gradient.allSatisfy { $0.isFinite })
        #expect(gradient[1] == 0 && gradient[4] == 0 && gradient[11] == 0, "\(gradient)")
    }

    // MARK: Gradient checks

    static let gradientCases: [(shape: [Int], axis: Int)] = [
        ([7], 0), ([3, 5], -1), ([2, 3, 17], -1), ([2, 5, 3], 1), ([4, 3, 9], 0), ([2, 3, 300], 1),
    ]

    @Test(arguments: gradientCases.indices)
    func softmaxGradient(caseIndex: Int) {
        let (shape, axis) = Self.gradientCases[caseIndex]
        let x = TestData.uniform(shape, in: -2...2, seed: UInt64(caseIndex + 1))
        let report = GradientCheck.run([x]) { inputs in inputs[0].softmax(axis: axis) }
        #expect(report.relativeError < Self.gradientTolerance, "softmax \(shape) axis \(axis): \(report)")
    }

    @Test(arguments: gradientCases.indices)
    func logSoftmaxGradient(caseIndex: Int) {
        let (shape, axis) = Self.gradientCases[caseIndex]
        let x = TestData.uniform(shape, in: -2...2, seed: UInt64(caseIndex + 20))
        let report = GradientCheck.run([x]) { inputs in inputs[0].logSoftmax(axis: axis) }
        #expect(report.relativeError < Self.gradientTolerance, "logSoftmax \(shape) axis \(axis): \(report)")
    }

    @Test func gradientOfNonContiguousInput() {
        let x = TestData.uniform([5, 12], in: -2...2, seed: 31)
        let softmaxReport = GradientCheck.run([x]) { inputs in inputs[0].transposed().softmax(axis: -1) }
        #expect(softmaxReport.relativeError < Self.gradientTolerance, "\(softmaxReport)")
        let logReport = GradientCheck.run([x]) { inputs in inputs[0].transposed().logSoftmax(axis: 0) }
        #expect(logReport.relativeError < Self.gradientTolerance, "\(logReport)")
        let sliceReport = GradientCheck.run([x]) { inputs in inputs[0].sliced(axis: 1, 2..<11).softmax(axis: 1) }
        #expect(sliceReport.relativeError < Self.gradientTolerance, "\(sliceReport)")
    }

    // MARK: Agreement with the composed definition on large (threaded) inputs

    @Test(arguments: [([256, 130], -1), ([6, 40, 600], 1), ([300, 2, 70], 0)])
    func matchesComposedDefinition(shape: [Int], axis: Int) {
        let x = TestData.uniform(shape, in: -4...4, seed: 41)
        let probe = TestData.uniform(shape, seed: 42)
        x.requiresGradient = true

        let fused = x.softmax(axis: axis)
        (fused * probe).sum().backward()
        let fusedGradient = x.gradient!.scalars
        x.zeroGradient()
        let shifted = x - x.detached().max(axis: axis, keepingDimensions: true).values
        let composed = shifted.exp() / shifted.exp().sum(axes: [axis], keepingDimensions: true)
        (composed * probe).sum().backward()
        #expect(TestData.maximumDifference(fused.scalars, composed.scalars) < Self.referenceTolerance)
        #expect(TestData.maximumDifference(fusedGradient, x.gradient!.scalars) < Self.referenceTolerance)

        x.zeroGradient()
        let fusedLog = x.logSoftmax(axis: axis)
        (fusedLog * probe).sum().backward()
        let fusedLogGradient = x.gradient!.scalars
        x.zeroGradient()
        let composedLog = x - x.logSumExp(axes: [axis], keepingDimensions: true)
        (composedLog * probe).sum().backward()
        #expect(TestData.maximumDifference(fusedLog.scalars, composedLog.scalars) < Self.referenceTolerance * 10)
        #expect(TestData.maximumDifference(fusedLogGradient, x.gradient!.scalars) < Self.referenceTolerance * 10)
    }
}
