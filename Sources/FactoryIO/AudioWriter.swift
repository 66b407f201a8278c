// AudioWriter: writes Float32 samples as WAV (16-bit PCM or 32-bit float), FLAC (16-bit)
// or Ogg Vorbis through libsndfile, atomically (temporary file in the same folder, then
// rename). 16-bit output is quantised here, not by libsndfile: round(x * 32768) clamped
// to [-32768, 32767], the inverse of the reader's x / 32768, so a write-read round trip is
// within half a step (1/65536) for |x| < 1.
// NOT here: reading (AudioFile), resampling, metadata chunks, other encodings.

import CSndFile
import Foundation

/// The file format and sample encoding of a written audio file.
public enum AudioFileFormat: Sendable, CaseIterable {
    /// WAV, 16-bit signed integer PCM.
    case wavPCM16
    /// WAV, 32-bit IEEE float (lossless for Float32 samples).
    case wavFloat32
    /// FLAC, 16-bit (lossless for 16-bit samples).
    case flacPCM16
    /// Ogg Vorbis (lossy).
    case oggVorbis

    var sndfileFormat: Int32 {
        switch self {
        case .wavPCM16: return Int32(SF_FORMAT_WAV | SF_FORMAT_PCM_16)
        case .wavFloat32: return Int32(SF_FORMAT_WAV | SF_FORMAT_FLOAT)
        case .flacPCM16: return Int32(SF_FORMAT_FLAC | SF_FORMAT_PCM_16)
        case .oggVorbis: return Int32(SF_FORMAT_OGG | SF_FORMAT_VORBIS)
        }
    }

    var isSixteenBit: Bool { self == .wavPCM16 || self == .flacPCM16 }
}

extension AudioFile {
    /// Writes samples to an audio file, atomically, replacing any existing file.
    /// - Parameters:
    ///   - samples: interleaved samples (frame after frame), nominally in [-1, 1]; for
    ///     16-bit formats values beyond are clipped.
    ///   - sampleRate: frames per second, 1...1,000,000.
    ///   - channelCount: channels per frame (default 1); `samples.count` must be a multiple.
    ///   - url: the destination; its folder must exist.
    ///   - format: the file format (default 16-bit PCM WAV).
    /// - Throws: `AudioError.invalidSampleRate` or `AudioError.writeFailed` naming the file.
    public static func write(
        _ samples: [Float], sampleRate: Int, channelCount: Int = 1, to url: URL,
        format: AudioFileFormat = .wavPCM16
    ) throws(AudioError) {
        guard (1...AudioResampler.maximumSampleRate).contains(sampleRate) else {
            throw .invalidSampleRate(rate: sampleRate, detail: "cannot write a file at this rate")
        }
        guard (1...maximumChannelCount).contains(channelCount), samples.count % channelCount == 0 else {
            throw .writeFailed(
                path: url.path,
                reason: "\(samples.count) samples do not divide into frames of \(channelCount) channels")
        }
        let temporary = AtomicFile.temporarySibling(of: url)
        var info = SF_INFO()
        info.samplerate = Int32(sampleRate)
        info.channels = Int32(channelCount)
        info.format = format.sndfileFormat
        guard sf_format_check(&info) != 0 else {
            throw .writeFailed(path: url.path, reason: "the linked libsndfile cannot write \(format)")
        }
        guard let file = sf_open(temporary.path, Int32(SFM_WRITE), &info) else {
            throw .writeFailed(path: url.path, reason: "libsndfile could not create it (\(String(cString: sf_strerror(nil))))")
        }
        let frames = samples.count / channelCount
        let written: Int
        if format.isSixteenBit {
            let quantised = samples.map { value -> Int16 in
                guard value == value else { return 0 }  // NaN
                return Int16(min(max((value * 32768).rounded(), -32768), 32767))
            }
            written = quantised.withUnsafeBufferPointer { Int(sf_writef_short(file, $0.baseAddress, sf_count_t(frames))) }
        } else {
            written = samples.withUnsafeBufferPointer { Int(sf_writef_float(file, $0.baseAddress, sf_count_t(frames))) }
        }
        let writeError = String(cString: sf_strerror(file))
        let closeStatus = sf_close(file)
        guard written == frames, closeStatus == 0 else {
            try? FileManager.default.removeItem(at: temporary)
            throw .writeFailed(path: url.path, reason: "libsndfile wrote \(written) of \(frames) frames (\(writeError))")
        }
        do {
            try AtomicFile.replace(url, with: temporary)
        } catch {
            throw .writeFailed(path: url.path, reason: error.reason)
        }
    }
}
