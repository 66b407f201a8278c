// DefectData: reading inspection images from disk in two layouts — the MVTec AD layout
// (`train/good/`, `test/good/`, `test/<defect-type>/`, `ground_truth/<defect-type>/
// <name>_mask.png`), whose own train/test split is kept (a seeded, per-type share of the test
// images becomes the validation split that picks the threshold, and for the supervised
// methods as large a share of each defect folder joins training), and a plain `good/` +
// `defect/` folder pair that the core splits. Every image is decoded once (on all cores) and
// every mask is checked against its image's size here, so bad files fail before anything is
// written, with the file named (the first in folder order); files that passed an earlier
// load and have not changed since are not decoded again (CheckedImages). Not here: pixels for the model (DefectImages).

import FactoryKit
import Foundation

/// A problem with the defect-detection data, naming the file or folder and what to do.
public struct DefectDataError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

enum DefectData {
    static let imageExtensions: Set<String> = ["png", "jpg", "jpeg"]

    /// The image files of `folder`, sorted by name.
    /// - Throws: when the folder is missing or holds no image.
    static func images(in folder: URL, role: String) throws -> [URL] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder), isFolder.boolValue else {
            throw DefectDataError("\(folder.path): no such folder; \(role)")
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { !$0.hasPrefix(".") && imageExtensions.contains(($0 as NSString).pathExtension.lowercased()) }
            .sorted()
        guard !names.isEmpty else {
            throw DefectDataError("\(folder.path): the folder has no PNG or JPEG images; add images of this class or remove the folder")
        }
        return names.map { folder.appendingPathComponent($0) }
    }

    /// The sub-folders of `folder`, sorted, hidden ones skipped.
    static func subfolders(of folder: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { name in
            var isFolder: ObjCBool = false
            return !name.hasPrefix(".") && FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path, isDirectory: &isFolder) && isFolder.boolValue
        }.sorted()
    }

    /// Decodes `url` once to check it and learn its size.
    static func imageSize(_ url: URL) throws -> (height: Int, width: Int) {
        do {
            return try ImageFile.checkedSize(of: url)
        } catch {
            throw DefectDataError("\(url.path): the image cannot be read (\(error)); replace or remove the file")
        }
    }

    /// An image file found in the data folder, not yet checked.
    struct Candidate {
        let url: URL
        let label: Int
        let type: String
        let mask: URL?
    }

    /// Checks `candidate` by loading it model-ready at `imageSize` (kept in ``PreparedImages``
    /// for its first use) and its mask against its size.
    static func example(_ candidate: Candidate, preparing imageSize: Int) throws -> DefectExample {
        let loaded = try DefectImages.loadWithSize(candidate.url, size: imageSize)
        PreparedImages.shared.keep(loaded.image, for: candidate.url, size: imageSize)
        if let mask = candidate.mask { _ = try AnomalyMaps.readMask(mask, height: loaded.height, width: loaded.width) }
        return DefectExample(image: candidate.url, label: candidate.label, defectType: candidate.type, mask: candidate.mask,
                             height: loaded.height, width: loaded.width)
    }

    /// Every candidate decoded (and its mask size-checked) on all cores, in order; the first
    /// bad file in that order is the error. Files the `record` at `location` lists as checked
    /// and unchanged since are not decoded again; the record is brought up to date once every
    /// file has passed.
    static func examples(_ candidates: [Candidate], record location: URL, preparing imageSize: Int) throws -> [DefectExample] {
        let record = CheckedImages.read(location)
        let examples = try OrderedResults.map(count: candidates.count) { index -> DefectExample in
            let candidate = candidates[index]
            if let image = record.unchanged(candidate.url),
               candidate.mask.map({ mask in record.unchanged(mask).map { $0.height == image.height && $0.width == image.width } ?? false }) ?? true {
                return DefectExample(image: candidate.url, label: candidate.label, defectType: candidate.type, mask: candidate.mask,
                                     height: image.height, width: image.width)
            }
            return try example(candidate, preparing: imageSize)
        }
        var updated = CheckedImages()
        for example in examples {
            updated.record(example.image, height: example.height, width: example.width)
            if let mask = example.mask { updated.record(mask, height: example.height, width: example.width) }
        }
        if updated.files != record.files { updated.write(to: location) }
        return examples
    }

    /// Reads the configured data folder.
    static func load(_ context: TaskContext) throws -> TaskData<DefectExample> {
        let root = context.resolve(context.config.string("data.path"))
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isFolder), isFolder.boolValue else {
            throw DefectDataError("\(root.path): no such folder; set data.path in factory.yaml to an MVTec AD category folder (train/good, test/...) or a folder with good/ and defect/")
        }
        var layout = context.config.string("data.layout")
        if layout == "auto" {
            let fileManager = FileManager.default
            if fileManager.fileExists(atPath: root.appendingPathComponent("train").path) && fileManager.fileExists(atPath: root.appendingPathComponent("test").path) {
                layout = "mvtec"
            } else if fileManager.fileExists(atPath: root.appendingPathComponent("good").path) {
                layout = "folders"
            } else {
                throw DefectDataError("\(root.path): neither train/ + test/ (MVTec AD layout) nor good/ (+ defect/) found; arrange the images in one of these layouts (see the README)")
            }
        }
        let validationFraction = context.config.number("data.validation_fraction")
        let seed = UInt64(context.config.integer("seed"))
        // The supervised methods learn from labelled defects: in the MVTec AD layout, a share of
        // each defect folder (as large as the validation share) joins the training split.
        let defectsForTraining = context.config.string("model.method") != "patchcore"
        let record = CheckedImages.location(projectFolder: context.projectFolder)
        // Images decoded by the check are kept model-ready for their first use (PreparedImages).
        let imageSize = context.config.integer("model.image_size")
        return layout == "mvtec"
            ? try loadMVTec(root, validationFraction: validationFraction, defectsForTraining: defectsForTraining, seed: seed, record: record,
                            preparing: imageSize)
            : try loadFolders(root, record: record, preparing: imageSize)
    }

    /// `good/` and (optionally) `defect/`: the core splits them.
    static func loadFolders(_ root: URL, record: URL, preparing imageSize: Int) throws -> TaskData<DefectExample> {
        var candidates = try images(in: root.appendingPathComponent("good"), role: "put the images of good parts in good/")
            .map { Candidate(url: $0, label: 0, type: "good", mask: nil) }
        let defectFolder = root.appendingPathComponent("defect")
        if FileManager.default.fileExists(atPath: defectFolder.path) {
            candidates += try images(in: defectFolder, role: "put the images of defective parts in defect/")
                .map { Candidate(url: $0, label: 1, type: "defect", mask: nil) }
        }
        return TaskData(examples: try examples(candidates, record: record, preparing: imageSize), labelNames: ["good", "defect"])
    }

    /// The MVTec AD layout, with its own train / test split and a validation share of test.
    static func loadMVTec(_ root: URL, validationFraction: Double, defectsForTraining: Bool = false, seed: UInt64,
                          record: URL, preparing imageSize: Int) throws -> TaskData<DefectExample> {
        var candidates: [Candidate] = []
        var splits = DataSplits(train: [], validation: [], test: [])
        for url in try images(in: root.appendingPathComponent("train/good"), role: "the MVTec AD layout needs train/good/ with images of good parts") {
            splits.train.append(candidates.count)
            candidates.append(Candidate(url: url, label: 0, type: "good", mask: nil))
        }
        let testFolder = root.appendingPathComponent("test")
        let types = try subfolders(of: testFolder)
        guard types.contains("good") else {
            throw DefectDataError("\(testFolder.appendingPathComponent("good").path): the test set has no good images; the threshold and image AUROC need good test images — add some (for example a few moved from train/good)")
        }
        let truth = root.appendingPathComponent("ground_truth")
        let hasMasks = FileManager.default.fileExists(atPath: truth.path)
        var generator = SeededGenerator(seed: seed &+ 0x5EED)
        for type in types {
            let label = type == "good" ? 0 : 1
            var indices: [Int] = []
            for url in try images(in: testFolder.appendingPathComponent(type), role: "") {
                var mask: URL?
                if label == 1 && hasMasks {
                    let name = url.deletingPathExtension().lastPathComponent + "_mask.png"
                    let candidate = truth.appendingPathComponent(type).appendingPathComponent(name)
                    guard FileManager.default.fileExists(atPath: candidate.path) else {
                        throw DefectDataError("\(url.path): its mask \(candidate.path) is missing; add it (white = defect) or remove ground_truth/ to train without masks")
                    }
                    mask = candidate
                }
                indices.append(candidates.count)
                candidates.append(Candidate(url: url, label: label, type: type, mask: mask))
            }
            // A seeded share of each type validates (picks the threshold); the rest tests.
            for position in stride(from: indices.count - 1, to: 0, by: -1) {
                indices.swapAt(position, Int(generator.next() % UInt64(position + 1)))
            }
            let validationCount = indices.count >= 2 ? Swift.max(1, Int((Double(indices.count) * validationFraction).rounded())) : 0
            let trainingCount = defectsForTraining && label == 1 && indices.count >= 3 ? validationCount : 0
            splits.validation += indices.prefix(validationCount).sorted()
            splits.train += indices.dropFirst(validationCount).prefix(trainingCount).sorted()
            splits.test += indices.dropFirst(validationCount + trainingCount).sorted()
        }
        return TaskData(examples: try examples(candidates, record: record, preparing: imageSize), labelNames: ["good", "defect"], userSplits: splits)
    }
}
