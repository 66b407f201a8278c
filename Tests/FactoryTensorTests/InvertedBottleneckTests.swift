// Tests of the fused inference inverted-bottleneck op (`invertedBottleneckInference`):
// against a plain Double reference of expand 1x1 + clamp → depthwise + clamp → project 1x1
// (+ input), and against the same three layers run as separate `conv2d` calls; with and
// without expansion, stride 1 and 2, 3x3 and 5x5 windows, asymmetric "SAME" padding, planes
// large enough to split the expanded channels into several slices, and the skip.

import FactoryTensor
import Foundation
import TestSupport
import Testing

/// One block shape: input [batch, channels, height, width], expansion to `inner` channels
/// (none when `inner` is nil), depthwise `kernel` x `kernel` with `stride`, projection to
/// `outputChannels`.
struct BottleneckCase: Sendable, CustomTestStringConvertible {
    let batch, channels, height, width: Int
    let inner: Int?
    let kernel, stride, outputChannels: Int
    let addsInput: Bool

    var testDescription: String {
        "[\(batch), \(channels), \(height), \(width)] → \(inner.map(String.init) ?? "no expansion"), \(kernel)x\(kernel)/\(stride) → \(outputChannels)\(addsInput ? " + input" : "")"
    }
}

@Suite struct InvertedBottleneckTests {
    static let cases: [BottleneckCase] = [
        BottleneckCase(batch: 2, channels: 4, height: 9, width: 11, inner: 24, kernel: 3, stride: 1, outputChannels: 4, addsInput: true),
        // 40x40 planes: 96 expanded channels run as two slices of 48; fused 1x1 kernel.
        BottleneckCase(batch: 2, channels: 8, height: 40, width: 40, inner: 96, kernel: 5, stride: 2, outputChannels: 8, addsInput: false),
        BottleneckCase(batch: 3, channels: 16, height: 7, width: 7, inner: nil, kernel: 3, stride: 1, outputChannels: 8, addsInput: false),
        BottleneckCase(batch: 1, channels: 6, height: 17, width: 16, inner: 24, kernel: 5, stride: 2, outputChannels: 6, addsInput: false),
        // 120x120 planes: 12 expanded channels run as two slices of 6.
        BottleneckCase(batch: 1, channels: 3, height: 120, width: 120, inner: 12, kernel: 3, stride: 1, outputChannels: 3, addsInput: true),
    ]

    struct Parameters {
        let input: Tensor
        let expandWeight: Tensor?, expandBias: Tensor?
        let depthwiseWeight: Tensor, depthwiseBias: Tensor
        let projectWeight: Tensor, projectBias: Tensor
        let padding: Padding2D

        init(_ c: BottleneckCase) {
            input = TestData.uniform([c.batch, c.channels, c.height, c.width], seed: 50)
            let inner = c.inner ?? c.channels
            if let expanded = c.inner {
                expandWeight = TestData.uniform([expanded, c.channels, 1, 1], in: -0.5...0.5, seed: 51)
                expandBias = TestData.uniform([expanded], seed: 52)
            } else {
                expandWeight = nil
                expandBias = nil
            }
            depthwiseWeight = TestData.uniform([inner, 1, c.kernel, c.kernel], in: -0.5...0.5, seed: 53)
            depthwiseBias = TestData.uniform([inner], seed: 54)
            projectWeight = TestData.uniform([c.outputChannels, inner, 1, 1], in: -0.5...0.5, seed: 55)
            projectBias = TestData.uniform([c.outputChannels], seed: 56)
            padding = .sameAsTensorFlow(height: c.height, width: c.width, kernel: Size2D(c.kernel), stride: Size2D(c.stride))
        }

        func fused(_ c: BottleneckCase) -> Tensor {
            input.invertedBottleneckInference(
                expandWeight: expandWeight, expandBias: expandBias, depthwiseWeight: depthwiseWeight,
                depthwiseBias: depthwiseBias, stride: Size2D(c.stride), padding: padding,
                projectWeight: projectWeight, projectBias: projectBias, activationRange: 0...6, addsInput: c.addsInput)
        }
    }

    /// The block in Double, loop by loop.
    static func reference(_ c: BottleneckCase, _ p: Parameters) -> [Double] {
        func clamp(_ v: Double) -> Double { Swift.min(Swift.max(v, 0), 6) }
        let x = p.input.scalars.map(Double.init)
        let inner = c.inner ?? c.channels
        let plane = c.height * c.width
        var expanded = [Double](repeating: 0, count: c.batch * inner * plane)
        if let ew = p.expandWeight?.scalars, let eb = p.expandBias?.scalars {
            for n in 0..<c.batch { for e in 0..<inner { for q in 0..<plane {
                var sum = Double(eb[e])
                for k in 0..<c.channels { sum += Double(ew[e * c.channels + k]) * x[(n * c.channels + k) * plane + q] }
                expanded[(n * inner + e) * plane + q] = clamp(sum)
            } } }
        } else {
            expanded = x
        }
        let oh = (c.height + c.stride - 1) / c.stride, ow = (c.width + c.stride - 1) / c.stride
        let dw = p.depthwiseWeight.scalars, db = p.depthwiseBias.scalars
        var filtered = [Double](repeating: 0, count: c.batch * inner * oh * ow)
        for n in 0..<c.batch { for e in 0..<inner { for y in 0..<oh { for xo in 0..<ow {
            var sum = Double(db[e])
            for i in 0..<c.kernel { for j in 0..<c.kernel {
                let row = y * c.stride + i - p.padding.top, column = xo * c.stride + j - p.padding.left
                guard row >= 0, row < c.height, column >= 0, column < c.width else { continue }
                sum += Double(dw[(e * c.kernel + i) * c.kernel + j]) * expanded[(n * inner + e) * plane + row * c.width + column]
            } }
            filtered[((n * inner + e) * oh + y) * ow + xo] = clamp(sum)
        } } } }
        let pw = p.projectWeight.scalars, pb = p.projectBias.scalars
        var out = [Double](repeating: 0, count: c.batch * c.outputChannels * oh * ow)
        for n in 0..<c.batch { for o in 0..<c.outputChannels { for q in 0..<(oh * ow) {
            var sum = Double(pb[o])
            for e in 0..<inner { sum += Double(pw[o * inner + e]) * filtered[(n * inner + e) * oh * ow + q] }
            if c.addsInput { sum += x[(n * c.channels + o) * plane + q] }
            out[(n * c.outputChannels + o) * oh * ow + q] = sum
        } } }
        return out
    }

    @Test(arguments: cases)
    func matchesAPlainReference(_ c: BottleneckCase) {
        let p = Parameters(c)
        let y = p.fused(c)
        let oh = (c.height + c.stride - 1) / c.stride, ow = (c.width + c.stride - 1) / c.stride
        #expect(y.shape == [c.batch, c.outputChannels, oh, ow])
        let expected = Self.reference(c, p)
        let worst = zip(y.scalars, expected).map { Swift.abs(Double($0) - $1) }.max() ?? 0
        // Outputs reach ~50 (at most 96 clamped values in [0, 6] times weights in ±0.5);
        // Float32 sums of up to 96 terms stay within 1e-4 of the Double ones.
        #expect(worst < 1e-4, "max error \(worst)")
    }

    @Test(arguments: cases)
    func equalsTheSeparateConvolutions(_ c: BottleneckCase) {
        let p = Parameters(c)
        var x = p.input
        if let expandWeight = p.expandWeight {
            x = x.conv2d(weight: expandWeight, bias: p.expandBias, outputRange: 0...6)
        }
        let inner = c.inner ?? c.channels
        x = x.conv2d(weight: p.depthwiseWeight, bias: p.depthwiseBias, stride: Size2D(c.stride), padding: p.padding,
                     groups: inner, outputRange: 0...6)
        x = x.conv2d(weight: p.projectWeight, bias: p.projectBias)
        if c.addsInput { x = x + p.input }
        let worst = TestData.maximumDifference(p.fused(c).scalars, x.scalars)
        // The same kernels per element; only BLAS's blocking of a channel slice could
        // reorder a sum, so allow Float32 rounding of values up to ~50.
        #expect(worst < 1e-5, "max difference \(worst)")
    }
}
