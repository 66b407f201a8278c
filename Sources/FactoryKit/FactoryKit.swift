// FactoryKit: the plugin API and the fine-tuning core. A task plugin (built-in or third-party)
// imports FactoryKit and nothing else: it re-exports the tensor, module, data-reading and
// backbone libraries a plugin needs. Not here: the command-line interface (FactoryCLI).

@_exported import FactoryIO
@_exported import FactoryModels
@_exported import FactoryNN
@_exported import FactoryTensor
