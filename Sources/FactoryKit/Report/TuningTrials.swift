// TuningTrials: output/tune/trials.json, the hyperparameter search's results, as the report
// reads it: {"metric": name, "higher_is_better": bool, "trials": [{"trial": n,
// "parameters": {key: value}, "value": x, "epochs": n, "status": "completed"|"stopped"}]},
// best first. The search itself writes it (not here).

import Foundation

/// The trials of a hyperparameter search.
public struct TuningTrials: Sendable, Equatable {
    /// One trial.
    public struct Trial: Sendable, Equatable {
        public var number: Int
        /// Parameter values, as text (numbers in their shortest form), by key.
        public var parameters: [(key: String, value: String)]
        public var value: Double?
        public var epochs: Int?
        public var status: String

        /// Creates a trial.
        public init(number: Int, parameters: [(key: String, value: String)], value: Double?, epochs: Int?, status: String) {
            self.number = number
            self.parameters = parameters
            self.value = value
            self.epochs = epochs
            self.status = status
        }

        public static func == (lhs: Trial, rhs: Trial) -> Bool {
            lhs.number == rhs.number && lhs.parameters.map(\.key) == rhs.parameters.map(\.key)
                && lhs.parameters.map(\.value) == rhs.parameters.map(\.value) && lhs.value == rhs.value
                && lhs.epochs == rhs.epochs && lhs.status == rhs.status
        }
    }

    /// The metric the search optimised.
    public var metric: String
    /// Its direction.
    public var higherIsBetter: Bool
    /// The trials, best first.
    public var trials: [Trial]

    /// Creates trials.
    public init(metric: String, higherIsBetter: Bool, trials: [Trial]) {
        self.metric = metric
        self.higherIsBetter = higherIsBetter
        self.trials = trials
    }

    /// Reads trials.json.
    /// - Throws: ``PredictionsFileError`` naming the file and what is wrong.
    public static func read(_ url: URL) throws -> TuningTrials {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw PredictionsFileError("\(url.path): cannot read the file")
        }
        let document: JSONValue
        do { document = try JSONParser.parse([UInt8](data)) } catch {
            throw PredictionsFileError("\(url.path): not valid JSON (\(error)); run the search again or remove the file")
        }
        guard let metric = document["metric"]?.stringValue, let list = document["trials"]?.arrayValue else {
            throw PredictionsFileError("\(url.path): expected {\"metric\": ..., \"trials\": [...]}; run the search again or remove the file")
        }
        var trials: [Trial] = []
        for (position, item) in list.enumerated() {
            guard let object = item.objectValue else {
                throw PredictionsFileError("\(url.path): trial \(position + 1) is not an object; run the search again or remove the file")
            }
            let parameters = (item["parameters"]?.objectValue?.members ?? []).map { member -> (key: String, value: String) in
                switch member.value {
                case .string(let text): return (member.key, text)
                case .integer(let number): return (member.key, String(number))
                case .double(let number): return (member.key, HTMLText.number(number))
                case .bool(let flag): return (member.key, String(flag))
                default: return (member.key, member.value.description)
                }
            }
            trials.append(Trial(number: object["trial"]?.integerValue ?? position + 1, parameters: parameters,
                                value: object["value"]?.doubleValue, epochs: object["epochs"]?.integerValue,
                                status: object["status"]?.stringValue ?? "completed"))
        }
        return TuningTrials(metric: metric, higherIsBetter: document["higher_is_better"]?.boolValue ?? true, trials: trials)
    }
}
