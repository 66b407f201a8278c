// CommandOutput: what every command shares for output: errors as `error: <message>` with
// exit status 1, JSON, plain-text tables and human-readable sizes. No command logic.

import ArgumentParser
import Foundation

/// Runs `body`; a thrown error is printed as `error: <message>` on stderr and exits with status 1.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ExitCode {
        throw error
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode(1)
    }
}

func printJSON<Value: Encodable>(_ value: Value) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

/// Left-aligned columns separated by two spaces; the last column is not padded.
func formatTable(_ rows: [[String]]) -> String {
    let columnCount = rows.map(\.count).max() ?? 0
    var widths = [Int](repeating: 0, count: columnCount)
    for row in rows { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
    var text = ""
    for row in rows {
        let cells = row.enumerated().map { index, cell in
            index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
        }
        var line = cells.joined(separator: "  ")
        while line.last == " " { line.removeLast() }
        text += line + "\n"
    }
    return text
}

/// `90868376` -> `"90.9 MB"`.
func formatSize(_ bytes: Int64) -> String {
    let units = ["B", "kB", "MB", "GB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1000 && unit < units.count - 1 {
        value /= 1000
        unit += 1
    }
    return unit == 0 ? "\(bytes) B" : "\(String(format: "%.1f", value)) \(units[unit])"
}
