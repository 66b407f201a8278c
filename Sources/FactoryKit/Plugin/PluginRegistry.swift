// PluginRegistry: the task plugins this factory can run, by id — the built-in ones, and any
// a host adds — refusing a plugin built for another plugin API version or a second plugin
// with the same id. Not here: the catalog file (TaskCatalog), loading plugin libraries.

import Foundation

/// A plugin that cannot be registered or found.
public struct PluginError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Task plugins by id.
public struct PluginRegistry: Sendable {
    /// The registered plugins, in registration order.
    public private(set) var plugins: [any TaskPlugin] = []

    public init() {}

    /// Adds `plugin`.
    /// - Throws: ``PluginError`` for another API version or an id already taken.
    public mutating func register(_ plugin: any TaskPlugin) throws {
        let descriptor = plugin.descriptor
        guard descriptor.apiVersion == PluginAPI.version else {
            throw PluginError("plugin \(descriptor.id) (\(descriptor.type)) is built for plugin API version \(descriptor.apiVersion); this factory implements version \(PluginAPI.version). Rebuild it against this factory.")
        }
        guard !plugins.contains(where: { $0.descriptor.id == descriptor.id }) else {
            throw PluginError("two plugins have the id \(descriptor.id); remove one")
        }
        plugins.append(plugin)
    }

    /// The plugin for `id`.
    /// - Throws: ``PluginError`` naming the closest ids.
    public func plugin(_ id: String) throws -> any TaskPlugin {
        if let found = plugins.first(where: { $0.descriptor.id == id }) { return found }
        let ids = plugins.map(\.descriptor.id)
        let closest = NameSuggestions.closest(to: id, in: ids)
        throw PluginError("unknown task \"\(id)\"" + (closest.isEmpty ? "" : "; did you mean \(closest.joined(separator: ", "))?")
                          + " Known tasks: \(ids.joined(separator: ", ")) (`factory catalog list`).")
    }
}
