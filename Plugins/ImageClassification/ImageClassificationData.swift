// ImageClassificationData: the data layouts of the image classification task, read into
// examples (file + class) without decoding any pixels:
// - a folder with one sub-folder per class (`data/images/cat/*.png`);
// - the same with the user's own split: `train/`, `val/` (or `validation/`) and `test/`
//   sub-folders, each with the class sub-folders;
// - a CSV (or TSV) manifest with a path and a label column (paths relative to the manifest),
//   and optionally a split column (train, val/validation, test).
// Every file is checked to be a PNG or JPEG up front; every problem is an error naming the
// file or manifest line and what to do. Not here: decoding and resizing (ImageLoading).

import FactoryKit
import Foundation

/// A problem with the image classification data.
public struct ImageClassificationDataError: Error, CustomStringConvertible, Equatable {
    /// What went wrong, where, and what to do.
    public let message: String
    /// Creates an error.
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// One listed image before its class becomes an index.
struct ListedImage {
    var file: URL
    var className: String
    var source: String
    var split: String?
}

enum ImageClassificationData {
    static let splitFolderNames: [(names: [String], split: String)] = [(["train"], "train"), (["val", "validation"], "validation"), (["test"], "test")]

    /// Reads the configured data (`data.path`: a folder or a manifest).
    static func load(_ context: TaskContext) throws -> TaskData<ImageClassificationExample> {
        let config = context.config
        let location = context.resolve(config.string("data.path"))
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: location.path, isDirectory: &isFolder) else {
            throw ImageClassificationDataError("\(location.path): no such file or folder; set data.path in factory.yaml to a folder with one sub-folder per class, or to a CSV manifest with path and label columns")
        }
        let listed: [ListedImage]
        if isFolder.boolValue {
            listed = try readFolder(location, log: context.log)
        } else {
            listed = try readManifest(location, pathColumn: config.string("data.path_column"), labelColumn: config.string("data.label_column"),
                                      splitColumn: config.string("data.split_column"))
        }
        return try examples(from: listed, givenLabels: config.strings("data.labels"), origin: location.path)
    }

    /// Turns listed images into examples with class indices, and the user's split if any.
    static func examples(from listed: [ListedImage], givenLabels: [String], origin: String) throws -> TaskData<ImageClassificationExample> {
        let labelNames = givenLabels.isEmpty ? Array(Set(listed.map(\.className))).sorted() : givenLabels
        guard labelNames.count >= 2 else {
            throw ImageClassificationDataError("\(origin): the data has \(labelNames.count) class(es) (\(labelNames.joined(separator: ", "))); a classifier needs at least two")
        }
        let index = Dictionary(labelNames.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        var examples: [ImageClassificationExample] = []
        var splits = DataSplits(train: [], validation: [], test: [])
        for image in listed {
            guard let label = index[image.className] else {
                throw ImageClassificationDataError("\(image.source): class \"\(image.className)\" is not in data.labels (\(labelNames.joined(separator: ", "))); add it to data.labels or remove the image")
            }
            switch image.split {
            case "train": splits.train.append(examples.count)
            case "validation": splits.validation.append(examples.count)
            case "test": splits.test.append(examples.count)
            default: break
            }
            examples.append(ImageClassificationExample(file: image.file, label: label, source: image.source))
        }
        let hasSplits = listed.contains { $0.split != nil }
        return TaskData(examples: examples, labelNames: labelNames, userSplits: hasSplits ? splits : nil)
    }

    // MARK: Folders

    /// A folder of class folders, or of `train/`, `val/`, `test/` folders of class folders.
    static func readFolder(_ folder: URL, log: (String) -> Void) throws -> [ListedImage] {
        let (folders, files) = try ImageLoading.contents(of: folder)
        let byName = Dictionary(folders.map { ($0.lastPathComponent, $0) }, uniquingKeysWith: { first, _ in first })
        let splitFolders = splitFolderNames.map { entry in (entry.split, entry.names.compactMap { byName[$0] }.first) }
        let presentSplits = splitFolders.filter { $0.1 != nil }.map(\.0)
        if byName["train"] != nil && presentSplits.count > 1 {
            // The user's own split: all three must be there.
            var listed: [ListedImage] = []
            for (split, splitFolder) in splitFolders {
                guard let splitFolder else {
                    throw ImageClassificationDataError("\(folder.path) has split folders (\(presentSplits.map(splitFolderName).joined(separator: ", "))) but no \(splitFolderName(split))/; add it with the same class folders, or put the class folders directly in \(folder.lastPathComponent)/ and let factory split")
                }
                listed += try readClassFolders(splitFolder, split: split, log: log)
            }
            return listed
        }
        if folders.isEmpty {
            let images = files.filter(ImageLoading.isImageFile)
            throw ImageClassificationDataError(images.isEmpty
                ? "\(folder.path) has no class folders; put each class's images in a sub-folder named after the class (\(folder.lastPathComponent)/cat/1.png), or set data.path to a CSV manifest"
                : "\(folder.path) holds \(images.count) image(s) but no class folders; move each class's images into a sub-folder named after the class (\(folder.lastPathComponent)/cat/\(images[0].lastPathComponent)), or list them in a CSV manifest with path and label columns")
        }
        return try readClassFolders(folder, split: nil, log: log)
    }

    static func splitFolderName(_ split: String) -> String { split == "validation" ? "val" : split }

    /// Every class folder's images, in name order; an empty class folder is an error.
    static func readClassFolders(_ folder: URL, split: String?, log: (String) -> Void) throws -> [ListedImage] {
        let (classFolders, _) = try ImageLoading.contents(of: folder)
        guard !classFolders.isEmpty else {
            throw ImageClassificationDataError("\(folder.path) has no class folders; put each class's images in a sub-folder named after the class")
        }
        var listed: [ListedImage] = []
        var skipped = 0
        for classFolder in classFolders {
            let (_, files) = try ImageLoading.contents(of: classFolder)
            let images = files.filter(ImageLoading.isImageFile)
            skipped += files.count - images.count
            guard !images.isEmpty else {
                throw ImageClassificationDataError("\(classFolder.path)/ has no images (.png, .jpg, .jpeg); add images of class \"\(classFolder.lastPathComponent)\" or remove the folder")
            }
            let className = classFolder.lastPathComponent
            for image in images {
                let source = "\(folder.lastPathComponent)/\(className)/\(image.lastPathComponent)"
                try ImageLoading.checkSignature(image, source: source)
                listed.append(ListedImage(file: image, className: className, source: source, split: split))
            }
        }
        if skipped > 0 { log("\(folder.path): skipped \(skipped) file(s) that are not .png, .jpg or .jpeg") }
        return listed
    }

    // MARK: Manifest

    /// A CSV or TSV manifest: one image per record, path relative to the manifest's folder.
    static func readManifest(_ url: URL, pathColumn: String, labelColumn: String, splitColumn: String) throws -> [ListedImage] {
        let format: DelimitedTextFormat = url.pathExtension.lowercased() == "tsv" ? .tsv : .csv
        let (columns, records) = try DelimitedTextReader.readAll(url: url, format: format)
        let pathIndex = try columns.index(of: pathColumn)
        let labelIndex = try columns.index(of: labelColumn)
        let splitIndex = columns.names.contains(splitColumn) ? try columns.index(of: splitColumn) : nil
        guard !records.isEmpty else {
            throw ImageClassificationDataError("\(url.path): the manifest has no records; add one line per image (\(pathColumn),\(labelColumn))")
        }
        let folder = url.deletingLastPathComponent()
        var listed: [ListedImage] = []
        for record in records {
            let source = "\(url.lastPathComponent):\(record.line)"
            let path = record[pathIndex].trimmingCharacters(in: .whitespaces)
            let label = record[labelIndex].trimmingCharacters(in: .whitespaces)
            guard !path.isEmpty else { throw ImageClassificationDataError("\(source): the \(pathColumn) is empty; give the image's path (file \(url.path))") }
            guard !label.isEmpty else { throw ImageClassificationDataError("\(source): the \(labelColumn) of \(path) is empty; give its class (file \(url.path))") }
            let expanded = (path as NSString).expandingTildeInPath
            let file = expanded.hasPrefix("/") ? URL(fileURLWithPath: expanded) : folder.appendingPathComponent(expanded)
            guard FileManager.default.fileExists(atPath: file.path) else {
                throw ImageClassificationDataError("\(source): image \(path) not found (looked at \(file.path)); fix the path (relative to the manifest's folder) or remove the line")
            }
            try ImageLoading.checkSignature(file, source: source)
            var split: String?
            if let splitIndex {
                let value = record[splitIndex].trimmingCharacters(in: .whitespaces).lowercased()
                switch value {
                case "train": split = "train"
                case "val", "validation": split = "validation"
                case "test": split = "test"
                default:
                    throw ImageClassificationDataError("\(source): split \"\(record[splitIndex])\" is not train, val or test; fix it, or remove the \(splitColumn) column to let factory split (file \(url.path))")
                }
            }
            listed.append(ListedImage(file: file, className: label, source: source, split: split))
        }
        return listed
    }
}
