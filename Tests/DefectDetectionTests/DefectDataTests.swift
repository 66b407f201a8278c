// Reading defect-detection data: the MVTec AD layout (its own split, a seeded validation
// share of each test folder, masks matched by name) and the good/ + defect/ pair; and bad
// input — an image that does not decode, a mask of the wrong size, an empty class folder, a
// test set without good images — each a clear error naming the file or folder, thrown
// before the run writes anything (of several bad images, the first in folder order, though
// they are checked on all cores); files checked once are not decoded again until their size or
// modification time changes, and a failed load writes no record.

import DefectDetection
import FactoryKit
import Foundation
import Testing

@Suite("Defect detection data")
struct DefectDataTests {
    /// A throwaway project folder for the defect task, with its data under `data/`.
    static func project(_ settings: [String: ConfigValue] = [:]) throws -> (folder: URL, context: TaskContext) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("factory-defect-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let plugin = DefectDetectionPlugin()
        var registry = PluginRegistry()
        try registry.register(plugin)
        let values: [String: ConfigValue] = ["task": .string("defect-detection"), "data.path": .string("data")].merging(settings) { $1 }
        try ConfigWriter.write(schema: Project.schema(for: plugin), values: values, header: "test project",
                               to: folder.appendingPathComponent(Project.configFileName))
        let store = try ModelStore.standard(environment: ["FACTORY_CACHE_DIR": folder.appendingPathComponent("cache").path])
        return (folder, try Project.open(folder, registry: registry, modelStore: store) { _ in }.context)
    }

    /// Writes a `width x height` image (grey level `value`) at `path` under `root`.
    static func image(_ root: URL, _ path: String, value: Float = 0.5, width: Int = 16, height: Int = 16, channels: Int = 3) throws {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try ImageFile.writePNG(Tensor(repeating: value, shape: [channels, height, width]), to: url)
    }

    /// A small MVTec AD category: 4 train/good, 4 test/good, 4 test/scratch with masks.
    static func mvtec(_ root: URL) throws {
        for index in 0..<4 {
            try image(root, "data/train/good/\(index).png")
            try image(root, "data/test/good/\(index).png")
            try image(root, "data/test/scratch/\(index).png", value: 0.9)
            try image(root, "data/ground_truth/scratch/\(index)_mask.png", value: 1, channels: 1)
        }
    }

    @Test func readsTheMVTecLayoutWithItsOwnSplit() throws {
        let (folder, context) = try Self.project()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.mvtec(folder)
        let data = try DefectDetectionPlugin().loadData(context)
        #expect(data.examples.count == 12)
        #expect(data.labelNames == ["good", "defect"])
        let splits = try #require(data.userSplits)
        #expect(splits.train.count == 4 && splits.train.allSatisfy { data.examples[$0].defectType == "good" && data.examples[$0].label == 0 })
        // 30% of each test folder (4 images -> 1) validates; the rest tests.
        #expect(splits.validation.count == 2 && splits.test.count == 6)
        #expect(Set(splits.validation.map { data.examples[$0].defectType }) == ["good", "scratch"])
        for example in data.examples where example.label == 1 {
            #expect(example.mask?.lastPathComponent == example.image.deletingPathExtension().lastPathComponent + "_mask.png")
        }
        #expect(try DefectDetectionPlugin().loadData(context).userSplits == splits, "seeded")
    }

    @Test func readsAGoodAndDefectFolderPair() throws {
        let (folder, context) = try Self.project()
        defer { try? FileManager.default.removeItem(at: folder) }
        for index in 0..<5 { try Self.image(folder, "data/good/g\(index).jpg".replacingOccurrences(of: ".jpg", with: ".png")) }
        for index in 0..<3 { try Self.image(folder, "data/defect/d\(index).png", value: 0.1) }
        let data = try DefectDetectionPlugin().loadData(context)
        #expect(data.userSplits == nil, "the core splits it")
        #expect(data.examples.map(\.label) == [0, 0, 0, 0, 0, 1, 1, 1])
        #expect(data.examples.allSatisfy { $0.mask == nil && $0.height == 16 && $0.width == 16 })
    }

    /// Training fails with a message containing `expected`, and writes no output folder.
    func expectTrainingFails(_ folder: URL, _ context: TaskContext, mentioning expected: [String]) throws {
        let run = try FineTuningRun(plugin: DefectDetectionPlugin(), context: context, progress: ProgressReporter(isTerminal: false) { _ in })
        do {
            _ = try run.train()
            Issue.record("training succeeded on bad data")
        } catch {
            let message = String(describing: error)
            for text in expected { #expect(message.contains(text), "\(message)") }
        }
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("output").path), "nothing written")
    }

    @Test func anImageThatDoesNotDecodeIsNamed() throws {
        let (folder, context) = try Self.project()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.mvtec(folder)
        let broken = folder.appendingPathComponent("data/test/scratch/2.png")
        let bytes = try Data(contentsOf: broken)
        try bytes.prefix(bytes.count / 2).write(to: broken)
        try expectTrainingFails(folder, context, mentioning: [broken.path, "cannot be read", "replace or remove"])
    }

    @Test func ofSeveralBadImagesTheFirstInFolderOrderIsNamed() throws {
        // The images are checked on all cores; the error is still the first bad file in the
        // layout's order (train/good before test/<type>, names sorted), on every run.
        let (folder, context) = try Self.project()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.mvtec(folder)
        let broken = ["data/train/good/2.png", "data/test/good/0.png", "data/test/scratch/3.png"].map { folder.appendingPathComponent($0) }
        for url in broken {
            let bytes = try Data(contentsOf: url)
            try bytes.prefix(bytes.count / 2).write(to: url)
        }
        for _ in 0..<5 {
            do {
                _ = try DefectDetectionPlugin().loadData(context)
                Issue.record("bad images were accepted")
            } catch {
                let message = String(describing: error)
                #expect(message.contains(broken[0].path) && !message.contains(broken[1].path) && !message.contains(broken[2].path), "\(message)")
            }
        }
    }

    @Test func filesCheckedOnceAreNotDecodedAgainUntilTheyChange() throws {
        let (folder, context) = try Self.project()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.mvtec(folder)
        let record = folder.appendingPathComponent("output/cache/checked-images.json")
        let image = folder.appendingPathComponent("data/test/scratch/1.png")
        // A whole second, which setting and reading a modification time keep exactly.
        let checkedTime = Date(timeIntervalSince1970: 1_700_000_000)
        try FileManager.default.setAttributes([.modificationDate: checkedTime], ofItemAtPath: image.path)
        let first = try DefectDetectionPlugin().loadData(context)
        #expect(FileManager.default.fileExists(atPath: record.path), "the record is written once every file passed")
        // A file replaced by a same-sized corrupt one with its old modification time is
        // taken on the record's word (the shortcut: nothing is decoded again) ...
        let bytes = try Data(contentsOf: image)
        try Data(repeating: 0x55, count: bytes.count).write(to: image)
        try FileManager.default.setAttributes([.modificationDate: checkedTime], ofItemAtPath: image.path)
        let second = try DefectDetectionPlugin().loadData(context)
        #expect(second.examples.map(\.image) == first.examples.map(\.image))
        #expect(second.examples.map(\.height) == first.examples.map(\.height) && second.examples.map(\.width) == first.examples.map(\.width))
        // ... and once its modification time changes it is decoded again, and named.
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 5)], ofItemAtPath: image.path)
        #expect {
            _ = try DefectDetectionPlugin().loadData(context)
        } throws: { error in
            String(describing: error).contains(image.path) && String(describing: error).contains("cannot be read")
        }
        // A mask rewritten at another size is checked again too.
        try Data(bytes).write(to: image)
        _ = try DefectDetectionPlugin().loadData(context)
        try Self.image(folder, "data/ground_truth/scratch/2_mask.png", value: 1, width: 8, height: 8, channels: 1)
        #expect {
            _ = try DefectDetectionPlugin().loadData(context)
        } throws: { error in
            String(describing: error).contains("2_mask.png")
        }
    }

    @Test func aFailedLoadWritesNoRecord() throws {
        let (folder, context) = try Self.project()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.mvtec(folder)
        let broken = folder.appendingPathComponent("data/train/good/3.png")
        try Data([0x89, 0x50]).write(to: broken)
        #expect(throws: (any Error).self) { _ = try DefectDetectionPlugin().loadData(context) }
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("output").path), "nothing written")
    }

    @Test func aMaskOfTheWrongSizeIsNamed() throws {
        let (folder, context) = try Self.project()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.mvtec(folder)
        try Self.image(folder, "data/ground_truth/scratch/1_mask.png", value: 1, width: 8, height: 8, channels: 1)
        try expectTrainingFails(folder, context, mentioning: ["ground_truth/scratch/1_mask.png", "8x8", "16x16"])
    }

    @Test func aMissingMaskIsNamed() throws {
        let (folder, context) = try Self.project()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.mvtec(folder)
        try FileManager.default.removeItem(at: folder.appendingPathComponent("data/ground_truth/scratch/3_mask.png"))
        try expectTrainingFails(folder, context, mentioning: ["3_mask.png", "is missing"])
    }

    @Test func anEmptyClassFolderIsNamed() throws {
        let (folder, context) = try Self.project()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.mvtec(folder)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("data/test/hole"), withIntermediateDirectories: true)
        try expectTrainingFails(folder, context, mentioning: ["data/test/hole", "no PNG or JPEG images"])
    }

    @Test func aTestSetWithoutGoodImagesIsRefused() throws {
        let (folder, context) = try Self.project()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.mvtec(folder)
        try FileManager.default.removeItem(at: folder.appendingPathComponent("data/test/good"))
        try expectTrainingFails(folder, context, mentioning: ["test/good", "no good images"])
    }

    @Test func aMissingDataFolderSaysWhatLayoutsWork() throws {
        let (folder, context) = try Self.project()
        defer { try? FileManager.default.removeItem(at: folder) }
        try expectTrainingFails(folder, context, mentioning: ["data.path", "MVTec AD", "good/"])
    }
}
