import Foundation
import Yams
import DevenvCore

/// Reads `services:`: known kinds by name (or `kind:`), anything with `image:` as generic.
package struct ServiceParser {
    package var kinds: KindCatalogue

    package func parse(_ node: Node, _ reader: inout NodeReader) -> [ServiceSpec] {
        guard let m = reader.mapping(node, "services") else { return [] }
        if m.isEmpty {
            reader.problem(node, "'services:' is empty; name at least one service, e.g. 'services: { postgres: { version: \"16\" } }'")
            return []
        }
        var services: [ServiceSpec] = []
        var seen = Set<String>()
        for (k, v) in m {
            guard let name = reader.string(k, "a service name") else { continue }
            if !NameSyntax.matches(name, first: ASCIIClass("a-z0-9"), rest: ASCIIClass("a-z0-9_-")) {
                reader.problem(k, "service name '\(name)' must be lower-case letters, digits, '-' and '_'")
                continue
            }
            if name.count > ServiceSpec.maxNameLength {
                reader.problem(k, "service name '\(name.prefix(20))…' is \(name.count) characters; at most \(ServiceSpec.maxNameLength) (it names the container, its volume and its snapshots)")
                continue
            }
            if !seen.insert(name).inserted { reader.problem(k, "service '\(name)' appears twice"); continue }
            if let s = parseService(name: name, keyNode: k, v, &reader) { services.append(s) }
        }
        return services
    }

    private func parseService(name: String, keyNode: Node, _ node: Node, _ reader: inout NodeReader) -> ServiceSpec? {
        guard let m = reader.mapping(node, "service '\(name)'") else { return nil }
        let known = kinds.names
        var kind: String
        if let kindNode = m["kind"] {
            guard let k = reader.string(kindNode, "kind") else { return nil }
            guard known.contains(k) || k == ServiceSpec.genericKind else {
                reader.problem(kindNode, "unknown kind '\(ValueLimits.quoted(k))'\(Suggest.hint(k, among: known)); expected one of: \(known.joined(separator: ", ")), or 'image:' for any other image")
                return nil
            }
            kind = k
        } else if known.contains(name), !(m["image"] != nil && (m["ports"] != nil || m["ready"] != nil)) {
            // Named like a kind, unless it describes its own image (`ports:`/`ready:`, which only a
            // generic service takes): a kind added later never changes what a manifest means.
            kind = name
        } else if m["image"] != nil || m["build"] != nil {
            kind = ServiceSpec.genericKind
        } else {
            let near = Suggest.nearest(name, among: known)
            reader.problem(keyNode, "service '\(name)' is not a known kind and has no 'image:' (or 'build:')" +
                (near.map { "; did you mean '\($0)'?" } ?? "") + "; known kinds: \(known.joined(separator: ", "))")
            return nil
        }
        if let broken = kinds.problems(of: kind) {
            reader.problem(m["kind"] ?? keyNode, "kind '\(kind)' cannot be used: its folder has \(broken.problems.count) problem\(broken.problems.count == 1 ? "" : "s") (listed below)")
            reader.problems += broken.located
            return nil
        }
        var spec = ServiceSpec(name: name, kind: kind, line: keyNode.mark?.line ?? 0)
        let kindSettings = kinds.kind(named: kind)?.settings ?? []
        let allowed = kind == ServiceSpec.genericKind ? ServiceKeys.generic : ServiceKeys.common + kindSettings.map(\.name)
        let own = allowed.filter { !ServiceOption.shapes.keys.contains($0) }
        for (key, v) in reader.entries(m, allowed: allowed, context: "in service '\(name)'", listed: own,
                                       more: ", or a compose key devenv carries as written (user, tty, cap_add, … README: \"Compose keys\")") {
            switch key {
            case "kind": break
            case "version": spec.version = reader.scalarText(v, "version")
            case "image":
                if let image = reader.string(v, "image") {
                    if image.contains(where: { $0.isWhitespace }) { reader.problem(v, "image '\(image)' must not contain spaces") }
                    spec.image = image
                }
            case "port": spec.pinnedPort = reader.port(v, "port")
            case "ports": spec.ports = parsePorts(v, &reader)
            case "ready": spec.ready = parseReady(v, &reader)
            case "env":
                if let em = reader.mapping(v, "env") {
                    for (ek, ev) in em {
                        guard let k = reader.string(ek, "an env name") else { continue }
                        if case .scalar(let sc) = ev, sc.style == .plain, ["", "~", "null", "Null", "NULL"].contains(sc.string) { spec.fromShell.append(k); continue }
                        if let val = reader.scalarText(ev, k) { spec.environment.append((k, val)) }
                    }
                }
            case "command":
                if case .scalar(let s) = v { spec.command = s.string.split(separator: " ").map(String.init) }
                else { spec.command = reader.strings(v, "command") }
            case "entrypoint":
                if case .scalar(let s) = v { spec.entrypoint = s.string.split(separator: " ").map(String.init) }
                else { spec.entrypoint = reader.strings(v, "entrypoint") }
            case "healthcheck": spec.healthcheck = parseHealthcheck(v, &reader)
            case "depends_on": spec.dependsOn = parseDependsOn(v, &reader)
            case "build": spec.build = parseBuild(v, &reader)
            case "restart": spec.restart = parseRestart(v, &reader)
            case "profiles": spec.profiles = parseProfiles(v, &reader)
            case "labels": spec.labels = parseLabels(v, &reader)
            case "volumes": spec.volumes = reader.strings(v, "volumes") ?? []
            default:
                if let setting = kindSettings.first(where: { $0.name == key }) {
                    if let value = SettingReader.read(v, as: setting, &reader) { spec.settings[key] = value }
                } else if let option = parseOption(key, v, &reader) {
                    if kinds.kind(named: kind)?.compose.entries.contains(where: { $0.key.text == key }) == true {
                        reader.problem(v, "service '\(name)': the \(kind) kind sets \(key) itself")
                    } else { spec.options.append(option) }
                }
            }
        }
        if kind == ServiceSpec.genericKind {
            if spec.image == nil, spec.build == nil { reader.problem(keyNode, "service '\(name)' needs 'image:' (or 'build:' with the folder to build it from)") }
            if spec.ports.isEmpty, spec.ready != nil { reader.problem(keyNode, "service '\(name)' has 'ready:' but no 'ports:' to check") }
        }
        return spec
    }

    private func parsePorts(_ node: Node, _ reader: inout NodeReader) -> [NamedPort] {
        guard let m = reader.mapping(node, "ports") else { return [] }
        var out: [NamedPort] = []
        for (k, v) in m {
            guard let name = reader.string(k, "a port name") else { continue }
            if let vm = v.mapping {
                var container: Int?, host: Int?, proto = "tcp"
                for (key, pv) in reader.entries(vm, allowed: ["container", "host", "protocol"], context: "in port '\(name)'") {
                    switch key {
                    case "container": container = reader.port(pv, "container")
                    case "host": host = reader.port(pv, "host")
                    default:
                        guard let p = reader.string(pv, "protocol") else { continue }
                        if ["tcp", "udp"].contains(p) { proto = p } else { reader.problem(pv, "port '\(name)' protocol '\(ValueLimits.quoted(p))' must be tcp or udp") }
                    }
                }
                if let container { out.append(NamedPort(name: name, container: container, pinnedHost: host, proto: proto)) }
                else { reader.problem(v, "port '\(name)' needs 'container:'") }
            } else if case .scalar(let sc) = v, let slash = sc.string.firstIndex(of: "/") {
                // `53/udp`, `8080/tcp`: compose's way of naming the protocol
                let proto = String(sc.string[sc.string.index(after: slash)...]), number = Int(sc.string[..<slash])
                guard let number, (1...65535).contains(number), ["tcp", "udp"].contains(proto) else {
                    reader.problem(v, "port '\(name)' must be a port number, or one with its protocol like 53/udp, found \(NodeReader.describe(v))")
                    continue
                }
                out.append(NamedPort(name: name, container: number, pinnedHost: nil, proto: proto))
            } else if let p = reader.port(v, "port '\(name)'") {
                out.append(NamedPort(name: name, container: p, pinnedHost: nil))
            }
        }
        return out
    }

    /// `depends_on: [db, cache]`, or `{ db: { condition: service_healthy } }` as compose writes it.
    /// Whether each name is a service of the manifest is checked with the rest (SpecValidation).
    private func parseDependsOn(_ node: Node, _ reader: inout NodeReader) -> [DependsOnSpec] {
        func entry(_ n: Node, _ name: String, _ condition: String) -> DependsOnSpec {
            DependsOnSpec(name: name, condition: condition, line: n.mark?.line ?? 0, column: n.mark?.column ?? 0)
        }
        guard let m = node.mapping else {
            guard let seq = node.sequence else { _ = reader.strings(node, "depends_on"); return [] }
            return seq.compactMap { n in reader.string(n, "a depends_on service").map { entry(n, $0, "service_started") } }
        }
        var out: [DependsOnSpec] = []
        for (k, v) in m {
            guard let name = reader.string(k, "a depends_on service") else { continue }
            var condition = "service_started"
            if let vm = reader.mapping(v, "depends_on '\(name)'") {
                for (key, cv) in reader.entries(vm, allowed: ["condition"], context: "in depends_on '\(name)'") where key == "condition" {
                    guard let c = reader.string(cv, "depends_on condition") else { continue }
                    if DependsOnSpec.conditions.contains(c) { condition = c; continue }
                    reader.problem(cv, "depends_on '\(name)' condition '\(ValueLimits.quoted(c))' must be service_started, service_healthy or service_completed_successfully" +
                        Suggest.hint(c, among: DependsOnSpec.conditions))
                }
            }
            out.append(entry(k, name, condition))
        }
        return out
    }

    /// `healthcheck: "pg_isready"` (a shell line), `[CMD, curl, -f, …]` / `[CMD-SHELL, line]` as
    /// compose's `test`, or `{ test: …, interval: 5s, timeout: 3s, retries: 5, start_period: 10s }`.
    private func parseHealthcheck(_ node: Node, _ reader: inout NodeReader) -> HealthcheckSpec? {
        func test(_ n: Node) -> [String]? {
            if case .scalar(let s) = n {
                if s.string.trimmingCharacters(in: .whitespaces).isEmpty { reader.problem(n, "healthcheck test is empty"); return nil }
                return ["CMD-SHELL", s.string]
            }
            guard let words = reader.strings(n, "healthcheck test") else { return nil }
            guard let first = words.first, ["CMD", "CMD-SHELL"].contains(first), words.count >= 2 else {
                reader.problem(n, "a healthcheck test list starts with CMD or CMD-SHELL and has a command after it, e.g. [CMD-SHELL, \"curl -f http://localhost/ || exit 1\"]")
                return nil
            }
            return words
        }
        guard let m = node.mapping else { return test(node).map { HealthcheckSpec(test: $0) } }
        var spec: HealthcheckSpec?
        var options: [(key: String, value: String)] = []
        for (key, v) in reader.entries(m, allowed: ["test"] + HealthcheckSpec.optionKeys, context: "in 'healthcheck'") {
            if key == "test" { spec = test(v).map { HealthcheckSpec(test: $0) }; continue }
            guard let text = reader.scalarText(v, "healthcheck.\(key)") else { continue }
            let ok = key == "retries" ? Int(text).map { $0 >= 0 } == true
                : text.range(of: "^([0-9]+(\\.[0-9]+)?(ns|us|ms|s|m|h))+$", options: .regularExpression) != nil
            if ok { options.append((key, text)) }
            else { reader.problem(v, "healthcheck.\(key) '\(ValueLimits.quoted(text))' must be " + (key == "retries" ? "a whole number" : "a duration like 5s, 1m30s or 500ms")) }
        }
        if spec == nil, m["test"] == nil { reader.problem(node, "healthcheck needs 'test:' (a shell line, or [CMD, …])") }
        spec?.options = options
        return spec
    }

    private func parseReady(_ node: Node, _ reader: inout NodeReader) -> ReadySpec? {
        if case .scalar(let s) = node {
            if s.string == "tcp" { return .tcp(port: nil) }
            if s.string.hasPrefix("/") { return .http(path: s.string, port: nil) }
            reader.problem(node, "ready must be 'tcp', an HTTP path like '/health', or { http: /path } / { tcp: PORTNAME }")
            return nil
        }
        guard let m = reader.mapping(node, "ready") else { return nil }
        var spec: ReadySpec?
        var portName: String?
        for (key, v) in reader.entries(m, allowed: ["http", "tcp", "port"], context: "in 'ready'") {
            switch key {
            case "http": if let p = reader.string(v, "ready.http") { spec = .http(path: p.hasPrefix("/") ? p : "/" + p, port: nil) }
            case "tcp": spec = .tcp(port: nil)
            case "port": portName = reader.string(v, "ready.port")
            default: break
            }
        }
        switch spec {
        case .http(let path, _): return .http(path: path, port: portName)
        case .tcp: return .tcp(port: portName)
        case nil: reader.problem(node, "ready needs 'http: /path' or 'tcp: true'"); return nil
        }
    }
}
