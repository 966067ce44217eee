import Foundation
import Yams
import DevenvCore

extension ServiceParser {
    /// `restart: "no" | always | on-failure | on-failure:5 | unless-stopped`.
    func parseRestart(_ node: Node, _ reader: inout NodeReader) -> String? {
        guard case .scalar(let s) = node else { _ = reader.scalarText(node, "restart"); return nil }
        let text = s.string == "false" && s.style == .plain ? "no" : s.string   // YAML 1.1 reads a bare `no` as false
        if ServiceOption.restartPolicies.contains(text) { return text }
        if text.hasPrefix("on-failure:"), let n = Int(text.dropFirst("on-failure:".count)), n > 0 { return text }
        reader.problem(node, "restart '\(ValueLimits.quoted(text))' must be \"no\", always, on-failure (or on-failure:N, N > 0) or unless-stopped"
            + Suggest.hint(text, among: ServiceOption.restartPolicies))
        return nil
    }

    /// `profiles: [debug, tools]`: names as compose allows them.
    func parseProfiles(_ node: Node, _ reader: inout NodeReader) -> [String] {
        guard let list = reader.strings(node, "profiles") else { return [] }
        var out: [String] = []
        for (i, name) in list.enumerated() {
            if !NameSyntax.matches(name, first: ASCIIClass("a-zA-Z0-9"), rest: ASCIIClass("a-zA-Z0-9_.-")) {
                reader.problem(node.sequence.map { $0[i] } ?? node, "profile '\(ValueLimits.quoted(name))' must start with a letter or digit and hold only letters, digits, '_', '.' and '-'")
            } else if !out.contains(name) { out.append(name) }
        }
        return out
    }

    /// `labels: { traefik.enable: "true" }` or `["traefik.enable=true"]`; devenv's own
    /// (`dev.devenv.*`) are refused.
    func parseLabels(_ node: Node, _ reader: inout NodeReader) -> [(key: String, value: String)] {
        var out: [(key: String, value: String, node: Node)] = []
        if let seq = node.sequence {
            for n in seq {
                guard let line = reader.scalarText(n, "each label") else { continue }
                let parts = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                out.append((parts[0], parts.count > 1 ? parts[1] : "", n))
            }
        } else if let m = reader.mapping(node, "labels") {
            for (k, v) in m {
                guard let key = reader.string(k, "a label name"), let value = reader.scalarText(v, "label \(key)") else { continue }
                out.append((key, value, k))
            }
        }
        for l in out where l.key.hasPrefix("dev.devenv.") || l.key.isEmpty {
            reader.problem(l.node, l.key.isEmpty ? "a label needs a name (NAME=value)" : "label '\(ValueLimits.quoted(l.key))': devenv sets the dev.devenv.* labels itself")
        }
        return out.filter { !$0.key.hasPrefix("dev.devenv.") && !$0.key.isEmpty }.map { ($0.key, $0.value) }
    }

    /// A compose key carried as written, checked for its shape.
    func parseOption(_ key: String, _ node: Node, _ reader: inout NodeReader) -> ServiceOption? {
        guard let shape = ServiceOption.shapes[key] else { return nil }
        let ok: Bool
        switch (shape, node) {
        case (.text, .scalar(let s)): ok = !s.string.isEmpty || reader.string(node, key) != nil
        case (.bool, _): ok = reader.bool(node, key) != nil
        case (.int, _): ok = reader.int(node, key) != nil
        case (.duration, .scalar(let s)):
            ok = s.string.range(of: "^([0-9]+(\\.[0-9]+)?(ns|us|ms|s|m|h))+$", options: .regularExpression) != nil
            if !ok { reader.problem(node, "\(key) '\(ValueLimits.quoted(s.string))' must be a duration like 10s, 1m30s or 500ms") }
        case (.size, .scalar(let s)):
            ok = s.string.range(of: "^[0-9]+(\\.[0-9]+)?\\s*([bkmgBKMG][bB]?)?$", options: .regularExpression) != nil
            if !ok { reader.problem(node, "\(key) '\(ValueLimits.quoted(s.string))' must be a size like 256m, 1g or a number of bytes") }
        case (.number, .scalar(let s)):
            ok = Double(s.string).map { $0 >= 0 } == true
            if !ok { reader.problem(node, "\(key) '\(ValueLimits.quoted(s.string))' must be a number like 0.5 or 2") }
        case (.texts, .scalar), (.texts, .sequence): ok = reader.strings(node, key) != nil
        case (.textsOrMap, .sequence): ok = reader.strings(node, key) != nil
        case (.textsOrMap, .mapping), (.map, .mapping): ok = true
        case (.secrets, .sequence(let seq)):
            ok = seq.allSatisfy { n in
                if n.mapping != nil, let m = reader.mapping(n, "a secret") {
                    let known = reader.entries(m, allowed: ["source", "target", "uid", "gid", "mode"], context: "in an entry of '\(key)'")
                    if known.contains(where: { $0.0 == "source" }) { return true }
                    reader.problem(n, "an entry of '\(key)' needs 'source:' (a name under the top-level \(key):)")
                    return false
                }
                return reader.string(n, "each entry of \(key)") != nil
            }
        default:
            let expected = switch shape {
            case .text, .duration, .size, .number: "a single value"
            case .texts: "a list"
            case .textsOrMap: "a list or a map"
            case .map: "a map"
            case .secrets: "a list of names under the top-level \(key):"
            case .bool, .int: ""
            }
            reader.problem(node, "\(key) must be \(expected), found \(NodeReader.describe(node))")
            ok = false
        }
        return ok ? ServiceOption(key: key, value: YAMLNode(node), line: node.mark?.line ?? 0, column: node.mark?.column ?? 0) : nil
    }

    /// The names a service's `secrets:` or `configs:` uses (short or long form).
    package static func secretNames(_ option: ServiceOption) -> [(name: String, line: Int, column: Int)] {
        guard case .sequence(let items, _, _, _) = option.value else { return [] }
        return items.compactMap { item in
            switch item {
            case .scalar(let s, _, _, let mark): return (s, mark?.line ?? option.line, mark?.column ?? option.column)
            case .mapping(let pairs, _, _, _):
                guard let p = pairs.first(where: { if case .scalar("source", _, _, _) = $0.key { true } else { false } }),
                      case .scalar(let s, _, _, let mark) = p.value else { return nil }
                return (s, mark?.line ?? option.line, mark?.column ?? option.column)
            default: return nil
            }
        }
    }

    /// `build: ./api`, or `{ context: .., dockerfile: docker/Dockerfile, target: dev, args: { A: b } }`.
    func parseBuild(_ v: Node, _ reader: inout NodeReader) -> BuildSpec? {
        guard let m = v.mapping else { return reader.string(v, "build").map { BuildSpec(context: $0) } }
        var b = BuildSpec(context: "")
        var context: String?
        for (key, bv) in reader.entries(m, allowed: ["context", "dockerfile", "target", "args"], context: "in 'build'") {
            switch key {
            case "context": context = reader.string(bv, "build.context")
            case "dockerfile": b.dockerfile = reader.string(bv, "build.dockerfile")
            case "target": b.target = reader.string(bv, "build.target")
            default:
                if let seq = bv.sequence {
                    for n in seq {
                        guard let line = reader.string(n, "each of build.args") else { continue }
                        let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
                        b.args.append(.init(name: parts[0], value: parts.count > 1 ? parts[1] : nil))
                    }
                } else if let am = reader.mapping(bv, "build.args") {
                    for (k, av) in am {
                        guard let name = reader.string(k, "a build arg") else { continue }
                        if case .scalar(let sc) = av, sc.style == .plain, ["", "~", "null", "Null", "NULL"].contains(sc.string) { b.args.append(.init(name: name, value: nil)); continue }
                        if let value = reader.scalarText(av, "build.args.\(name)") { b.args.append(.init(name: name, value: value)) }
                    }
                }
            }
        }
        guard let context else { reader.problem(v, "build needs 'context:' (a folder of the project, e.g. ./api)"); return nil }
        b.context = context
        return b
    }

    /// The top-level `secrets:`: `NAME: { file: ./path }` or `NAME: { environment: VAR }`; and
    /// `configs:`, which may also give `content:` (the file's text).
    package static func parseSecrets(_ node: Node, _ reader: inout NodeReader, key top: String = "secrets") -> [SecretSpec] {
        guard let m = reader.mapping(node, top) else { return [] }
        let what = top == "secrets" ? "secret" : "config"
        let allowed = top == "secrets" ? ["file", "environment"] : ["file", "environment", "content"]
        var out: [SecretSpec] = []
        for (k, v) in m {
            guard let name = reader.string(k, "a \(what) name") else { continue }
            guard let vm = reader.mapping(v, "\(what) '\(name)'") else { continue }
            var s = SecretSpec(name: name, line: k.mark?.line ?? 0)
            for (key, sv) in reader.entries(vm, allowed: allowed, context: "in \(what) '\(name)'") {
                switch key {
                case "file": s.file = reader.string(sv, "\(top).\(name).file")
                case "environment": s.environment = reader.string(sv, "\(top).\(name).environment")
                default: s.content = reader.scalarText(sv, "\(top).\(name).content")
                }
            }
            if [s.file, s.environment, s.content].compactMap({ $0 }).count != 1 {
                reader.problem(k, "\(what) '\(name)' needs one of 'file:' (a file of the project, e.g. ./db/password.txt) or 'environment:' (a variable's name)"
                    + (top == "configs" ? " or 'content:' (its text)" : ""))
                continue
            }
            out.append(s)
        }
        return out
    }
}
