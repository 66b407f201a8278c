// Tests of max, average and global average pooling: hand-derived values and gradients with
// padding (including a tie and a window whose real values are all negative, so padding
// must not win), and finite-difference gradient checks, including non-contiguous inputs.

import FactoryTensor
import Foundation
import TestSupport
import Testing

@Suite struct PoolingTests {
    /// Average pooling is linear and max pooling is locally linear (inputs are spaced far
    /// beyond epsilon, so no window changes winner): central differences are exact up to
    /// Float32 rounding; 5e-3 relative leaves a wide margin yet catches any misrouted share.
    static let tolerance = 5e-3

    /// Channel 0 is a mixed-sign 4x4 plane; channel 1 = -|channel 0| - 1, all negative.
    static let plane: [Float] = [2, 5, -2, 0, 3, -1, 4, 2, -3, 6, 0, 7, 2, 1, 8, -4]
    static var input: Tensor {
        Tensor(plane + plane.map { -Swift.abs($0) - 1 }, shape: [1, 2, 4, 4])
    }

    @Test func maxPoolWithPaddingMatchesHandDerivedValues() throws {
        // 3x3 windows, stride 2, padding 1: window rows/columns are {0,1} and {1,2,3}.
        // Channel 0: max{2,5,3,-1} = 5, max{5,-2,0,-1,4,2} = 5, max{3,-1,-3,6,2,1} = 6,
        // max{-1,4,2,6,0,7,1,8,-4} = 8. Channel 1 (all negative; padding is -infinity, so
        // never 0): -2, -1, -2 (a tie between (1,1) and (3,1): the first wins), -1.
        let x = Self.input
        x.requiresGradient = true
        let y = x.maxPool2d(kernel: 3, stride: 2, padding: 1)
        #expect(y.shape == [1, 2, 2, 2])
        #expect(y.scalars == [5, 5, 6, 8, -2, -1, -2, -1])
        y.sum().backward()
        // Each output's gradient (1) goes to its window's first maximum: channel 0 element 1
        // wins two windows; channel 1 element 5 wins two (one by the tie), not element 13.
        let expectedGradient: [Float] = [0, 2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0,
                                         0, 0, 0, 1, 0, 2, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0]
        #expect(try #require(x.gradient).scalars == expectedGradient)
    }

    @Test func averagePoolWithPaddingCountsPaddedZeros() throws {
        // Same windows; each sum is divided by 9 (count_include_pad): (2+5+3-1)/9 = 1,
        // (5-2+0-1+4+2)/9 = 8/9, (3-1-3+6+2+1)/9 = 8/9, (-1+4+2+6+0+7+1+8-4)/9 = 23/9;
        // channel 1: -15/9, -20/9, -22/9, -42/9 (confirmed with a numpy loop).
        let x = Self.input
        x.requiresGradient = true
        let y = x.averagePool2d(kernel: 3, stride: 2, padding: 1)
        let expected: [Float] = [1, 8.0 / 9, 8.0 / 9, 23.0 / 9, -15.0 / 9, -20.0 / 9, -22.0 / 9, -42.0 / 9]
        #expect(TestData.maximumDifference(y.scalars, expected) < 1e-6)
        y.sum().backward()
        // Element gradient = (number of windows covering it) / 9; row/column 1 is in both
        // windows of its axis, so (1, 1) is covered 4 times.
        let counts: [Float] = [1, 2, 1, 1, 2, 4, 2, 2, 1, 2, 1, 1, 1, 2, 1, 1]
        let expectedGradient = (counts + counts).map { $0 / 9 }
        #expect(TestData.maximumDifference(try #require(x.gradient).scalars, expectedGradient) < 1e-6)
    }

    @Test func asymmetricPaddingPooling() {
        // 3x3 plane 1...9, 2x2 windows, stride 2, padding top 0, bottom 1, left 1, right 0.
        // Windows: rows {0,1} or {2}; columns {0} or {1,2}. Average divides by 4:
        // (1+4)/4, (2+3+5+6)/4, 7/4, (8+9)/4. Max: 4, 6, 7, 9.
        let x = Tensor((1...9).map(Float.init), shape: [1, 1, 3, 3])
        let padding = Padding2D(top: 0, bottom: 1, left: 1, right: 0)
        #expect(x.averagePool2d(kernel: 2, stride: 2, padding: padding).scalars == [1.25, 4, 1.75, 4.25])
        #expect(x.maxPool2d(kernel: 2, stride: 2, padding: padding).scalars == [4, 6, 7, 9])
    }

    @Test func globalAveragePool() {
        let x = Self.input
        let pooled = x.globalAveragePool2d()
        #expect(pooled.shape == [1, 2])
        // Channel 0 sums to 30 (16 elements); channel 1 to -(sum of |v|) - 16 = -50 - 16.
        #expect(TestData.maximumDifference(pooled.scalars, [30.0 / 16, -66.0 / 16]) < 1e-6)
        #expect(x.globalAveragePool2d(keepingDimensions: true).shape == [1, 2, 1, 1])
    }

    /// Distinct values, at least 0.05 apart, in random order: no finite-difference step
    /// (epsilon 1e-3) can change which element of a window is largest.
    static func distinctValues(_ shape: [Int], seed: UInt64) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        var values = (0..<Shape.count(shape)).map { Float($0) * 0.05 - 1 }
        values.shuffle(using: &generator)
        return Tensor(values, shape: shape)
    }

    struct PoolCase: Sendable, CustomTestStringConvertible {
        var name: String
        var shape: [Int]
        var kernel: Size2D
        var stride: Size2D?
        var padding: Padding2D = .zero
        var transposedInput = false
        var testDescription: String { name }
    }

    static let poolCases: [PoolCase] = [
        PoolCase(name: "2x2 stride 2, N=2", shape: [2, 2, 4, 4], kernel: 2),
        PoolCase(name: "3x3 stride 2 padding 1 (overlapping)", shape: [1, 2, 5, 6], kernel: 3, stride: 2, padding: 1),
        PoolCase(name: "3x2 stride 1, asymmetric padding", shape: [2, 1, 4, 5], kernel: Size2D(height: 3, width: 2),
                 stride: 1, padding: Padding2D(top: 0, bottom: 2, left: 1, right: 0)),
        PoolCase(name: "non-contiguous input, 3x3 stride 2 padding 1", shape: [2, 2, 5, 4], kernel: 3, stride: 2,
                 padding: 1, transposedInput: true),
    ]

    @Test(arguments: poolCases)
    func maxPoolGradientMatchesFiniteDifferences(_ c: PoolCase) {
        let x = Self.distinctValues(c.shape, seed: 50)
        let report = GradientCheck.run([x], epsilon: 1e-3) { inputs in
            let input = c.transposedInput ? inputs[0].transposed(2, 3) : inputs[0]
            return input.maxPool2d(kernel: c.kernel, stride: c.stride, padding: c.padding)
        }
        #expect(report.relativeError < Self.tolerance, "\(report)")
    }

    @Test(arguments: poolCases)
    func averagePoolGradientMatchesFiniteDifferences(_ c: PoolCase) {
        let x = TestData.uniform(c.shape, seed: 51)
        let report = GradientCheck.run([x], epsilon: 1e-2) { inputs in
            let input = c.transposedInput ? inputs[0].transposed(2, 3) : inputs[0]
            return input.averagePool2d(kernel: c.kernel, stride: c.stride, padding: c.padding)
        }
        #expect(report.relativeError < Self.tolerance, "\(report)")
    }

    @Test(arguments: [false, true])
    func globalAveragePoolGradientMatchesFiniteDifferences(keepingDimensions: Bool) {
        let x = TestData.uniform([2, 3, 5, 4], seed: 52)
        let report = GradientCheck.run([x], epsilon: 1e-2) { inputs in
            inputs[0].transposed(2, 3).globalAveragePool2d(keepingDimensions: keepingDimensions)
        }
        #expect(report.relativeError < Self.tolerance, "\(report)")
    }
}
