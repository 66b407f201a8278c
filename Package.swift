// swift-tools-version:6.0
// The factory package: a domain-specific model factory (see README.md and DESIGN.md in shared/).
// Dependencies point one way: Tensor <- NN <- Models <- Kit <- Plugins <- CLI, and IO <- Models.
import PackageDescription

let package = Package(
    name: "factory",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "factory", targets: ["FactoryCLI"]),
        .library(name: "FactoryTensor", targets: ["FactoryTensor"]),
        .library(name: "FactoryIO", targets: ["FactoryIO"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
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
            name: "CSndFile", path: "Sources/CSndFile", pkgConfig: "sndfile",
            providers: [.apt(["libsndfile1-dev"])]),

        .target(name: "FactoryTensor", dependencies: ["CBLAS"]),
        .target(name: "FactoryIO", dependencies: ["FactoryTensor", "CPNG", "CSndFile"]),
        .target(
            name: "FactoryBenchmarks", dependencies: ["FactoryTensor", "CBLAS"],
            path: "Benchmarks"),
        .executableTarget(
            name: "FactoryCLI",
            dependencies: [
                "FactoryTensor", "FactoryIO", "FactoryBenchmarks",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        .target(name: "TestSupport", dependencies: ["FactoryTensor"], path: "Tests/TestSupport"),
        .testTarget(name: "FactoryTensorTests", dependencies: ["FactoryTensor", "TestSupport"]),
        .testTarget(name: "FactoryIOTests", dependencies: ["FactoryIO"]),
        .testTarget(name: "FactoryCLITests"),
    ]
)
