// FactoryNN: modules with parameters found by key, layers, optimizers and learning-rate
// schedules, on top of FactoryTensor (re-exported).
@_exported import FactoryTensor
