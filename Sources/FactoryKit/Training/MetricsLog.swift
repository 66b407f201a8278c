// MetricsLog: `metrics.jsonl`, one JSON object per epoch (epoch, train loss, validation loss
// and metrics, learning rate, seconds) so curves can be drawn and runs compared. Each write
// replaces the file atomically with the lines so far, so a killed run never leaves half a
// line. Not here: the learning-curve chart (LearningCurveChart).

import Foundation

/// One epoch's line of metrics.jsonl.
public struct EpochRecord: Sendable, Equatable, Codable {
    public var epoch: Int
    public var trainLoss: Double
    public var validationLoss: Double?
    public var validationMetrics: [String: Double]
    public var learningRate: Double
    public var seconds: Double

    public init(epoch: Int, trainLoss: Double, validationLoss: Double?, validationMetrics: [String: Double], learningRate: Double, seconds: Double) {
        self.epoch = epoch
        self.trainLoss = trainLoss
        self.validationLoss = validationLoss
        self.validationMetrics = validationMetrics
        self.learningRate = learningRate
        self.seconds = seconds
    }

    enum CodingKeys: String, CodingKey {
        case epoch, trainLoss = "train_loss", validationLoss = "validation_loss", validationMetrics = "validation"
        case learningRate = "learning_rate", seconds
    }
}

/// Reads and writes metrics.jsonl.
public enum MetricsLog {
    /// Writes every record, one JSON object per line, atomically.
    public static func write(_ records: [EpochRecord], to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var data = Data()
        for record in records {
            data.append(try encoder.encode(record))
            data.append(0x0A)
        }
        try AtomicFile.write(data, to: url)
    }

    /// Reads the records of a metrics.jsonl (empty when the file does not exist).
    public static func read(_ url: URL) throws -> [EpochRecord] {
        guard FileManager.default.fileExists(atPath: url.path) else { return [] }
        let text = try String(contentsOf: url, encoding: .utf8)
        return try text.split(separator: "\n").map { try JSONDecoder().decode(EpochRecord.self, from: Data($0.utf8)) }
    }
}
