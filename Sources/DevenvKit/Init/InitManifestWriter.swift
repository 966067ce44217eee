import Foundation
import Yams
import DevenvCore
import DevenvSpec

/// Writes devenv.yml through the YAML emitter: every value (`${VAR}`, `#`, `]`, `:`, quotes,
/// multi-line text) reads back exactly as it was given.
enum InitManifestWriter {
    static func manifest(name: String?, choices: [InitOperation.Choice], detected d: InitDetection, kinds: [String: ServiceKind]) throws -> String {
        var top: [(Node, Node)] = []
        if let name { top.append((str(name: "name"), str(name))) }
        top.append((str(name: "services"), map(choices.map { (str(name: $0.name), service($0, kinds: kinds)) }, flow: choices.isEmpty)))
        // What refers to a service that was not chosen (`--services`) is left out.
        let names = Set(choices.map(\.name))
        let processNames = Set(d.processes.map(\.name))
        func usable(_ template: String) -> Bool {
            Templating.references(in: template).allSatisfy { ref in
                let head = String(ref.split(separator: ".").first ?? "")
                return head == "ports" || head == "stack" || head == "project" || names.contains(head)
            }
        }
        if !d.ports.isEmpty {
            top.append((str(name: "ports"), map(d.ports.map { (str(name: $0.name), $0.port.map { int($0) } ?? str(name: "auto")) }, flow: true)))
        }
        let env = d.env.map { ($0.file, $0.keys.filter { usable($0.value) }) }.filter { !$0.1.isEmpty }
        if !env.isEmpty {
            top.append((str(name: "env"), map(env.map { file, keys in (str(file), map(keys.map { (str($0.key), str($0.value)) })) })))
        }
        for (key, entries) in [("secrets", d.secrets), ("configs", d.configs)] where !entries.isEmpty {
            top.append((str(name: key), map(entries.map { sec in
                let value = sec.file.map { (str(name: "file"), str($0)) } ?? sec.content.map { (str(name: "content"), str($0)) }
                    ?? (str(name: "environment"), str(sec.environment ?? ""))
                return (str(name: sec.name), map([value], flow: sec.content == nil))
            })))
        }
        if !d.processes.isEmpty {
            top.append((str(name: "processes"), map(d.processes.map { p in
                var m: [(Node, Node)] = [(str(name: "run"), str(p.run))]
                if let cwd = p.cwd { m.append((str(name: "cwd"), str(cwd))) }
                let depends = p.depends.filter { names.contains($0) || processNames.contains($0) }
                if !depends.isEmpty { m.append((str(name: "depends"), seq(depends.map { str($0) }, flow: true))) }
                return (str(name: p.name), map(m))
            })))
        }
        var lines = ["# devenv.yml: the services this project needs locally. Reference: README.md (\"The manifest\")."]
        lines += (d.report.header() + d.notes).flatMap { $0.split(separator: "\n", omittingEmptySubsequences: false) }.map { "# " + $0 }
        return lines.joined(separator: "\n") + "\n" + (try Yams.serialize(node: map(top), width: -1, allowUnicode: true))
    }

    static func service(_ c: InitOperation.Choice, kinds: [String: ServiceKind]) -> Node {
        var m: [(Node, Node)] = []
        if let kind = c.kind, kind != c.name || c.image != nil { m.append((str(name: "kind"), str(kind))) }
        if let image = c.image {
            m.append((str(name: "image"), str(image)))
        }
        if let b = c.build {
            var fields: [(Node, Node)] = [(str(name: "context"), str(b.context))]
            if let f = b.dockerfile { fields.append((str(name: "dockerfile"), str(f))) }
            if let t = b.target { fields.append((str(name: "target"), str(t))) }
            if !b.args.isEmpty { fields.append((str(name: "args"), map(b.args.map { (str($0.name), $0.value.map { str($0) } ?? null) }))) }
            m.append((str(name: "build"), fields.count == 1 ? str(b.context) : map(fields, flow: b.args.isEmpty)))
        } else if c.image == nil {
            m.append((str(name: "version"), str(c.version ?? kinds[c.kind ?? c.name]?.version ?? "latest")))
            for s in c.listSettings { m.append((str(name: s.key), seq([str(s.value)], flow: true))) }
        }
        if let command = c.command { m.append((str(name: "command"), seq(command.map { str($0) }))) }
        if let entrypoint = c.entrypoint { m.append((str(name: "entrypoint"), seq(entrypoint.map { str($0) }))) }
        if !c.env.isEmpty || !c.fromShell.isEmpty {
            m.append((str(name: "env"), map(c.env.map { (str($0.key), str($0.value)) } + c.fromShell.map { (str($0), .scalar(Node.Scalar("null", YAMLBasic.tag(.null), .plain))) })))
        }
        if !c.volumes.isEmpty { m.append((str(name: "volumes"), seq(c.volumes.map { str($0) }))) }
        if !c.ports.isEmpty { m.append((str(name: "ports"), map(c.ports.map { (str(name: $0.key), Int($0.value).map(int) ?? str($0.value)) }, flow: true))) }
        if let ready = c.ready { m.append((str(name: "ready"), str(name: ready))) }
        if let h = c.healthcheck {
            let test = seq(h.test.map { str($0) }, flow: h.test.count <= 2 && !h.test.contains { $0.contains("\n") })
            m.append((str(name: "healthcheck"), h.options.isEmpty ? test
                : map([(str(name: "test"), test)] + h.options.map { (str(name: $0.key), $0.key == "retries" ? int(Int($0.value) ?? 0) : str($0.value)) })))
        }
        if let r = c.restart { m.append((str(name: "restart"), str(r))) }
        if !c.profiles.isEmpty { m.append((str(name: "profiles"), seq(c.profiles.map { str($0) }, flow: true))) }
        if !c.labels.isEmpty { m.append((str(name: "labels"), map(c.labels.map { (str($0.key), str($0.value)) }))) }
        for o in c.options { m.append((str(name: o.key), node(json: o.value))) }
        if !c.dependsOn.isEmpty {
            m.append((str(name: "depends_on"), c.dependsOn.allSatisfy { $0.condition == "service_started" }
                ? seq(c.dependsOn.map { str(name: $0.name) }, flow: true)
                : map(c.dependsOn.map { (str(name: $0.name), map([(str(name: "condition"), str(name: $0.condition))], flow: true)) })))
        }
        let simple = c.image == nil && c.build == nil && c.command == nil && c.entrypoint == nil && c.healthcheck == nil && c.dependsOn.isEmpty && c.env.isEmpty && c.fromShell.isEmpty && c.volumes.isEmpty
            && c.labels.isEmpty && c.options.isEmpty
        return map(m, flow: simple)
    }

    static var null: Node { Node.scalar(Node.Scalar("null", YAMLBasic.tag(.null), .plain)) }

    /// A compose value given as JSON (`{"nofile":{"hard":65536,"soft":65536}}`), as YAML that
    /// reads back to the same value: texts through `str`, numbers and booleans plain.
    static func node(json: String) -> Node {
        guard let v = try? JSONSerialization.jsonObject(with: Data(json.utf8), options: .fragmentsAllowed) else { return str(json) }
        func convert(_ v: Any) -> Node {
            if v is NSNull { return null }
            if let s = v as? String { return str(s) }
            if let a = v as? [Any] { return seq(a.map(convert), flow: a.allSatisfy { !($0 is [Any] || $0 is [String: Any]) }) }
            if let m = v as? [String: Any] {
                return map(m.keys.sorted().map { (str($0), convert(m[$0]!)) }, flow: m.count <= 3 && m.values.allSatisfy { !($0 is [Any] || $0 is [String: Any]) })
            }
            // a number or a boolean: the JSON text is its YAML
            let text = ComposeSource.canonical(v) ?? "\(v)"
            return .scalar(Node.Scalar(text, YAMLBasic.tag(text == "true" || text == "false" ? .bool : text.contains(".") ? .float : .int), .plain))
        }
        return convert(v)
    }

    static func map(_ entries: [(Node, Node)], flow: Bool = false) -> Node {
        .mapping(Node.Mapping(entries, YAMLBasic.tag(), flow ? .flow : .block))
    }

    static func seq(_ items: [Node], flow: Bool = false) -> Node {
        .sequence(Node.Sequence(items, YAMLBasic.tag(), flow ? .flow : .block))
    }

    static func int(_ n: Int) -> Node { .scalar(Node.Scalar(String(n), YAMLBasic.tag(.int), .plain)) }

    /// A key or word that needs no quotes.
    static func str(name: String) -> Node { .scalar(Node.Scalar(name, YAMLBasic.tag(.str), .plain)) }

    /// A string value: plain where YAML reads it back as the same string, else double-quoted
    /// (multi-line text as a literal block).
    static func str(_ s: String) -> Node {
        if s.contains("\n"), !s.hasSuffix(" "), !s.contains("\t") { return .scalar(Node.Scalar(s, YAMLBasic.tag(.str), .literal)) }
        let plain = s.range(of: "^[A-Za-z0-9_./][A-Za-z0-9_./@+=-]*$", options: .regularExpression) != nil
            && (try? Yams.load(yaml: s) as? String) == s
        return .scalar(Node.Scalar(s, YAMLBasic.tag(.str), plain ? .plain : .doubleQuoted))
    }
}
