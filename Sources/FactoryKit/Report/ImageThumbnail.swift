// ImageThumbnail: an image file as a small PNG `data:` URI for the self-contained report —
// decoded (PNG or JPEG), shrunk by area averaging so its longer side is at most a given
// size, and encoded again. An unreadable file gives nil (the report says so), never an
// error. Not here: image decoding (FactoryIO ImageFile).

import Foundation

/// Thumbnails for the report.
public enum ImageThumbnail {
    /// A `data:image/png;base64,...` URI of the image at `url`, its longer side at most
    /// `maximumSide` pixels; nil when the file cannot be read as an image.
    public static func dataURI(_ url: URL, maximumSide: Int = 160) -> String? {
        guard var image = try? ImageFile.read(url, maximumPixels: 1 << 26) else { return nil }
        let height = image.shape[1], width = image.shape[2]
        let longer = Swift.max(height, width)
        if longer > maximumSide {
            let scale = Double(maximumSide) / Double(longer)
            image = ImageTransforms.resizeArea(image, height: Swift.max(1, Int((Double(height) * scale).rounded())),
                                               width: Swift.max(1, Int((Double(width) * scale).rounded())))
        }
        guard let png = try? ImageFile.encodePNG(image) else { return nil }
        return "data:image/png;base64," + png.base64EncodedString()
    }
}
