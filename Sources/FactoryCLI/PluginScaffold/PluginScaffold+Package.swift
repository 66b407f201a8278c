// PluginScaffold+Package: the templates of a new plugin package's frame — Package.swift (a
// path dependency on the factory sources, the plugin library, its executable, its tests),
// the executable's main.swift, catalog.json and the README. Not here: the plugin's own
// code (PluginScaffold+Plugin), its test (PluginScaffold+Tests).

extension PluginScaffold {
    var packageManifest: String {
        fill(#"""
        // swift-tools-version:6.0
        // {{ID}}: a task plugin for factory, in its own package. It builds against the factory
        // sources below (a path dependency): the same FactoryKit API the built-in plugins use.
        // `factory plugin add .` builds the executable and registers its task with factory.
        import PackageDescription

        /// The factory sources this plugin is built against (`factory plugin new` wrote it; change
        /// it when factory moves). SwiftPM names a path dependency after its folder.
        let factoryPath = "{{FACTORY_PATH}}"
        let factoryPackage = "{{FACTORY_PACKAGE}}"

        let package = Package(
            name: "{{ID}}",
            platforms: [.macOS(.v14)],
            products: [
                // The executable factory runs for this package's tasks.
                .executable(name: "{{ID}}", targets: ["{{MODULE}}Main"]),
                .library(name: "{{MODULE}}", targets: ["{{MODULE}}"]),
            ],
            dependencies: [
                .package(path: factoryPath),
            ],
            targets: [
                // The plugin: imports FactoryKit only.
                .target(name: "{{MODULE}}", dependencies: [.product(name: "FactoryKit", package: factoryPackage)]),
                // factory's own command line with the plugin added.
                .executableTarget(
                    name: "{{MODULE}}Main",
                    dependencies: [
                        "{{MODULE}}",
                        .product(name: "FactoryKit", package: factoryPackage),
                        .product(name: "FactoryCLI", package: factoryPackage),
                    ]),
                .testTarget(name: "{{MODULE}}Tests", dependencies: ["{{MODULE}}", .product(name: "FactoryKit", package: factoryPackage)]),
            ]
        )

        """#)
    }

    var mainSource: String {
        fill(#"""
        // The {{ID}} executable: factory's command line (new, train, eval, predict, catalog, ...)
        // with the {{TYPE}} added to the built-in plugins. `factory` runs this executable for
        // the {{ID}} task; you can also run it directly (`.build/release/{{ID}} catalog list`).

        import FactoryCLI
        import FactoryKit
        import Foundation
        import {{MODULE}}

        /// This package's catalog.json (the package folder is three levels above this file).
        let catalog = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("catalog.json")

        await FactoryCommandLine.main(plugins: [{{TYPE}}()], catalog: catalog)

        """#)
    }

    var catalog: String {
        fill(#"""
        {
          "apiVersion": {{API}},
          "tasks": [
            {
              "id": "{{ID}}",
              "name": "{{TITLE}}",
              "summary": "Classify short texts by their keywords with a small bag-of-words model trained from scratch",
              "version": "0.1.0",
              "apiVersion": {{API}},
              "type": "{{MODULE}}.{{TYPE}}",
              "inputFormats": ["csv", "tsv"],
              "outputs": ["label", "probabilities"],
              "backbones": ["bag-of-words"],
              "metrics": ["accuracy", "macro_f1", "weighted_f1", "macro_precision", "macro_recall", "log_loss", "ece"],
              "sample": "Samples/{{ID}}",
              "tags": ["text", "keywords", "classification", "example"]
            }
          ]
        }

        """#)
    }

    var readme: String {
        fill(#"""
        # {{TITLE}}: a task plugin for factory

        A factory task plugin in its own Swift package, written against FactoryKit's public
        plugin API (the same API factory's built-in plugins use). As generated it is a working
        example: keyword-based classification of short support tickets (billing, delivery,
        technical) with a small bag-of-words model that trains from scratch in seconds. Replace
        the data reading, the model and the sample with your own task.

        ## Use it

        ```sh
        factory plugin add .                  # builds .build/release/{{ID}} and registers the task
        factory catalog list                  # {{ID}} is listed (FROM: external)
        factory new --task {{ID}} demo
        factory train --project demo
        factory eval --project demo
        factory predict --project demo "I was charged twice for my order"
        factory plugin remove {{ID}}          # unregisters it (the package stays)
        ```

        `factory` runs this package's executable for the {{ID}} task, with the same
        arguments. After changing the code, run `factory plugin add .` again.

        ## Layout

        - `Sources/{{MODULE}}/{{TYPE}}.swift`: the plugin: catalog identity (`descriptor`), the
          task's options (`configOptions`), and the TaskPlugin requirements.
        - `Sources/{{MODULE}}/{{MODULE}}Data.swift`: **data**: reading the CSV, with errors naming
          the file and line.
        - `Sources/{{MODULE}}/{{MODULE}}Model.swift`: **head**: the model (hashed keyword features,
          a hidden layer, factory's ClassificationHead).
        - **loss and metrics** (`forward`, `evaluate`) and **predict** (`predictionExamples`,
          `prediction`) are in the plugin file, using FactoryKit's shared classification helpers.
        - `Sources/{{MODULE}}Main/main.swift`: the executable: factory's command line plus this plugin.
        - `catalog.json`: the task's catalog entry (must equal the plugin's `descriptor`; the test
          checks it) and `Samples/{{ID}}/`: the sample data `factory new` copies.
        - `Tests/{{MODULE}}Tests/`: trains the plugin on its sample end to end.

        ## Build and test

        ```sh
        swift build -c release
        swift test -c release
        ```

        Everything numeric is fast only in release builds. The package depends on the factory
        sources at `{{FACTORY_PATH}}` (see `Package.swift`); the first build compiles factory too.
        The plugin is built for factory plugin API version {{API}}; a factory with another
        version refuses it with a message until it is rebuilt against that factory.

        """#)
    }
}
