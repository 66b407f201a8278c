// CatalogLocations: where the catalogs of external task plugins are — the user catalog that
// `factory plugin add` writes (`$XDG_CONFIG_HOME/factory/catalog.json`, by default
// `~/.config/factory/catalog.json`) and the extra catalogs named in `FACTORY_CATALOG`
// (colon-separated paths). Not here: reading them (ExternalCatalogFile), the built-in
// catalog (BackboneCatalog.locate finds it), merging (MergedTaskCatalog).

import Foundation

/// The places external task catalogs are read from.
public enum CatalogLocations {
    /// The environment variable naming extra task catalogs, colon-separated.
    public static let extraCatalogsVariable = "FACTORY_CATALOG"

    /// The user catalog: `$XDG_CONFIG_HOME/factory/catalog.json`, else
    /// `$HOME/.config/factory/catalog.json`. It need not exist.
    public static func userCatalog(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        let configHome: URL
        if let xdg = environment["XDG_CONFIG_HOME"], xdg.hasPrefix("/") {
            configHome = URL(fileURLWithPath: xdg)
        } else {
            let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
            configHome = URL(fileURLWithPath: home).appendingPathComponent(".config")
        }
        return configHome.appendingPathComponent("factory/catalog.json")
    }

    /// The catalogs named in `FACTORY_CATALOG`, in order (empty entries skipped).
    public static func extraCatalogs(environment: [String: String] = ProcessInfo.processInfo.environment) -> [URL] {
        guard let list = environment[extraCatalogsVariable] else { return [] }
        return list.split(separator: ":").map { URL(fileURLWithPath: (String($0) as NSString).expandingTildeInPath) }
    }

    /// Every external catalog, in the order they are consulted (an earlier one wins a
    /// conflict): the `FACTORY_CATALOG` ones, then the user catalog when it exists.
    public static func externalCatalogs(environment: [String: String] = ProcessInfo.processInfo.environment) -> [URL] {
        let user = userCatalog(environment: environment)
        let extras = extraCatalogs(environment: environment)
        let userExists = FileManager.default.fileExists(atPath: user.path)
        return extras + (userExists && !extras.contains { $0.standardizedFileURL == user.standardizedFileURL } ? [user] : [])
    }
}
