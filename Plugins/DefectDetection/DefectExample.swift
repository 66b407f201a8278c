// DefectExample: one image of a part — where it is, whether it is good or defective (when
// known), the defect type (the MVTec AD folder name) and its ground-truth mask, if any. Not
// here: reading folders (DefectData), pixels (DefectImages).

import FactoryKit
import Foundation

/// One image to learn from, evaluate or score.
public struct DefectExample: TaskExample, Equatable {
    /// The image file.
    public var image: URL
    /// 0 good, 1 defect; `nil` for prediction inputs.
    public var label: Int?
    /// `good`, or the defect type (`scratch`, `hole`); `defect` in the plain folder layout.
    public var defectType: String
    /// The defect's mask (white = defect), when the data has one; good images have none.
    public var mask: URL?
    /// The image's size in pixels (checked against the mask when reading the data).
    public var height: Int
    public var width: Int

    /// Creates an example.
    public init(image: URL, label: Int?, defectType: String, mask: URL?, height: Int, width: Int) {
        self.image = image
        self.label = label
        self.defectType = defectType
        self.mask = mask
        self.height = height
        self.width = width
    }

    /// Splits are stratified by good / defect.
    public var stratum: Int? { label }
    /// Images are never deduplicated by name (equal names in different folders are different parts).
    public var deduplicationKey: String? { nil }
}
