// Training losses with PyTorch's semantics: cross-entropy (fused, stable log-softmax with a
// hand-written softmax backward; class weights, ignore index and label smoothing), binary
// cross-entropy on logits (fused, with pos_weight), mean squared error and L1 (composed from
// elementwise ops). Not here: softmax/logSoftmax as ops of their own, or losses over
// [N, C, d...] logits (flatten those to [N * d, C] first).

import Foundation

/// How a loss combines its per-element values, as PyTorch's `reduction` argument.
public enum LossReduction: Sendable {
    /// No reduction: one loss per element (per row for cross-entropy).
    case none
    /// The mean (for weighted cross-entropy: the sum divided by the sum of the weights used).
    case mean
    /// The sum.
    case sum
}

extension Tensor {
    // MARK: Cross-entropy

    /// Cross-entropy between `logits` and integer class `targets`, exactly as PyTorch's
    /// `F.cross_entropy` for `[N, C]` input.
    ///
    /// With log-probabilities `logp = logSoftmax(logits)`, per-class weights `w` (all 1 when
    /// `classWeights` is nil) and smoothing ε, row i contributes
    /// `(1 - ε) * (-w[y_i] * logp[i, y_i]) + (ε / C) * (-Σ_c w[c] * logp[i, c])`,
    /// and 0 when `targets[i] == ignoreIndex`. `.mean` divides the sum by Σ w[y_i] over the
    /// rows not ignored (their count without weights), so it is NaN when every row is
    /// ignored, as in PyTorch. The log-softmax is fused (max-shifted, never materialised);
    /// the backward is softmax-based. `classWeights` receives no gradient.
    /// - Parameters:
    ///   - logits: `[N, C]` unnormalised scores (N rows, C classes).
    ///   - targets: N class indices in `0..<C` (or `ignoreIndex`).
    ///   - classWeights: optional `[C]` weight per class.
    ///   - ignoreIndex: a target value whose rows are left out (PyTorch's -100 is not the
    ///     default here: nothing is ignored unless asked).
    ///   - labelSmoothing: ε in `[0, 1]`.
    ///   - reduction: `.mean` (default), `.sum`, or `.none` for an `[N]` tensor.
    public static func crossEntropy(
        logits: Tensor, targets: [Int], classWeights: Tensor? = nil, ignoreIndex: Int? = nil,
        labelSmoothing: Float = 0, reduction: LossReduction = .mean
    ) -> Tensor {
        precondition(logits.rank == 2, "crossEntropy: logits must be [N, C], got \(logits.shape) (flatten extra axes into N)")
        let rows = logits.shape[0], classes = logits.shape[1]
        precondition(targets.count == rows, "crossEntropy: \(targets.count) targets for logits \(logits.shape)")
        precondition(labelSmoothing >= 0 && labelSmoothing <= 1, "crossEntropy: label smoothing \(labelSmoothing) is outside [0, 1]")
        precondition(classes > 0, "crossEntropy: logits \(logits.shape) have no classes")
        for (row, target) in targets.enumerated() where target != ignoreIndex && (target < 0 || target >= classes) {
            preconditionFailure("crossEntropy: target \(target) of row \(row) is out of range for C = \(classes) classes (logits \(logits.shape))")
        }
        let weights: [Float]
        if let classWeights {
            precondition(classWeights.shape == [classes], "crossEntropy: class weights \(classWeights.shape) do not match C = \(classes) (logits \(logits.shape))")
            weights = classWeights.scalars
        } else {
            weights = [Float](repeating: 1, count: classes)
        }
        let weightTotal = weights.reduce(0, +)
        let smoothing = labelSmoothing
        let input = withoutGradients { logits.contiguous() }
        let x = UnsafePointer(input.storage.pointer + input.offset)  // `input` is kept alive by the backward

        // Forward, one row per item: logSumExp (saved for the backward) and the row's loss.
        var logSumExps = [Float](repeating: 0, count: rows)
        var rowLosses = [Float](repeating: 0, count: rows)
        logSumExps.withUnsafeMutableBufferPointer { lseBuffer in
            rowLosses.withUnsafeMutableBufferPointer { lossBuffer in
                weights.withUnsafeBufferPointer { weightBuffer in
                    let pointers = UncheckedSendable((x, lseBuffer.baseAddress!, lossBuffer.baseAddress!, weightBuffer.baseAddress!))
                    Parallel.forEachRange(rows, costPerItem: 4 * classes) { range in
                        let (x, lse, loss, w) = pointers.value
                        for row in range {
                            let rowLogits = x + row * classes
                            let logSumExp = CrossEntropyKernels.logSumExp(rowLogits, classes)
                            lse[row] = logSumExp
                            let target = targets[row]
                            if target == ignoreIndex { loss[row] = 0; continue }
                            var value = (1 - smoothing) * -w[target] * (rowLogits[target] - logSumExp)
                            if smoothing > 0 {
                                // -Σ w_c (x_c - lse) = lse * Σ w_c - Σ w_c x_c
                                let smooth = logSumExp * weightTotal - CrossEntropyKernels.dot(rowLogits, w, classes)
                                value += smoothing / Float(classes) * smooth
                            }
                            loss[row] = value
                        }
                    }
                }
            }
        }

        var denominator: Float = 1
        if reduction == .mean {
            var total = 0.0
            for target in targets where target != ignoreIndex { total += Double(weights[target]) }
            denominator = Float(total)
        }
        let result: Tensor
        switch reduction {
        case .none: result = Tensor(rowLosses, shape: [rows])
        case .sum: result = Tensor(scalar: Float(rowLosses.reduce(0.0) { $0 + Double($1) }))
        case .mean: result = Tensor(scalar: Float(rowLosses.reduce(0.0) { $0 + Double($1) }) / denominator)
        }

        return result.recordGradient("crossEntropy", inputs: [logits]) { g in
            // d row_i / d x_c = (1-ε) w_y (p_c - [c = y]) + (ε/C) (W p_c - w_c), W = Σ w,
            // scaled by the row's output gradient (or the shared one over the denominator).
            let outputGradient = g.scalars
            let gradient = Tensor.uninitialized([rows, classes])
            let pointers = UncheckedSendable((UnsafePointer(input.storage.pointer + input.offset), gradient.storage.pointer))
            weights.withUnsafeBufferPointer { weightBuffer in
                logSumExps.withUnsafeBufferPointer { lseBuffer in
                    let shared = UncheckedSendable((weightBuffer.baseAddress!, lseBuffer.baseAddress!))
                    Parallel.forEachRange(rows, costPerItem: 4 * classes) { range in
                        let (x, dx) = pointers.value
                        let (w, lse) = shared.value
                        for row in range {
                            let target = targets[row]
                            let out = dx + row * classes
                            if target == ignoreIndex {
                                out.update(repeating: 0, count: classes)
                                continue
                            }
                            let scale = reduction == .none ? outputGradient[row] : outputGradient[0] / denominator
                            let targetCoefficient = scale * (1 - smoothing) * w[target]
                            let smoothCoefficient = scale * smoothing / Float(classes)
                            CrossEntropyKernels.backwardRow(
                                x + row * classes, logSumExp: lse[row], classes,
                                probabilityCoefficient: targetCoefficient + smoothCoefficient * weightTotal,
                                weightCoefficient: smoothCoefficient, weights: w, into: out)
                            out[target] -= targetCoefficient
                        }
                    }
                }
            }
            return [gradient]
        }
    }

    // MARK: Binary cross-entropy on logits

    /// Binary cross-entropy of `sigmoid(logits)` against `targets` (probabilities in
    /// [0, 1]), as PyTorch's `F.binary_cross_entropy_with_logits`, computed stably:
    /// `(1 - y) x + (1 + (p - 1) y) * log(1 + e^-x)` with `log(1 + e^-x) = max(-x, 0) +
    /// log(1 + e^-|x|)`; without `positiveWeight` (p = 1) this is
    /// `max(x, 0) - x y + log(1 + e^-|x|)`.
    ///
    /// Gradients flow to `logits`, `targets` and `positiveWeight`.
    /// - Parameters:
    ///   - logits: any shape.
    ///   - targets: the same shape as `logits`.
    ///   - positiveWeight: weight of the positive term, broadcast against `logits` (usually
    ///     `[C]` for the last axis).
    ///   - reduction: `.mean` (default), `.sum`, or `.none` (the shape of `logits`).
    public static func binaryCrossEntropyWithLogits(
        logits: Tensor, targets: Tensor, positiveWeight: Tensor? = nil, reduction: LossReduction = .mean
    ) -> Tensor {
        precondition(logits.shape == targets.shape,
                     "binaryCrossEntropyWithLogits: logits \(logits.shape) and targets \(targets.shape) differ")
        let shape = logits.shape
        let x = withoutGradients { logits.contiguous() }
        let y = withoutGradients { targets.contiguous() }
        let p = positiveWeight.map { weight in
            withoutGradients {
                precondition(Shape.broadcast(weight.shape, shape, operation: "binaryCrossEntropyWithLogits") == shape,
                             "binaryCrossEntropyWithLogits: positive weight \(weight.shape) does not broadcast to logits \(shape)")
                return weight.expanded(to: shape).contiguous()
            }
        }
        let count = x.count
        let losses = Tensor.uninitialized(shape)
        // Reads the dense operands; the backward captures x, y, p so they stay alive.
        func operandPointers() -> UncheckedSendable<(UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>?)> {
            UncheckedSendable((
                UnsafePointer(x.storage.pointer + x.offset), UnsafePointer(y.storage.pointer + y.offset),
                p.map { UnsafePointer($0.storage.pointer + $0.offset) }))
        }
        let pointers = operandPointers()
        let output = UncheckedSendable(losses.storage.pointer)
        Parallel.forEachRange(count, costPerItem: 16) { range in
            let (x, y, p) = pointers.value
            let out = output.value
            for index in range {
                let logWeight = p.map { 1 + ($0[index] - 1) * y[index] } ?? 1
                out[index] = (1 - y[index]) * x[index] + logWeight * BinaryCrossEntropyKernels.softplusOfNegative(x[index])
            }
        }
        let inputs = [logits, targets] + (positiveWeight.map { [$0] } ?? [])
        let elementwise = losses.recordGradient("binaryCrossEntropyWithLogits", inputs: inputs) { g in
            // d/dx = (1 - y) + lw (sigmoid(x) - 1);  d/dy = -x + (p - 1) sp(-x);  d/dp = y sp(-x),
            // with lw = 1 + (p - 1) y and sp(-x) = log(1 + e^-x).
            let upstream = g.contiguous()
            let wantsTargets = targets.requiresGradient, wantsWeight = positiveWeight?.requiresGradient ?? false
            let dx = logits.requiresGradient ? Tensor.uninitialized(shape) : nil
            let dy = wantsTargets ? Tensor.uninitialized(shape) : nil
            let dp = wantsWeight ? Tensor.uninitialized(shape) : nil
            let outputs = UncheckedSendable((
                UnsafePointer(upstream.storage.pointer + upstream.offset),
                dx?.storage.pointer, dy?.storage.pointer, dp?.storage.pointer))
            let pointers = operandPointers()
            Parallel.forEachRange(count, costPerItem: 16) { range in
                let (x, y, p) = pointers.value
                let (g, dx, dy, dp) = outputs.value
                for index in range {
                    let weight = p?[index] ?? 1
                    let softplus = BinaryCrossEntropyKernels.softplusOfNegative(x[index])
                    let logWeight = 1 + (weight - 1) * y[index]
                    dx?[index] = g[index] * ((1 - y[index]) + logWeight * (VectorMath.sigmoid(x[index]) - 1))
                    dy?[index] = g[index] * (-x[index] + (weight - 1) * softplus)
                    dp?[index] = g[index] * y[index] * softplus
                }
            }
            return [dx, dy] + (positiveWeight == nil ? [] : [dp])
        }
        return elementwise.reduced(reduction)
    }

    // MARK: Regression losses

    /// Mean squared error `(prediction - target)^2`, reduced; shapes must match.
    public static func meanSquaredError(prediction: Tensor, target: Tensor, reduction: LossReduction = .mean) -> Tensor {
        precondition(prediction.shape == target.shape,
                     "meanSquaredError: prediction \(prediction.shape) and target \(target.shape) differ")
        let difference = prediction - target
        return (difference * difference).reduced(reduction)
    }

    /// L1 loss `|prediction - target|`, reduced; shapes must match. The gradient of |d| at
    /// d = 0 is 0 (as PyTorch).
    public static func l1Loss(prediction: Tensor, target: Tensor, reduction: LossReduction = .mean) -> Tensor {
        precondition(prediction.shape == target.shape,
                     "l1Loss: prediction \(prediction.shape) and target \(target.shape) differ")
        return (prediction - target).abs().reduced(reduction)
    }

    /// Applies a loss reduction to elementwise losses.
    func reduced(_ reduction: LossReduction) -> Tensor {
        switch reduction {
        case .none: return self
        case .sum: return sum()
        case .mean: return mean()
        }
    }
}

/// Row kernels of the fused cross-entropy (contiguous rows of C logits).
enum CrossEntropyKernels {
    /// log Σ_c e^{x_c}, shifted by the row maximum.
    @inline(__always)
    static func logSumExp(_ x: UnsafePointer<Float>, _ count: Int) -> Float {
        var maximum = -Float.infinity
        var index = 0
        if count >= 8 {
            var lanes = Float8(repeating: -.infinity)
            while index + 8 <= count {
                lanes = FactoryTensor.maximum(lanes, load(x + index))
                index += 8
            }
            maximum = lanes.max()
        }
        while index < count { maximum = Swift.max(maximum, x[index]); index += 1 }
        if !maximum.isFinite { return maximum }
        let shift = Float8(repeating: maximum)
        var sums = Float8()
        index = 0
        while index + 8 <= count {
            sums += VectorMath.exp(UnsafeRawPointer(x + index).loadUnaligned(as: Float8.self) - shift)
            index += 8
        }
        var total = sums.sum()
        while index < count { total += VectorMath.exp(x[index] - maximum); index += 1 }
        return maximum + Foundation.log(total)
    }

    /// Σ_c x_c w_c.
    @inline(__always)
    static func dot(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ count: Int) -> Float {
        var sums = Float8()
        var index = 0
        while index + 8 <= count {
            sums += UnsafeRawPointer(x + index).loadUnaligned(as: Float8.self) * UnsafeRawPointer(w + index).loadUnaligned(as: Float8.self)
            index += 8
        }
        var total = sums.sum()
        while index < count { total += x[index] * w[index]; index += 1 }
        return total
    }

    /// out_c = a * e^{x_c - lse} - b * w_c.
    @inline(__always)
    static func backwardRow(
        _ x: UnsafePointer<Float>, logSumExp: Float, _ count: Int, probabilityCoefficient a: Float,
        weightCoefficient b: Float, weights w: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>
    ) {
        let shift = Float8(repeating: logSumExp), a8 = Float8(repeating: a), b8 = Float8(repeating: b)
        var index = 0
        while index + 8 <= count {
            let p = VectorMath.exp(UnsafeRawPointer(x + index).loadUnaligned(as: Float8.self) - shift)
            let value = a8 * p - b8 * UnsafeRawPointer(w + index).loadUnaligned(as: Float8.self)
            UnsafeMutableRawPointer(out + index).storeBytes(of: value, as: Float8.self)
            index += 8
        }
        while index < count { out[index] = a * VectorMath.exp(x[index] - logSumExp) - b * w[index]; index += 1 }
    }
}

/// Scalar helpers of the fused binary cross-entropy.
enum BinaryCrossEntropyKernels {
    /// log(1 + e^-x) = max(-x, 0) + log1p(e^-|x|), without overflow.
    @inline(__always)
    static func softplusOfNegative(_ x: Float) -> Float {
        Swift.max(-x, 0) + Foundation.log1p(Foundation.exp(-Swift.abs(x)))
    }
}
