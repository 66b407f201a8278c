// SpectrogramError: what can be wrong with a spectrogram's settings (they come from project
// configs) or with the audio given to it. Each message names the setting or the input and
// says what to change. Not here: errors reading audio files (AudioError).

/// Invalid spectrogram settings or input.
public enum SpectrogramError: Error, Equatable, CustomStringConvertible, Sendable {
    /// A setting is out of its range; `requirement` says what it must be.
    case invalidSetting(name: String, value: String, requirement: String)
    /// There are no samples to analyse.
    case emptyAudio
    /// Without centring, the audio must hold at least one full window.
    case audioShorterThanWindow(samples: Int, fftSize: Int)

    public var description: String {
        switch self {
        case let .invalidSetting(name, value, requirement):
            return "spectrogram setting \(name) = \(value) is invalid: it must be \(requirement). Fix it in the configuration"
        case .emptyAudio:
            return "the audio has no samples, so it has no spectrogram. Check that the file decoded to a non-empty clip"
        case let .audioShorterThanWindow(samples, fftSize):
            return "the audio has \(samples) samples, fewer than one window of \(fftSize) without centring. "
                + "Use centred frames (center: true) or longer audio"
        }
    }
}
