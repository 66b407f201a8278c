// PreparedImages: model-ready images (decoded, resized, normalised: what DefectImages.load
// returns) kept from the data check for the first use that follows it — the check must decode
// every file anyway, and on large images (1024x1024 PNGs) decoding is most of a run's time, so
// the fit and the validation take the check's work instead of decoding each file a second
// time. Each image is handed out once (then forgotten) and the store holds at most
// `budgetBytes` (images past that are simply decoded again when used). Keyed by file path,
// size, byte count and modification time, so several projects in one process never mix and a
// file changed since its check is decoded again. Not here: the check (DefectData), what
// a model-ready image is (DefectImages).

import FactoryKit
import Foundation

/// Images prepared during the data check, waiting for their first use.
final class PreparedImages: @unchecked Sendable {
    /// The store the data check fills and `DefectImages.batch` empties: at most 512 MiB (850
    /// images at 224 x 224).
    static let shared = PreparedImages(budgetBytes: 1 << 29)

    /// A file at one size, as it was when prepared (a file changed since is not matched).
    private struct Key: Hashable {
        let path: String
        let size: Int
        let bytes: Int
        let modified: Int64

        init?(_ url: URL, size: Int) {
            guard let stamp = CheckedImages.stamp(url) else { return nil }
            (path, self.size, bytes, modified) = (url.path, size, stamp.bytes, stamp.modified)
        }
    }

    private let budgetBytes: Int
    private var images: [Key: Tensor] = [:]
    private var heldBytes = 0
    private let lock = NSLock()

    init(budgetBytes: Int) { self.budgetBytes = budgetBytes }

    /// Keeps `image` (`[3, size, size]`) for `url` unless the budget is spent.
    func keep(_ image: Tensor, for url: URL, size: Int) {
        guard let key = Key(url, size: size) else { return }
        let bytes = image.shape.reduce(1, *) * MemoryLayout<Float>.stride
        lock.lock()
        defer { lock.unlock() }
        guard images[key] == nil, heldBytes + bytes <= budgetBytes else { return }
        images[key] = image
        heldBytes += bytes
    }

    /// The image kept for `url` at `size`, handed out once; `nil` when none is kept.
    func take(_ url: URL, size: Int) -> Tensor? {
        guard let key = Key(url, size: size) else { return nil }
        lock.lock()
        defer { lock.unlock() }
        guard let image = images.removeValue(forKey: key) else { return nil }
        heldBytes -= image.shape.reduce(1, *) * MemoryLayout<Float>.stride
        return image
    }
}
