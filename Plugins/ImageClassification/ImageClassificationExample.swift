// ImageClassificationExample: one image file with its class (when known) and where it was
// listed (a class folder or a manifest line), so errors and reports can point at it. The
// pixels are not held here: they are decoded per batch. Not here: reading the data layouts
// (ImageClassificationData), decoding (ImageLoading).

import FactoryKit
import Foundation

/// One image to classify.
public struct ImageClassificationExample: TaskExample, Equatable {
    /// The image file.
    public var file: URL
    /// The class index, or `nil` for prediction inputs.
    public var label: Int?
    /// Where the example was listed (`cats/` folder or `manifest.csv:12`), for messages.
    public var source: String

    /// Creates an example.
    public init(file: URL, label: Int?, source: String) {
        self.file = file
        self.label = label
        self.source = source
    }

    public var stratum: Int? { label }
    /// Images are not deduplicated by the core (it compares text keys; equal files under
    /// different names are not detected).
    public var deduplicationKey: String? { nil }

    /// The file, its size and modification time: a changed image invalidates the feature cache.
    public var contentFingerprint: String {
        let attributes = try? FileManager.default.attributesOfItem(atPath: file.path)
        let size = (attributes?[.size] as? NSNumber)?.int64Value ?? -1
        let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return "\(file.path)|\(size)|\(modified)|\(label.map(String.init) ?? "-")"
    }
}
