import Foundation
import DevenvCore

/// Every service kind devenv can use. Folders first, an earlier one winning: the project's
/// `.devenv/templates/services/` (beside devenv.yml, tracked by git), then
/// `$DEVENV_TEMPLATES/services/`, then the user's `~/.config/devenv/templates/services/`
/// (`$DEVENV_CONFIG_HOME`, `$XDG_CONFIG_HOME/devenv`); then the kinds compiled into devenv
/// (``BuiltinKinds``, from `templates/services/` at build time). A folder kind with a built-in
/// name overrides it (`overrides`, which `devenv doctor` reports).
///
/// Loading lists the folders only; a kind is read, checked and compiled the first time it is
/// asked for (`kind(named:)`), once, and copies of the catalogue share what was read. So a
/// command pays for the kinds its manifest names, not for all of them; `kinds` and `broken`
/// read every kind (`doctor`, `init`, the MCP server, `mirror`'s vocabulary).
///
/// A kind folder with problems does not stop the others: only a manifest that uses it fails,
/// with the kind's own `service.yml:LINE:COLUMN` problems (`problems(of:)`).
public struct KindCatalogue: Sendable {
    /// Where a kind's two files come from.
    enum Source: Sendable {
        case folder(String)
        case builtin(folder: String, service: String, compose: String)
    }

    private let sources: [String: Source]
    private let loaded: Locked<[String: Result<ServiceKind, ManifestError>]>
    public let searchPath: [String]
    /// Built-in kinds a folder replaces: name → that folder.
    public let overrides: [String: String]

    /// Where the compiled-in kinds say they are, in messages.
    public static let builtinFolder = "(built in)"

    /// A catalogue of kinds already read (tests, and callers that build kinds themselves).
    public init(kinds: [String: ServiceKind], broken: [String: ManifestError] = [:], searchPath: [String] = []) {
        var read = kinds.mapValues { Result<ServiceKind, ManifestError>.success($0) }
        for (name, problems) in broken { read[name] = .failure(problems) }
        self.sources = [:]; self.loaded = Locked(read); self.searchPath = searchPath; self.overrides = [:]
    }

    private init(sources: [String: Source], searchPath: [String], overrides: [String: String]) {
        self.sources = sources; self.loaded = Locked([:]); self.searchPath = searchPath; self.overrides = overrides
    }

    /// The kind folders, in precedence order: project, `$DEVENV_TEMPLATES`, user.
    public static func defaultSearchPath(environment: [String: String], projectRoot: String?) -> [String] {
        var dirs: [String] = []
        if let root = projectRoot { dirs.append(root + "/.devenv/templates") }
        if let env = environment["DEVENV_TEMPLATES"], !env.isEmpty { dirs.append(env) }
        dirs.append(DevenvPaths(environment: environment).config + "/templates")
        return dirs
    }

    /// The folders' kinds, then the built-in ones no folder replaced: listed here, read when asked for.
    public static func load(searchPath: [String], builtin: [String: String] = BuiltinKinds.files) throws -> KindCatalogue {
        var sources: [String: Source] = [:], overrides: [String: String] = [:]
        let builtinNames = Set(builtin.keys.compactMap { $0.split(separator: "/").first.map(String.init) })
        for dir in searchPath {
            let services = dir + "/services"
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: services) else { continue }
            for name in names.sorted() where sources[name] == nil {
                let folder = services + "/" + name
                guard FileManager.default.fileExists(atPath: folder + "/service.yml") else { continue }
                sources[name] = .folder(folder)
                if builtinNames.contains(name) { overrides[name] = folder }
            }
        }
        for name in builtinNames where sources[name] == nil {
            sources[name] = .builtin(folder: builtinFolder + "/" + name, service: builtin[name + "/service.yml"] ?? "",
                                     compose: builtin[name + "/compose.yml"] ?? "")
        }
        return KindCatalogue(sources: sources, searchPath: searchPath, overrides: overrides)
    }

    /// The kind of this name, read on first use; nil when there is none or its folder has problems.
    public func kind(named name: String) -> ServiceKind? {
        if case .success(let kind) = read(name) { return kind }
        return nil
    }

    /// The problems of this kind's folder, if it has any.
    public func problems(of name: String) -> ManifestError? {
        if case .failure(let problems) = read(name) { return problems }
        return nil
    }

    /// Every kind that reads without problems, by name (reads them all).
    public var kinds: [String: ServiceKind] { names.reduce(into: [:]) { all, name in all[name] = kind(named: name) } }

    /// Kinds whose folder has problems, by name (reads them all).
    public var broken: [String: ManifestError] { names.reduce(into: [:]) { all, name in all[name] = problems(of: name) } }

    /// Every kind name, broken ones included (a manifest naming one gets its problems).
    public var names: [String] { Array(Set(sources.keys).union(loaded.value.keys)).sorted() }

    private func read(_ name: String) -> Result<ServiceKind, ManifestError>? {
        if let done = loaded.value[name] { return done }
        guard let source = sources[name] else { return nil }
        let result: Result<ServiceKind, ManifestError>
        switch source {
        case .folder(let folder): result = KindLoader.load(folder: folder)
        case .builtin(let folder, let service, let compose):
            result = KindLoader.load(name: name, folder: folder, serviceYAML: service, composeYAML: compose, builtin: true)
        }
        return loaded.with { cache in
            if let first = cache[name] { return first }
            cache[name] = result
            return result
        }
    }
}
