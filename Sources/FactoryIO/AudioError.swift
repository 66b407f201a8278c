// AudioError: everything that can go wrong reading, resampling or writing audio. Each case
// names the file (or the resample request) and says what to do. libsndfile does not report
// byte offsets, so positions are given in frames (one sample per channel).
// NOT for programmer errors in the caller's own arrays (those are preconditions).

/// An audio file could not be read or written, or audio could not be resampled.
public enum AudioError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file could not be opened or read (missing, a folder, unreadable, too big).
    case unreadableFile(path: String, reason: String)
    /// libsndfile does not recognise the bytes as an audio format it can decode, or the
    /// header is invalid.
    case unrecognisedFormat(path: String, detail: String)
    /// The header declares values that cannot be right (channel count, sample rate).
    case invalidHeader(path: String, detail: String)
    /// The file holds fewer frames than its header declares.
    case truncated(path: String, declaredFrames: Int, readFrames: Int)
    /// The decoder failed part-way through the audio data.
    case corrupt(path: String, frame: Int, detail: String)
    /// The audio is longer than the frame limit; nothing beyond the header was allocated.
    case tooLong(path: String, frames: Int, maximumFrames: Int)
    /// A sample rate passed to the resampler or writer is out of range.
    case invalidSampleRate(rate: Int, detail: String)
    /// libsoxr reported an error.
    case resampleFailed(detail: String)
    /// The file could not be encoded or written.
    case writeFailed(path: String, reason: String)

    /// The user-facing message: what went wrong, where, and what to do.
    public var description: String {
        switch self {
        case let .unreadableFile(path, reason):
            return "Cannot read audio \(path): \(reason). Check the path and the file's permissions."
        case let .unrecognisedFormat(path, detail):
            return "Cannot read audio \(path): libsndfile cannot decode it (\(detail)). "
                + "Use WAV, FLAC or Ogg Vorbis, or convert the file (e.g. with sox or ffmpeg)."
        case let .invalidHeader(path, detail):
            return "Cannot read audio \(path): its header is invalid (\(detail)). Re-export the file."
        case let .truncated(path, declaredFrames, readFrames):
            return "Cannot read audio \(path): the header declares \(declaredFrames) frames but the file holds only "
                + "\(readFrames). The file was probably cut short; replace it or remove it from the data set."
        case let .corrupt(path, frame, detail):
            return "Cannot read audio \(path): decoding failed at frame \(frame) (\(detail)). "
                + "Re-export the file or remove it from the data set."
        case let .tooLong(path, frames, maximumFrames):
            return "Cannot read audio \(path): it has \(frames) frames, above the limit of \(maximumFrames). "
                + "Split the recording into shorter clips, or raise the limit if it is genuine."
        case let .invalidSampleRate(rate, detail):
            return "Invalid sample rate \(rate) Hz: \(detail). Use a rate between 1 Hz and 1,000,000 Hz."
        case let .resampleFailed(detail):
            return "Resampling failed: libsoxr reported \(detail). Check the sample rates and the input."
        case let .writeFailed(path, reason):
            return "Cannot write audio \(path): \(reason). Check that the folder exists and is writable."
        }
    }
}
