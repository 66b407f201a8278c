// Tests of the fused 1x1 kernel on a once-packed input (FusedGEMMKernels.packInput and
// forwardPacked, used by the inverted-bottleneck block) at both vector widths (8 and 16
// lanes): equal to the bit to FusedGEMMKernels.forward at the same width (the same sums in
// the same order) and within Float32 rounding of a plain Double reference; column counts
// that leave tails at either width and span several chunks, output counts that are not
// multiples of the 6-row tile, with and without bias and clamp.

@_spi(KernelChecks) import FactoryTensor
import Foundation
import Testing

@Suite struct PackedPointwiseTests {
    @Test(arguments: KernelWidthChecks.Width.allCases, [(5, 7, 300), (24, 16, 256), (7, 40, 1000), (13, 3, 289), (1, 1, 9)])
    func packedInputEqualsUnpackedKernel(width: KernelWidthChecks.Width, sizes: (Int, Int, Int)) {
        let (outputs, depth, columns) = sizes
        let x = KernelWidthTests.values(depth * columns, seed: 31).map { $0 * 3 }
        let w = KernelWidthTests.values(outputs * depth, seed: 32), bias = KernelWidthTests.values(outputs, seed: 33)
        for (b, range) in [(Optional(bias), Optional<ClosedRange<Float>>(0...6)), (nil, nil)] {
            let packed = KernelWidthChecks.packedPointwise(
                width, outputChannels: outputs, depth: depth, columns: columns, input: x, weight: w, bias: b, outputRange: range)
            let unpacked = KernelWidthChecks.fusedPointwise(
                width, batch: 1, outputChannels: outputs, depth: depth, columns: columns, input: x, weight: w, bias: b,
                outputRange: range)
            #expect(packed == unpacked, "bias \(b != nil)")
            var reference = [Double](repeating: 0, count: outputs * columns)
            for o in 0..<outputs {
                for p in 0..<columns {
                    var sum = Double(b?[o] ?? 0)
                    for k in 0..<depth { sum += Double(w[o * depth + k]) * Double(x[k * columns + p]) }
                    reference[o * columns + p] = range.map { Swift.min(Swift.max(sum, Double($0.lowerBound)), Double($0.upperBound)) } ?? sum
                }
            }
            // Float32 dot products of up to 40 terms of magnitude <= 3.
            #expect(KernelWidthTests.worst(packed, reference) < 2e-5, "worst \(KernelWidthTests.worst(packed, reference))")
        }
    }
}
