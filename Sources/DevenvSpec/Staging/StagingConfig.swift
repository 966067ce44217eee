import Foundation
import Yams
import DevenvCore

/// `staging:` in `devenv.yml`, read into the mirror's inputs.
///
/// ```yaml
/// staging:
///   from: { preset: railway, environment: staging, service: backend, args: [--kv] }
///   # or  from: { command: [railway, variables, --json], format: json }
///   # or  from: { file: staging.env }
///   keep: [STRIPE_PUBLISHABLE_KEY]
///   secret: [LOGTO_*]
///   secrets: placeholder            # or omit
///   override: { LOG_LEVEL: debug }
///   rewrite: { api.staging.myflow.app: "localhost:{{ports.api}}" }
///   versions: { postgres: "15.4", redis: "7.2" }    # or { command: [./scripts/staging-versions] }
///   target: api/.env                # one of the env: files; default the first, or the root .env
///   local: [DEBUG, LOCAL_*]         # keys only local config has: not drift
///   timeout: 60                     # seconds the source (and versions) command may take
/// ```
public struct StagingConfig: Sendable, Equatable {
    public var source: StagingSource
    public var rules: MirrorRules
    /// Staging's service versions as written in the manifest.
    public var versions: [String: String]
    /// A command printing staging's versions as a JSON or YAML map, run instead of `versions`.
    public var versionsCommand: [String]?
    /// `target:`: the `.env` file mirrored keys go to, as written (nil: the default, see `targetPath`).
    public var target: String?
    /// `local:`: keys (or `*` patterns) the local files may hold although staging lacks them.
    public var localOnly: [String] = []
    /// `timeout:`: seconds each staging command may run before it is stopped.
    public var timeout: Double = StagingConfig.defaultTimeout
    /// A template value of `rewrite:` or `override:` and its place in devenv.yml.
    public struct Template: Sendable, Equatable {
        /// `staging.rewrite.api.staging.myflow.app`, `staging.override.LOG_LEVEL`.
        public var place: String
        public var text: String
        public var line: Int
        public var column: Int
    }

    /// Seconds a staging command may run unless `timeout:` says otherwise.
    public static let defaultTimeout: Double = 60

    package static let keys = ["from", "keep", "secret", "secrets", "override", "rewrite", "versions", "target", "local", "timeout"]

    /// The file mirrored keys are written to: `target:`, else the first `env:` file, else the root `.env`.
    /// `envFiles` are the paths of the manifest's `env:` targets, in order.
    public func targetPath(envFiles: [String]) -> String { target ?? envFiles.first ?? ".env" }

    /// Whether `key` is listed under `local:`.
    public func isLocalOnly(_ key: String) -> Bool { localOnly.contains { KeyPattern.matches($0, key) } }

    /// Reads the node; every problem is reported (with line and column), none is thrown.
    /// Values under `rewrite:`/`override:` are kept as written (templates render later).
    /// `envFiles`, when given, are the manifest's `env:` paths: `target:` must name one of them
    /// (or be `.env` when there are none, as devenv then writes only the root `.env`).
    public static func parse(_ node: Node, envFiles: [String]? = nil) -> (config: StagingConfig?, problems: [ManifestProblem]) {
        var r = NodeReader()
        guard let map = r.mapping(node, "staging") else { return (nil, r.problems) }
        var source: StagingSource?
        var rules = MirrorRules()
        var versions: [String: String] = [:]
        var versionsCommand: [String]?
        var target: String?
        var localOnly: [String] = []
        var timeout = StagingConfig.defaultTimeout
        for (key, value) in r.entries(map, allowed: keys, context: "under staging") {
            switch key {
            case "timeout":
                if let t = r.scalarText(value, "staging.timeout") {
                    if let seconds = Double(t), seconds > 0, seconds.isFinite { timeout = seconds } else {
                        r.problem(value, "staging.timeout must be a number of seconds above 0, found '\(t)'")
                    }
                }
            case "target":
                if let t = r.string(value, "staging.target") {
                    target = t.hasPrefix("./") ? String(t.dropFirst(2)) : t
                    if let files = envFiles { checkTarget(t, value, envFiles: files, &r) }
                }
            case "local": localOnly = r.strings(value, "staging.local") ?? []
            case "from": source = parseSource(value, &r)
            case "keep": rules.keep = r.strings(value, "staging.keep") ?? []
            case "secret": rules.secret = r.strings(value, "staging.secret") ?? []
            case "secrets":
                if let s = r.string(value, "staging.secrets") {
                    if let h = SecretHandling(rawValue: s) { rules.secrets = h } else {
                        r.problem(value, "staging.secrets must be 'placeholder' or 'omit', found '\(s)'\(Suggest.hint(s, among: ["placeholder", "omit"]))")
                    }
                }
            case "override":
                rules.override = pairs(value, "staging.override", &r)
            case "rewrite":
                rules.rewrite = Dictionary(pairs(value, "staging.rewrite", &r), uniquingKeysWith: { $1 })
            case "versions":
                if let m = value.mapping, m.count == 1, m.first?.key.string == "command" {
                    versionsCommand = argv(m.first!.value, "staging.versions.command", &r)
                } else {
                    versions = Dictionary(pairs(value, "staging.versions", &r), uniquingKeysWith: { $1 })
                }
            default: break
            }
        }
        if source == nil, !map.contains(where: { $0.key.string == "from" }) {
            r.problem(node, "staging needs 'from:' (file:, command: or preset:)")
        }
        guard let source, r.problems.isEmpty else { return (nil, r.problems) }
        return (StagingConfig(source: source, rules: rules, versions: versions, versionsCommand: versionsCommand,
                              target: target, localOnly: localOnly, timeout: timeout), [])
    }

    /// `rewrite:` and `override:` values as written, with where they are: templates over the
    /// stack (`localhost:{{ports.api}}`), checked against the manifest's template keys even when
    /// another part of `staging:` is wrong (every problem at once).
    public static func templates(_ node: Node) -> [Template] {
        var out: [Template] = []
        for section in ["rewrite", "override"] {
            for (k, v) in node[section]?.mapping ?? YAMLBasic.mapping([]) {
                guard let key = k.string, let value = v.string else { continue }
                out.append(Template(place: "staging.\(section).\(key)", text: value, line: v.mark?.line ?? 1, column: v.mark?.column ?? 1))
            }
        }
        return out
    }

    /// `target:` must be a file devenv writes: one of the `env:` files, or `.env` without `env:`.
    package static func checkTarget(_ target: String, _ node: Node, envFiles: [String], _ r: inout NodeReader) {
        let allowed = envFiles.isEmpty ? [".env"] : envFiles
        let normal = target.hasPrefix("./") ? String(target.dropFirst(2)) : target
        guard !allowed.contains(normal) else { return }
        let what = envFiles.isEmpty
            ? "devenv.yml has no env: section, so devenv writes only the root .env; use target: .env or add the file under env:"
            : "expected one of the env: files: \(allowed.joined(separator: ", "))"
        r.problem(node, "staging.target '\(target)' is not a file devenv writes\(Suggest.hint(normal, among: allowed)); \(what)")
    }

    package static func parseSource(_ node: Node, _ r: inout NodeReader) -> StagingSource? {
        guard let m = r.mapping(node, "staging.from") else { return nil }
        let given = m.compactMap { $0.key.string }
        let kinds = given.filter { ["file", "command", "preset"].contains($0) }
        guard kinds.count == 1, let kind = kinds.first, let kindNode = m[kind] else {
            r.problem(node, "staging.from needs exactly one of file:, command:, preset:" + (kinds.isEmpty ? "" : "; found \(kinds.joined(separator: ", "))"))
            return nil
        }
        var format: StagingFormat?
        if kind != "preset", let f = m["format"] {
            if let s = r.string(f, "staging.from.format") {
                format = StagingFormat(rawValue: s)
                if format == nil { r.problem(f, "format must be json, yaml or dotenv, found '\(s)'\(Suggest.hint(s, among: StagingFormat.allCases.map(\.rawValue)))") }
            }
        }
        switch kind {
        case "file":
            for (k, v) in m where ![kind, "format"].contains(k.string ?? "") { r.problem(v, "unknown key '\(k.string ?? "")' beside file:; expected format") }
            return r.string(kindNode, "staging.from.file").map { .file(path: $0, format: format) }
        case "command":
            for (k, v) in m where ![kind, "format"].contains(k.string ?? "") { r.problem(v, "unknown key '\(k.string ?? "")' beside command:; expected format") }
            return argv(kindNode, "staging.from.command", &r).map { .command(argv: $0, format: format) }
        default:
            guard let name = r.string(kindNode, "staging.from.preset") else { return nil }
            guard let preset = StagingPreset(rawValue: name) else {
                let all = StagingPreset.allCases.map(\.rawValue)
                r.problem(kindNode, "unknown preset '\(name)'\(Suggest.hint(name, among: all)); expected one of: \(all.joined(separator: ", "))")
                return nil
            }
            let allowed = preset.settingDefaults.map(\.name)
            var settings: [String: String] = [:]
            var extra: [String] = []
            for (k, v) in r.entries(m, allowed: ["preset", "args"] + allowed, context: "in preset \(name)") {
                if k == "args" { extra = r.strings(v, "args") ?? [] } else if k != "preset", let s = r.scalarText(v, k) { settings[k] = s }
            }
            for req in preset.requiredSettings where settings[req] == nil { r.problem(node, "preset \(name) needs '\(req):'") }
            return .preset(name: preset, settings: settings, extraArgs: extra)
        }
    }

    package static func argv(_ node: Node, _ what: String, _ r: inout NodeReader) -> [String]? {
        guard node.sequence != nil else {
            r.problem(node, "\(what) must be a list of arguments, like [railway, variables, --json]")
            return nil
        }
        let list = r.strings(node, what) ?? []
        if list.isEmpty { r.problem(node, "\(what) is empty") }
        return list.isEmpty ? nil : list
    }

    package static func pairs(_ node: Node, _ what: String, _ r: inout NodeReader) -> [(key: String, value: String)] {
        guard let m = r.mapping(node, what) else { return [] }
        return m.compactMap { k, v in
            guard let key = r.string(k, "each key of \(what)"), let value = r.scalarText(v, "\(what).\(key)") else { return nil }
            return (key, value)
        }
    }
}
