// Finite-difference gradient checks for every elementwise operation: unary math,
// activations and broadcasting binary operators, on several shapes, broadcast pairs and
// non-contiguous (transposed) inputs.

import FactoryTensor
import TestSupport
import Testing

/// Central differences with step 1e-2 on Float32: truncation error ~ f''' * 1e-4 / 6 and
/// rounding error ~ 1e-7 / 1e-2, so 5e-3 of the gradient scale separates right from wrong.
private let smoothTolerance = 5e-3
private let shapes: [[Int]] = [[5], [3, 4], [2, 3, 2]]

struct UnaryCase: CustomTestStringConvertible, Sendable {
    let name: String
    let kinks: [Float]
    let range: ClosedRange<Float>
    let function: @Sendable (Tensor) -> Tensor
    var testDescription: String { name }
}

private let unaryCases: [UnaryCase] = [
    UnaryCase(name: "neg", kinks: [], range: -2...2) { -$0 },
    UnaryCase(name: "exp", kinks: [], range: -2...2) { $0.exp() },
    UnaryCase(name: "log", kinks: [], range: 0.5...3) { $0.log() },
    UnaryCase(name: "sqrt", kinks: [], range: 0.5...3) { $0.squareRoot() },
    UnaryCase(name: "rsqrt", kinks: [], range: 0.5...3) { $0.reciprocalSquareRoot() },
    UnaryCase(name: "abs", kinks: [0], range: -2...2) { $0.abs() },
    UnaryCase(name: "pow3", kinks: [], range: 0.5...2) { $0.pow(3) },
    UnaryCase(name: "square", kinks: [], range: -2...2) { $0.pow(2) },
    UnaryCase(name: "clamp", kinks: [-0.5, 0.5], range: -1...1) { $0.clamped(min: -0.5, max: 0.5) },
    UnaryCase(name: "maximumScalar", kinks: [0.25], range: -1...1) { $0.maximum(0.25) },
    UnaryCase(name: "minimumScalar", kinks: [0.25], range: -1...1) { $0.minimum(0.25) },
    UnaryCase(name: "relu", kinks: [0], range: -2...2) { $0.relu() },
    UnaryCase(name: "relu6", kinks: [0, 6], range: -2...8) { $0.relu6() },
    UnaryCase(name: "gelu", kinks: [], range: -3...3) { $0.gelu() },
    UnaryCase(name: "tanh", kinks: [], range: -3...3) { $0.tanh() },
    UnaryCase(name: "sigmoid", kinks: [], range: -4...4) { $0.sigmoid() },
    UnaryCase(name: "silu", kinks: [], range: -4...4) { $0.silu() },
    UnaryCase(name: "softplus", kinks: [20], range: -4...4) { $0.softplus() },
    UnaryCase(name: "softplusLinearRegion", kinks: [20], range: 21...25) { $0.softplus() },
]

struct BinaryCase: CustomTestStringConvertible, Sendable {
    let name: String
    let function: @Sendable (Tensor, Tensor) -> Tensor
    /// Makes the second operand from a random tensor of its shape and the first operand.
    let rangeA: ClosedRange<Float>
    let rangeB: ClosedRange<Float>
    var testDescription: String { name }
}

private let binaryCases: [BinaryCase] = [
    BinaryCase(name: "add", function: { $0 + $1 }, rangeA: -2...2, rangeB: -2...2),
    BinaryCase(name: "sub", function: { $0 - $1 }, rangeA: -2...2, rangeB: -2...2),
    BinaryCase(name: "mul", function: { $0 * $1 }, rangeA: -2...2, rangeB: -2...2),
    BinaryCase(name: "div", function: { $0 / $1 }, rangeA: -2...2, rangeB: 0.5...2),
    BinaryCase(name: "pow", function: { $0.pow($1) }, rangeA: 0.5...2, rangeB: -1.5...1.5),
    // a in [-1, -0.1] and b in [0.1, 1] never tie, so max/min pick one side everywhere.
    BinaryCase(name: "maximum", function: { $0.maximum($1) }, rangeA: -1...(-0.1), rangeB: 0.1...1),
    BinaryCase(name: "minimum", function: { $0.minimum($1) }, rangeA: -1...(-0.1), rangeB: 0.1...1),
]

/// Shape pairs: equal, trailing broadcast, both sides broadcast, scalar, leading axes.
private let broadcastPairs: [([Int], [Int])] = [
    ([3, 4], [3, 4]), ([3, 4], [4]), ([3, 1], [1, 4]), ([2, 3, 4], [3, 1]), ([], [2, 3]), ([2, 1, 3], [4, 1]),
]

@Suite struct ElementwiseGradientTests {
    @Test(arguments: unaryCases)
    func unaryGradientMatchesFiniteDifferences(_ testCase: UnaryCase) {
        for (index, shape) in shapes.enumerated() {
            let x = TestData.avoiding(testCase.kinks, gap: 0.05, shape, in: testCase.range, seed: UInt64(index + 1))
            let report = GradientCheck.run([x]) { testCase.function($0[0]) }
            #expect(report.relativeError < smoothTolerance, "\(testCase.name) \(shape): \(report)")
        }
    }

    @Test(arguments: unaryCases)
    func unaryGradientOnTransposedView(_ testCase: UnaryCase) {
        let x = TestData.avoiding(testCase.kinks, gap: 0.05, [3, 4], in: testCase.range, seed: 11)
        let report = GradientCheck.run([x]) { testCase.function($0[0].transposed()) }
        #expect(report.relativeError < smoothTolerance, "\(testCase.name) transposed: \(report)")
    }

    @Test(arguments: binaryCases)
    func binaryGradientMatchesFiniteDifferencesWithBroadcasting(_ testCase: BinaryCase) {
        for (index, pair) in broadcastPairs.enumerated() {
            let a = TestData.uniform(pair.0, in: testCase.rangeA, seed: UInt64(2 * index + 1))
            let b = TestData.uniform(pair.1, in: testCase.rangeB, seed: UInt64(2 * index + 2))
            let forward = GradientCheck.run([a, b]) { testCase.function($0[0], $0[1]) }
            #expect(forward.relativeError < smoothTolerance, "\(testCase.name) \(pair): \(forward)")
            let swapped = TestData.uniform(pair.1, in: testCase.rangeA, seed: UInt64(2 * index + 3))
            let other = TestData.uniform(pair.0, in: testCase.rangeB, seed: UInt64(2 * index + 4))
            let reverse = GradientCheck.run([swapped, other]) { testCase.function($0[0], $0[1]) }
            #expect(reverse.relativeError < smoothTolerance, "\(testCase.name) \(pair) swapped: \(reverse)")
        }
    }

    @Test(arguments: binaryCases)
    func binaryGradientOnNonContiguousViews(_ testCase: BinaryCase) {
        let a = TestData.uniform([4, 3], in: testCase.rangeA, seed: 21)
        let b = TestData.uniform([3, 6], in: testCase.rangeB, seed: 22)
        // a transposed is [3, 4]; b sliced to columns 1..<5 is a strided [3, 4] view.
        let report = GradientCheck.run([a, b]) { testCase.function($0[0].transposed(), $0[1].sliced(axis: 1, 1..<5)) }
        #expect(report.relativeError < smoothTolerance, "\(testCase.name) views: \(report)")
    }

    @Test func whereGradientGoesToTheChosenBranch() {
        let condition = Tensor([1, 0, 1, 0, 0, 1], shape: [2, 3])
        let a = TestData.uniform([2, 3], seed: 31), b = TestData.uniform([3], seed: 32)
        let report = GradientCheck.run([a, b]) { Tensor.where(condition, $0[0], $0[1]) }
        #expect(report.relativeError < smoothTolerance, "\(report)")
        a.zeroGradient(); b.zeroGradient()
        Tensor.where(condition, a, b).sum().backward()
        #expect(a.gradient?.scalars == [1, 0, 1, 0, 0, 1])
        // b is broadcast over the 2 rows: column j counts the rows where condition is 0
        // (column 0: row 1; column 1: rows 0 and 1; column 2: none).
        #expect(b.gradient?.scalars == [1, 2, 0])
    }

    @Test func whereDoesNotLeakInfinityFromTheBranchNotTaken() {
        let condition = Tensor([1, 0])
        let result = Tensor.where(condition, Tensor([2, 3]), Tensor([-.infinity, 5]))
        #expect(result.scalars == [2, 5])
    }

    @Test func maximumTieSplitsTheGradientEvenly() {
        let a = Tensor([1, 2]), b = Tensor([1, 3])
        a.requiresGradient = true; b.requiresGradient = true
        a.maximum(b).sum().backward()
        // PyTorch's rule: on a tie each side gets half.
        #expect(a.gradient?.scalars == [0.5, 0])
        #expect(b.gradient?.scalars == [0.5, 1])
    }

    @Test func clampPassesGradientOnTheBoundsAndBlocksOutside() {
        let x = Tensor([-2, -1, 0, 1, 2])
        x.requiresGradient = true
        x.clamped(min: -1, max: 1).sum().backward()
        #expect(x.gradient?.scalars == [0, 1, 1, 1, 0])
    }
}

@Suite struct NotANumberTests {
    /// 9 NaNs: 8 go through the vector lanes, the 9th through the scalar tail.
    static let nine = Tensor([Float](repeating: .nan, count: 9))

    @Test func activationsAndBoundsPropagateNaNInEveryLane() {
        // PyTorch propagates NaN through relu, relu6, maximum, minimum and clamp.
        for (name, result) in [
            ("relu", Self.nine.relu()), ("relu6", Self.nine.relu6()),
            ("maximum", Self.nine.maximum(0)), ("minimum", Self.nine.minimum(0)),
            ("maximumReversed", Tensor(repeating: 0, shape: [9]).maximum(Self.nine)),
            ("minimumReversed", Tensor(repeating: 0, shape: [9]).minimum(Self.nine)),
            ("clamp", Self.nine.clamped(min: 0, max: 1)),
        ] {
            let allNaN = result.scalars.allSatisfy { $0.isNaN }
            #expect(allNaN, "\(name): \(result.scalars)")
        }
    }

    @Test func stridedAndContiguousPathsAgreeOnNaN() {
        let x = Tensor([Float](repeating: .nan, count: 16), shape: [4, 4])
        let relu = x.transposed().relu().scalars.allSatisfy { $0.isNaN }
        let maximum = x.transposed().maximum(Tensor([1, 2, 3, 4])).scalars.allSatisfy { $0.isNaN }
        #expect(relu && maximum)
    }
}
