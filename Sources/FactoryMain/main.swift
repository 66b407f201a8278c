// The `factory` executable: a thin launcher over the FactoryCLI library (the commands and the
// built-in plugins). Not here: any command logic.

import FactoryCLI

await FactoryCommandLine.main()
