// The image classification plugin's data reading: class folders, the user's split folders,
// a CSV manifest (with and without a split column), grey and RGBA images becoming RGB at the
// model's size, and every kind of bad input giving an error that names the file (or the
// manifest line) and what is wrong. No pretrained weights are needed here.

import FactoryKit
import Foundation
import ImageClassification
import Testing

@Suite struct ImageClassificationDataTests {
    @Test func readsClassFoldersSortedWithSourcesAndNoSplit() throws {
        let project = try ImageProjectFixture()
        defer { project.remove() }
        try project.writeImage("data/images/dog/b.png")
        try project.writeImage("data/images/dog/a.png")
        try project.writeImage("data/images/cat/x.png")
        try project.writeFile("data/images/cat/notes.txt", Data("not an image".utf8))
        try project.writeFile("data/images/.DS_Store", Data([0]))
        let data = try project.plugin.loadData(try project.context())
        #expect(data.labelNames == ["cat", "dog"])
        #expect(data.examples.map(\.file.lastPathComponent) == ["x.png", "a.png", "b.png"])
        #expect(data.examples.map(\.label) == [0, 1, 1])
        #expect(data.examples[1].source == "images/dog/a.png")
        #expect(data.userSplits == nil)
    }

    @Test func jpegImagesAreReadTooGreyOnesAsRGB() throws {
        let project = try ImageProjectFixture()
        defer { project.remove() }
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("FactoryIOTests/Fixtures/images")
        for (name, target) in [("colour.jpg", "data/images/a/c.jpg"), ("grey.jpg", "data/images/a/g.JPEG"), ("colour_progressive.jpg", "data/images/b/p.jpeg")] {
            try project.writeFile(target, try Data(contentsOf: fixtures.appendingPathComponent(name)))
        }
        let data = try project.plugin.loadData(try project.context())
        #expect(data.examples.map(\.file.lastPathComponent) == ["c.jpg", "g.JPEG", "p.jpeg"])
        for example in data.examples {
            #expect(try ImageLoading.read(example.file, size: 24, fit: .crop).shape == [3, 24, 24], "\(example.source)")
        }
    }

    @Test func labelsFromTheConfigSetTheOrder() throws {
        let project = try ImageProjectFixture()
        defer { project.remove() }
        try project.writeImage("data/images/dog/a.png")
        try project.writeImage("data/images/cat/x.png")
        let data = try project.plugin.loadData(try project.context(["data.labels": .strings(["dog", "cat", "bird"])]))
        #expect(data.labelNames == ["dog", "cat", "bird"])
        #expect(data.examples.map(\.label) == [1, 0])
    }

    @Test func splitFoldersBecomeTheUsersSplit() throws {
        let project = try ImageProjectFixture()
        defer { project.remove() }
        for path in ["train/cat/1.png", "train/cat/2.png", "train/dog/3.png", "val/cat/4.png", "val/dog/5.png", "test/dog/6.png", "test/cat/7.png"] {
            try project.writeImage("data/images/" + path)
        }
        let data = try project.plugin.loadData(try project.context())
        #expect(data.labelNames == ["cat", "dog"])
        // Listed split by split (train, val, test), classes in name order within each.
        #expect(data.examples.map(\.file.lastPathComponent) == ["1.png", "2.png", "3.png", "4.png", "5.png", "7.png", "6.png"])
        #expect(data.userSplits == DataSplits(train: [0, 1, 2], validation: [3, 4], test: [5, 6]))
    }

    @Test func splitFoldersNeedAllThree() throws {
        let project = try ImageProjectFixture()
        defer { project.remove() }
        try project.writeImage("data/images/train/cat/1.png")
        try project.writeImage("data/images/test/cat/2.png")
        let error = #expect(throws: ImageClassificationDataError.self) { try project.plugin.loadData(try project.context()) }
        #expect(error?.message.contains("no val/") == true, "\(String(describing: error))")
    }

    @Test func readsAManifestWithRelativePathsAndAnOptionalSplitColumn() throws {
        let project = try ImageProjectFixture()
        defer { project.remove() }
        try project.writeImage("data/pics/1.png")
        try project.writeImage("data/pics/2.png")
        try project.writeImage("data/pics/3.png")
        try project.writeFile("data/labels.csv", Data("path,label\npics/1.png,red\npics/2.png,blue\npics/3.png,red\n".utf8))
        let data = try project.plugin.loadData(try project.context(["data.path": .string("data/labels.csv")]))
        #expect(data.labelNames == ["blue", "red"])
        #expect(data.examples.map(\.label) == [1, 0, 1])
        #expect(data.examples[1].source == "labels.csv:3")
        #expect(data.examples[2].file.path == project.folder.appendingPathComponent("data/pics/3.png").path)
        #expect(data.userSplits == nil)

        try project.writeFile("data/split.csv", Data("file,class,split\npics/1.png,red,train\npics/2.png,blue,test\npics/3.png,red,val\n".utf8))
        let split = try project.plugin.loadData(try project.context([
            "data.path": .string("data/split.csv"), "data.path_column": .string("file"), "data.label_column": .string("class")]))
        #expect(split.userSplits == DataSplits(train: [0], validation: [2], test: [1]))
    }

    @Test func greyAndRGBAImagesBecomeRGBAtTheModelSize() throws {
        let project = try ImageProjectFixture()
        defer { project.remove() }
        let grey = try project.writeImage("grey.png", ImageProjectFixture.flatImage(channels: 1, height: 10, width: 20, value: 0.4))
        let greyAlpha = try project.writeImage("ga.png", ImageProjectFixture.flatImage(channels: 2, height: 30, width: 30, value: 0.6, alpha: 0.1))
        let rgba = try project.writeImage("rgba.png", ImageProjectFixture.flatImage(channels: 4, height: 64, width: 48, value: 0.8, alpha: 0.2))
        // 8-bit PNG values are multiples of 1/255; a flat image stays flat through any resize.
        for (url, value) in [(grey, Float(102) / 255), (greyAlpha, Float(153) / 255), (rgba, Float(204) / 255)] {
            for fit in ImageFit.allCases {
                let image = try ImageLoading.read(url, size: 16, fit: fit)
                #expect(image.shape == [3, 16, 16], "\(url.lastPathComponent) \(fit)")
                let error = image.scalars.map { Swift.abs($0 - value) }.max() ?? 1
                #expect(error <= 1e-6, "\(url.lastPathComponent) \(fit): alpha must be dropped, grey replicated (error \(error))")
            }
        }
        // Normalisation: (v - mean[c]) / std[c] per channel, as the ImageNet weights expect.
        let normalized = ImageLoading.normalizeForImageNet(try ImageLoading.read(grey, size: 4, fit: .crop))
        for channel in 0..<3 {
            let expected = (Float(102) / 255 - EfficientNetLite.imageNetMean[channel]) / EfficientNetLite.imageNetStandardDeviation[channel]
            #expect(Swift.abs(normalized.scalars[channel * 16] - expected) <= 1e-6)
        }
    }

    @Test func cropKeepsTheCentreAndStretchKeepsEverything() throws {
        // 8 x 24: left third 0, middle third 1, right third 0. Cropping to 8 x 8 keeps the
        // middle (all 1); stretching averages all three thirds.
        var scalars = [Float](repeating: 0, count: 8 * 24)
        for y in 0..<8 { for x in 8..<16 { scalars[y * 24 + x] = 1 } }
        let image = Tensor(scalars, shape: [1, 8, 24])
        let cropped = ImageLoading.resized(image, size: 8, fit: .crop)
        #expect(cropped.scalars.allSatisfy { $0 == 1 })
        let stretched = ImageLoading.resized(image, size: 8, fit: .stretch)
        let mean = stretched.scalars.reduce(0, +) / Float(stretched.count)
        #expect(Swift.abs(mean - 1.0 / 3.0) <= 0.02, "mean \(mean)")
    }

    /// Loads the project's data, expecting an error whose message holds every fragment.
    func expectLoadError(_ project: ImageProjectFixture, _ settings: [String: ConfigValue] = [:], fragments: [String]) throws {
        let context = try project.context(settings)
        do {
            _ = try project.plugin.loadData(context)
            Issue.record("no error; expected one mentioning \(fragments)")
        } catch {
            let message = String(describing: error)
            for fragment in fragments { #expect(message.contains(fragment), "\(message)") }
        }
    }

    @Test func anImageThatIsNotAnImageIsNamed() throws {
        let project = try ImageProjectFixture()
        defer { project.remove() }
        try project.writeImage("data/images/cat/good.png")
        try project.writeFile("data/images/dog/broken.png", Data("this is text, not a PNG".utf8))
        try expectLoadError(project, fragments: ["dog/broken.png", "not a PNG or JPEG"])
        try project.writeFile("data/images/dog/broken.png", Data())
        try expectLoadError(project, fragments: ["dog/broken.png", "empty"])
    }

    @Test func aTruncatedImageIsNamedWhenItsBatchIsDecoded() throws {
        let project = try ImageProjectFixture()
        defer { project.remove() }
        try project.writeImage("data/images/cat/good.png")
        let full = try ImageFile.encodePNG(ImageProjectFixture.flatImage(height: 40, width: 40, value: 0.3))
        try project.writeFile("data/images/dog/cut.png", full.prefix(full.count / 2))
        let context = try project.context(["model.pretrained": .boolean(false), "model.image_size": .integer(32)])
        let data = try project.plugin.loadData(context)  // the signature is fine: found on decoding
        let model = try project.plugin.makeModel(context, info: TaskModelInfo(labelNames: data.labelNames))
        let error = #expect(throws: ImageError.self) { try project.plugin.forward(model, examples: data.examples, context: context) }
        #expect(String(describing: error).contains("dog/cut.png"), "\(String(describing: error))")
    }

    @Test func emptyOrMissingFoldersAreNamed() throws {
        let project = try ImageProjectFixture()
        defer { project.remove() }
        try project.writeImage("data/images/cat/a.png")
        try FileManager.default.createDirectory(at: project.folder.appendingPathComponent("data/images/dog"), withIntermediateDirectories: true)
        try expectLoadError(project, fragments: ["images/dog/", "has no images", "dog"])
        try expectLoadError(project, ["data.path": .string("data/nowhere")], fragments: ["data/nowhere", "no such file or folder", "data.path"])
        try project.writeImage("data/flat/1.png")
        try expectLoadError(project, ["data.path": .string("data/flat")], fragments: ["data/flat", "no class folders", "sub-folder"])
    }

    @Test func manifestProblemsNameTheFileAndLine() throws {
        let project = try ImageProjectFixture()
        defer { project.remove() }
        try project.writeImage("data/1.png")
        try project.writeImage("data/2.png")
        try project.writeFile("data/nolabel.csv", Data("path,class\n1.png,a\n2.png,b\n".utf8))
        try expectLoadError(project, ["data.path": .string("data/nolabel.csv")], fragments: ["nolabel.csv", "no column \"label\"", "class"])
        try project.writeFile("data/missing.csv", Data("path,label\n1.png,a\n3.png,b\n".utf8))
        try expectLoadError(project, ["data.path": .string("data/missing.csv")], fragments: ["missing.csv:3", "3.png", "not found"])
        try project.writeFile("data/unknown.csv", Data("path,label\n1.png,a\n2.png,c\n".utf8))
        try expectLoadError(project, ["data.path": .string("data/unknown.csv"), "data.labels": .strings(["a", "b"])],
                            fragments: ["unknown.csv:3", "\"c\"", "data.labels"])
        try project.writeFile("data/badsplit.csv", Data("path,label,split\n1.png,a,train\n2.png,b,holdout\n".utf8))
        try expectLoadError(project, ["data.path": .string("data/badsplit.csv")], fragments: ["badsplit.csv:3", "holdout"])
        try project.writeFile("data/one.csv", Data("path,label\n1.png,a\n2.png,a\n".utf8))
        try expectLoadError(project, ["data.path": .string("data/one.csv")], fragments: ["one.csv", "at least two"])
    }

    @Test func aClassFolderNotInTheLabelSetIsNamed() throws {
        let project = try ImageProjectFixture()
        defer { project.remove() }
        try project.writeImage("data/images/cat/a.png")
        try project.writeImage("data/images/emu/b.png")
        try expectLoadError(project, ["data.labels": .strings(["cat", "dog"])], fragments: ["images/emu/b.png", "\"emu\"", "data.labels"])
    }

    @Test func predictionInputsMustBeImages() throws {
        let project = try ImageProjectFixture()
        defer { project.remove() }
        let image = try project.writeImage("q.png")
        let context = try project.context()
        let examples = try project.plugin.predictionExamples(from: [image.path, "q.png"], context: context)
        #expect(examples.map(\.file.path) == [image.path, image.path])
        #expect(examples.allSatisfy { $0.label == nil })
        let error = #expect(throws: ImageLoadingError.self) { try project.plugin.predictionExamples(from: ["nope.png"], context: context) }
        #expect(error?.message.contains("input 1") == true && error?.message.contains("nope.png") == true, "\(String(describing: error))")
    }
}
