// FactoryModels: pretrained backbones, their weight-name maps and the model store that
// installs published checkpoints. The backbones arrive with later issues.
@_exported import FactoryIO
