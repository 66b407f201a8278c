// FactoryProcess: runs the built `factory` executable as a user would (from the same build
// folder as the test runner), for every CLI test.

import Foundation

/// Runs the built `factory` with `arguments` and `overrides` added to this process's
/// environment; stdin is `input` (empty when `nil`). Returns exit status, stdout and stderr.
func runFactory(_ arguments: [String], environment overrides: [String: String] = [:], input: String? = nil) throws
    -> (status: Int32, output: String, error: String)
{
    let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    var folder = runner.deletingLastPathComponent()
    while !FileManager.default.isExecutableFile(atPath: folder.appendingPathComponent("factory").path) {
        let parent = folder.deletingLastPathComponent()
        guard parent.path != folder.path else { throw CocoaError(.fileNoSuchFile) }
        folder = parent
    }
    let process = Process()
    process.executableURL = folder.appendingPathComponent("factory")
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(overrides) { $1 }
    let inputPipe = input.map { _ in Pipe() }
    process.standardInput = inputPipe ?? FileHandle.nullDevice
    let output = Pipe(), error = Pipe()
    process.standardOutput = output
    process.standardError = error
    try process.run()
    if let inputPipe, let input {
        // Written whole, then closed: the child sees end of input (small inputs fit the pipe).
        inputPipe.fileHandleForWriting.write(Data(input.utf8))
        try inputPipe.fileHandleForWriting.close()
    }
    // Read stderr on another thread so neither pipe can fill up and block the child.
    let errorBox = DataBox()
    let group = DispatchGroup()
    DispatchQueue.global().async(group: group) { errorBox.data = error.fileHandleForReading.readDataToEndOfFile() }
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: outputData, as: UTF8.self), String(decoding: errorBox.data, as: UTF8.self))
}

/// Bytes handed from the reading thread back to the caller (written once, read after `wait`).
private final class DataBox: @unchecked Sendable {
    var data = Data()
}
