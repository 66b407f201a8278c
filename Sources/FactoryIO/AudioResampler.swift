// AudioResampler: sample-rate conversion of mono Float32 audio with libsoxr, using the
// "high quality" recipe (SOXR_HQ, flags 0) that librosa's default res_type "soxr_hq"
// selects. The output has ceil(N * target / source) samples, as librosa.resample returns
// (soxr's flushed output, zero-padded or cut to that length).
// NOT here: multi-channel resampling, streaming, other quality recipes.

import CSoxr

/// Converts mono audio between sample rates with libsoxr (HQ).
public enum AudioResampler {
    /// The largest sample rate accepted anywhere in FactoryIO (1 MHz).
    public static let maximumSampleRate = 1_000_000

    /// Resamples mono audio.
    /// - Parameters:
    ///   - samples: mono samples at `sourceRate`.
    ///   - sourceRate: the input's frames per second, 1...1,000,000.
    ///   - targetRate: the output's frames per second, 1...1,000,000.
    /// - Returns: `ceil(samples.count * targetRate / sourceRate)` samples at `targetRate`
    ///   (the input itself when the rates are equal).
    /// - Throws: `AudioError.invalidSampleRate` for a rate out of range,
    ///   `AudioError.resampleFailed` if libsoxr reports an error.
    public static func resample(_ samples: [Float], from sourceRate: Int, to targetRate: Int) throws(AudioError) -> [Float] {
        for rate in [sourceRate, targetRate] where !(1...maximumSampleRate).contains(rate) {
            throw .invalidSampleRate(rate: rate, detail: "the resampler accepts 1 Hz to 1,000,000 Hz")
        }
        if sourceRate == targetRate || samples.isEmpty { return samples }
        // ceil(N * target / source) without overflow: N < 2^63 / 10^6 holds for any array.
        let (product, overflow) = samples.count.multipliedReportingOverflow(by: targetRate)
        guard !overflow else { throw .resampleFailed(detail: "the output length overflows") }
        let outputCount = (product + sourceRate - 1) / sourceRate
        var output = [Float](repeating: 0, count: outputCount)
        var inputDone = 0
        var outputDone = 0
        var ioSpecification = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I)
        var qualitySpecification = soxr_quality_spec(UInt(SOXR_HQ), 0)
        var runtimeSpecification = soxr_runtime_spec(1)
        let failure: soxr_error_t? = samples.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { destination in
                soxr_oneshot(
                    Double(sourceRate), Double(targetRate), 1,
                    input.baseAddress, input.count, &inputDone,
                    destination.baseAddress, destination.count, &outputDone,
                    &ioSpecification, &qualitySpecification, &runtimeSpecification)
            }
        }
        if let failure {
            throw .resampleFailed(detail: String(cString: failure))
        }
        // Samples soxr did not produce stay zero (librosa's fix_length pads with zeros).
        return output
    }
}
