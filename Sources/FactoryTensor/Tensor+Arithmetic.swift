// Elementwise arithmetic with NumPy broadcasting (+ - * /, pow, maximum, minimum, clamp,
// where) and unary math (neg, exp, log, sqrt, rsqrt, abs), each with its gradient beside
// it. Gradients may come back in the broadcast shape; the engine sums them to the input's.

import Foundation

extension Tensor {
    // MARK: Binary operators

    public static func + (a: Tensor, b: Tensor) -> Tensor {
        combineElements(a, b, AddOperator.self, operation: "add")
            .recordGradient("add", inputs: [a, b]) { g in [g, g] }
    }

    public static func - (a: Tensor, b: Tensor) -> Tensor {
        combineElements(a, b, SubtractOperator.self, operation: "sub")
            .recordGradient("sub", inputs: [a, b]) { g in [g, b.requiresGradient ? -g : nil] }
    }

    public static func * (a: Tensor, b: Tensor) -> Tensor {
        combineElements(a, b, MultiplyOperator.self, operation: "mul")
            .recordGradient("mul", inputs: [a, b]) { g in
                [a.requiresGradient ? g * b : nil, b.requiresGradient ? g * a : nil]
            }
    }

    public static func / (a: Tensor, b: Tensor) -> Tensor {
        combineElements(a, b, DivideOperator.self, operation: "div")
            .recordGradient("div", inputs: [a, b]) { g in
                [a.requiresGradient ? g / b : nil, b.requiresGradient ? -(g * a) / (b * b) : nil]
            }
    }

    public static prefix func - (x: Tensor) -> Tensor {
        x.mapElements(NegateOperator.self).recordGradient("neg", inputs: [x]) { g in [-g] }
    }

    public static func + (a: Tensor, b: Float) -> Tensor { a + Tensor(scalar: b) }
    public static func + (a: Float, b: Tensor) -> Tensor { Tensor(scalar: a) + b }
    public static func - (a: Tensor, b: Float) -> Tensor { a - Tensor(scalar: b) }
    public static func - (a: Float, b: Tensor) -> Tensor { Tensor(scalar: a) - b }
    public static func * (a: Tensor, b: Float) -> Tensor { a * Tensor(scalar: b) }
    public static func * (a: Float, b: Tensor) -> Tensor { Tensor(scalar: a) * b }
    public static func / (a: Tensor, b: Float) -> Tensor { a * Tensor(scalar: 1 / b) }
    public static func / (a: Float, b: Tensor) -> Tensor { Tensor(scalar: a) / b }

    /// `self` raised to `exponent`, elementwise (broadcast).
    public func pow(_ exponent: Tensor) -> Tensor {
        let result = Tensor.combineElements(self, exponent, PowerOperator.self, operation: "pow")
        let output = result.detached()  // not `result`: the closure it owns must not hold it
        return result.recordGradient("pow", inputs: [self, exponent]) { [self] g in
            [requiresGradient ? g * exponent * self.pow(exponent - 1) : nil,
             exponent.requiresGradient ? g * output * self.log() : nil]
        }
    }

    /// `self` raised to a constant power.
    public func pow(_ exponent: Float) -> Tensor {
        if exponent == 2 { return self * self }
        return pow(Tensor(scalar: exponent))
    }

    /// Elementwise maximum; where equal, the gradient is split evenly (as PyTorch).
    public func maximum(_ other: Tensor) -> Tensor {
        Tensor.combineElements(self, other, MaximumOperator.self, operation: "maximum")
            .recordGradient("maximum", inputs: [self, other]) { [self] g in
                let share = Tensor.combineElements(self, other, MaximumShareOperator.self, operation: "maximum")
                return [g * share, g * (1 - share)]
            }
    }

    /// Elementwise minimum; where equal, the gradient is split evenly (as PyTorch).
    public func minimum(_ other: Tensor) -> Tensor {
        Tensor.combineElements(self, other, MinimumOperator.self, operation: "minimum")
            .recordGradient("minimum", inputs: [self, other]) { [self] g in
                let share = Tensor.combineElements(other, self, MaximumShareOperator.self, operation: "minimum")
                return [g * share, g * (1 - share)]
            }
    }

    /// Elementwise maximum with a constant.
    public func maximum(_ value: Float) -> Tensor { maximum(Tensor(scalar: value)) }
    /// Elementwise minimum with a constant.
    public func minimum(_ value: Float) -> Tensor { minimum(Tensor(scalar: value)) }

    /// Limits every element to `[lower, upper]`; the gradient passes where lower <= x <= upper.
    public func clamped(min lower: Float? = nil, max upper: Float? = nil) -> Tensor {
        let bounds = Tensor([lower ?? -.infinity, upper ?? .infinity])
        let result = Tensor.combineElements(
            Tensor.combineElements(self, bounds.sliced(axis: 0, 0..<1).reshapedView([]), MaximumOperator.self, operation: "clamp"),
            bounds.sliced(axis: 0, 1..<2).reshapedView([]), MinimumOperator.self, operation: "clamp")
        let output = result.detached()
        return result.recordGradient("clamp", inputs: [self]) { [self] g in
            let inside = Tensor.combineElements(self, output, EqualOperator.self, operation: "clamp")
            return [g * inside]
        }
    }

    /// Picks `a` where `condition` is non-zero, else `b` (all broadcast together). Infinite
    /// or NaN values in the branch not taken never leak into the result.
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
        let outputShape = Shape.broadcast(Shape.broadcast(condition.shape, a.shape, operation: "where"), b.shape, operation: "where")
        let result = Tensor.uninitialized(outputShape)
        let operands = [condition, a, b]
        let strides = operands.map { Shape.broadcastStrides(shape: $0.shape, strides: $0.strides, to: outputShape) } + [result.strides]
        let pointers = UncheckedSendable(operands.map { UnsafePointer($0.storage.pointer + $0.offset) } + [UnsafePointer(result.storage.pointer)])
        ElementwiseLoop.forEachRow(shape: outputShape, strides: strides) { offsets, steps, length in
            let p = pointers.value
            let output = UnsafeMutablePointer(mutating: p[3] + offsets[3])
            for index in 0..<length {
                let chosen = p[0][offsets[0] + index * steps[0]] != 0
                output[index] = chosen ? p[1][offsets[1] + index * steps[1]] : p[2][offsets[2] + index * steps[2]]
            }
        }
        return result.recordGradient("where", inputs: [a, b]) { g in
            let mask = condition.mapElements(NonZeroOperator.self)
            return [a.requiresGradient ? g * mask : nil, b.requiresGradient ? g * (1 - mask) : nil]
        }
    }

    // MARK: Unary math

    /// e^x.
    public func exp() -> Tensor {
        let result = mapElements(ExpOperator.self), output = result.detached()
        return result.recordGradient("exp", inputs: [self]) { g in [g * output] }
    }

    /// Natural logarithm.
    public func log() -> Tensor {
        mapElements(LogOperator.self).recordGradient("log", inputs: [self]) { [self] g in [g / self] }
    }

    /// Square root.
    public func squareRoot() -> Tensor {
        let result = mapElements(SquareRootOperator.self), output = result.detached()
        return result.recordGradient("sqrt", inputs: [self]) { g in [g * 0.5 / output] }
    }

    /// 1 / sqrt(x).
    public func reciprocalSquareRoot() -> Tensor {
        let result = mapElements(ReciprocalSquareRootOperator.self), output = result.detached()
        return result.recordGradient("rsqrt", inputs: [self]) { g in [g * -0.5 * output * output * output] }
    }

    /// |x|; the gradient at 0 is 0 (as PyTorch).
    public func abs() -> Tensor {
        mapElements(AbsoluteOperator.self).recordGradient("abs", inputs: [self]) { [self] g in
            [g * mapElements(SignOperator.self)]
        }
    }
}

/// 1 where a == b, else 0.
public enum EqualOperator: BinaryOperator {
    @inlinable public static func apply(_ a: Float, _ b: Float) -> Float { a == b ? 1 : 0 }
    @inlinable public static func apply(_ a: Float8, _ b: Float8) -> Float8 { Float8(repeating: 0).replacing(with: 1, where: a .== b) }
}
