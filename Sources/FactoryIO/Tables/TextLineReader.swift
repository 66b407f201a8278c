// TextLineReader: reads a text file line by line through a fixed-size buffer, so a 1 GB
// file is never in memory at once. Lines end at "\n"; a "\r" before it is reported as part
// of the terminator (CRLF). A UTF-8 byte order mark at the very start is skipped. Lines
// longer than a limit are an error, so a file with no newlines cannot exhaust memory.
// It does NOT decode text (lines are bytes) and does NOT know about CSV quoting.

import Foundation

/// One physical line of a file.
struct TextLine {
    /// 1-based line number.
    let number: Int
    /// The bytes of the line without its terminator.
    let content: [UInt8]
    /// The terminator: "\n", "\r\n", or empty for a last line with none.
    let terminator: [UInt8]
}

/// A buffered reader of lines from a file.
final class TextLineReader {
    let file: String
    let maximumLineBytes: Int
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var start = 0
    private var reachedEnd = false
    private var lineNumber = 0
    private static let chunkSize = 1 << 16

    /// Opens `url` for reading.
    init(url: URL, maximumLineBytes: Int) throws(TableError) {
        file = url.path
        self.maximumLineBytes = maximumLineBytes
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw .unreadableFile(file: url.path, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw .unreadableFile(file: url.path, reason: "it is a folder") }
        do {
            handle = try FileHandle(forReadingFrom: url)
        } catch {
            throw .unreadableFile(file: url.path, reason: error.localizedDescription)
        }
        try fill()
        if buffer.starts(with: [0xEF, 0xBB, 0xBF]) { start = 3 }
    }

    deinit { try? handle.close() }

    /// Reads one more chunk; sets `reachedEnd` at the end of the file.
    private func fill() throws(TableError) {
        guard !reachedEnd else { return }
        let chunk: Data?
        do {
            chunk = try handle.read(upToCount: Self.chunkSize)
        } catch {
            throw .unreadableFile(file: file, reason: error.localizedDescription)
        }
        guard let chunk, !chunk.isEmpty else {
            reachedEnd = true
            return
        }
        if start > 0 && start >= buffer.count / 2 {
            buffer.removeFirst(start)
            start = 0
        }
        buffer.append(contentsOf: chunk)
    }

    /// The next line, or nil at the end of the file.
    func nextLine() throws(TableError) -> TextLine? {
        var searchFrom = start
        while true {
            if let newline = buffer[searchFrom...].firstIndex(of: UInt8(ascii: "\n")) {
                var contentEnd = newline
                if contentEnd > start && buffer[contentEnd - 1] == UInt8(ascii: "\r") { contentEnd -= 1 }
                lineNumber += 1
                let line = TextLine(
                    number: lineNumber, content: Array(buffer[start..<contentEnd]),
                    terminator: Array(buffer[contentEnd...newline]))
                start = newline + 1
                return line
            }
            if buffer.count - start > maximumLineBytes {
                throw .recordTooLong(file: file, line: lineNumber + 1, limit: maximumLineBytes)
            }
            if reachedEnd {
                guard start < buffer.count else { return nil }
                lineNumber += 1
                var contentEnd = buffer.count
                if buffer[contentEnd - 1] == UInt8(ascii: "\r") { contentEnd -= 1 }
                let line = TextLine(
                    number: lineNumber, content: Array(buffer[start..<contentEnd]), terminator: Array(buffer[contentEnd...]))
                start = buffer.count
                return line
            }
            let scanned = buffer.count - start
            try fill()
            searchFrom = start + scanned
        }
    }
}
