// ElementwiseOperators: the scalar and 8-lane definitions of every elementwise function
// and of the fused backward formulas (named ...Backward, taking (input, outputGradient)).
// Public so that later modules and third-party code can run their own fused kernels
// through `Tensor.mapElements` / `Tensor.combineElements`.

import Foundation

// MARK: - Binary arithmetic

public enum AddOperator: BinaryOperator {
    @inlinable public static func apply(_ a: Float, _ b: Float) -> Float { a + b }
    @inlinable public static func apply(_ a: Float8, _ b: Float8) -> Float8 { a + b }
}
public enum SubtractOperator: BinaryOperator {
    @inlinable public static func apply(_ a: Float, _ b: Float) -> Float { a - b }
    @inlinable public static func apply(_ a: Float8, _ b: Float8) -> Float8 { a - b }
}
public enum MultiplyOperator: BinaryOperator {
    @inlinable public static func apply(_ a: Float, _ b: Float) -> Float { a * b }
    @inlinable public static func apply(_ a: Float8, _ b: Float8) -> Float8 { a * b }
}
public enum DivideOperator: BinaryOperator {
    @inlinable public static func apply(_ a: Float, _ b: Float) -> Float { a / b }
    @inlinable public static func apply(_ a: Float8, _ b: Float8) -> Float8 { a / b }
}
public enum MaximumOperator: BinaryOperator {
    @inlinable public static func apply(_ a: Float, _ b: Float) -> Float { a > b || a.isNaN ? a : b }
    /// NaN in either operand gives NaN (as PyTorch), in every lane and in the scalar tail alike.
    @inlinable public static func apply(_ a: Float8, _ b: Float8) -> Float8 {
        a.replacing(with: b, where: (b .> a) .| (b .!= b))
    }
}
public enum MinimumOperator: BinaryOperator {
    @inlinable public static func apply(_ a: Float, _ b: Float) -> Float { a < b || a.isNaN ? a : b }
    @inlinable public static func apply(_ a: Float8, _ b: Float8) -> Float8 {
        a.replacing(with: b, where: (b .< a) .| (b .!= b))
    }
}
public enum PowerOperator: BinaryOperator {
    @inlinable public static func apply(_ a: Float, _ b: Float) -> Float { Foundation.pow(a, b) }
    @inlinable public static func apply(_ a: Float8, _ b: Float8) -> Float8 {
        var result = Float8()
        for lane in 0..<8 { result[lane] = Foundation.pow(a[lane], b[lane]) }
        return result
    }
}
/// 1 where a > b, 0.5 where equal, 0 where a < b: the share of a maximum's gradient that goes to a.
public enum MaximumShareOperator: BinaryOperator {
    @inlinable public static func apply(_ a: Float, _ b: Float) -> Float { a > b ? 1 : (a == b ? 0.5 : 0) }
    @inlinable public static func apply(_ a: Float8, _ b: Float8) -> Float8 {
        Float8(repeating: 0).replacing(with: 0.5, where: a .== b).replacing(with: 1, where: a .> b)
    }
}
/// 1 where the first operand is non-zero, else 0 (masks).
public enum NonZeroOperator: UnaryOperator {
    @inlinable public static func apply(_ x: Float) -> Float { x != 0 ? 1 : 0 }
    @inlinable public static func apply(_ x: Float8) -> Float8 { Float8(repeating: 1).replacing(with: 0, where: x .== 0) }
}

// MARK: - Unary math

public enum NegateOperator: UnaryOperator {
    @inlinable public static func apply(_ x: Float) -> Float { -x }
    @inlinable public static func apply(_ x: Float8) -> Float8 { -x }
}
public enum ExpOperator: UnaryOperator {
    @inlinable public static func apply(_ x: Float) -> Float { VectorMath.exp(x) }
    @inlinable public static func apply(_ x: Float8) -> Float8 { VectorMath.exp(x) }
}
public enum LogOperator: UnaryOperator {
    @inlinable public static func apply(_ x: Float) -> Float { Foundation.log(x) }
    @inlinable public static func apply(_ x: Float8) -> Float8 {
        var result = Float8()
        for lane in 0..<8 { result[lane] = Foundation.log(x[lane]) }
        return result
    }
}
public enum SquareRootOperator: UnaryOperator {
    @inlinable public static func apply(_ x: Float) -> Float { x.squareRoot() }
    @inlinable public static func apply(_ x: Float8) -> Float8 { x.squareRoot() }
}
public enum ReciprocalSquareRootOperator: UnaryOperator {
    @inlinable public static func apply(_ x: Float) -> Float { 1 / x.squareRoot() }
    @inlinable public static func apply(_ x: Float8) -> Float8 { Float8(repeating: 1) / x.squareRoot() }
}
public enum AbsoluteOperator: UnaryOperator {
    @inlinable public static func apply(_ x: Float) -> Float { Swift.abs(x) }
    @inlinable public static func apply(_ x: Float8) -> Float8 { abs(x) }
}
/// -1, 0 or 1 (the derivative of |x|, 0 at 0 as PyTorch).
public enum SignOperator: UnaryOperator {
    @inlinable public static func apply(_ x: Float) -> Float { x > 0 ? 1 : (x < 0 ? -1 : 0) }
    @inlinable public static func apply(_ x: Float8) -> Float8 {
        Float8(repeating: 0).replacing(with: 1, where: x .> 0).replacing(with: -1, where: x .< 0)
    }
}

// MARK: - Activations and their backward formulas (input x, output gradient g)

public enum ReLUOperator: UnaryOperator {
    @inlinable public static func apply(_ x: Float) -> Float { x < 0 ? 0 : x }  // NaN stays NaN
    @inlinable public static func apply(_ x: Float8) -> Float8 { x.replacing(with: 0, where: x .< 0) }
}
public enum ReLUBackward: BinaryOperator {
    @inlinable public static func apply(_ x: Float, _ g: Float) -> Float { x > 0 ? g : 0 }
    @inlinable public static func apply(_ x: Float8, _ g: Float8) -> Float8 { g.replacing(with: 0, where: x .<= 0) }
}
public enum ReLU6Operator: UnaryOperator {
    @inlinable public static func apply(_ x: Float) -> Float { x < 0 ? 0 : (x > 6 ? 6 : x) }  // NaN stays NaN
    @inlinable public static func apply(_ x: Float8) -> Float8 {
        x.replacing(with: 0, where: x .< 0).replacing(with: 6, where: x .> 6)
    }
}
/// Gradient passes where 0 < x < 6 (PyTorch's hardtanh rule).
public enum ReLU6Backward: BinaryOperator {
    @inlinable public static func apply(_ x: Float, _ g: Float) -> Float { x > 0 && x < 6 ? g : 0 }
    @inlinable public static func apply(_ x: Float8, _ g: Float8) -> Float8 {
        g.replacing(with: 0, where: x .<= 0).replacing(with: 0, where: x .>= 6)
    }
}
/// GELU, erf form: x/2 * (1 + erf(x/sqrt 2)).
public enum GELUOperator: UnaryOperator {
    @inlinable public static func apply(_ x: Float) -> Float { apply(Float8(repeating: x))[0] }
    @inlinable @inline(__always) public static func apply(_ x: Float8) -> Float8 {
        Float8(repeating: 0.5) * x * (Float8(repeating: 1) + VectorMath.erf(x * Float8(repeating: 0.707_106_781_186_547_5)))
    }
}
public enum GELUBackward: BinaryOperator {
    @inlinable public static func apply(_ x: Float, _ g: Float) -> Float { apply(Float8(repeating: x), Float8(repeating: g))[0] }
    @inlinable public static func apply(_ x: Float8, _ g: Float8) -> Float8 {
        let cdf = Float8(repeating: 0.5) * (Float8(repeating: 1) + VectorMath.erf(x * Float8(repeating: 0.707_106_781_186_547_5)))
        let pdf = VectorMath.exp(Float8(repeating: -0.5) * x * x) * Float8(repeating: 0.398_942_280_401_432_7)
        return g * (cdf + x * pdf)
    }
}
public enum TanhOperator: UnaryOperator {
    @inlinable public static func apply(_ x: Float) -> Float { VectorMath.tanh(x) }
    @inlinable public static func apply(_ x: Float8) -> Float8 { VectorMath.tanh(x) }
}
/// Takes the OUTPUT y = tanh(x): g * (1 - y^2).
public enum TanhBackward: BinaryOperator {
    @inlinable public static func apply(_ y: Float, _ g: Float) -> Float { g * (1 - y * y) }
    @inlinable public static func apply(_ y: Float8, _ g: Float8) -> Float8 { g * (Float8(repeating: 1) - y * y) }
}
public enum SigmoidOperator: UnaryOperator {
    @inlinable public static func apply(_ x: Float) -> Float { VectorMath.sigmoid(x) }
    @inlinable public static func apply(_ x: Float8) -> Float8 { VectorMath.sigmoid(x) }
}
/// Takes the OUTPUT y = sigmoid(x): g * y * (1 - y).
public enum SigmoidBackward: BinaryOperator {
    @inlinable public static func apply(_ y: Float, _ g: Float) -> Float { g * y * (1 - y) }
    @inlinable public static func apply(_ y: Float8, _ g: Float8) -> Float8 { g * y * (Float8(repeating: 1) - y) }
}
/// SiLU (swish): x * sigmoid(x).
public enum SiLUOperator: UnaryOperator {
    @inlinable public static func apply(_ x: Float) -> Float { x * VectorMath.sigmoid(x) }
    @inlinable public static func apply(_ x: Float8) -> Float8 { x * VectorMath.sigmoid(x) }
}
public enum SiLUBackward: BinaryOperator {
    @inlinable public static func apply(_ x: Float, _ g: Float) -> Float { apply(Float8(repeating: x), Float8(repeating: g))[0] }
    @inlinable public static func apply(_ x: Float8, _ g: Float8) -> Float8 {
        let s = VectorMath.sigmoid(x)
        return g * s * (Float8(repeating: 1) + x * (Float8(repeating: 1) - s))
    }
}
/// softplus(x) = log(1 + e^x), computed as max(x, 0) + log1p(e^-|x|); linear above 20 as PyTorch.
public enum SoftplusOperator: UnaryOperator {
    @inlinable public static func apply(_ x: Float) -> Float {
        x > 20 ? x : Swift.max(x, 0) + Foundation.log1p(Foundation.exp(-Swift.abs(x)))
    }
    @inlinable public static func apply(_ x: Float8) -> Float8 {
        var result = Float8()
        for lane in 0..<8 { result[lane] = apply(x[lane]) }
        return result
    }
}
public enum SoftplusBackward: BinaryOperator {
    @inlinable public static func apply(_ x: Float, _ g: Float) -> Float { x > 20 ? g : g * VectorMath.sigmoid(x) }
    @inlinable public static func apply(_ x: Float8, _ g: Float8) -> Float8 {
        (g * VectorMath.sigmoid(x)).replacing(with: g, where: x .> 20)
    }
}
