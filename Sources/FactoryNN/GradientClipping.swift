// Gradient clipping: rescale all gradients so their global L2 norm is at most a maximum
// (torch.nn.utils.clip_grad_norm_), or clamp each gradient element to a range
// (clip_grad_value_). In place on the accumulated gradients, before `optimizer.step()`.
// Not here: per-parameter norms, other p-norms, or anything that touches the weights.

/// Scales the gradients of `parameters` so that their global L2 norm is at most `maxNorm`.
///
/// As `torch.nn.utils.clip_grad_norm_`: the norm is taken over every gradient together;
/// when it exceeds `maxNorm` every gradient is multiplied by `maxNorm / (norm + 1e-6)`.
/// Parameters without a gradient are ignored (frozen parameters that have one count).
///
/// - Parameters:
///   - parameters: the tensors whose `gradient` is clipped.
///   - maxNorm: the largest allowed global norm (> 0).
/// - Returns: the global norm before clipping (useful to log; may be infinite or NaN).
@discardableResult
public func clipGradientNorm(_ parameters: [Tensor], maxNorm: Float) -> Float {
    precondition(maxNorm > 0 && maxNorm.isFinite, "clipGradientNorm: maxNorm must be finite and > 0, got \(maxNorm)")
    let gradients = withoutGradients { contiguousGradients(of: parameters) }
    var squaredSum = 0.0
    for gradient in gradients {
        squaredSum += GradientKernels.sumOfSquares(gradient.elementPointer, count: gradient.count)
    }
    let norm = Float(squaredSum.squareRoot())
    let coefficient = maxNorm / (norm + 1e-6)
    // torch clamps the coefficient to 1; scaling by exactly 1 is a no-op, so skip it.
    if coefficient < 1 {
        for gradient in gradients {
            GradientKernels.scale(gradient.elementPointer, count: gradient.count, by: coefficient)
        }
    }
    return norm
}

/// Clamps every gradient element of `parameters` to `-maxValue...maxValue`, in place.
///
/// As `torch.nn.utils.clip_grad_value_`. Parameters without a gradient are ignored.
///
/// - Parameters:
///   - parameters: the tensors whose `gradient` is clipped.
///   - maxValue: the largest allowed magnitude (>= 0).
public func clipGradientValue(_ parameters: [Tensor], maxValue: Float) {
    precondition(maxValue >= 0 && maxValue.isFinite, "clipGradientValue: maxValue must be finite and >= 0, got \(maxValue)")
    let gradients = withoutGradients { contiguousGradients(of: parameters) }
    for gradient in gradients {
        GradientKernels.clamp(gradient.elementPointer, count: gradient.count, limit: maxValue)
    }
}

/// The gradients of `parameters` that exist, made contiguous in place (a strided gradient is
/// replaced by a dense copy so that clipping writes where the optimizer reads).
private func contiguousGradients(of parameters: [Tensor]) -> [Tensor] {
    var gradients: [Tensor] = []
    var seen = Set<ObjectIdentifier>()
    for parameter in parameters {
        guard seen.insert(ObjectIdentifier(parameter)).inserted, let gradient = parameter.gradient else { continue }
        precondition(gradient.shape == parameter.shape,
                     "gradient clipping: gradient shape \(gradient.shape) differs from parameter shape \(parameter.shape)")
        if gradient.isContiguous {
            gradients.append(gradient)
        } else {
            let dense = gradient.contiguousCopy()
            parameter.gradient = dense
            gradients.append(dense)
        }
    }
    return gradients
}

/// Threaded, vectorised loops over one gradient's raw storage.
enum GradientKernels {
    /// Σ x², accumulated in Double per block of eight lanes.
    static func sumOfSquares(_ values: UnsafeMutablePointer<Float>, count: Int) -> Double {
        let threads = Swift.max(1, Swift.min(Parallel.threadCount, count / Parallel.elementThreshold))
        var partials = [Double](repeating: 0, count: threads)
        partials.withUnsafeMutableBufferPointer { buffer in
            let output = buffer.baseAddress!
            Parallel.forEachRange(threads, costPerItem: Parallel.elementThreshold) { parts in
                for part in parts {
                    let start = count * part / threads, end = count * (part + 1) / threads
                    var total = 0.0
                    var index = start
                    // Float lanes over blocks of 1024 elements, folded into Double per block.
                    while index < end {
                        let blockEnd = Swift.min(end, index + 1024)
                        var lanes = Float8(repeating: 0)
                        while index + 8 <= blockEnd {
                            let x = loadVector(values + index)
                            lanes += x * x
                            index += 8
                        }
                        var block = Double(lanes.sum())
                        while index < blockEnd {
                            block += Double(values[index] * values[index])
                            index += 1
                        }
                        total += block
                    }
                    output[part] = total
                }
            }
        }
        return partials.reduce(0, +)
    }

    /// x ← x·factor.
    static func scale(_ values: UnsafeMutablePointer<Float>, count: Int, by factor: Float) {
        Parallel.forEachRange(count, costPerItem: 1) { range in
            let vector = Float8(repeating: factor)
            var index = range.lowerBound
            while index + 8 <= range.upperBound {
                storeVector(loadVector(values + index) * vector, values + index)
                index += 8
            }
            while index < range.upperBound {
                values[index] *= factor
                index += 1
            }
        }
    }

    /// x ← min(max(x, −limit), limit).
    static func clamp(_ values: UnsafeMutablePointer<Float>, count: Int, limit: Float) {
        Parallel.forEachRange(count, costPerItem: 1) { range in
            let upper = Float8(repeating: limit), lower = Float8(repeating: -limit)
            var index = range.lowerBound
            while index + 8 <= range.upperBound {
                storeVector(pointwiseMin(pointwiseMax(loadVector(values + index), lower), upper), values + index)
                index += 8
            }
            while index < range.upperBound {
                values[index] = Swift.min(Swift.max(values[index], -limit), limit)
                index += 1
            }
        }
    }
}
