// The `factory` command: the root of the command tree, and `FactoryCommandLine`, the entry
// point an executable calls. Subcommands live one per file.

import ArgumentParser
import FactoryTensor

struct Factory: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "factory",
        abstract: "A domain-specific model factory: fine-tune pretrained models for your task, on a plain CPU.",
        discussion: """
            Pretrained backbones are fine-tuned into task models by task plugins (sentiment,
            translation, image classification, defect detection, speaker adaptation, medical
            records). Start with `factory catalog list`, then
            `factory new --task sentiment my-project`; `factory models list` shows the
            pretrained backbones and `factory bench` measures this machine.
            """,
        version: "factory \(FactoryVersion.current)",
        subcommands: [
            NewCommand.self, TrainCommand.self, TuneCommand.self, EvalCommand.self, PredictCommand.self, ReportCommand.self,
            ExportCommand.self, CatalogCommand.self, ModelsCommand.self, BenchCommand.self, VersionCommand.self,
            PluginCommand.self,
        ])
}

/// The `factory` command line as a library: the `factory` executable calls ``main()``.
public enum FactoryCommandLine {
    /// Parses the process's arguments and runs the command (exits the process).
    public static func main() async {
        await Factory.main()
    }
}
