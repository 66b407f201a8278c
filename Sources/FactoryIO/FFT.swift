// FFT: the complex discrete Fourier transform X[k] = Σ_j x[j] e^(-2πi jk/n) of any length n,
// in Double, planned once (factors, twiddles, Bluestein chirp) and then run many times.
// Lengths made of small primes run as a mixed-radix Stockham autosort FFT (radix 4 and 2
// kernels, and one kernel for any odd radix that uses the symmetry of its DFT); a length
// with a prime factor above `FFTPlan.largestDirectRadix` runs as Bluestein's chirp-z
// convolution through a power-of-two plan. Cost O(n log n) either way; never an O(n²) DFT.
// Not here: real input (RealFFT.swift), windows and spectrograms (ShortTimeFourierTransform).

import Foundation

/// A planned complex FFT of one length, in Double precision.
///
/// A plan is immutable and may be shared between threads; each thread passes its own
/// ``Workspace``. Data is in split form: one buffer of real parts, one of imaginary parts.
///
/// ```swift
/// let plan = FFTPlan(size: 400)
/// var real = samples, imaginary = [Double](repeating: 0, count: 400)
/// plan.forward(real: &real, imaginary: &imaginary)
/// ```
public final class FFTPlan: Sendable {
    /// Prime factors above this are transformed with Bluestein's algorithm, not a radix kernel.
    public static let largestDirectRadix = 31

    /// The transform length n.
    public let size: Int
    /// The radices of the Stockham stages, first stage first (empty for n = 1 or Bluestein).
    public let radices: [Int]
    /// e^(-2πi t/n) for t in 0..<n: every twiddle of every stage is one of these.
    let twiddleReal: [Double]
    let twiddleImaginary: [Double]
    /// For Bluestein lengths: the chirp and the transformed convolution kernel.
    let bluestein: Bluestein?

    /// The chirp-z data of a length with a large prime factor.
    struct Bluestein: Sendable {
        /// The power-of-two plan of the convolution, length ≥ 2n - 1.
        let plan: FFTPlan
        /// e^(-πi j²/n) for j in 0..<n.
        let chirpReal: [Double]
        let chirpImaginary: [Double]
        /// FFT of the conjugate chirp wrapped around the convolution length, divided by its length.
        let kernelReal: [Double]
        let kernelImaginary: [Double]
    }

    /// The power-of-two convolution length when this length runs as Bluestein's chirp-z
    /// (it has a prime factor above ``largestDirectRadix``); nil for a mixed-radix plan.
    public var bluesteinLength: Int? { bluestein?.plan.size }

    /// Buffers one transform needs; make one per thread with ``makeWorkspace()``.
    public final class Workspace {
        let real: UnsafeMutablePointer<Double>
        let imaginary: UnsafeMutablePointer<Double>
        let capacity: Int
        /// Butterfly inputs of an odd radix (sums and differences of mirrored pairs).
        let radixScratch: UnsafeMutablePointer<Double>
        let nested: Workspace?
        let nestedReal: UnsafeMutablePointer<Double>?
        let nestedImaginary: UnsafeMutablePointer<Double>?

        init(plan: FFTPlan) {
            capacity = Swift.max(plan.size, 1)
            real = .allocate(capacity: capacity)
            imaginary = .allocate(capacity: capacity)
            radixScratch = .allocate(capacity: 4 * (FFTPlan.largestDirectRadix + 1))
            if let bluestein = plan.bluestein {
                nested = Workspace(plan: bluestein.plan)
                nestedReal = .allocate(capacity: bluestein.plan.size)
                nestedImaginary = .allocate(capacity: bluestein.plan.size)
            } else {
                nested = nil
                nestedReal = nil
                nestedImaginary = nil
            }
        }

        deinit {
            real.deallocate()
            imaginary.deallocate()
            radixScratch.deallocate()
            nestedReal?.deallocate()
            nestedImaginary?.deallocate()
        }
    }

    /// Plans the transform of length `size`.
    /// - Parameter size: n ≥ 1.
    public init(size: Int) {
        precondition(size >= 1, "FFTPlan: the length must be at least 1, got \(size)")
        self.size = size
        let factors = FFTPlan.primeFactors(size)
        if let largest = factors.last, largest > FFTPlan.largestDirectRadix {
            radices = []
            twiddleReal = []
            twiddleImaginary = []
            bluestein = FFTPlan.makeBluestein(size: size)
        } else {
            radices = FFTPlan.radices(from: factors)
            (twiddleReal, twiddleImaginary) = FFTPlan.unitRoots(size)
            bluestein = nil
        }
    }

    /// Buffers for running this plan on one thread.
    public func makeWorkspace() -> Workspace { Workspace(plan: self) }

    /// Transforms `real` + i `imaginary` in place (n elements each), unnormalised.
    public func forward(real: UnsafeMutablePointer<Double>, imaginary: UnsafeMutablePointer<Double>, workspace: Workspace) {
        precondition(workspace.capacity >= size, "FFTPlan: the workspace was made for a shorter plan (\(workspace.capacity) < \(size))")
        if let bluestein {
            runBluestein(bluestein, real: real, imaginary: imaginary, workspace: workspace)
        } else {
            runStockham(real: real, imaginary: imaginary, workspace: workspace)
        }
    }

    /// Transforms `real` + i `imaginary` in place; allocates a workspace (use the pointer
    /// form with a kept ``Workspace`` in loops).
    public func forward(real: inout [Double], imaginary: inout [Double]) {
        precondition(real.count == size && imaginary.count == size,
                     "FFTPlan: expected \(size) real and imaginary parts, got \(real.count) and \(imaginary.count)")
        let workspace = makeWorkspace()
        real.withUnsafeMutableBufferPointer { re in
            imaginary.withUnsafeMutableBufferPointer { im in
                forward(real: re.baseAddress!, imaginary: im.baseAddress!, workspace: workspace)
            }
        }
    }

    /// The inverse transform x[j] = (1/n) Σ_k X[k] e^(+2πi jk/n), in place, through the
    /// forward one (conjugate, transform, conjugate, scale).
    public func inverse(real: UnsafeMutablePointer<Double>, imaginary: UnsafeMutablePointer<Double>, workspace: Workspace) {
        for index in 0..<size { imaginary[index] = -imaginary[index] }
        forward(real: real, imaginary: imaginary, workspace: workspace)
        let scale = 1 / Double(size)
        for index in 0..<size {
            real[index] *= scale
            imaginary[index] *= -scale
        }
    }

    // MARK: - Stockham autosort

    /// Decimation in frequency: a stage of radix p splits the current length l into
    /// p interleaved sub-transforms of length l/p, writing to the other buffer; after the
    /// last stage the result is in natural order.
    private func runStockham(real: UnsafeMutablePointer<Double>, imaginary: UnsafeMutablePointer<Double>, workspace: Workspace) {
        var sourceReal = real, sourceImaginary = imaginary
        var targetReal = workspace.real, targetImaginary = workspace.imaginary
        var length = size, stride = 1
        twiddleReal.withUnsafeBufferPointer { wr in
            twiddleImaginary.withUnsafeBufferPointer { wi in
                let roots = (wr.baseAddress!, wi.baseAddress!)
                for radix in radices {
                    let stage = Stage(length: length, stride: stride, twiddleStep: size / length, roots: roots,
                                      source: (sourceReal, sourceImaginary), target: (targetReal, targetImaginary))
                    switch radix {
                    case 2: stage.radix2()
                    case 4: stage.radix4()
                    default: stage.oddRadix(radix, scratch: workspace.radixScratch)
                    }
                    swap(&sourceReal, &targetReal)
                    swap(&sourceImaginary, &targetImaginary)
                    length /= radix
                    stride *= radix
                }
            }
        }
        if sourceReal != real {
            real.update(from: sourceReal, count: size)
            imaginary.update(from: sourceImaginary, count: size)
        }
    }

    /// One Stockham stage: reads x[q + s(j + r m)] and writes y[q + s(p j + k)] for the
    /// m = l/p butterflies j, the s interleaved sequences q and the outputs k.
    private struct Stage {
        let length: Int, stride: Int, twiddleStep: Int
        let roots: (UnsafePointer<Double>, UnsafePointer<Double>)
        let source: (UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>)
        let target: (UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>)

        func radix2() {
            let m = length / 2, s = stride
            let (xr, xi) = source, (yr, yi) = target
            for j in 0..<m {
                let wr = roots.0[j * twiddleStep], wi = roots.1[j * twiddleStep]
                for q in 0..<s {
                    let a = q + s * j, b = a + s * m
                    let sumR = xr[a] + xr[b], sumI = xi[a] + xi[b]
                    let differenceR = xr[a] - xr[b], differenceI = xi[a] - xi[b]
                    let out = q + s * 2 * j
                    yr[out] = sumR
                    yi[out] = sumI
                    yr[out + s] = differenceR * wr - differenceI * wi
                    yi[out + s] = differenceR * wi + differenceI * wr
                }
            }
        }

        func radix4() {
            let m = length / 4, s = stride
            let (xr, xi) = source, (yr, yi) = target
            for j in 0..<m {
                let w1r = roots.0[j * twiddleStep], w1i = roots.1[j * twiddleStep]
                let w2r = roots.0[2 * j * twiddleStep], w2i = roots.1[2 * j * twiddleStep]
                let w3r = roots.0[3 * j * twiddleStep], w3i = roots.1[3 * j * twiddleStep]
                for q in 0..<s {
                    let i0 = q + s * j, i1 = i0 + s * m, i2 = i1 + s * m, i3 = i2 + s * m
                    let t0r = xr[i0] + xr[i2], t0i = xi[i0] + xi[i2]
                    let t1r = xr[i0] - xr[i2], t1i = xi[i0] - xi[i2]
                    let t2r = xr[i1] + xr[i3], t2i = xi[i1] + xi[i3]
                    let t3r = xr[i1] - xr[i3], t3i = xi[i1] - xi[i3]
                    // b0 = t0 + t2, b2 = t0 - t2, b1 = t1 - i t3, b3 = t1 + i t3.
                    let b1r = t1r + t3i, b1i = t1i - t3r
                    let b2r = t0r - t2r, b2i = t0i - t2i
                    let b3r = t1r - t3i, b3i = t1i + t3r
                    let out = q + s * 4 * j
                    yr[out] = t0r + t2r
                    yi[out] = t0i + t2i
                    yr[out + s] = b1r * w1r - b1i * w1i
                    yi[out + s] = b1r * w1i + b1i * w1r
                    yr[out + 2 * s] = b2r * w2r - b2i * w2i
                    yi[out + 2 * s] = b2r * w2i + b2i * w2r
                    yr[out + 3 * s] = b3r * w3r - b3i * w3i
                    yi[out + 3 * s] = b3r * w3i + b3i * w3r
                }
            }
        }

        /// Any odd radix p: with u_r = a_r + a_(p-r) and v_r = a_r - a_(p-r),
        /// b_k = a_0 + Σ_(r=1)^((p-1)/2) [u_r cos(2πrk/p) - i v_r sin(2πrk/p)].
        func oddRadix(_ p: Int, scratch: UnsafeMutablePointer<Double>) {
            let m = length / p, s = stride, half = (p - 1) / 2
            let (xr, xi) = source, (yr, yi) = target
            let rootStep = twiddleStep * m  // e^(-2πi/p) is root t = n/p = twiddleStep * m
            let n = twiddleStep * length
            let ur = scratch, ui = scratch + (half + 1), vr = ui + (half + 1), vi = vr + (half + 1)
            for j in 0..<m {
                for q in 0..<s {
                    let base = q + s * j
                    let a0r = xr[base], a0i = xi[base]
                    for r in 1...half {
                        let low = base + s * r * m, high = base + s * (p - r) * m
                        ur[r] = xr[low] + xr[high]
                        ui[r] = xi[low] + xi[high]
                        vr[r] = xr[low] - xr[high]
                        vi[r] = xi[low] - xi[high]
                    }
                    let out = q + s * p * j
                    var sumR = a0r, sumI = a0i
                    for r in 1...half {
                        sumR += ur[r]
                        sumI += ui[r]
                    }
                    yr[out] = sumR
                    yi[out] = sumI
                    for k in 1..<p {
                        var br = a0r, bi = a0i
                        for r in 1...half {
                            // e^(-2πi rk/p) = cos - i sin, with cos = Re(root), sin = -Im(root).
                            let t = ((r * k) % p) * rootStep
                            let cosine = roots.0[t], sine = -roots.1[t]
                            // u cos - i v sin
                            br += ur[r] * cosine + vi[r] * sine
                            bi += ui[r] * cosine - vr[r] * sine
                        }
                        let w = (j * k * twiddleStep) % n
                        let wr = roots.0[w], wi = roots.1[w]
                        yr[out + s * k] = br * wr - bi * wi
                        yi[out + s * k] = br * wi + bi * wr
                    }
                }
            }
        }
    }

    // MARK: - Bluestein

    private static func makeBluestein(size n: Int) -> Bluestein {
        var convolutionLength = 1
        while convolutionLength < 2 * n - 1 { convolutionLength *= 2 }
        let plan = FFTPlan(size: convolutionLength)
        var chirpReal = [Double](repeating: 0, count: n), chirpImaginary = [Double](repeating: 0, count: n)
        for j in 0..<n {
            // j² mod 2n keeps the angle small and exact before the multiplication by π/n.
            let square = (j * j) % (2 * n)
            let angle = Double.pi * Double(square) / Double(n)
            chirpReal[j] = cos(angle)
            chirpImaginary[j] = -sin(angle)
        }
        var kernelReal = [Double](repeating: 0, count: convolutionLength)
        var kernelImaginary = [Double](repeating: 0, count: convolutionLength)
        kernelReal[0] = chirpReal[0]
        kernelImaginary[0] = -chirpImaginary[0]
        for j in 1..<n {
            kernelReal[j] = chirpReal[j]
            kernelImaginary[j] = -chirpImaginary[j]
            kernelReal[convolutionLength - j] = chirpReal[j]
            kernelImaginary[convolutionLength - j] = -chirpImaginary[j]
        }
        plan.forward(real: &kernelReal, imaginary: &kernelImaginary)
        let scale = 1 / Double(convolutionLength)
        for index in 0..<convolutionLength {
            kernelReal[index] *= scale
            kernelImaginary[index] *= scale
        }
        return Bluestein(plan: plan, chirpReal: chirpReal, chirpImaginary: chirpImaginary,
                         kernelReal: kernelReal, kernelImaginary: kernelImaginary)
    }

    /// X_k = c_k Σ_j (x_j c_j) conj(c_(k-j)) with c_j = e^(-πi j²/n): a circular convolution,
    /// done as inverse FFT (FFT(x c) · FFT(conj c)) at a power-of-two length.
    private func runBluestein(_ b: Bluestein, real: UnsafeMutablePointer<Double>, imaginary: UnsafeMutablePointer<Double>, workspace: Workspace) {
        let length = b.plan.size
        let ar = workspace.nestedReal!, ai = workspace.nestedImaginary!
        for j in 0..<size {
            let cr = b.chirpReal[j], ci = b.chirpImaginary[j]
            ar[j] = real[j] * cr - imaginary[j] * ci
            ai[j] = real[j] * ci + imaginary[j] * cr
        }
        (ar + size).update(repeating: 0, count: length - size)
        (ai + size).update(repeating: 0, count: length - size)
        b.plan.forward(real: ar, imaginary: ai, workspace: workspace.nested!)
        // Multiply by the kernel and conjugate, so that a forward transform inverts it.
        for k in 0..<length {
            let kr = b.kernelReal[k], ki = b.kernelImaginary[k]
            let pr = ar[k] * kr - ai[k] * ki, pi = ar[k] * ki + ai[k] * kr
            ar[k] = pr
            ai[k] = -pi
        }
        b.plan.forward(real: ar, imaginary: ai, workspace: workspace.nested!)
        for k in 0..<size {
            let yr = ar[k], yi = -ai[k]  // conjugate back; the 1/length is in the kernel
            let cr = b.chirpReal[k], ci = b.chirpImaginary[k]
            real[k] = yr * cr - yi * ci
            imaginary[k] = yr * ci + yi * cr
        }
    }

    // MARK: - Planning helpers

    /// The prime factors of `n`, ascending, with repetition.
    static func primeFactors(_ n: Int) -> [Int] {
        var factors: [Int] = []
        var remainder = n, divisor = 2
        while divisor * divisor <= remainder {
            while remainder % divisor == 0 {
                factors.append(divisor)
                remainder /= divisor
            }
            divisor += 1
        }
        if remainder > 1 { factors.append(remainder) }
        return factors
    }

    /// Pairs of 2s become radix 4 (fewer passes over the data); the rest stay as they are.
    static func radices(from factors: [Int]) -> [Int] {
        let twos = factors.filter { $0 == 2 }.count
        return [Int](repeating: 4, count: twos / 2) + (twos % 2 == 1 ? [2] : []) + factors.filter { $0 != 2 }
    }

    /// e^(-2πi t/n) for t in 0..<n, each from its own angle (no accumulated rounding).
    static func unitRoots(_ n: Int) -> ([Double], [Double]) {
        var real = [Double](repeating: 0, count: n), imaginary = [Double](repeating: 0, count: n)
        for t in 0..<n {
            let angle = 2 * Double.pi * Double(t) / Double(n)
            real[t] = cos(angle)
            imaginary[t] = -sin(angle)
        }
        return (real, imaginary)
    }
}
