// GradientCheck: compares the gradients our autodiff computes with central finite
// differences, for any function of any number of tensors. The objective is
// sum(f(inputs) * probe) with a fixed random probe, so every output element matters
// with a different weight. Accumulated in Double to keep rounding out of the comparison.

import FactoryTensor

/// The outcome of one gradient check.
public struct GradientCheckReport: CustomStringConvertible {
    /// Largest |analytic - numeric| over all checked elements.
    public let maximumAbsoluteError: Double
    /// Largest |numeric| (the scale the error is compared with).
    public let maximumNumericGradient: Double
    /// Where the largest error was: input index, element index, analytic and numeric values.
    public let worst: (input: Int, element: Int, analytic: Double, numeric: Double)?

    /// Error divided by max(1, largest numeric gradient).
    public var relativeError: Double { maximumAbsoluteError / Swift.max(1, maximumNumericGradient) }

    public var description: String {
        guard let worst else { return "no elements checked" }
        return "max error \(maximumAbsoluteError) (relative \(relativeError)) at input \(worst.input) element \(worst.element): analytic \(worst.analytic), numeric \(worst.numeric)"
    }
}

public enum GradientCheck {
    /// Checks `function`'s gradients with respect to every element of `inputs`.
    ///
    /// - Parameters:
    ///   - inputs: contiguous leaf tensors; they are set to require gradients.
    ///   - epsilon: the finite-difference step.
    ///   - seed: seeds the probe that weights the output elements.
    ///   - function: the operation under test (may take views of its inputs).
    public static func run(
        _ inputs: [Tensor], epsilon: Float = 1e-2, seed: UInt64 = 99, _ function: ([Tensor]) -> Tensor
    ) -> GradientCheckReport {
        for input in inputs {
            precondition(input.isContiguous && input.isLeaf, "GradientCheck: inputs must be contiguous leaves")
            input.requiresGradient = true
            input.zeroGradient()
        }
        let output = function(inputs)
        var generator = SeededGenerator(seed: seed)
        let probe = Tensor.uniform(output.shape, in: -1...1, using: &generator)
        (output * probe).sum().backward()
        let probeValues = probe.scalars.map(Double.init)

        func objective() -> Double {
            let values = withoutGradients { function(inputs) }.scalars
            var total = 0.0
            for (value, weight) in zip(values, probeValues) { total += Double(value) * weight }
            return total
        }

        var maximumError = 0.0, maximumNumeric = 0.0
        var worst: (Int, Int, Double, Double)?
        for (inputIndex, input) in inputs.enumerated() {
            let analytic = input.gradient?.scalars ?? [Float](repeating: 0, count: input.count)
            let base = input.storage.pointer + input.offset
            for element in 0..<input.count {
                let original = base[element]
                base[element] = original + epsilon
                let plus = objective()
                base[element] = original - epsilon
                let minus = objective()
                base[element] = original
                let numeric = (plus - minus) / (2 * Double(epsilon))
                let error = Swift.abs(numeric - Double(analytic[element]))
                maximumNumeric = Swift.max(maximumNumeric, Swift.abs(numeric))
                if error >= maximumError {
                    maximumError = error
                    worst = (inputIndex, element, Double(analytic[element]), numeric)
                }
            }
        }
        return GradientCheckReport(
            maximumAbsoluteError: maximumError, maximumNumericGradient: maximumNumeric,
            worst: worst.map { (input: $0.0, element: $0.1, analytic: $0.2, numeric: $0.3) })
    }
}

/// Test data helpers.
public enum TestData {
    /// A seeded uniform random tensor.
    public static func uniform(_ shape: [Int], in range: ClosedRange<Float> = -1...1, seed: UInt64) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        return Tensor.uniform(shape, in: range, using: &generator)
    }

    /// A seeded uniform random tensor whose elements are at least `gap` away from every
    /// value in `kinks` (for functions with kinks, so finite differences do not straddle one).
    public static func avoiding(_ kinks: [Float], gap: Float, _ shape: [Int], in range: ClosedRange<Float> = -1...1, seed: UInt64) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        var values: [Float] = []
        while values.count < Shape.count(shape) {
            let candidate = range.lowerBound + (range.upperBound - range.lowerBound) * generator.nextUnitFloat()
            if kinks.allSatisfy({ Swift.abs(candidate - $0) >= gap }) { values.append(candidate) }
        }
        return Tensor(values, shape: shape)
    }

    /// Largest |a - b| over two equally long arrays; infinity where one side is NaN and the
    /// other is not (NaN on both sides counts as equal), so a NaN never passes a tolerance.
    public static func maximumDifference(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count, "maximumDifference: \(a.count) vs \(b.count) values")
        return zip(a, b).reduce(0) { worst, pair in
            if pair.0.isNaN || pair.1.isNaN { return pair.0.isNaN && pair.1.isNaN ? worst : .infinity }
            return Swift.max(worst, Swift.abs(pair.0 - pair.1))
        }
    }
}
