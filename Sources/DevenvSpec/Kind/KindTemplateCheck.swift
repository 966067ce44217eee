import Foundation
import Yams
import DevenvCore

/// Checks that every template of a kind names only keys its context will hold
/// (templates/README.md, "The context templates render against"), at the template's line.
package struct KindTemplateCheck {
    package let kind: ServiceKind
    package var problems: [ManifestProblem] = []
    /// Every template checked, compiled: the loaded kind keeps them (`ServiceKind.templates`).
    package var compiled = CompiledTemplates()

    package init(kind: ServiceKind) { self.kind = kind }

    /// Keys every template of the kind may use before `values`.
    package var base: Set<String> {
        var keys: Set<String> = ["name", "project", "stack", "project_identifier", "image", "version"]
        for p in kind.ports { keys.insert("ports.\(p.name)"); keys.insert("container.\(p.name)") }
        for s in kind.secrets { keys.insert("secret.\(s.name)") }
        for s in kind.settings { keys.insert(s.name) }
        return keys
    }

    package var withValues: Set<String> { base.union(kind.values.map(\.key)) }

    package var seedKeys: Set<String> {
        var keys = withValues.union(["seed.file", "seed.name", "seed.key", "seed.content_type"])
        for o in kind.seed?.options ?? [] { keys.insert("seed.\(o.name)") }
        for g in (kind.seed?.keyPattern).map(KindLoader.groupNames) ?? [] { keys.insert("seed.\(g)") }
        return keys
    }

    package mutating func run(_ top: Node) -> [ManifestProblem] {
        let baseKeys = base
        var valueKeys = baseKeys
        for (k, v) in top["values"]?.mapping ?? YAMLBasic.mapping([]) {
            check(v, valueKeys, "values.\(k.string ?? "")")
            if let key = k.string { valueKeys.insert(key) }
        }
        let all = withValues
        for (k, v) in top["settings"]?.mapping ?? YAMLBasic.mapping([]) { walk(v["default"], baseKeys.subtracting(kind.settings.map(\.name)), "settings.\(k.string ?? "").default") }
        walk(top["dotenv"], all, "dotenv")
        if let probe = top["probe"]?.mapping {
            for (k, v) in probe where !["type", "port"].contains(k.string ?? "") { check(v, all, "probe.\(k.string ?? "")") }
        }
        let setupKeys = all.union(["fresh"])
        for step in top["setup"]?.sequence ?? YAMLBasic.sequence([]) {
            if let when = step["when"], let key = when.string {
                if key.contains("{{") { check(when, setupKeys, "setup.when") }
                else if !resolvable(key, setupKeys) {
                    problems.append(problem(when, "setup.when '\(key)' is not a key of the kind's context\(Suggest.hint(key, among: setupKeys.sorted()))"))
                }
            }
            var stepKeys = setupKeys
            if let each = step["each"], let name = each.string {
                stepKeys.insert("item")
                if kind.setting(name)?.type != .list {
                    let lists = kind.settings.filter { $0.type == .list }.map(\.name)
                    problems.append(problem(each, "setup.each '\(name)' is not a list setting of the kind\(Suggest.hint(name, among: lists))"))
                }
            }
            walk(step["run"], stepKeys, "setup.run")
            walk(step["tool"]?["env"], stepKeys, "setup.tool.env")
        }
        if let seed = top["seed"] {
            let keys = seedKeys
            for k in ["target", "once", "formats"] { walk(seed[k], keys, "seed.\(k)") }
            walk(seed["tool"]?["env"], keys, "seed.tool.env")
            for (_, o) in seed["options"]?.mapping ?? YAMLBasic.mapping([]) { walk(o["default"], all, "seed option default") }
        }
        // `copy.layered.base` gets the new base's anchor (`{{anchor}}`, empty without a catch-up);
        // `copy.layered.catchup` the base's id and the data path.
        let copyKeys = all.union(["parent.host"])
        walk(top["copy"]?["live"], copyKeys, "copy")
        walk(top["copy"]?["layered"]?["base"], copyKeys.union(["anchor"]), "copy")
        walk(top["copy"]?["layered"]?["current"], copyKeys, "copy")
        walk(top["copy"]?["layered"]?["catchup"], copyKeys.union(["base.id", "data"]), "copy")
        walk(top["rotate"], all.union(["data"]).union(all.map { "old." + $0 }), "rotate")
        walk(top["upgrade"], all.union(UpgradeSchema.templateKeys), "upgrade")
        walk(top["init"]?["env"], all, "init.env")
        return problems
    }

    /// `compose.yml`'s references, each at its line in that file.
    package func fragmentProblems() -> [ManifestProblem] {
        let keys = withValues
        var out: [ManifestProblem] = []
        if let syntax = Templating.syntaxError(in: kind.composeFragment) {
            out.append(ManifestProblem(line: syntax.line, column: syntax.column, "not a valid Mustache template: \(syntax.message)"))
        }
        for (i, line) in kind.composeFragment.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            for ref in Self.unresolved(String(line), keys) {
                out.append(ManifestProblem(line: i + 1, column: 1, "unknown template key '{{\(ref)}}'\(Suggest.hint(ref, among: keys.sorted()))"))
            }
        }
        return out
    }

    package mutating func walk(_ node: Node?, _ keys: Set<String>, _ what: String) {
        guard let node else { return }
        switch node {
        case .scalar: check(node, keys, what)
        case .sequence(let seq): for n in seq { walk(n, keys, what) }
        case .mapping(let m): for (_, v) in m { walk(v, keys, what) }
        case .alias: break
        }
    }

    package mutating func check(_ node: Node, _ keys: Set<String>, _ what: String) {
        guard let text = node.string else { return }
        if let syntax = compiled.add(text) {
            problems.append(problem(node, "\(what) is not a valid Mustache template (\(syntax.message), line \(syntax.line) of the value)"))
            return
        }
        for ref in Self.unresolved(text, keys) {
            problems.append(problem(node, "unknown template key '{{\(ref)}}' in \(what)\(Suggest.hint(ref, among: keys.sorted()))"))
        }
    }

    package func problem(_ node: Node, _ message: String) -> ManifestProblem {
        ManifestProblem(line: node.mark?.line ?? 1, column: node.mark?.column ?? 1, message)
    }

    /// Keys usable inside any section: swift-mustache's sequence context.
    package static let sectionKeys: Set<String> = ["first", "last", "index", "even", "odd"]

    package static func unresolved(_ template: String, _ keys: Set<String>) -> [String] {
        // `first()` with nothing inside applies to the sequence context (`{{^first()}}` in a list section).
        Templating.references(in: template).map(Templating.stripTransform).filter { ref in
            !ref.isEmpty && !sectionKeys.contains(ref) && !resolvable(ref, keys)
        }
    }

    package func resolvable(_ ref: String, _ keys: Set<String>) -> Bool { Self.resolvable(ref, keys) }

    /// `ports.main` resolves when it is a key; `ports` when some key starts with `ports.`.
    package static func resolvable(_ ref: String, _ keys: Set<String>) -> Bool {
        keys.contains(ref) || keys.contains { $0.hasPrefix(ref + ".") }
    }

    /// The references in `template` that none of `keys` resolves.
    package static func unknownKeys(_ template: String, _ keys: Set<String>) -> [String] {
        Templating.references(in: template).map(Templating.stripTransform).filter { !resolvable($0, keys) }
    }
}
