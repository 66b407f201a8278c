// BuiltInPlugins: the task plugins compiled into the `factory` executable, registered by id.
// Not here: the plugins themselves (Plugins/), the catalog file.

import DefectDetection
import FactoryKit
import ImageClassification
import Sentiment

enum BuiltInPlugins {
    /// A registry with every built-in plugin.
    static func registry() throws -> PluginRegistry {
        var registry = PluginRegistry()
        try registry.register(SentimentPlugin())
        try registry.register(ImageClassificationPlugin())
        try registry.register(DefectDetectionPlugin())
        try PluginHost.shared.register(into: &registry)   // a plugin package's executable adds its own
        return registry
    }
}
