import Foundation
import DevenvCore

/// Every service kind devenv can use. Folders first, an earlier one winning: the project's
/// `.devenv/templates/services/` (beside devenv.yml, tracked by git), then
/// `$DEVENV_TEMPLATES/services/`, then the user's `~/.config/devenv/templates/services/`
/// (`$DEVENV_CONFIG_HOME`, `$XDG_CONFIG_HOME/devenv`); then the kinds compiled into devenv
/// (``BuiltinKinds``, from `templates/services/` at build time). A folder kind with a built-in
/// name overrides it (`overrides`, which `devenv doctor` reports).
///
/// A kind folder with problems does not stop the others: it is kept in `broken`, and only a
/// manifest that uses it fails, with the kind's own `service.yml:LINE:COLUMN` problems.
public struct KindCatalogue: Sendable {
    public var kinds: [String: ServiceKind]
    /// Kinds whose folder has problems, by name.
    public var broken: [String: ManifestError]
    public var searchPath: [String]
    /// Built-in kinds a folder replaces: name → that folder.
    public var overrides: [String: String] = [:]

    /// Where the compiled-in kinds say they are, in messages.
    public static let builtinFolder = "(built in)"

    public init(kinds: [String: ServiceKind], broken: [String: ManifestError] = [:], searchPath: [String] = []) {
        self.kinds = kinds; self.broken = broken; self.searchPath = searchPath
    }

    /// The kind folders, in precedence order: project, `$DEVENV_TEMPLATES`, user.
    public static func defaultSearchPath(environment: [String: String], projectRoot: String?) -> [String] {
        var dirs: [String] = []
        if let root = projectRoot { dirs.append(root + "/.devenv/templates") }
        if let env = environment["DEVENV_TEMPLATES"], !env.isEmpty { dirs.append(env) }
        dirs.append(DevenvPaths(environment: environment).config + "/templates")
        return dirs
    }

    /// The folders' kinds, then the built-in ones no folder replaced.
    public static func load(searchPath: [String], builtin: [String: String] = BuiltinKinds.files) throws -> KindCatalogue {
        var catalogue = KindCatalogue(kinds: [:], searchPath: searchPath)
        let builtinNames = Set(builtin.keys.compactMap { $0.split(separator: "/").first.map(String.init) })
        for dir in searchPath {
            let services = dir + "/services"
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: services) else { continue }
            for name in names.sorted() where catalogue.kinds[name] == nil && catalogue.broken[name] == nil {
                let folder = services + "/" + name
                guard FileManager.default.fileExists(atPath: folder + "/service.yml") else { continue }
                switch KindLoader.load(folder: folder) {
                case .success(let kind): catalogue.kinds[name] = kind
                case .failure(let problems): catalogue.broken[name] = problems
                }
                if builtinNames.contains(name) { catalogue.overrides[name] = folder }
            }
        }
        for name in builtinNames.sorted() where catalogue.kinds[name] == nil && catalogue.broken[name] == nil {
            let folder = builtinFolder + "/" + name
            switch KindLoader.load(name: name, folder: folder, serviceYAML: builtin[name + "/service.yml"] ?? "",
                                   composeYAML: builtin[name + "/compose.yml"] ?? "") {
            case .success(let kind): catalogue.kinds[name] = kind
            case .failure(let problems): catalogue.broken[name] = problems
            }
        }
        return catalogue
    }

    /// Every kind name, broken ones included (a manifest naming one gets its problems).
    public var names: [String] { Array(Set(kinds.keys).union(broken.keys)).sorted() }
}
