// Tests of the im2col convolution through the fused kernel (a small weight over an output
// plane of 256+ positions, as EfficientNet's stem): the forward with bias and a ReLU6
// clamp, and without either, against a direct Double reference of the windowed sums, at
// stride 1 and stride 2 with TensorFlow "SAME" padding and channel counts that leave partial
// 6-row tiles and column tails.

import FactoryTensor
import Foundation
import TestSupport
import Testing

@Suite struct FusedIm2colConvolutionTests {
    @Test(arguments: [(2, 3, 33, 5, 2), (1, 2, 16, 7, 1), (1, 3, 40, 32, 2)])
    func fusedIm2colForwardMatchesDirectSums(_ sizes: (Int, Int, Int, Int, Int)) {
        let (batch, channels, size, outputs, step) = sizes
        let kernel = 3, stride = Size2D(step)
        let padding = Padding2D.sameAsTensorFlow(height: size, width: size, kernel: Size2D(kernel), stride: stride)
        let x = TestData.uniform([batch, channels, size, size], in: -3...3, seed: 41)
        let weight = TestData.uniform([outputs, channels, kernel, kernel], seed: 42)
        let bias = TestData.uniform([outputs], in: -1...3, seed: 43)
        let out = (size + step - 1) / step
        let xs = x.scalars, ws = weight.scalars, bs = bias.scalars
        var sums = [Double](repeating: 0, count: batch * outputs * out * out)
        for n in 0..<batch { for o in 0..<outputs { for oy in 0..<out { for ox in 0..<out {
            var sum = 0.0
            for c in 0..<channels { for ky in 0..<kernel { for kx in 0..<kernel {
                let y = oy * step + ky - padding.top, xx = ox * step + kx - padding.left
                guard y >= 0, y < size, xx >= 0, xx < size else { continue }
                sum += Double(ws[((o * channels + c) * kernel + ky) * kernel + kx]) * Double(xs[((n * channels + c) * size + y) * size + xx])
            } } }
            sums[((n * outputs + o) * out + oy) * out + ox] = sum
        } } } }
        let plane = out * out
        let clamped = sums.indices.map { Swift.min(Swift.max(sums[$0] + Double(bs[$0 / plane % outputs]), 0), 6) }
        let fused = x.conv2d(weight: weight, bias: bias, stride: stride, padding: padding, outputRange: 0...6)
        let plain = x.conv2d(weight: weight, stride: stride, padding: padding)
        #expect(fused.shape == [batch, outputs, out, out])
        // Float32 sums of up to 27 products of magnitude <= 3.
        let fusedError = zip(fused.scalars, clamped).map { Swift.abs(Double($0) - $1) }.max() ?? 0
        let plainError = zip(plain.scalars, sums).map { Swift.abs(Double($0) - $1) }.max() ?? 0
        #expect(fusedError < 1e-4, "with bias and clamp: \(fusedError)")
        #expect(plainError < 1e-4, "without: \(plainError)")
        let values = fused.scalars
        #expect(values.contains(0) && values.contains(6), "both bounds are exercised")
    }
}
