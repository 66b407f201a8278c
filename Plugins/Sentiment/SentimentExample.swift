// SentimentExample: one text with its label (when known) and where it came from, so errors
// and reports can point at the file and line. Not here: reading files (SentimentData).

import FactoryKit

/// One review or sentence to classify.
public struct SentimentExample: TaskExample, Equatable {
    /// The text.
    public var text: String
    /// The class index, or `nil` for prediction inputs.
    public var label: Int?
    /// `file:line` of the record, for messages.
    public var source: String

    public init(text: String, label: Int?, source: String) {
        self.text = text
        self.label = label
        self.source = source
    }

    public var stratum: Int? { label }
    public var deduplicationKey: String? { text }
    /// The backbone sees the text only (not the label or where it came from).
    public var contentFingerprint: String { text }
}
