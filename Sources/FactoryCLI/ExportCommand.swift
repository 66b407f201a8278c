// `factory export`: writes the project's trained model (best checkpoint) as a self-contained
// folder — weights with the new head, config, tokenizer or preprocessing files, label names
// and factory's manifest — that `factory predict --model DIR` serves without the project, and
// that, for BERT-family tasks, follows Hugging Face's layout. LoRA adapters are fused into
// the weights unless `--keep-adapters`. Not here: the folder's format (FactoryKit's
// ModelExport, the plugin's export layout).

import ArgumentParser
import FactoryKit
import Foundation

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write the trained model as a self-contained folder.",
        discussion: "The folder holds model.safetensors (every weight, the head included), the task's config and tokenizer files and factory-model.json; serve it with `factory predict --model DIR`.")

    @OptionGroup var options: ProjectOptions

    @Option(name: .long, help: "The folder to write (default: <project>/output/export). An earlier export there is replaced.")
    var output: String?

    @Flag(name: .long, help: "Keep LoRA adapters as separate tensors instead of fusing them into the base weights.")
    var keepAdapters = false

    func run() throws {
        try reportingProjectErrors {
            let progress = ProgressReporter()
            let (plugin, context) = try options.open(progress: progress)
            try export(plugin, context: context, progress: progress)
        }
    }

    func export(_ plugin: some TaskPlugin, context: TaskContext, progress: ProgressReporter) throws {
        let run = try FineTuningRun(plugin: plugin, context: context, progress: progress)
        let folder = output.map { URL(fileURLWithPath: ($0 as NSString).expandingTildeInPath).standardizedFileURL }
            ?? run.files.folder.appendingPathComponent("export")
        try ModelExport.export(run, to: folder, fuseAdapters: !keepAdapters)
        print("written: \(folder.path)")
    }
}
