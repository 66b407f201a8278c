// KernelWidthChecks' entry point for the fused 1x1 kernel on a once-packed input
// (FusedGEMMKernels+PackedInput.swift) at an explicitly chosen vector width. SPI for tests,
// not API. Not here: the kernel itself, or the choice of kernel.

@_spi(KernelChecks) extension KernelWidthChecks {
    /// `FusedGEMMKernels.packInput` then `forwardPacked` on one image: input `[depth, columns]`,
    /// weight `[outputChannels, depth]`, bias `[outputChannels]`; returns `[outputChannels, columns]`.
    public static func packedPointwise(
        _ width: Width, outputChannels: Int, depth: Int, columns: Int,
        input: [Float], weight: [Float], bias: [Float]?, outputRange: ClosedRange<Float>?
    ) -> [Float] {
        switch width {
        case .eight:
            return packedPointwise(SIMD8<Float>.self, outputChannels, depth, columns, input, weight, bias, outputRange)
        case .sixteen:
            return packedPointwise(SIMD16<Float>.self, outputChannels, depth, columns, input, weight, bias, outputRange)
        }
    }

    private static func packedPointwise<V: KernelFloatVector>(
        _ vector: V.Type, _ outputChannels: Int, _ depth: Int, _ columns: Int,
        _ input: [Float], _ weight: [Float], _ bias: [Float]?, _ outputRange: ClosedRange<Float>?
    ) -> [Float] {
        var output = [Float](repeating: .nan, count: outputChannels * columns)
        let count = FusedGEMMKernels.packedInputCount(vector: V.self, depth: depth, columns: columns)
        let panel = UnsafeMutablePointer<Float>.allocate(capacity: count)
        defer { panel.deallocate() }
        panel.initialize(repeating: .nan, count: count)
        input.withUnsafeBufferPointer { x in
            FusedGEMMKernels.packInput(vector: V.self, depth: depth, columns: columns, input: x.baseAddress!, into: panel)
        }
        weight.withUnsafeBufferPointer { w in
            output.withUnsafeMutableBufferPointer { y in
                if let bias {
                    bias.withUnsafeBufferPointer { b in
                        FusedGEMMKernels.forwardPacked(
                            vector: V.self, outputChannels: outputChannels, depth: depth, columns: columns, packedInput: panel,
                            weight: w.baseAddress!, bias: b.baseAddress!, output: y.baseAddress!, outputRange: outputRange)
                    }
                } else {
                    FusedGEMMKernels.forwardPacked(
                        vector: V.self, outputChannels: outputChannels, depth: depth, columns: columns, packedInput: panel,
                        weight: w.baseAddress!, bias: nil, output: y.baseAddress!, outputRange: outputRange)
                }
            }
        }
        return output
    }
}
