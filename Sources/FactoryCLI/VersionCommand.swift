// `factory version`: the factory version and the versions of the linked system libraries.

import ArgumentParser
import FactoryIO
import FactoryTensor

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version", abstract: "Print the factory version and the system libraries it runs on.")

    func run() {
        print("factory \(FactoryVersion.current)")
        print("threads: \(Parallel.threadCount) (set FACTORY_THREADS to change)")
        print("kernels: \(KernelBuild.summary)")
        print("libpng: \(SystemLibraries.libpngVersion)")
        print("libsndfile: \(SystemLibraries.libsndfileVersion)")
    }
}
