// Layer normalisation over the trailing axes (as PyTorch's `layer_norm`: biased variance,
// optional elementwise weight and bias), as one fused forward kernel that saves each row's
// mean and inverse standard deviation, and one fused backward kernel for input, weight and
// bias. Rows are threaded; weight and bias gradients are summed per thread, then combined.
// Not here: the `LayerNorm` module (parameters, checkpoint keys) or RMS norm.

import Foundation

extension Tensor {
    /// Normalises over the trailing axes `normalizedShape` to zero mean and unit (biased)
    /// variance, then applies `weight * x + bias`.
    ///
    /// BERT uses `normalizedShape: [hidden]` with `epsilon: 1e-12`.
    /// - Parameters:
    ///   - normalizedShape: the trailing part of `shape` each normalised row covers.
    ///   - weight: a per-element scale of shape `normalizedShape`, or `nil` for 1.
    ///   - bias: a per-element shift of shape `normalizedShape`, or `nil` for 0.
    ///   - epsilon: added to the variance before the square root.
    public func layerNorm(
        normalizedShape: [Int], weight: Tensor? = nil, bias: Tensor? = nil, epsilon: Float = 1e-5
    ) -> Tensor {
        precondition(!normalizedShape.isEmpty && normalizedShape.count <= rank
                     && Array(shape.suffix(normalizedShape.count)) == normalizedShape,
                     "layerNorm: normalized shape \(normalizedShape) is not a trailing part of input shape \(shape)")
        if let weight {
            precondition(weight.shape == normalizedShape,
                         "layerNorm: weight shape \(weight.shape) differs from normalized shape \(normalizedShape)")
        }
        if let bias {
            precondition(bias.shape == normalizedShape,
                         "layerNorm: bias shape \(bias.shape) differs from normalized shape \(normalizedShape)")
        }
        let width = Shape.count(normalizedShape)
        let rows = width == 0 ? 0 : count / width
        let (source, weightSource, biasSource) = withoutGradients { (contiguous(), weight?.contiguous(), bias?.contiguous()) }
        let output = Tensor.uninitialized(shape)
        var means = [Float](repeating: 0, count: rows)
        var inverseDeviations = [Float](repeating: 0, count: rows)
        let ones = weightSource == nil ? [Float](repeating: 1, count: width) : []
        let zeros = biasSource == nil ? [Float](repeating: 0, count: width) : []
        means.withUnsafeMutableBufferPointer { meanBuffer in
            inverseDeviations.withUnsafeMutableBufferPointer { inverseBuffer in
                ones.withUnsafeBufferPointer { onesBuffer in
                    zeros.withUnsafeBufferPointer { zerosBuffer in
                        LayerNormKernels.forward(
                            source.storage.pointer + source.offset,
                            weight: weightSource.map { UnsafePointer($0.storage.pointer + $0.offset) } ?? onesBuffer.baseAddress,
                            bias: biasSource.map { UnsafePointer($0.storage.pointer + $0.offset) } ?? zerosBuffer.baseAddress,
                            into: output.storage.pointer, means: meanBuffer.baseAddress, inverseDeviations: inverseBuffer.baseAddress,
                            rows: rows, width: width, epsilon: epsilon)
                    }
                }
            }
        }

        let inputs = [self] + [weight, bias].compactMap { $0 }
        let shape = self.shape
        let savedMeans = means, savedInverseDeviations = inverseDeviations
        return output.recordGradient("layerNorm", inputs: inputs) { [self] gradient in
            let g = gradient.contiguous()
            let wantsInput = requiresGradient
            let wantsWeight = weight?.requiresGradient ?? false
            let wantsBias = bias?.requiresGradient ?? false
            let inputGradient = wantsInput ? Tensor.uninitialized(shape) : nil
            // [weight gradient | bias gradient], each `width` long.
            let parameterGradients = (wantsWeight || wantsBias) ? Tensor.zeros([2, width]) : nil
            let onesForBackward = weightSource == nil ? [Float](repeating: 1, count: width) : []
            onesForBackward.withUnsafeBufferPointer { onesBuffer in
                LayerNormKernels.backward(
                    input: source.storage.pointer + source.offset, gradient: g.storage.pointer + g.offset,
                    weight: weightSource.map { UnsafePointer($0.storage.pointer + $0.offset) } ?? onesBuffer.baseAddress,
                    means: savedMeans, inverseDeviations: savedInverseDeviations,
                    inputGradient: inputGradient?.storage.pointer, parameterGradients: parameterGradients?.storage.pointer,
                    rows: rows, width: width)
            }
            var results: [Tensor?] = [inputGradient]
            if weight != nil { results.append(wantsWeight ? parameterGradients!.selecting(axis: 0, index: 0).reshaped(normalizedShape) : nil) }
            if bias != nil { results.append(wantsBias ? parameterGradients!.selecting(axis: 0, index: 1).reshaped(normalizedShape) : nil) }
            return results
        }
    }
}

/// Fused row kernels for layer normalisation; the row kernels are generic over the vector
/// type (the library runs `KernelVector`).
public enum LayerNormKernels {
    /// y = (x - mean) * inverseDeviation * weight + bias per row of `width`, saving each
    /// row's mean and 1 / sqrt(biased variance + epsilon).
    static func forward(
        _ x: UnsafePointer<Float>, weight: UnsafePointer<Float>?, bias: UnsafePointer<Float>?,
        into y: UnsafeMutablePointer<Float>, means: UnsafeMutablePointer<Float>?, inverseDeviations: UnsafeMutablePointer<Float>?,
        rows: Int, width: Int, epsilon: Float
    ) {
        guard rows > 0, let weight, let bias, let means, let inverseDeviations else { return }
        let pointers = UncheckedSendable((x, weight, bias, y, means, inverseDeviations))
        Parallel.forEachRange(rows, costPerItem: width * 4) { range in
            let (x, weight, bias, y, means, inverseDeviations) = pointers.value
            for row in range {
                (means[row], inverseDeviations[row]) = forwardRow(
                    x + row * width, weight: weight, bias: bias, into: y + row * width, width: width, epsilon: epsilon)
            }
        }
    }

    /// One row of ``forward(_:weight:bias:into:means:inverseDeviations:rows:width:epsilon:)``
    /// in `KernelVector`s; `y` may be `x`. Returns the row's mean and inverse standard deviation.
    @inline(__always)
    static func forwardRow(
        _ xRow: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
        into yRow: UnsafeMutablePointer<Float>, width: Int, epsilon: Float
    ) -> (mean: Float, inverseDeviation: Float) {
        forwardRow(xRow, weight: weight, bias: bias, into: yRow, width: width, epsilon: epsilon, vector: KernelVector.self)
    }

    /// One row of layer normalisation in vectors of type `V`: `y = (x − mean) · r · weight + bias`
    /// with r = 1 / √(biased variance + epsilon); `y` may be `x` (each element is read
    /// before it is written). Returns the row's mean and r.
    @_specialize(where V == SIMD8<Float>)
    @_specialize(where V == SIMD16<Float>)
    @inline(__always)
    public static func forwardRow<V: KernelFloatVector>(
        _ xRow: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
        into yRow: UnsafeMutablePointer<Float>, width: Int, epsilon: Float, vector: V.Type
    ) -> (mean: Float, inverseDeviation: Float) {
        let lanes = V.scalarCount
        let mean = ReductionKernels.rowSum(xRow, width, as: V.self) / Float(width)
        let variance = ReductionKernels.centeredSquareSum(xRow, mean: mean, width, as: V.self) / Float(width)
        let inverseDeviation = 1 / (variance + epsilon).squareRoot()
        let vectorMean = V(repeating: mean), vectorInverse = V(repeating: inverseDeviation)
        var index = 0
        while index + lanes <= width {
            let normalized = (load(xRow + index, as: V.self) - vectorMean) * vectorInverse
            store(normalized * load(weight + index, as: V.self) + load(bias + index, as: V.self), yRow + index)
            index += lanes
        }
        while index < width {
            yRow[index] = (xRow[index] - mean) * inverseDeviation * weight[index] + bias[index]
            index += 1
        }
        return (mean, inverseDeviation)
    }

    /// With x̂ = (x - mean) * r and ĝ = g * weight:
    /// dx = r * (ĝ - mean(ĝ) - x̂ * mean(ĝ * x̂)), dweight = Σ_rows g * x̂, dbias = Σ_rows g.
    /// `parameterGradients` (2 * width floats, zeroed) receives [dweight | dbias].
    static func backward(
        input x: UnsafePointer<Float>, gradient g: UnsafePointer<Float>, weight: UnsafePointer<Float>?,
        means: [Float], inverseDeviations: [Float],
        inputGradient dx: UnsafeMutablePointer<Float>?, parameterGradients: UnsafeMutablePointer<Float>?,
        rows: Int, width: Int
    ) {
        guard rows > 0, let weight else { return }
        // Weight and bias gradients are sums over rows: each part of the rows (one per
        // thread) accumulates its own partial sums, added together at the end.
        let parts = rows * width * 6 >= Parallel.elementThreshold ? Swift.min(Parallel.threadCount, rows) : 1
        let partials = UnsafeMutablePointer<Float>.allocate(capacity: parts * 2 * width)
        defer { partials.deallocate() }
        partials.initialize(repeating: 0, count: parts * 2 * width)
        let accumulate = parameterGradients != nil
        means.withUnsafeBufferPointer { meanBuffer in
            inverseDeviations.withUnsafeBufferPointer { inverseBuffer in
                let pointers = UncheckedSendable((x, g, weight, meanBuffer.baseAddress!, inverseBuffer.baseAddress!, dx, partials))
                Parallel.forEachRange(parts, costPerItem: Parallel.elementThreshold) { partRange in
                    let (x, g, weight, means, inverseDeviations, dx, partials) = pointers.value
                    for part in partRange {
                        let weightPartial = partials + part * 2 * width, biasPartial = weightPartial + width
                        for row in (rows * part / parts)..<(rows * (part + 1) / parts) {
                            backwardRow(
                                x + row * width, g + row * width, weight, mean: means[row], inverseDeviation: inverseDeviations[row],
                                dx: dx.map { $0 + row * width }, weightPartial: accumulate ? weightPartial : nil,
                                biasPartial: biasPartial, width: width)
                        }
                    }
                }
            }
        }
        if let parameterGradients {
            for part in 0..<parts {
                let partial = partials + part * 2 * width
                for index in 0..<(2 * width) { parameterGradients[index] += partial[index] }
            }
        }
    }

    /// One row of the backward pass in `KernelVector`s.
    @inline(__always)
    static func backwardRow(
        _ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
        mean: Float, inverseDeviation: Float, dx: UnsafeMutablePointer<Float>?,
        weightPartial: UnsafeMutablePointer<Float>?, biasPartial: UnsafeMutablePointer<Float>, width: Int
    ) {
        backwardRow(x, g, weight, mean: mean, inverseDeviation: inverseDeviation, dx: dx,
                    weightPartial: weightPartial, biasPartial: biasPartial, width: width, vector: KernelVector.self)
    }

    /// One row of the backward pass in vectors of type `V`, with x̂ = (x − mean) · r and
    /// ĝ = g · weight: `dx = r · (ĝ − mean(ĝ) − x̂ · mean(ĝ · x̂))` (when `dx` is given), and,
    /// when `weightPartial` is given, `weightPartial += g · x̂` and `biasPartial += g`.
    @_specialize(where V == SIMD8<Float>)
    @_specialize(where V == SIMD16<Float>)
    @inline(__always)
    public static func backwardRow<V: KernelFloatVector>(
        _ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
        mean: Float, inverseDeviation: Float, dx: UnsafeMutablePointer<Float>?,
        weightPartial: UnsafeMutablePointer<Float>?, biasPartial: UnsafeMutablePointer<Float>, width: Int, vector: V.Type
    ) {
        let lanes = V.scalarCount
        let vectorMean = V(repeating: mean), vectorInverse = V(repeating: inverseDeviation)
        var vectorSum = V(), vectorDot = V()
        var index = 0
        if let weightPartial {
            while index + lanes <= width {
                let normalized = (load(x + index, as: V.self) - vectorMean) * vectorInverse
                let gradient = load(g + index, as: V.self)
                let scaled = gradient * load(weight + index, as: V.self)
                vectorSum += scaled
                vectorDot += scaled * normalized
                store(load(weightPartial + index, as: V.self) + gradient * normalized, weightPartial + index)
                store(load(biasPartial + index, as: V.self) + gradient, biasPartial + index)
                index += lanes
            }
        } else {
            while index + lanes <= width {
                let normalized = (load(x + index, as: V.self) - vectorMean) * vectorInverse
                let scaled = load(g + index, as: V.self) * load(weight + index, as: V.self)
                vectorSum += scaled
                vectorDot += scaled * normalized
                index += lanes
            }
        }
        var sum = horizontalSum(vectorSum), dot = horizontalSum(vectorDot)
        while index < width {
            let normalized = (x[index] - mean) * inverseDeviation
            let scaled = g[index] * weight[index]
            sum += scaled
            dot += scaled * normalized
            if let weightPartial {
                weightPartial[index] += g[index] * normalized
                biasPartial[index] += g[index]
            }
            index += 1
        }
        guard let dx else { return }
        let meanScaled = sum / Float(width), meanDot = dot / Float(width)
        let vectorMeanScaled = V(repeating: meanScaled), vectorMeanDot = V(repeating: meanDot)
        index = 0
        while index + lanes <= width {
            let normalized = (load(x + index, as: V.self) - vectorMean) * vectorInverse
            let scaled = load(g + index, as: V.self) * load(weight + index, as: V.self)
            store(vectorInverse * (scaled - vectorMeanScaled - normalized * vectorMeanDot), dx + index)
            index += lanes
        }
        while index < width {
            let normalized = (x[index] - mean) * inverseDeviation
            dx[index] = inverseDeviation * (g[index] * weight[index] - meanScaled - normalized * meanDot)
            index += 1
        }
    }
}
