// Loading pretrained EfficientNet-Lite weights: from a backbone name through the model
// store (`efficientnet-lite0` → its installed .pth), from a ResolvedModel, or from a weights
// file of any format FactoryIO reads (legacy or zip PyTorch checkpoint, safetensors). The
// checkpoint's keys are the network's own, so loading is one strict state-dictionary load;
// the classifier's class count is taken from the file's `_fc.bias`. Not here: installing
// backbones (ModelStore+Install.swift) or the network itself (EfficientNetLite.swift).

import FactoryNN
import FactoryTensor
import Foundation

extension EfficientNetLite {
    /// The catalog architecture of EfficientNet-Lite backbones.
    public static let architecture = "efficientnet-lite"

    /// Loads an installed EfficientNet-Lite backbone by name, or a weights file by path.
    ///
    /// The model is returned in training mode, as every new module; call `eval()` for inference.
    /// - Parameters:
    ///   - nameOrPath: a backbone name (`efficientnet-lite0`, installed with
    ///     `factory models install`) or the path of a weights file whose name ends in the variant.
    ///   - store: the model store the backbone is installed in.
    /// - Throws: `CatalogError`/`ModelStoreError` when the backbone is unknown or not installed,
    ///   ``EfficientNetLiteLoadError`` when the weights are missing, unreadable or do not fit.
    public static func pretrained(_ nameOrPath: String = "efficientnet-lite0", store: ModelStore) throws -> EfficientNetLite {
        let expanded = (nameOrPath as NSString).expandingTildeInPath
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: expanded, isDirectory: &isFolder), !isFolder.boolValue {
            let url = URL(fileURLWithPath: expanded)
            let stem = url.deletingPathExtension().lastPathComponent
            // Names like efficientnet-lite0-57934424.pth: the variant is the "liteN" part.
            guard let variant = EfficientNetLiteConfiguration.Variant.allCases.first(where: { stem.lowercased().contains($0.rawValue) }) else {
                throw EfficientNetLiteLoadError.unknownVariant(model: nameOrPath)
            }
            return try load(contentsOf: url, variant: variant)
        }
        return try load(store.resolve(nameOrPath))
    }

    /// Loads the weights of a resolved EfficientNet-Lite backbone.
    /// - Throws: ``EfficientNetLiteLoadError``.
    public static func load(_ model: ResolvedModel) throws(EfficientNetLiteLoadError) -> EfficientNetLite {
        let name: String
        switch model.kind {
        case .backbone(let backbone): name = backbone
        case .huggingFaceFolder: name = model.folder.lastPathComponent
        }
        guard model.architecture == architecture else {
            throw .notEfficientNetLite(model: name, architecture: model.architecture)
        }
        guard let variant = EfficientNetLiteConfiguration.Variant(backboneName: name) else {
            throw .unknownVariant(model: name)
        }
        return try load(contentsOf: model.weightsFile, variant: variant)
    }

    /// Loads EfficientNet-Lite weights from a file (PyTorch checkpoint or safetensors).
    /// - Parameters:
    ///   - url: the weights file.
    ///   - variant: which network the file holds.
    /// - Throws: ``EfficientNetLiteLoadError`` naming the file, and every bad key.
    public static func load(
        contentsOf url: URL, variant: EfficientNetLiteConfiguration.Variant
    ) throws(EfficientNetLiteLoadError) -> EfficientNetLite {
        guard FileManager.default.fileExists(atPath: url.path) else { throw .weightsFileMissing(path: url.path) }
        let stateDictionary: [String: Tensor]
        do {
            let archive = try TensorArchives.open(url)
            var tensors: [String: Tensor] = [:]
            for name in archive.tensorNames { tensors[name] = try archive.tensor(named: name) }
            stateDictionary = tensors
        } catch {
            throw .unreadableWeights(path: url.path, reason: String(describing: error))
        }
        let classCount = stateDictionary["_fc.bias"].flatMap { $0.rank == 1 && $0.shape[0] > 0 ? $0.shape[0] : nil } ?? 1000
        let model = EfficientNetLite(configuration: .lite(variant, classCount: classCount))
        do {
            try model.load(stateDictionary: stateDictionary, strict: true)
        } catch {
            throw .weightsDoNotFit(path: url.path, variant: variant.rawValue, detail: error)
        }
        return model
    }
}
