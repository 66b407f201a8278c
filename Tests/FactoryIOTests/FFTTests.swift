// FFTTests: the complex and real FFTs against a naive DFT computed in Double (angles reduced
// mod n so the reference itself is accurate), for radix-4/2 lengths, odd radices, mixed
// lengths and Bluestein lengths (prime factors above 31), plus the inverse round trip and
// transforms known in closed form. Tolerances are relative to Σ|x|, which bounds every |X_k|.

import FactoryIO
import FactoryTensor
import Foundation
import Testing

/// X_k = Σ_j x_j e^(-2πi jk/n), the O(n²) definition.
func naiveDFT(real: [Double], imaginary: [Double]) -> (real: [Double], imaginary: [Double]) {
    let n = real.count
    var outReal = [Double](repeating: 0, count: n), outImaginary = [Double](repeating: 0, count: n)
    for k in 0..<n {
        var sumR = 0.0, sumI = 0.0
        for j in 0..<n {
            let angle = 2 * Double.pi * Double((j * k) % n) / Double(n)
            let c = cos(angle), s = -sin(angle)
            sumR += real[j] * c - imaginary[j] * s
            sumI += real[j] * s + imaginary[j] * c
        }
        outReal[k] = sumR
        outImaginary[k] = sumI
    }
    return (outReal, outImaginary)
}

/// Seeded values in [-1, 1].
func randomDoubles(_ count: Int, seed: UInt64) -> [Double] {
    var generator = SeededGenerator(seed: seed)
    return (0..<count).map { _ in Double(generator.nextUnitFloat()) * 2 - 1 }
}

/// Largest |a - b| over both parts.
func largestDifference(_ a: (real: [Double], imaginary: [Double]), _ b: (real: [Double], imaginary: [Double])) -> Double {
    var largest = 0.0
    for index in a.real.indices {
        largest = max(largest, abs(a.real[index] - b.real[index]), abs(a.imaginary[index] - b.imaginary[index]))
    }
    return largest
}

@Suite struct FFTTests {
    /// Double-precision FFT error grows like ε log n · Σ|x| (Bluestein: a few times that);
    /// the naive reference's own error is about n ε Σ|x| ≤ 1.2e-13 Σ|x| for n ≤ 1024.
    static let relativeTolerance = 1e-11

    @Test(arguments: [1, 2, 3, 4, 5, 7, 8, 9, 12, 16, 25, 31, 37, 60, 64, 97, 100, 200, 243, 400, 512, 1000, 1009])
    func complexMatchesNaiveDFT(size: Int) {
        let real = randomDoubles(size, seed: UInt64(size)), imaginary = randomDoubles(size, seed: UInt64(size) + 1000)
        var fastReal = real, fastImaginary = imaginary
        FFTPlan(size: size).forward(real: &fastReal, imaginary: &fastImaginary)
        let reference = naiveDFT(real: real, imaginary: imaginary)
        let scale = zip(real, imaginary).reduce(0) { $0 + ($1.0 * $1.0 + $1.1 * $1.1).squareRoot() }
        let error = largestDifference((fastReal, fastImaginary), reference)
        #expect(error <= Self.relativeTolerance * scale, "n = \(size): error \(error), Σ|x| = \(scale)")
    }

    @Test(arguments: [1, 6, 400, 97, 1009])
    func inverseUndoesForward(size: Int) {
        let plan = FFTPlan(size: size), workspace = plan.makeWorkspace()
        let real = randomDoubles(size, seed: 7), imaginary = randomDoubles(size, seed: 8)
        var re = real, im = imaginary
        re.withUnsafeMutableBufferPointer { r in
            im.withUnsafeMutableBufferPointer { i in
                plan.forward(real: r.baseAddress!, imaginary: i.baseAddress!, workspace: workspace)
                plan.inverse(real: r.baseAddress!, imaginary: i.baseAddress!, workspace: workspace)
            }
        }
        // Each value is in [-1, 1]; a round trip loses a few ulps times log n.
        #expect(largestDifference((re, im), (real, imaginary)) < 1e-13)
    }

    /// An impulse has a flat spectrum; a constant has all its energy in bin 0; one period of
    /// cos(2π·3j/n) has n/2 at bins 3 and n-3 (exact in closed form).
    @Test func closedFormTransforms() {
        let n = 400
        var real = [Double](repeating: 0, count: n), imaginary = [Double](repeating: 0, count: n)
        real[0] = 1
        FFTPlan(size: n).forward(real: &real, imaginary: &imaginary)
        #expect(real.allSatisfy { abs($0 - 1) < 1e-15 } && imaginary.allSatisfy { abs($0) < 1e-15 })

        real = [Double](repeating: 2, count: n)
        imaginary = [Double](repeating: 0, count: n)
        FFTPlan(size: n).forward(real: &real, imaginary: &imaginary)
        #expect(abs(real[0] - 800) < 1e-12)
        #expect(real.dropFirst().allSatisfy { abs($0) < 1e-12 } && imaginary.allSatisfy { abs($0) < 1e-12 })

        real = (0..<n).map { cos(2 * Double.pi * 3 * Double($0) / Double(n)) }
        imaginary = [Double](repeating: 0, count: n)
        FFTPlan(size: n).forward(real: &real, imaginary: &imaginary)
        for k in 0..<n {
            let expected = (k == 3 || k == n - 3) ? Double(n) / 2 : 0
            #expect(abs(real[k] - expected) < 1e-12 && abs(imaginary[k]) < 1e-12, "bin \(k): \(real[k]) + \(imaginary[k])i")
        }
    }

    @Test(arguments: [1, 2, 3, 4, 7, 8, 10, 97, 400, 401, 512, 1000])
    func realMatchesNaiveDFT(size: Int) {
        let input = randomDoubles(size, seed: UInt64(size) + 77)
        let plan = RealFFTPlan(size: size)
        #expect(plan.binCount == size / 2 + 1)
        let fast = plan.forward(input)
        let reference = naiveDFT(real: input, imaginary: [Double](repeating: 0, count: size))
        let bins = size / 2 + 1
        let scale = input.reduce(0) { $0 + abs($1) }
        let error = largestDifference(fast, (Array(reference.real[0..<bins]), Array(reference.imaginary[0..<bins])))
        #expect(error <= Self.relativeTolerance * scale, "n = \(size): error \(error), Σ|x| = \(scale)")
    }

    @Test func plansFactorIntoTheExpectedRadices() {
        #expect(FFTPlan(size: 200).radices == [4, 2, 5, 5])
        #expect(FFTPlan(size: 512).radices == [4, 4, 4, 4, 2])
        #expect(FFTPlan(size: 31).radices == [31] && FFTPlan(size: 31).bluesteinLength == nil)
        #expect(FFTPlan(size: 37).radices == [] && FFTPlan(size: 37).bluesteinLength == 128)
        #expect(FFTPlan(size: 1).radices == [])
    }
}
