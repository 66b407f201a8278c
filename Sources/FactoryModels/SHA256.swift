// SHA-256 (FIPS 180-4) in plain Swift, for checking downloaded model files against their
// pinned hashes. Streaming: feed bytes in any number of `update` calls, or hash a file in
// 1 MiB chunks with `SHA256.hexDigest(ofFileAt:)`. It is NOT a general crypto library (no
// HMAC, no other digests) and makes no constant-time claims: it checks integrity, not secrets.

import Foundation

/// A streaming SHA-256 hasher (FIPS 180-4).
///
/// ```swift
/// var hasher = SHA256()
/// hasher.update(Data("abc".utf8))
/// let hex = hasher.finalize().hexString  // "ba7816bf..."
/// ```
public struct SHA256: Sendable {
    /// The size of a digest in bytes.
    public static let digestByteCount = 32

    private var state: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) = (
        0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19)
    /// Bytes of an incomplete block, waiting for more input (always fewer than 64).
    private var pending: [UInt8] = []
    /// Total message length so far, in bytes.
    private var messageByteCount: UInt64 = 0

    /// Creates a hasher with the standard initial state.
    public init() {}

    /// Adds `data` to the message.
    public mutating func update(_ data: Data) {
        data.withUnsafeBytes { update($0) }
    }

    /// Adds `bytes` to the message.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard var base = bytes.baseAddress, bytes.count > 0 else { return }
        var remaining = bytes.count
        messageByteCount &+= UInt64(remaining)
        if !pending.isEmpty {
            let take = min(64 - pending.count, remaining)
            pending.append(contentsOf: UnsafeRawBufferPointer(start: base, count: take))
            base += take
            remaining -= take
            if pending.count < 64 { return }
            let block = pending
            block.withUnsafeBytes { compress(blocks: $0.baseAddress!, count: 1) }
            pending.removeAll(keepingCapacity: true)
        }
        let fullBlocks = remaining / 64
        if fullBlocks > 0 { compress(blocks: base, count: fullBlocks) }
        let tail = remaining - fullBlocks * 64
        if tail > 0 { pending.append(contentsOf: UnsafeRawBufferPointer(start: base + fullBlocks * 64, count: tail)) }
    }

    /// Pads the message, processes the last block(s) and returns the 32-byte digest.
    public mutating func finalize() -> SHA256Digest {
        let bitLength = messageByteCount &* 8
        var padding: [UInt8] = [0x80]
        let afterMarker = (pending.count + 1) % 64
        let zeros = afterMarker <= 56 ? 56 - afterMarker : 120 - afterMarker
        padding.append(contentsOf: repeatElement(0, count: zeros))
        for shift in stride(from: 56, through: 0, by: -8) { padding.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift))) }
        let savedCount = messageByteCount
        padding.withUnsafeBytes { update($0) }
        messageByteCount = savedCount
        precondition(pending.isEmpty, "SHA256.finalize: padding must end on a block boundary")
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        for word in [state.0, state.1, state.2, state.3, state.4, state.5, state.6, state.7] {
            bytes.append(contentsOf: [UInt8(word >> 24), UInt8(truncatingIfNeeded: word >> 16),
                                      UInt8(truncatingIfNeeded: word >> 8), UInt8(truncatingIfNeeded: word)])
        }
        return SHA256Digest(bytes: bytes)
    }

    /// The SHA-256 digest of `data`.
    public static func hash(_ data: Data) -> SHA256Digest {
        var hasher = SHA256()
        hasher.update(data)
        return hasher.finalize()
    }

    /// The lowercase hex SHA-256 of the file at `url`, read in chunks of `chunkByteCount` bytes
    /// into one reused buffer, so that memory stays flat however large the file is.
    /// - Throws: `CocoaError` (`.fileReadNoSuchFile`, `.fileReadUnknown`) when the file cannot
    ///   be opened or read.
    public static func hexDigest(ofFileAt url: URL, chunkByteCount: Int = 1 << 20) throws -> String {
        let descriptor = open(url.path, O_RDONLY)
        guard descriptor >= 0 else {
            throw CocoaError(errno == ENOENT ? .fileReadNoSuchFile : .fileReadUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
        defer { close(descriptor) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(chunkByteCount, 1), alignment: 64)
        defer { buffer.deallocate() }
        var hasher = SHA256()
        while true {
            let count = read(descriptor, buffer.baseAddress, buffer.count)
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw CocoaError(.fileReadUnknown, userInfo: [NSFilePathErrorKey: url.path])
            }
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
        return hasher.finalize().hexString
    }

    // MARK: - Compression function

    /// Processes `count` consecutive 64-byte blocks starting at `blocks`.
    private mutating func compress(blocks: UnsafeRawPointer, count: Int) {
        var (h0, h1, h2, h3, h4, h5, h6, h7) = state
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { schedule in
            sha256RoundConstants.withUnsafeBufferPointer { constants in
                for blockIndex in 0..<count {
                    let block = blocks + blockIndex * 64
                    for t in 0..<16 {
                        schedule[t] = UInt32(bigEndian: block.loadUnaligned(fromByteOffset: t * 4, as: UInt32.self))
                    }
                    for t in 16..<64 {
                        let w15 = schedule[t - 15], w2 = schedule[t - 2]
                        let s0 = rotateRight(w15, 7) ^ rotateRight(w15, 18) ^ (w15 >> 3)
                        let s1 = rotateRight(w2, 17) ^ rotateRight(w2, 19) ^ (w2 >> 10)
                        schedule[t] = schedule[t - 16] &+ s0 &+ schedule[t - 7] &+ s1
                    }
                    var a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7
                    // Eight rounds per step, the variables renamed instead of shifted.
                    for t in stride(from: 0, to: 64, by: 8) {
                        sha256Round(a, b, c, &d, e, f, g, &h, constants[t] &+ schedule[t])
                        sha256Round(h, a, b, &c, d, e, f, &g, constants[t + 1] &+ schedule[t + 1])
                        sha256Round(g, h, a, &b, c, d, e, &f, constants[t + 2] &+ schedule[t + 2])
                        sha256Round(f, g, h, &a, b, c, d, &e, constants[t + 3] &+ schedule[t + 3])
                        sha256Round(e, f, g, &h, a, b, c, &d, constants[t + 4] &+ schedule[t + 4])
                        sha256Round(d, e, f, &g, h, a, b, &c, constants[t + 5] &+ schedule[t + 5])
                        sha256Round(c, d, e, &f, g, h, a, &b, constants[t + 6] &+ schedule[t + 6])
                        sha256Round(b, c, d, &e, f, g, h, &a, constants[t + 7] &+ schedule[t + 7])
                    }
                    h0 &+= a; h1 &+= b; h2 &+= c; h3 &+= d
                    h4 &+= e; h5 &+= f; h6 &+= g; h7 &+= h
                }
            }
        }
        state = (h0, h1, h2, h3, h4, h5, h6, h7)
    }
}

/// A finished SHA-256 digest: 32 bytes.
public struct SHA256Digest: Sendable, Equatable, CustomStringConvertible {
    /// The 32 digest bytes, most significant first.
    public let bytes: [UInt8]

    /// The digest as 64 lowercase hex digits, the form `sha256sum` prints.
    public var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in bytes { text.append(digits[Int(byte >> 4)]); text.append(digits[Int(byte & 0xf)]) }
        return String(decoding: text, as: UTF8.self)
    }

    public var description: String { hexString }
}

/// One SHA-256 round: `d += T1`, `h = T1 + T2`; the caller rotates the names.
@inline(__always)
private func sha256Round(
    _ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: inout UInt32,
    _ e: UInt32, _ f: UInt32, _ g: UInt32, _ h: inout UInt32, _ constantPlusWord: UInt32
) {
    let sum1 = rotateRight(e, 6) ^ rotateRight(e, 11) ^ rotateRight(e, 25)
    let choice = g ^ (e & (f ^ g))
    let temp1 = h &+ sum1 &+ choice &+ constantPlusWord
    let sum0 = rotateRight(a, 2) ^ rotateRight(a, 13) ^ rotateRight(a, 22)
    let majority = (a & b) | (c & (a | b))
    d &+= temp1
    h = temp1 &+ sum0 &+ majority
}

@inline(__always)
private func rotateRight(_ value: UInt32, _ amount: UInt32) -> UInt32 {
    (value >> amount) | (value << (32 - amount))
}

/// The first 32 bits of the fractional parts of the cube roots of the first 64 primes.
private let sha256RoundConstants: [UInt32] = [
    0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
    0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
    0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
    0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
    0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
    0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
    0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
    0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
]
