// swift-tools-version:6.0
// The factory package: a domain-specific model factory (see README.md and DESIGN.md in shared/).
// Dependencies point one way: Tensor <- NN <- Models <- Kit <- Plugins <- CLI <- Main, and IO <- Models.
import PackageDescription

let package = Package(
    name: "factory",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "factory", targets: ["FactoryMain"]),
        .library(name: "FactoryCLI", targets: ["FactoryCLI"]),
        .library(name: "FactoryTensor", targets: ["FactoryTensor"]),
        .library(name: "FactoryNN", targets: ["FactoryNN"]),
        .library(name: "FactoryIO", targets: ["FactoryIO"]),
        .library(name: "FactoryModels", targets: ["FactoryModels"]),
        .library(name: "FactoryKit", targets: ["FactoryKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // System libraries, found through pkg-config; `make demo` / `make test` install them.
        .systemLibrary(
            name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"])]),
        .systemLibrary(
            name: "CJPEG", path: "Sources/CJPEG", pkgConfig: "libjpeg",
            providers: [.apt(["libjpeg-dev"])]),
        .systemLibrary(
            name: "CSndFile", path: "Sources/CSndFile", pkgConfig: "sndfile",
            providers: [.apt(["libsndfile1-dev"])]),
        .systemLibrary(
            name: "CSoxr", path: "Sources/CSoxr", pkgConfig: "soxr",
            providers: [.apt(["libsoxr-dev"])]),

        // C wrappers that give libpng and libjpeg error handling (setjmp) Swift cannot do.
        .target(name: "CImageCodecs", dependencies: ["CPNG", "CJPEG"], path: "Sources/CImageCodecs"),

        .target(name: "FactoryTensor", dependencies: ["CBLAS"]),
        .target(
            name: "FactoryIO",
            dependencies: ["FactoryTensor", "CImageCodecs", "CPNG", "CJPEG", "CSndFile", "CSoxr", "ZIPFoundation"]),
        .target(name: "FactoryNN", dependencies: ["FactoryTensor"]),
        .target(name: "FactoryModels", dependencies: ["FactoryTensor", "FactoryNN", "FactoryIO", "ZIPFoundation"]),
        .target(
            name: "FactoryKit",
            dependencies: ["FactoryTensor", "FactoryNN", "FactoryIO", "FactoryModels", .product(name: "Yams", package: "Yams")]),
        .target(name: "Sentiment", dependencies: ["FactoryKit"], path: "Plugins/Sentiment"),
        .target(name: "ImageClassification", dependencies: ["FactoryKit"], path: "Plugins/ImageClassification"),
        .target(name: "DefectDetection", dependencies: ["FactoryKit"], path: "Plugins/DefectDetection"),
        .target(
            name: "FactoryBenchmarks", dependencies: ["FactoryTensor", "FactoryNN", "FactoryIO", "FactoryModels", "CBLAS", "DefectDetection"],
            path: "Benchmarks"),
        // The commands, as a library: the `factory` executable runs them with the built-in
        // plugins; a third-party plugin package runs them with its own plugins added.
        .target(
            name: "FactoryCLI",
            dependencies: [
                "FactoryTensor", "FactoryIO", "FactoryModels", "FactoryKit", "FactoryBenchmarks",
                "Sentiment", "ImageClassification", "DefectDetection",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(name: "FactoryMain", dependencies: ["FactoryCLI"]),

        .target(name: "TestSupport", dependencies: ["FactoryTensor", "FactoryIO"], path: "Tests/TestSupport"),
        .testTarget(name: "FactoryTensorTests", dependencies: ["FactoryTensor", "TestSupport"]),
        .testTarget(name: "FactoryNNTests", dependencies: ["FactoryNN", "TestSupport"]),
        .testTarget(name: "FactoryIOTests", dependencies: ["FactoryIO", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "FactoryModelsTests", dependencies: ["FactoryModels", "TestSupport"]),
        .testTarget(name: "FactoryKitTests", dependencies: ["FactoryKit", "TestSupport"]),
        .testTarget(name: "SentimentTests", dependencies: ["Sentiment", "FactoryKit", "TestSupport"]),
        .testTarget(name: "ImageClassificationTests", dependencies: ["ImageClassification", "FactoryKit", "TestSupport"]),
        .testTarget(name: "DefectDetectionTests", dependencies: ["DefectDetection", "FactoryKit", "TestSupport"]),
        .testTarget(name: "FactoryCLITests", dependencies: ["FactoryIO"]),
    ]
)
