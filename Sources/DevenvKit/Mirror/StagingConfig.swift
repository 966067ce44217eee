import Foundation
import Yams

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
/// ```
public struct StagingConfig: Sendable, Equatable {
    public var source: StagingSource
    public var rules: MirrorRules
    /// Staging's service versions as written in the manifest.
    public var versions: [String: String]
    /// A command printing staging's versions as a JSON or YAML map, run instead of `versions`.
    public var versionsCommand: [String]?

    static let keys = ["from", "keep", "secret", "secrets", "override", "rewrite", "versions"]

    /// Reads the node; every problem is reported (with line and column), none is thrown.
    /// Values under `rewrite:`/`override:` are kept as written (templates render later).
    public static func parse(_ node: Node) -> (config: StagingConfig?, problems: [ManifestProblem]) {
        var r = NodeReader()
        guard let map = r.mapping(node, "staging") else { return (nil, r.problems) }
        var source: StagingSource?
        var rules = MirrorRules()
        var versions: [String: String] = [:]
        var versionsCommand: [String]?
        for (key, value) in r.entries(map, allowed: keys, context: "under staging") {
            switch key {
            case "from": source = parseSource(value, &r)
            case "keep": rules.keep = r.strings(value, "staging.keep") ?? []
            case "secret": rules.secret = r.strings(value, "staging.secret") ?? []
            case "secrets":
                if let s = r.string(value, "staging.secrets") {
                    if let h = SecretHandling(rawValue: s) { rules.secrets = h } else {
                        r.problem(value, "staging.secrets must be 'placeholder' or 'omit', found '\(s)'\(Suggest.hint(s, among: ["placeholder", "omit"]))")
                    }
                }
            case "override": rules.override = pairs(value, "staging.override", &r)
            case "rewrite": rules.rewrite = Dictionary(pairs(value, "staging.rewrite", &r), uniquingKeysWith: { $1 })
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
        return (StagingConfig(source: source, rules: rules, versions: versions, versionsCommand: versionsCommand), [])
    }

    static func parseSource(_ node: Node, _ r: inout NodeReader) -> StagingSource? {
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

    static func argv(_ node: Node, _ what: String, _ r: inout NodeReader) -> [String]? {
        guard node.sequence != nil else {
            r.problem(node, "\(what) must be a list of arguments, like [railway, variables, --json]")
            return nil
        }
        let list = r.strings(node, what) ?? []
        if list.isEmpty { r.problem(node, "\(what) is empty") }
        return list.isEmpty ? nil : list
    }

    static func pairs(_ node: Node, _ what: String, _ r: inout NodeReader) -> [(key: String, value: String)] {
        guard let m = r.mapping(node, what) else { return [] }
        return m.compactMap { k, v in
            guard let key = r.string(k, "each key of \(what)"), let value = r.scalarText(v, "\(what).\(key)") else { return nil }
            return (key, value)
        }
    }
}
