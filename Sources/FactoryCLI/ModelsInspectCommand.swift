// `factory models inspect FILE|BACKBONE`: what is inside a weight file (safetensors, or a
// PyTorch checkpoint in the zip or legacy layout): its tensors (name, dtype, shape, bytes),
// and for a pickle the globals it names and its top-level keys. Reading never executes
// anything: a pickle naming a global outside the allow-list is reported, not loaded.

import ArgumentParser
import FactoryModels
import Foundation

struct ModelsInspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "List the tensors of a safetensors file or PyTorch checkpoint (and the globals a pickle names).",
        discussion: """
            Safe on files nobody trusts: pickles are read by an allow-list reader that never runs \
            code; a file naming anything else (os.system, builtins.eval, ...) is refused with the \
            name of that global. Give a file path, or the name of an installed backbone.
            """)

    @Argument(help: "A .safetensors / .pt / .pth / .bin file, or an installed backbone's name.")
    var file: String

    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false

    @Option(name: .long, help: "Show at most this many tensors in the text table (0 = all).")
    var limit = 0

    func run() throws {
        try reportingErrors {
            let url = try resolveFile()
            let summary = try TensorArchives.summary(of: url)
            if json { return try printJSON(InspectReport(path: url.path, summary: summary)) }
            print(text(for: summary, path: url.path), terminator: "")
        }
    }

    /// The file itself, or the weights file of an installed backbone of that name.
    private func resolveFile() throws -> URL {
        if FileManager.default.fileExists(atPath: file) { return URL(fileURLWithPath: file) }
        if !file.contains("/"), let store = try? ModelStore.standard(), (try? store.catalog.backbone(named: file)) != nil {
            return try store.resolve(file).weightsFile
        }
        throw ValidationError("\(file): no such file (and not an installed backbone; see `factory models list`)")
    }

    private func text(for summary: TensorArchiveSummary, path: String) -> String {
        var lines = ["file: \(path)", "format: \(summary.format.rawValue)"]
        if !summary.globals.isEmpty { lines.append("globals: \(summary.globals.joined(separator: ", "))") }
        if !summary.stateDictPath.isEmpty {  // (a top-level state dict's keys are the tensors below)
            let keys = summary.topLevelKeys.prefix(12).map(\.description)
            let more = summary.topLevelKeys.count > 12 ? " (+\(summary.topLevelKeys.count - 12) more)" : ""
            lines.append("top-level keys: \(keys.joined(separator: "; "))\(more)")
        }
        if !summary.stateDictPath.isEmpty { lines.append("state dict: \(summary.stateDictPath.joined(separator: "."))") }
        for (key, value) in summary.metadata.sorted(by: { $0.key < $1.key }) { lines.append("metadata \(key): \(value)") }
        lines.append("tensors: \(summary.tensors.count), \(formatSize(Int64(summary.totalBytes)))")
        lines.append("")
        let shown = limit > 0 ? Array(summary.tensors.prefix(limit)) : summary.tensors
        var rows = [["NAME", "DTYPE", "SHAPE", "BYTES"]]
        rows += shown.map { [$0.name, $0.dtype.rawValue, "[" + $0.shape.map(String.init).joined(separator: ", ") + "]", "\($0.byteCount)"] }
        var text = lines.joined(separator: "\n") + "\n" + formatTable(rows)
        if shown.count < summary.tensors.count { text += "(\(summary.tensors.count - shown.count) more; --limit 0 shows all)\n" }
        return text
    }
}

/// The JSON form of an inspection.
private struct InspectReport: Encodable {
    struct Entry: Encodable {
        let name: String
        let dtype: String
        let shape: [Int]
        let bytes: Int
    }
    let path: String
    let format: String
    let globals: [String]
    let stateDict: [String]
    let metadata: [String: String]
    let totalBytes: Int
    let tensors: [Entry]

    init(path: String, summary: TensorArchiveSummary) {
        self.path = path
        format = summary.format.rawValue
        globals = summary.globals
        stateDict = summary.stateDictPath
        metadata = summary.metadata
        totalBytes = summary.totalBytes
        tensors = summary.tensors.map { Entry(name: $0.name, dtype: $0.dtype.rawValue, shape: $0.shape, bytes: $0.byteCount) }
    }
}
