// The depthwise, fused 1x1, batch-norm and clamp kernels at BOTH vector widths (8 and 16
// lanes, whatever this machine's build runs), each against a plain Double reference written
// here: shapes that leave every kind of column tail at either width (widths below, at and
// past one and two vectors), strides 1 and 2, 3x3 and 5x5 windows with TensorFlow "SAME"
// padding, and NaN-free random data.

@_spi(KernelChecks) import FactoryTensor
import Foundation
import TestSupport
import Testing

@Suite struct KernelWidthTests {
    typealias Width = KernelWidthChecks.Width

    /// Reproducible values in -1...1 (a linear congruential sequence).
    static func values(_ count: Int, seed: UInt64) -> [Float] {
        var state = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Double(state >> 40) / Double(1 << 24) * 2 - 1)
        }
    }

    /// Largest |a - b| / max(1, |b|).
    static func worst(_ a: [Float], _ b: [Double]) -> Double {
        precondition(a.count == b.count)
        return zip(a, b).map { abs(Double($0) - $1) / Swift.max(1, abs($1)) }.max() ?? 0
    }

    static let depthwiseCases: [(width: Width, height: Int, columns: Int, kernel: Int, stride: Int)] = Width.allCases.flatMap { w in
        [(5, 5, 3, 1), (7, 7, 3, 2), (14, 14, 5, 1), (9, 17, 3, 1), (28, 28, 5, 2), (6, 33, 3, 1), (5, 40, 5, 1), (8, 67, 3, 2)]
            .map { (w, $0.0, $0.1, $0.2, $0.3) }
    }

    static func problem(_ c: (width: Width, height: Int, columns: Int, kernel: Int, stride: Int)) -> KernelWidthChecks.DepthwiseProblem {
        let kernel = Size2D(c.kernel), stride = Size2D(c.stride)
        return KernelWidthChecks.DepthwiseProblem(
            shape: [2, 3, c.height, c.columns], kernel: kernel, stride: stride,
            padding: .sameAsTensorFlow(height: c.height, width: c.columns, kernel: kernel, stride: stride, dilation: 1))
    }

    /// For each output element and tap: (output index, input index or nil for padding, channel, tap).
    static func taps(_ p: KernelWidthChecks.DepthwiseProblem) -> [(output: Int, input: Int?, channel: Int, tap: Int)] {
        let (n, c, h, w) = (p.shape[0], p.shape[1], p.shape[2], p.shape[3])
        let o = p.outputShape
        var result: [(Int, Int?, Int, Int)] = []
        for image in 0..<n {
            for channel in 0..<c {
                for oy in 0..<o[2] {
                    for ox in 0..<o[3] {
                        let output = ((image * c + channel) * o[2] + oy) * o[3] + ox
                        for ky in 0..<p.kernel.height {
                            for kx in 0..<p.kernel.width {
                                let y = oy * p.stride.height + ky - p.padding.top, x = ox * p.stride.width + kx - p.padding.left
                                let input = y >= 0 && y < h && x >= 0 && x < w ? ((image * c + channel) * h + y) * w + x : nil
                                result.append((output, input, channel, ky * p.kernel.width + kx))
                            }
                        }
                    }
                }
            }
        }
        return result
    }

    @Test(arguments: depthwiseCases)
    func depthwiseForwardAndGradientsMatchReference(_ c: (width: Width, height: Int, columns: Int, kernel: Int, stride: Int)) {
        let p = Self.problem(c)
        let inputCount = p.shape.reduce(1, *), outputCount = p.outputShape.reduce(1, *)
        let area = c.kernel * c.kernel
        let x = Self.values(inputCount, seed: 1).map { $0 * 4 }, weight = Self.values(3 * area, seed: 2)
        let bias = Self.values(3, seed: 3), dy = Self.values(outputCount, seed: 4)
        let plane = p.outputShape[2] * p.outputShape[3]
        var sums = [Double](repeating: 0, count: outputCount)
        var dw = [Double](repeating: 0, count: 3 * area), dwMagnitude = dw, db = [Double](repeating: 0, count: 3)
        var dx = [Double](repeating: 0, count: inputCount)
        for o in 0..<outputCount { db[o / plane % 3] += Double(dy[o]) }
        for (o, i, ch, tap) in Self.taps(p) {
            guard let i else { continue }
            sums[o] += Double(weight[ch * area + tap]) * Double(x[i])
            dw[ch * area + tap] += Double(dy[o]) * Double(x[i])
            dwMagnitude[ch * area + tap] += abs(Double(dy[o]) * Double(x[i]))
            dx[i] += Double(weight[ch * area + tap]) * Double(dy[o])
        }
        let clamped = (0..<outputCount).map { Swift.min(Swift.max(sums[$0] + Double(bias[$0 / plane % 3]), 0), 6) }
        // Float32 sums of at most 25 products of |w| <= 1, |x| <= 4: a few ulp of ~25.
        let output = KernelWidthChecks.depthwiseForward(c.width, p, input: x, weight: weight, bias: bias, outputRange: 0...6)
        #expect(Self.worst(output, clamped) < 1e-5, "forward \(Self.worst(output, clamped))")
        let unclamped = KernelWidthChecks.depthwiseForward(c.width, p, input: x, weight: weight, bias: nil, outputRange: nil)
        #expect(Self.worst(unclamped, sums) < 1e-5, "forward without bias or clamp \(Self.worst(unclamped, sums))")
        // Weight gradients sum up to 2 x 34 x 34 products in Float32 (lanewise, then across
        // lanes): within 1e-5 of the sum of their magnitudes.
        let (weightGradient, biasGradient) = KernelWidthChecks.depthwiseParameterGradients(c.width, p, input: x, outputGradient: dy)
        for tap in dw.indices {
            #expect(abs(Double(weightGradient[tap]) - dw[tap]) <= 1e-5 * dwMagnitude[tap] + 1e-6, "weight gradient \(tap)")
        }
        #expect(Self.worst(biasGradient, db) < 1e-4, "bias gradient \(Self.worst(biasGradient, db))")
        // Each input gathers at most 25 products of magnitude <= 1.
        let inputGradient = KernelWidthChecks.depthwiseInputGradient(c.width, p, weight: weight, outputGradient: dy)
        #expect(Self.worst(inputGradient, dx) < 1e-5, "input gradient \(Self.worst(inputGradient, dx))")
    }

    @Test(arguments: Width.allCases, [(1, 5, 7, 300), (2, 24, 16, 256), (2, 7, 40, 1000), (1, 13, 3, 289)])
    func fusedPointwiseMatchesReference(width: Width, sizes: (Int, Int, Int, Int)) {
        let (batch, outputs, depth, columns) = sizes
        let x = Self.values(batch * depth * columns, seed: 5).map { $0 * 3 }, w = Self.values(outputs * depth, seed: 6)
        let bias = Self.values(outputs, seed: 7)
        var reference = [Double](repeating: 0, count: batch * outputs * columns)
        for n in 0..<batch {
            for o in 0..<outputs {
                for p in 0..<columns {
                    var sum = Double(bias[o])
                    for k in 0..<depth { sum += Double(w[o * depth + k]) * Double(x[(n * depth + k) * columns + p]) }
                    reference[(n * outputs + o) * columns + p] = Swift.min(Swift.max(sum, 0), 6)
                }
            }
        }
        let output = KernelWidthChecks.fusedPointwise(
            width, batch: batch, outputChannels: outputs, depth: depth, columns: columns, input: x, weight: w, bias: bias,
            outputRange: 0...6)
        // Float32 dot products of up to 40 terms of magnitude <= 3.
        #expect(Self.worst(output, reference) < 2e-5, "worst \(Self.worst(output, reference))")
    }

    @Test(arguments: Width.allCases, [(2, 3, 5), (3, 2, 37), (2, 4, 64), (1, 3, 200)])
    func batchNormTrainingPassesMatchReference(width: Width, sizes: (Int, Int, Int)) {
        let (batch, channels, spatial) = sizes
        let count = batch * channels * spatial, m = Double(batch * spatial)
        let x = Self.values(count, seed: 8).map { $0 * 3 + 0.5 }, g = Self.values(count, seed: 9)
        let weight = Self.values(channels, seed: 10).map { $0 + 2 }, bias = Self.values(channels, seed: 11).map { $0 * 3 + 3 }
        func index(_ n: Int, _ c: Int, _ s: Int) -> Int { (n * channels + c) * spatial + s }
        var mean = [Double](repeating: 0, count: channels), variance = mean
        for c in 0..<channels {
            for n in 0..<batch { for s in 0..<spatial { mean[c] += Double(x[index(n, c, s)]) / m } }
            for n in 0..<batch { for s in 0..<spatial { variance[c] += pow(Double(x[index(n, c, s)]) - mean[c], 2) / m } }
        }
        let epsilon: Float = 1e-5
        let r = (0..<channels).map { 1 / (variance[$0] + Double(epsilon)).squareRoot() }
        var output = [Double](repeating: 0, count: count), inputGradient = output
        var sum = [Double](repeating: 0, count: channels), dot = sum
        var masked = [Double](repeating: 0, count: count)
        for c in 0..<channels {
            for n in 0..<batch {
                for s in 0..<spatial {
                    let i = index(n, c, s)
                    let value = (Double(x[i]) - mean[c]) * r[c] * Double(weight[c]) + Double(bias[c])
                    output[i] = Swift.min(Swift.max(value, 0), 6)
                    masked[i] = value > 0 && value < 6 ? Double(g[i]) : 0
                    sum[c] += masked[i]
                    dot[c] += masked[i] * (Double(x[i]) - mean[c])
                }
            }
            for n in 0..<batch {
                for s in 0..<spatial {
                    let i = index(n, c, s), w = Double(weight[c])
                    inputGradient[i] = w * r[c] * masked[i] - w * pow(r[c], 3) * dot[c] * (Double(x[i]) - mean[c]) / m
                        - w * r[c] * sum[c] / m
                }
            }
        }
        let forward = KernelWidthChecks.batchNormTrainingForward(
            width, input: x, batch: batch, channels: channels, spatial: spatial, weight: weight, bias: bias,
            epsilon: epsilon, outputRange: 0...6)
        // Float32 statistics over at most 600 values of magnitude <= 3.5; outputs of magnitude <= 6
        // through scales up to 3 / sqrt(variance): a few ulp of each, 1e-5 relative.
        #expect(Self.worst(forward.mean, mean) < 1e-5 && Self.worst(forward.variance, variance) < 1e-5, "statistics")
        #expect(Self.worst(forward.output, output) < 1e-4, "output \(Self.worst(forward.output, output))")
        let backward = KernelWidthChecks.batchNormTrainingBackward(
            width, gradient: g, input: x, batch: batch, channels: channels, spatial: spatial, mean: forward.mean,
            inverseDeviation: (0..<channels).map { 1 / (forward.variance[$0] + epsilon).squareRoot() },
            weight: weight, bias: bias, outputRange: 0...6)
        // A lane whose unclamped output lies within float rounding of 0 or 6 could be masked
        // differently than in Double; none of these data do (checked by the exact sums).
        #expect(Self.worst(backward.sum, sum) < 1e-4 && Self.worst(backward.centeredDot, dot) < 1e-4, "sums")
        #expect(Self.worst(backward.inputGradient, inputGradient) < 1e-4, "input gradient \(Self.worst(backward.inputGradient, inputGradient))")
    }

    @Test(arguments: Width.allCases)
    func clampAndGradientMaskAreExact(width: Width) {
        var values = Self.values(53, seed: 12).map { $0 * 9 }
        values[3] = .nan; values[20] = 6; values[21] = 0; values[40] = -.infinity; values[50] = .infinity
        let clamped = KernelWidthChecks.clamp(width, values, to: 0...6)
        for (value, result) in zip(values, clamped) {
            if value.isNaN { #expect(result.isNaN) } else { #expect(result == Swift.min(Swift.max(value, 0), 6)) }
        }
        let gradient = Self.values(53, seed: 13)
        let masked = KernelWidthChecks.maskedGradient(width, gradient, output: values, range: 0...6)
        for i in values.indices {
            #expect(masked[i] == (values[i] > 0 && values[i] < 6 ? gradient[i] : 0), "element \(i)")
        }
    }
}
