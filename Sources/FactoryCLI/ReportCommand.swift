// `factory report`: one self-contained HTML file (output/report.html) with the learning
// curves, confusion matrix, ROC / precision-recall curves, calibration, per-class table,
// most confident mistakes, search table, gallery and model card. Evaluates first when the
// evaluation is missing or stale. Not here: the report itself (FactoryKit Report/).

import ArgumentParser
import FactoryKit
import Foundation

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Write an HTML report of the trained model (output/report.html).",
        discussion: "Opens from disk in any browser: no scripts, nothing from the network. Runs `factory eval` first when needed.")

    @OptionGroup var options: ProjectOptions

    @Option(help: "The split to report on: test, validation or train.")
    var split = "test"

    func run() throws {
        try reportingProjectErrors {
            let progress = ProgressReporter()
            let (plugin, context) = try options.open(progress: progress)
            try report(plugin, context: context, progress: progress)
        }
    }

    func report(_ plugin: some TaskPlugin, context: TaskContext, progress: ProgressReporter) throws {
        let run = try FineTuningRun(plugin: plugin, context: context, progress: progress)
        let file = try run.writeReport(split: split)
        print("written: \(file.path)")
    }
}
