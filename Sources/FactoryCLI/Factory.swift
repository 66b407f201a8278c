// The `factory` command: the root of the command tree. Subcommands live one per file.

import ArgumentParser
import FactoryTensor

@main
struct Factory: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "factory",
        abstract: "A domain-specific model factory: fine-tune pretrained models for your task, on a plain CPU.",
        discussion: """
            Pretrained backbones are fine-tuned into task models by task plugins (sentiment,
            translation, image classification, defect detection, speaker adaptation, medical
            records). Run `factory models list` to see the pretrained backbones and
            `factory bench` to measure the compute kernels on this machine.
            """,
        version: "factory \(FactoryVersion.current)",
        subcommands: [BenchCommand.self, ModelsCommand.self, VersionCommand.self])
}
