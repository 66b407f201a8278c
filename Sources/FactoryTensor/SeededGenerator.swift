// SeededGenerator: a small, fast, reproducible random number generator (xoshiro256**,
// seeded through SplitMix64) for weight initialisation, dropout masks and shuffling, plus
// random tensor initialisers. Not for cryptography.

/// A deterministic random number generator: the same seed gives the same stream on every
/// machine and every run.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    /// Creates a generator whose stream is fixed by `seed`.
    public init(seed: UInt64) {
        state = Self.initialState(seed: seed)
    }

    /// The four state words of the generator seeded with `seed` (SplitMix64 of the seed), for
    /// kernels that run many such generators side by side (dropout's mask lanes).
    @inline(__always)
    static func initialState(seed: UInt64) -> (UInt64, UInt64, UInt64, UInt64) {
        var mix = seed
        func splitMix() -> UInt64 {
            mix &+= 0x9E37_79B9_7F4A_7C15
            var z = mix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        return (splitMix(), splitMix(), splitMix(), splitMix())
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = rotate(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotate(state.3, 45)
        return result
    }

    /// A uniform float in [0, 1) with 24 random bits.
    @inlinable
    public mutating func nextUnitFloat() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// A standard normal sample (Box-Muller).
    public mutating func nextNormal() -> Float {
        let u1 = Swift.max(nextUnitFloat(), 1e-12)
        let u2 = nextUnitFloat()
        return (-2 * logf(u1)).squareRoot() * cosf(2 * .pi * u2)
    }

    private func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Tensor {
    /// A tensor of values drawn uniformly from `range`.
    public static func uniform(_ shape: [Int], in range: ClosedRange<Float>, using generator: inout SeededGenerator) -> Tensor {
        let result = Tensor.uninitialized(shape)
        let width = range.upperBound - range.lowerBound
        for index in 0..<result.count {
            result.storage.pointer[index] = range.lowerBound + width * generator.nextUnitFloat()
        }
        return result
    }

    /// A tensor of values drawn from a normal distribution.
    public static func normal(_ shape: [Int], mean: Float = 0, standardDeviation: Float = 1, using generator: inout SeededGenerator) -> Tensor {
        let result = Tensor.uninitialized(shape)
        for index in 0..<result.count {
            result.storage.pointer[index] = mean + standardDeviation * generator.nextNormal()
        }
        return result
    }
}
