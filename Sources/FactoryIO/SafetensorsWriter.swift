// SafetensorsWriter: writes Float32 tensors to a .safetensors file, atomically (a temporary file
// in the same folder, synced, then renamed over the target), so a crash never leaves a half-
// written checkpoint. The header is padded with spaces to a multiple of 8 bytes so that the
// data area is aligned, as the format requires. It does not read (see SafetensorsFile.swift)
// and writes only F32.

import FactoryTensor
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes safetensors files.
public enum SafetensorsWriter {
    /// Writes `tensors` in the given order as F32, with `metadata` as `__metadata__`.
    /// - Parameters:
    ///   - tensors: Names and tensors; names must be unique, non-empty and not `__metadata__`.
    ///   - metadata: Free-form strings stored in the header (e.g. `["format": "pt"]`).
    ///   - url: The file to create or replace.
    /// - Throws: `SafetensorsError.invalidTensorName` or `.cannotWrite`; the target is untouched on failure.
    public static func write(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:], to url: URL) throws {
        let path = url.path
        var seen = Set<String>()
        for (name, _) in tensors {
            if name.isEmpty { throw SafetensorsError.invalidTensorName(path: path, name: name, reason: "the name is empty") }
            if name == "__metadata__" { throw SafetensorsError.invalidTensorName(path: path, name: name, reason: "the name is reserved") }
            if !seen.insert(name).inserted {
                throw SafetensorsError.invalidTensorName(path: path, name: name, reason: "two tensors have this name")
            }
        }
        let header = headerBytes(tensors, metadata: metadata)
        do {
            try AtomicFile.write(to: url) { handle in
                var length = UInt64(header.count).littleEndian
                try handle.write(contentsOf: Data(bytes: &length, count: 8))
                try handle.write(contentsOf: header)
                for (_, tensor) in tensors {
                    try tensor.withContiguousElements { elements in
                        guard let base = elements.baseAddress, !elements.isEmpty else { return }
                        #if _endian(big)
                        let swapped = elements.map { $0.bitPattern.littleEndian }
                        try swapped.withUnsafeBytes { try handle.write(contentsOf: Data($0)) }
                        #else
                        let chunkElements = 1 << 22
                        var start = 0
                        while start < elements.count {
                            let count = min(chunkElements, elements.count - start)
                            try handle.write(contentsOf: Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: base + start),
                                                              count: count * 4, deallocator: .none))
                            start += count
                        }
                        #endif
                    }
                }
            }
        } catch {
            throw SafetensorsError.cannotWrite(path: path, reason: error.reason)
        }
    }

    /// Writes `tensors` sorted by name (the order the reference implementation uses for dicts).
    public static func write(_ tensors: [String: Tensor], metadata: [String: String] = [:], to url: URL) throws {
        try write(tensors.sorted { $0.key < $1.key }.map { (name: $0.key, tensor: $0.value) }, metadata: metadata, to: url)
    }

    /// The JSON header, padded with spaces to a multiple of 8 bytes.
    static func headerBytes(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String]) -> Data {
        var parts: [String] = []
        if !metadata.isEmpty {
            let items = metadata.sorted { $0.key < $1.key }.map { "\(jsonString($0.key)):\(jsonString($0.value))" }
            parts.append("\"__metadata__\":{\(items.joined(separator: ","))}")
        }
        var offset = 0
        for (name, tensor) in tensors {
            let byteCount = tensor.count * 4
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            parts.append("\(jsonString(name)):{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + byteCount)]}")
            offset += byteCount
        }
        var text = Array("{\(parts.joined(separator: ","))}".utf8)
        while text.count % 8 != 0 { text.append(UInt8(ascii: " ")) }
        return Data(text)
    }

    /// `text` as a JSON string literal.
    static func jsonString(_ text: String) -> String { JSONValue.string(text).serialized() }
}
