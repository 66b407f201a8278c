// Activation functions (relu, relu6, gelu, tanh, sigmoid, silu, softplus), each a
// vectorised forward kernel with a fused backward kernel beside it.

extension Tensor {
    /// max(x, 0).
    public func relu() -> Tensor {
        mapElements(ReLUOperator.self).recordGradient("relu", inputs: [self]) { [self] g in
            [Tensor.combineElements(self, g, ReLUBackward.self, operation: "relu")]
        }
    }

    /// min(max(x, 0), 6), as MobileNet/EfficientNet-Lite use.
    public func relu6() -> Tensor {
        mapElements(ReLU6Operator.self).recordGradient("relu6", inputs: [self]) { [self] g in
            [Tensor.combineElements(self, g, ReLU6Backward.self, operation: "relu6")]
        }
    }

    /// GELU in its exact erf form, x/2 * (1 + erf(x / sqrt 2)), as BERT uses.
    public func gelu() -> Tensor {
        let result: Tensor
        if isContiguous {
            // The common case runs GELUKernel: the same formula as GELUOperator, without a call per vector.
            result = Tensor.uninitialized(shape)
            let pointers = UncheckedSendable((UnsafePointer(storage.pointer + offset), result.storage.pointer))
            Parallel.forEachRange(count) { range in
                let (source, target) = pointers.value
                GELUKernel.apply(source + range.lowerBound, target + range.lowerBound, count: range.count)
            }
        } else {
            result = mapElements(GELUOperator.self)
        }
        return result.recordGradient("gelu", inputs: [self]) { [self] g in
            guard isContiguous && g.isContiguous && g.shape == shape else {
                return [Tensor.combineElements(self, g, GELUBackward.self, operation: "gelu")]
            }
            // The common case: one loop over both dense operands (GELUBackwardKernel).
            let inputGradient = Tensor.uninitialized(shape)
            let pointers = UncheckedSendable((UnsafePointer(storage.pointer + offset), UnsafePointer(g.storage.pointer + g.offset),
                                              inputGradient.storage.pointer))
            Parallel.forEachRange(count, costPerItem: 4) { range in
                let (x, gradient, target) = pointers.value
                GELUBackwardKernel.apply(input: x + range.lowerBound, gradient: gradient + range.lowerBound,
                                         into: target + range.lowerBound, count: range.count)
            }
            return [inputGradient]
        }
    }

    /// Hyperbolic tangent.
    public func tanh() -> Tensor {
        let result = mapElements(TanhOperator.self), output = result.detached()
        return result.recordGradient("tanh", inputs: [self]) { g in
            [Tensor.combineElements(output, g, TanhBackward.self, operation: "tanh")]
        }
    }

    /// The logistic sigmoid 1 / (1 + e^-x).
    public func sigmoid() -> Tensor {
        let result = mapElements(SigmoidOperator.self), output = result.detached()
        return result.recordGradient("sigmoid", inputs: [self]) { g in
            [Tensor.combineElements(output, g, SigmoidBackward.self, operation: "sigmoid")]
        }
    }

    /// SiLU (swish): x * sigmoid(x).
    public func silu() -> Tensor {
        mapElements(SiLUOperator.self).recordGradient("silu", inputs: [self]) { [self] g in
            [Tensor.combineElements(self, g, SiLUBackward.self, operation: "silu")]
        }
    }

    /// softplus(x) = log(1 + e^x), linear for x > 20 (as PyTorch's default threshold).
    public func softplus() -> Tensor {
        mapElements(SoftplusOperator.self).recordGradient("softplus", inputs: [self]) { [self] g in
            [Tensor.combineElements(self, g, SoftplusBackward.self, operation: "softplus")]
        }
    }
}
