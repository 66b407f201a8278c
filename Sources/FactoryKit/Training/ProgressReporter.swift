// ProgressReporter: feedback during long work — on a terminal, one redrawn progress line
// (epoch, step, loss, throughput, ETA); otherwise (CI, a pipe, a log file) plain lines at
// most every few seconds and at the end of each epoch. Writes to stderr so stdout stays
// for results. Not here: the metrics log file (MetricsLog).

import Foundation

/// Reports training progress on stderr.
public final class ProgressReporter: @unchecked Sendable {
    /// Whether stderr is a terminal (a redrawn line) or not (plain lines).
    public let isTerminal: Bool
    private var lastPlainLine = Date.distantPast
    private var epochStart = Date()
    private var samplesThisEpoch = 0
    private let write: (String) -> Void

    /// Creates a reporter.
    /// - Parameters:
    ///   - isTerminal: `nil` detects whether stderr is a terminal.
    ///   - write: where text goes (stderr by default).
    public init(isTerminal: Bool? = nil, write: ((String) -> Void)? = nil) {
        self.isTerminal = isTerminal ?? (isatty(2) == 1)
        self.write = write ?? { FileHandle.standardError.write(Data($0.utf8)) }
    }

    /// A plain message on its own line.
    public func log(_ message: String) {
        if isTerminal { write("\r\u{1B}[K") }
        write(message + "\n")
    }

    /// Marks the start of an epoch.
    public func startEpoch() {
        epochStart = Date()
        samplesThisEpoch = 0
    }

    /// Reports a finished training batch.
    public func step(epoch: Int, epochs: Int, batch: Int, batches: Int, samples: Int, loss: Double) {
        samplesThisEpoch += samples
        let elapsed = Date().timeIntervalSince(epochStart)
        let rate = elapsed > 0 ? Double(samplesThisEpoch) / elapsed : 0
        let remaining = batch > 0 ? elapsed / Double(batch) * Double(batches - batch) : 0
        let text = String(format: "epoch %d/%d  step %d/%d  loss %.4f  %.1f samples/s  ETA %@",
                          epoch, epochs, batch, batches, loss, rate, Self.duration(remaining))
        if isTerminal {
            let width = 20, filled = batches > 0 ? width * batch / batches : width
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            write("\r\u{1B}[K[\(bar)] " + text)
        } else if Date().timeIntervalSince(lastPlainLine) >= 10 || batch == batches {
            lastPlainLine = Date()
            write(text + "\n")
        }
    }

    /// `m:ss` or `h:mm:ss`.
    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        let hours = total / 3600, minutes = (total % 3600) / 60, rest = total % 60
        return hours > 0 ? String(format: "%d:%02d:%02d", hours, minutes, rest) : String(format: "%d:%02d", minutes, rest)
    }
}
