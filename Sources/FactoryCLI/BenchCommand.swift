// `factory bench [WORKLOAD ...]`: runs the BENCHMARKS.md workloads and prints one JSON line
// each on stdout; progress goes to stderr. Build in release mode before trusting numbers.

import ArgumentParser
import FactoryBenchmarks
import FactoryTensor
import Foundation

struct BenchCommand: ParsableCommand {
    /// Every workload: FactoryBenchmarks' own, then those that need the plugins and FactoryKit.
    static let allWorkloads = BenchmarkCatalog.workloads + [SentimentHeadEpochWorkload.workload]

    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the speed workloads of BENCHMARKS.md (one JSON line per workload on stdout).",
        discussion: "Runs 2 warm-up rounds and reports the median of 5 timed rounds. With no workload named, runs all.")

    @Argument(help: "Workloads to run (default: all). See --list.")
    var workloads: [String] = []

    @Flag(name: .long, help: "List the workloads and exit.")
    var list = false

    @Option(name: .long, help: "Threads for kernels and OpenBLAS (default: all cores).")
    var threads: Int?

    func validate() throws {
        let unknown = workloads.filter { name in !Self.allWorkloads.contains { $0.name == name } }
        if !unknown.isEmpty {
            let known = Self.allWorkloads.map(\.name).joined(separator: ", ")
            throw ValidationError("unknown workload \(unknown.map { "'\($0)'" }.joined(separator: ", ")); known workloads: \(known)")
        }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    func run() throws {
        if list {
            for workload in Self.allWorkloads { print("\(workload.name)\t\(workload.summary)") }
            return
        }
        if let threads { Parallel.threadCount = threads }
        let selected = workloads.isEmpty ? Self.allWorkloads : workloads.compactMap { name in Self.allWorkloads.first { $0.name == name } }
        #if DEBUG
        FileHandle.standardError.write(Data("note: this is a debug build; build with -c release for real figures\n".utf8))
        #endif
        let blas = BLASCoreSelection.outcome
        let replaced = blas.replacedCoreName.map { " (OpenBLAS chose \($0), which does not use this CPU's vector units)" } ?? ""
        FileHandle.standardError.write(Data("bench: \(Parallel.threadCount) threads, OpenBLAS kernels \(blas.coreName)\(replaced), \(KernelBuild.summary)\n".utf8))
        for workload in selected {
            let result = try BenchmarkRunner.run(workload) { message in
                FileHandle.standardError.write(Data("bench: \(message)\n".utf8))
            }
            FileHandle.standardOutput.write(Data((result.jsonLine + "\n").utf8))
        }
    }
}
