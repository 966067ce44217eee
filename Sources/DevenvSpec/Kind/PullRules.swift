import Foundation
import Yams
import DevenvCore

/// A kind's `pull.yml`: which columns look personal and each masking rule's SQL expression.
/// Data, not Swift: the patterns and expressions live in `templates/services/<kind>/pull.yml`.
public struct PullRules: Sendable, Equatable {
    public struct Personal: Sendable, Equatable {
        public var pattern: String
        /// The rule the fail-closed message suggests.
        public var rule: String
    }
    public var names: [Personal]
    public var types: [String]
    public var typeRule: String
    /// Rule name → SQL template over `{{column}}` and `{{salt}}`.
    public var rules: [String: String]
    /// Set for a kind holding objects (`objects:`): it pulls objects, not tables.
    public var objects: Objects? = nil

    /// How a kind holding objects is reached: the protocol, and which of the kind's `values:`
    /// give its endpoint, keys, region and default bucket.
    public struct Objects: Sendable, Equatable {
        public var proto: String
        /// Role (`endpoint`, `access_key`, `secret_key`, `region`, `bucket`) → value name.
        public var values: [String: String]
        public static let roles = ["endpoint", "access_key", "secret_key", "region", "bucket"]
        public static let protocols = ["s3"]
    }

    public var ruleNames: [String] { rules.keys.sorted() }

    /// The kind's rules, or nil when the kind cannot pull (no `pull.yml`).
    public static func of(_ kind: ServiceKind, builtin: [String: String] = BuiltinKinds.files) throws -> PullRules? {
        let text: String?
        if kind.folder.hasPrefix(KindCatalogue.builtinFolder + "/") { text = builtin[kind.name + "/pull.yml"] }
        else { text = FileManager.default.contents(atPath: kind.folder + "/pull.yml").flatMap { String(data: $0, encoding: .utf8) } }
        guard let text else { return nil }
        let rules = try parse(text, file: kind.folder + "/pull.yml")
        let names = Set(kind.values.map(\.key))
        if let o = rules.objects, let missing = o.values.values.sorted().first(where: { !names.contains($0) }) {
            throw ManifestError(file: kind.folder + "/pull.yml", problems: [ManifestProblem(line: 1, column: 1,
                "objects names value '\(missing)', which service.yml's values: does not define\(Suggest.hint(missing, among: names.sorted()))")])
        }
        return rules
    }

    public static func parse(_ text: String, file: String) throws -> PullRules {
        var r = NodeReader()
        guard let node = try YAMLBasic.compose(text), let top = r.mapping(node, "pull.yml") else {
            throw ManifestError(file: file, problems: r.problems.isEmpty ? [ManifestProblem(line: 1, column: 1, "pull.yml is empty")] : r.problems)
        }
        var rules = PullRules(names: [], types: [], typeRule: "null", rules: [:])
        for (key, value) in r.entries(top, allowed: ["personal", "rules", "objects"], context: "in pull.yml") {
            switch key {
            case "objects":
                guard let m = r.mapping(value, "objects") else { continue }
                var o = Objects(proto: "", values: [:])
                for (k, v) in r.entries(m, allowed: ["protocol"] + Objects.roles, context: "in pull.yml objects") {
                    guard let text = r.string(v, k) else { continue }
                    if k != "protocol" { o.values[k] = text; continue }
                    if Objects.protocols.contains(text) { o.proto = text }
                    else { r.problem(v, "objects.protocol must be one of \(Objects.protocols.joined(separator: ", ")), found '\(text)'") }
                }
                if o.proto.isEmpty, r.problems.isEmpty { r.problem(value, "objects needs protocol: s3") }
                for role in ["endpoint", "access_key", "secret_key"] where o.values[role] == nil {
                    r.problem(value, "objects needs \(role): (the name of the kind's value giving it)")
                }
                rules.objects = o
            case "personal":
                guard let p = r.mapping(value, "personal") else { continue }
                for (k, v) in r.entries(p, allowed: ["names", "types", "type_rule"], context: "in pull.yml personal") {
                    switch k {
                    case "names":
                        for entry in v.sequence.map(Array.init) ?? [] {
                            guard let m = r.mapping(entry, "a personal name pattern") else { continue }
                            var pattern: String?, rule = "null"
                            for (pk, pv) in r.entries(m, allowed: ["match", "rule"], context: "in a personal name pattern") {
                                if pk == "match" { pattern = r.regex(pv, "match") } else { rule = r.string(pv, "rule") ?? rule }
                            }
                            if let pattern { rules.names.append(Personal(pattern: pattern, rule: rule)) }
                        }
                    case "types": rules.types = r.strings(v, "types") ?? []
                    default: rules.typeRule = r.string(v, "type_rule") ?? "null"
                    }
                }
            default:
                guard let m = r.mapping(value, "rules") else { continue }
                for (k, v) in m {
                    if let name = r.string(k, "a rule name"), let sql = r.string(v, "rule \(name)") { rules.rules[name] = sql }
                }
            }
        }
        if rules.rules["keep"] == nil, rules.objects == nil { r.problem(node, "pull.yml rules must define 'keep'") }
        for p in rules.names + [Personal(pattern: "", rule: rules.typeRule)] where rules.objects == nil && rules.rules[p.rule] == nil {
            r.problem(node, "pull.yml suggests rule '\(p.rule)', which rules: does not define")
        }
        guard r.problems.isEmpty else { throw ManifestError(file: file, problems: r.problems) }
        return rules
    }

    /// The rule to suggest for a column that looks personal, or nil when it does not.
    public func personal(column: String, type: String) -> String? {
        let t = type.lowercased()
        if types.contains(where: { t == $0 || t.hasPrefix($0 + "(") || t == $0 + "[]" }) { return typeRule }
        for p in names where column.range(of: p.pattern, options: [.regularExpression, .caseInsensitive]) != nil { return p.rule }
        return nil
    }
}
