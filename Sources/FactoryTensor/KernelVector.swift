// KernelVector: the float vector that the hot hand-written kernels run in, chosen when the
// binary is built. The Makefile compiles for the CPU it builds on; on an AVX-512 CPU it
// defines FACTORY_AVX512 and the kernels take 16 lanes (one 512-bit register, twice the
// arithmetic per instruction of AVX2), otherwise 8 lanes (one AVX2 register). The kernels
// are generic over their vector type, so the tests run both widths on any machine; this
// alias only picks the one the library calls. Not here: the kernels themselves.

#if FACTORY_AVX512
/// The vector the library's kernels run in: 16 floats in this build (AVX-512).
public typealias KernelVector = SIMD16<Float>
#else
/// The vector the library's kernels run in: 8 floats in this build (AVX2 or narrower).
public typealias KernelVector = SIMD8<Float>
#endif

/// What this build's kernels were compiled for, for `factory bench` and `factory version`.
public enum KernelBuild {
    /// Floats per kernel vector: 16 in an AVX-512 build, 8 otherwise.
    public static var lanes: Int { KernelVector.scalarCount }

    /// A one-line description, such as "16-lane kernels (AVX-512 build)".
    public static var summary: String {
        #if FACTORY_AVX512
        return "\(lanes)-lane kernels (AVX-512 build)"
        #else
        return "\(lanes)-lane kernels"
        #endif
    }
}
