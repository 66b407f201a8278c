// WAVDataChunk: a bounded walk over a RIFF/WAVE file's chunk headers that finds a 'data'
// chunk declaring more bytes than the file holds, or a file cut inside a chunk header.
// libsndfile silently shortens such files; AudioFile reports them as truncated instead.
// NOT a WAV parser: libsndfile decodes the audio; this reads only chunk tags and sizes.

/// libsndfile quietly shortens a WAV whose 'data' chunk declares more bytes than the file
/// holds (and accepts one cut inside that chunk's header as empty); this walk over the RIFF
/// chunks finds those cases so they are reported as truncation.
enum WAVDataChunk {
    enum Truncation: Equatable {
        /// The data chunk declares more frames than the file holds.
        case dataRunsPastEnd(declaredFrames: Int, presentFrames: Int)
        /// The file ends inside a chunk header, at this byte offset.
        case chunkHeaderCut(byteOffset: Int)
    }

    /// How a RIFF/WAVE file is cut short; nil for other formats, intact files and the
    /// streaming placeholders 0 and 0xFFFFFFFF.
    static func truncation(in bytes: UnsafeRawBufferPointer) -> Truncation? {
        func tag(_ offset: Int) -> String { String(decoding: bytes[offset..<(offset + 4)], as: UTF8.self) }
        func littleEndian32(_ offset: Int) -> Int {
            (0..<4).reduce(0) { $0 | Int(bytes[offset + $1]) << (8 * $1) }
        }
        guard bytes.count >= 12, tag(0) == "RIFF", tag(8) == "WAVE" else { return nil }
        var blockAlign = 1
        var position = 12
        while position < bytes.count {  // position grows by at least 8 each step
            guard position + 8 <= bytes.count else { return .chunkHeaderCut(byteOffset: bytes.count) }
            let size = littleEndian32(position + 4)
            if tag(position) == "fmt ", size >= 14, position + 8 + 14 <= bytes.count {
                blockAlign = max(1, Int(bytes[position + 20]) | Int(bytes[position + 21]) << 8)
            }
            if tag(position) == "data" {
                let start = position + 8
                guard size != 0, size != 0xFFFF_FFFF, start + size > bytes.count else { return nil }
                return .dataRunsPastEnd(declaredFrames: size / blockAlign, presentFrames: (bytes.count - start) / blockAlign)
            }
            position += 8 + size + (size & 1)
        }
        return nil
    }
}
