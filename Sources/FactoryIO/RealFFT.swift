// RealFFT: the DFT of real input, bins 0...n/2 (the rest are their conjugates), in Double.
// An even length n runs as one complex FFT of length n/2 over the pairs (x[2j], x[2j+1])
// followed by an O(n) split into the even and odd halves' spectra, so it costs about half
// a complex FFT of length n. An odd length runs the complex plan with zero imaginary parts.
// Not here: the complex FFT itself (FFT.swift), windows, framing, inverse real transforms.

import Foundation

/// A planned FFT of real input of one length, returning the `n/2 + 1` non-redundant bins.
public final class RealFFTPlan: Sendable {
    /// The input length n.
    public let size: Int
    /// The number of output bins, `n/2 + 1`.
    public var binCount: Int { size / 2 + 1 }
    /// The complex plan: length n/2 for even n, n for odd n.
    let complexPlan: FFTPlan
    /// e^(-2πi k/n) for k in 0..<n/2 (even n only).
    let splitReal: [Double]
    let splitImaginary: [Double]

    /// Buffers one transform needs; make one per thread with ``makeWorkspace()``.
    public final class Workspace {
        let real: UnsafeMutablePointer<Double>
        let imaginary: UnsafeMutablePointer<Double>
        let complex: FFTPlan.Workspace

        init(plan: RealFFTPlan) {
            real = .allocate(capacity: plan.complexPlan.size)
            imaginary = .allocate(capacity: plan.complexPlan.size)
            complex = plan.complexPlan.makeWorkspace()
        }

        deinit {
            real.deallocate()
            imaginary.deallocate()
        }
    }

    /// Plans the transform of `size` real samples.
    /// - Parameter size: n ≥ 1.
    public init(size: Int) {
        precondition(size >= 1, "RealFFTPlan: the length must be at least 1, got \(size)")
        self.size = size
        if size % 2 == 0 {
            let half = size / 2
            complexPlan = FFTPlan(size: half)
            var real = [Double](repeating: 0, count: half), imaginary = [Double](repeating: 0, count: half)
            for k in 0..<half {
                let angle = 2 * Double.pi * Double(k) / Double(size)
                real[k] = cos(angle)
                imaginary[k] = -sin(angle)
            }
            splitReal = real
            splitImaginary = imaginary
        } else {
            complexPlan = FFTPlan(size: size)
            splitReal = []
            splitImaginary = []
        }
    }

    /// Buffers for running this plan on one thread.
    public func makeWorkspace() -> Workspace { Workspace(plan: self) }

    /// Transforms `input` (n samples) into `real` and `imaginary` (``binCount`` each).
    public func forward(
        _ input: UnsafePointer<Double>, real: UnsafeMutablePointer<Double>, imaginary: UnsafeMutablePointer<Double>,
        workspace: Workspace
    ) {
        let zr = workspace.real, zi = workspace.imaginary
        guard size % 2 == 0 else {
            zr.update(from: input, count: size)
            zi.update(repeating: 0, count: size)
            complexPlan.forward(real: zr, imaginary: zi, workspace: workspace.complex)
            real.update(from: zr, count: binCount)
            imaginary.update(from: zi, count: binCount)
            return
        }
        let half = size / 2
        for j in 0..<half {
            zr[j] = input[2 * j]
            zi[j] = input[2 * j + 1]
        }
        complexPlan.forward(real: zr, imaginary: zi, workspace: workspace.complex)
        // With Z = FFT(z): E_k = (Z_k + conj Z_(h-k)) / 2 is the even samples' spectrum,
        // O_k = (Z_k - conj Z_(h-k)) / 2i the odd samples', and X_k = E_k + e^(-2πik/n) O_k.
        real[0] = zr[0] + zi[0]
        imaginary[0] = 0
        real[half] = zr[0] - zi[0]
        imaginary[half] = 0
        if half < 2 { return }
        for k in 1..<half {
            let ar = zr[k], ai = zi[k], br = zr[half - k], bi = zi[half - k]
            let evenR = 0.5 * (ar + br), evenI = 0.5 * (ai - bi)
            let oddR = 0.5 * (ai + bi), oddI = -0.5 * (ar - br)
            let wr = splitReal[k], wi = splitImaginary[k]
            real[k] = evenR + oddR * wr - oddI * wi
            imaginary[k] = evenI + oddR * wi + oddI * wr
        }
    }

    /// Transforms `input` (n samples); allocates a workspace (keep one in loops).
    /// - Returns: the real and imaginary parts of bins 0...n/2.
    public func forward(_ input: [Double]) -> (real: [Double], imaginary: [Double]) {
        precondition(input.count == size, "RealFFTPlan: expected \(size) samples, got \(input.count)")
        var real = [Double](repeating: 0, count: binCount), imaginary = [Double](repeating: 0, count: binCount)
        let workspace = makeWorkspace()
        input.withUnsafeBufferPointer { source in
            real.withUnsafeMutableBufferPointer { re in
                imaginary.withUnsafeMutableBufferPointer { im in
                    forward(source.baseAddress!, real: re.baseAddress!, imaginary: im.baseAddress!, workspace: workspace)
                }
            }
        }
        return (real, imaginary)
    }
}
