// ImageProjectFixture: temporary image classification projects for the tests — small PNGs
// written into class folders, split folders or next to a manifest, and the project's
// factory.yaml, opened as the CLI would open it.

import FactoryKit
import Foundation
import ImageClassification

struct ImageProjectFixture {
    let folder: URL
    let plugin = ImageClassificationPlugin()

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("factory-image-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }

    /// A `[channels, height, width]` image filled with `value` in every channel
    /// (the last channel gets `alpha` when there are 2 or 4).
    static func flatImage(channels: Int = 3, height: Int = 12, width: Int = 12, value: Float, alpha: Float = 0.5) -> Tensor {
        var scalars = [Float](repeating: value, count: channels * height * width)
        if channels == 2 || channels == 4 {
            for index in (channels - 1) * height * width ..< channels * height * width { scalars[index] = alpha }
        }
        return Tensor(scalars, shape: [channels, height, width])
    }

    /// Writes a PNG at `path` (relative to the project), creating its folders.
    @discardableResult
    func writeImage(_ path: String, _ image: Tensor = flatImage(value: 0.5)) throws -> URL {
        let url = folder.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try ImageFile.writePNG(image, to: url)
        return url
    }

    /// Writes raw bytes at `path` (relative to the project).
    func writeFile(_ path: String, _ data: Data) throws {
        let url = folder.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
    }

    /// Writes factory.yaml with `settings` and opens the project.
    func context(_ settings: [String: ConfigValue] = [:], modelStore: ModelStore? = nil) throws -> TaskContext {
        var registry = PluginRegistry()
        try registry.register(plugin)
        try ConfigWriter.write(schema: Project.schema(for: plugin), values: settings.merging(["task": .string("image-classification")]) { $1 },
                               header: "test", to: folder.appendingPathComponent(Project.configFileName))
        let store = try modelStore ?? ModelStore.standard(environment: ["FACTORY_CACHE_DIR": folder.appendingPathComponent("cache").path])
        return try Project.open(folder, registry: registry, modelStore: store) { _ in }.context
    }
}
