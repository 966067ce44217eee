import Foundation
import DevenvCore
import DevenvSpec

extension InitMapper {
    /// What every service of the stack keeps as compose had it: its restart policy, profiles,
    /// labels, and each compose key devenv.yml carries as written (`user`, `tty`, `secrets`, …,
    /// ``ServiceOption/shapes``). Any other key is named as not carried.
    func carryCompose(_ s: SourceService, kind: ServiceKind?, _ c: inout InitOperation.Choice, _ row: inout InitReport.Row, _ d: inout InitDetection) {
        if let r = s.restart, r != "unless-stopped" { c.restart = r; row.carried.append("restart \(r)") }
        if !s.profiles.isEmpty { c.profiles = s.profiles; row.carried.append("profiles \(s.profiles.joined(separator: ", "))") }
        for l in s.labels { c.labels.append(.init(key: l.key, value: text(l.value))); row.carried.append("label \(l.key)") }
        for k in s.otherKeys {
            guard ServiceOption.shapes[k] != nil, let json = s.json[k] else {
                row.notCarried.append("\(k): devenv.yml services have no \(k)")
                continue
            }
            if let kind, let own = kind.compose.entries.first(where: { $0.key.text == k }) {
                if let v = own.value.text, !v.contains("{{"), ComposeSource.canonical(v) == json { row.carried.append("key \(k) (the kind's own)") }
                else { row.notCarried.append("\(k): the \(kind.name) kind sets \(k) itself") }
                continue
            }
            if k == "network_mode", kind != nil || !c.ports.isEmpty {
                row.notCarried.append("network_mode: devenv publishes this service's ports on the stack's network")
                continue
            }
            if k == "secrets" || k == "configs", let missing = carryMounted(k, json, &d) {
                row.notCarried.append("\(k): \(missing) is not a top-level \(k == "secrets" ? "secret" : "config") compose gives a file, variable or content for")
                continue
            }
            c.options.append(.init(key: k, value: unescaped(json)))
            row.carried.append("key \(k)")
        }
    }

    /// The top-level secrets (configs) a service's `secrets:` (`configs:`, compose's JSON) uses,
    /// added to what devenv.yml declares (files relative to the project). Returns a name compose
    /// does not declare with a file, variable or content, if any.
    private func carryMounted(_ key: String, _ json: String, _ d: inout InitDetection) -> String? {
        let items = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [Any] ?? []
        var found: [SecretSpec] = []
        for item in items {
            guard let name = (item as? [String: Any])?["source"] as? String ?? item as? String else { continue }
            guard var m = d.composeMounted[key]?.first(where: { $0.name == name }), m.file != nil || m.environment != nil || m.content != nil else { return name }
            m.file = m.file.map(relative)
            m.content = m.content.map(text)
            found.append(m)
        }
        for f in found {
            if key == "secrets", !d.secrets.contains(where: { $0.name == f.name }) { d.secrets.append(f) }
            if key == "configs", !d.configs.contains(where: { $0.name == f.name }) { d.configs.append(f) }
        }
        return nil
    }

    /// compose's JSON with each literal `$` as devenv.yml writes it (compose gives `$$`).
    func unescaped(_ json: String) -> String {
        guard unescapeDollars, json.contains("$$"), let v = try? JSONSerialization.jsonObject(with: Data(json.utf8), options: .fragmentsAllowed) else { return json }
        func walk(_ v: Any) -> Any {
            if let s = v as? String { return text(s) }
            if let a = v as? [Any] { return a.map(walk) }
            if let m = v as? [String: Any] { return m.mapValues(walk) }
            return v
        }
        return ComposeSource.canonical(walk(v)) ?? json
    }

    /// Why a service whose image a kind runs stays a generic image: the kind would replace
    /// something of it (a password the image reads from a file, its command) or not publish its
    /// ports. Nil: it becomes the kind.
    func keptGeneric(_ s: SourceService, image: String, kind: ServiceKind) -> String? {
        let owned = Self.ownedEnv(kind)
        if let k = s.environment.first(where: { $0.key.hasSuffix("_FILE") && owned[String($0.key.dropLast(5))] != nil })?.key {
            return "\(s.name): \(image) is kept as a generic image: it reads \(k.dropLast(5)) from a file (\(k)), where devenv's \(kind.name) kind sets its own"
        }
        if s.command != nil, kind.compose.entries.contains(where: { $0.key.text == "command" }) {
            return "\(s.name): \(image) is kept as a generic image: its command replaces the one devenv's \(kind.name) kind runs"
        }
        let foreign = s.ports.filter { p in !(p.proto == "tcp" && kind.ports.contains { $0.container == p.target }) }
        guard foreign.isEmpty else {
            return "\(s.name): \(image) is kept as a generic image: it publishes " + foreign.map { "\($0.target)/\($0.proto)" }.joined(separator: ", ")
                + ", which devenv's \(kind.name) kind does not (it publishes " + kind.ports.map { String($0.container) }.joined(separator: ", ") + ")"
        }
        return nil
    }

    /// What a host process would not keep of a service compose builds; empty: it runs on the
    /// host as it ran in compose. Anything here keeps it a container built as compose builds it.
    func hostLosses(_ s: SourceService, step: Bool) -> [String] {
        var out: [String] = []
        if let e = s.entrypoint { out.append("its entrypoint \(e.joined(separator: " "))") }
        out += s.volumes.map { "volume \($0.target)" }
        if s.healthcheck != nil { out.append("its healthcheck") }
        let tcp = s.ports.filter { $0.proto == "tcp" }
        out += s.ports.filter { !($0.proto == "tcp" && $0.target == tcp.first?.target) }.map { "port \($0.target)/\($0.proto)" }
        if let p = tcp.first, let published = p.published, published != p.target { out.append("port \(p.target) published as \(published)") }
        out += s.environment.filter { $0.value == nil }.map { "\($0.key) from the shell" }
        if !s.profiles.isEmpty { out.append("profiles \(s.profiles.joined(separator: ", "))") }
        if step { out.append("a step others wait to complete") }
        if let r = s.restart, r == "no" || r.hasPrefix("on-failure") { out.append("restart \(r)") }
        if !s.labels.isEmpty { out.append("its labels") }
        out += s.otherKeys
        return out
    }
}
