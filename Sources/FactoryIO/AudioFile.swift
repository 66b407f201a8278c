// AudioFile: reads audio files with libsndfile (WAV, FLAC, Ogg Vorbis and whatever else
// the linked libsndfile decodes) into mono Float32 samples, the way librosa.load does:
// integer PCM scaled by libsndfile (16-bit: x / 32768), channels averaged, the file's own
// sample rate reported, optional resampling with libsoxr (AudioResampler).
// The file is read into memory first and decoded through libsndfile's virtual I/O, so a
// short file is seen by this code; the declared length is checked against a frame limit
// before anything is allocated for it, and reading stops at that limit. A WAV whose data
// chunk runs past the end of the file is reported as truncated (WAVDataChunk).
// NOT here: writing (AudioWriter), resampling (AudioResampler), spectrograms, streaming.

import CSndFile
import FactoryTensor
import Foundation

/// Mono audio samples and their sample rate.
public struct AudioClip: Sendable, Equatable {
    /// The samples, one per frame, mono, nominally in [-1, 1].
    public var samples: [Float]
    /// Frames per second.
    public var sampleRate: Int
    /// How many channels the file had before they were averaged to mono.
    public var sourceChannelCount: Int

    /// Creates a clip from mono samples.
    public init(samples: [Float], sampleRate: Int, sourceChannelCount: Int = 1) {
        self.samples = samples
        self.sampleRate = sampleRate
        self.sourceChannelCount = sourceChannelCount
    }

    /// The duration in seconds.
    public var duration: Double { Double(samples.count) / Double(sampleRate) }

    /// The samples as a tensor of shape [N].
    public var tensor: Tensor { Tensor(samples, shape: [samples.count]) }
}

/// Reads and writes audio files through libsndfile.
public enum AudioFile {
    /// The default limit on frames (2^28: about 4.6 hours at 16 kHz, 1 GiB of Float32).
    public static let defaultMaximumFrames = 1 << 28
    /// Files larger than this (2 GiB) are refused before they are read.
    public static let maximumFileBytes = 1 << 31
    /// The largest channel count accepted (libsndfile's own limit is 1024).
    public static let maximumChannelCount = 1024

    /// Reads an audio file as mono Float32, averaging its channels.
    /// - Parameters:
    ///   - url: the file (WAV, FLAC, Ogg Vorbis, ...; found from its content, not its name).
    ///   - sampleRate: resample to this rate with libsoxr (HQ) when it differs from the
    ///     file's; nil keeps the file's rate.
    ///   - maximumFrames: refuse files with more frames than this.
    /// - Returns: the mono samples and their sample rate.
    /// - Throws: `AudioError` naming the file on unreadable, truncated, corrupt or overlong input.
    public static func read(
        _ url: URL, sampleRate: Int? = nil, maximumFrames: Int = defaultMaximumFrames
    ) throws(AudioError) -> AudioClip {
        let data: Data
        switch MediaFileAccess.readAll(url, maximumBytes: maximumFileBytes) {
        case .success(let bytes): data = bytes
        case .failure(let failure): throw .unreadableFile(path: url.path, reason: failure.reason)
        }
        return try decode(data, sampleRate: sampleRate, maximumFrames: maximumFrames, path: url.path)
    }

    /// Decodes an audio file held in memory as mono Float32.
    /// - Parameters:
    ///   - data: the file's bytes.
    ///   - sampleRate: resample to this rate when it differs from the file's; nil keeps it.
    ///   - maximumFrames: refuse audio with more frames than this.
    ///   - path: the name used in error messages.
    public static func decode(
        _ data: Data, sampleRate: Int? = nil, maximumFrames: Int = defaultMaximumFrames,
        path: String = "<memory>"
    ) throws(AudioError) -> AudioClip {
        let result: Result<AudioClip, AudioError> = data.withUnsafeBytes { bytes in
            let source = MemorySource(bytes: bytes)
            return withExtendedLifetime(source) {
                decodeMono(source: source, maximumFrames: maximumFrames, path: path)
            }
        }
        var clip = try result.get()
        if let sampleRate, sampleRate != clip.sampleRate {
            clip.samples = try AudioResampler.resample(clip.samples, from: clip.sampleRate, to: sampleRate)
            clip.sampleRate = sampleRate
        }
        return clip
    }

    // MARK: - Decoding through libsndfile's virtual I/O

    /// The in-memory file that libsndfile reads through the virtual I/O callbacks.
    final class MemorySource {
        let bytes: UnsafeRawBufferPointer
        var position = 0
        init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }
    }

    static func virtualIO() -> SF_VIRTUAL_IO {
        func source(_ context: UnsafeMutableRawPointer?) -> MemorySource {
            Unmanaged<MemorySource>.fromOpaque(context!).takeUnretainedValue()
        }
        return SF_VIRTUAL_IO(
            get_filelen: { context in sf_count_t(source(context).bytes.count) },
            seek: { offset, whence, context in
                let file = source(context)
                let base: Int
                switch whence {
                case SEEK_SET: base = 0
                case SEEK_CUR: base = file.position
                case SEEK_END: base = file.bytes.count
                default: return -1
                }
                let (target, overflow) = base.addingReportingOverflow(Int(offset))
                guard !overflow, target >= 0 else { return -1 }
                file.position = target
                return sf_count_t(target)
            },
            read: { destination, count, context in
                let file = source(context)
                guard let destination, count > 0, file.position < file.bytes.count else { return 0 }
                let length = min(Int(count), file.bytes.count - file.position)
                destination.copyMemory(from: file.bytes.baseAddress! + file.position, byteCount: length)
                file.position += length
                return sf_count_t(length)
            },
            write: { _, _, _ in 0 },
            tell: { context in sf_count_t(source(context).position) })
    }

    static func decodeMono(source: MemorySource, maximumFrames: Int, path: String) -> Result<AudioClip, AudioError> {
        guard source.bytes.count > 0 else {
            return .failure(.unrecognisedFormat(path: path, detail: "the file is empty"))
        }
        switch WAVDataChunk.truncation(in: source.bytes) {
        case .dataRunsPastEnd(let declared, let present)?:
            return .failure(.truncated(path: path, declaredFrames: declared, readFrames: present))
        case .chunkHeaderCut(let offset)?:
            return .failure(.invalidHeader(path: path, detail: "the file ends inside a chunk header at byte \(offset)"))
        case nil:
            break
        }
        var io = virtualIO()
        var info = SF_INFO()
        guard let file = sf_open_virtual(&io, Int32(SFM_READ), &info, Unmanaged.passUnretained(source).toOpaque())
        else {
            return .failure(.unrecognisedFormat(path: path, detail: String(cString: sf_strerror(nil))))
        }
        defer { sf_close(file) }
        let channels = Int(info.channels)
        // SF_COUNT_MAX means "length unknown" (for example an Ogg stream cut short).
        let lengthKnown = info.frames != sf_count_t.max
        let declaredFrames = lengthKnown ? Int(info.frames) : 0
        guard (1...maximumChannelCount).contains(channels) else {
            return .failure(.invalidHeader(path: path, detail: "\(channels) channels"))
        }
        guard (1...AudioResampler.maximumSampleRate).contains(Int(info.samplerate)) else {
            return .failure(.invalidHeader(path: path, detail: "sample rate \(info.samplerate) Hz"))
        }
        guard declaredFrames >= 0 else {
            return .failure(.invalidHeader(path: path, detail: "\(declaredFrames) frames"))
        }
        guard declaredFrames <= maximumFrames else {
            return .failure(.tooLong(path: path, frames: declaredFrames, maximumFrames: maximumFrames))
        }
        sf_command(file, Int32(SFC_SET_NORM_FLOAT), nil, Int32(SF_TRUE))

        // Reserve no more than the file could plausibly hold uncompressed, so a hostile header
        // cannot make us allocate; the array grows if a compressed format decodes to more.
        let plausibleFrames = source.bytes.count / channels
        var samples = [Float]()
        samples.reserveCapacity(min(declaredFrames, plausibleFrames))
        let blockFrames = 16_384
        var block = [Float](repeating: 0, count: blockFrames * channels)
        let divisor = Float(channels)
        while true {
            let wanted = min(blockFrames, maximumFrames + 1 - samples.count)
            let got = block.withUnsafeMutableBufferPointer { sf_readf_float(file, $0.baseAddress, sf_count_t(wanted)) }
            if got <= 0 { break }
            let frames = Int(got)
            if samples.count + frames > maximumFrames {
                return .failure(.tooLong(path: path, frames: samples.count + frames, maximumFrames: maximumFrames))
            }
            if channels == 1 {
                samples.append(contentsOf: block[0..<frames])
            } else {
                for frame in 0..<frames {
                    var sum: Float = 0
                    for channel in 0..<channels { sum += block[frame * channels + channel] }
                    samples.append(sum / divisor)  // np.mean's sum / n
                }
            }
        }
        let status = sf_error(file)
        if status != 0 {
            return .failure(.corrupt(path: path, frame: samples.count, detail: String(cString: sf_error_number(status))))
        }
        if samples.count < declaredFrames {
            return .failure(.truncated(path: path, declaredFrames: declaredFrames, readFrames: samples.count))
        }
        return .success(AudioClip(samples: samples, sampleRate: Int(info.samplerate), sourceChannelCount: channels))
    }
}
