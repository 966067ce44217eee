import Foundation
import Yams

/// Reads `services:`: known kinds by name (or `kind:`), anything with `image:` as generic.
struct ServiceParser {
    var kindSettings: [String: [String]]
    static let common = ["kind", "version", "image", "port", "env", "command", "volumes"]
    static let genericKeys = ["kind", "image", "port", "ports", "ready", "env", "command", "volumes"]

    func parse(_ node: Node, _ reader: inout NodeReader) -> [ServiceSpec] {
        guard let m = reader.mapping(node, "services") else { return [] }
        var services: [ServiceSpec] = []
        var seen = Set<String>()
        for (k, v) in m {
            guard let name = reader.string(k, "a service name") else { continue }
            if name.range(of: "^[a-z0-9][a-z0-9_-]*$", options: .regularExpression) == nil {
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
        let kinds = kindSettings.keys.sorted()
        var kind: String
        if let kindNode = m["kind"] {
            guard let k = reader.string(kindNode, "kind") else { return nil }
            guard kindSettings[k] != nil || k == ServiceSpec.genericKind else {
                reader.problem(kindNode, "unknown kind '\(k)'\(Suggest.hint(k, among: kinds)); expected one of: \(kinds.joined(separator: ", ")), or 'image:' for any other image")
                return nil
            }
            kind = k
        } else if kindSettings[name] != nil {
            kind = name
        } else if m["image"] != nil {
            kind = ServiceSpec.genericKind
        } else {
            let near = Suggest.nearest(name, among: kinds)
            reader.problem(keyNode, "service '\(name)' is not a known kind and has no 'image:'" +
                (near.map { "; did you mean '\($0)'?" } ?? "") + "; known kinds: \(kinds.joined(separator: ", "))")
            return nil
        }
        var spec = ServiceSpec(name: name, kind: kind, line: keyNode.mark?.line ?? 0)
        let allowed = kind == ServiceSpec.genericKind ? Self.genericKeys : Self.common + (kindSettings[kind] ?? [])
        for (key, v) in reader.entries(m, allowed: allowed, context: "in service '\(name)'") {
            switch key {
            case "kind": break
            case "version": spec.version = reader.scalarText(v, "version")
            case "image":
                if let image = reader.string(v, "image") {
                    if image.contains(where: { $0.isWhitespace }) { reader.problem(v, "image '\(image)' must not contain spaces") }
                    spec.image = image
                }
            case "port": spec.pinnedPort = reader.port(v, "port")
            case "databases":
                spec.databases = reader.strings(v, "databases") ?? []
                for d in spec.databases where d.range(of: "^[A-Za-z_][A-Za-z0-9_-]*$", options: .regularExpression) == nil {
                    reader.problem(v, "database name '\(d)' must be letters, digits, '_' and '-'")
                }
            case "buckets":
                spec.buckets = reader.strings(v, "buckets") ?? []
                for b in spec.buckets where b.range(of: "^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", options: .regularExpression) == nil {
                    reader.problem(v, "bucket name '\(b)' must be 3-63 lower-case letters, digits, '.' and '-'")
                }
            case "ports": spec.ports = parsePorts(v, &reader)
            case "ready": spec.ready = parseReady(v, &reader)
            case "env":
                if let em = reader.mapping(v, "env") {
                    for (ek, ev) in em {
                        if let k = reader.string(ek, "an env name"), let val = reader.scalarText(ev, k) { spec.environment.append((k, val)) }
                    }
                }
            case "command":
                if case .scalar(let s) = v { spec.command = s.string.split(separator: " ").map(String.init) }
                else { spec.command = reader.strings(v, "command") }
            case "volumes": spec.volumes = reader.strings(v, "volumes") ?? []
            default: break
            }
        }
        if kind == ServiceSpec.genericKind {
            if spec.image == nil { reader.problem(keyNode, "service '\(name)' needs 'image:'") }
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
                var container: Int?, host: Int?
                for (key, pv) in reader.entries(vm, allowed: ["container", "host"], context: "in port '\(name)'") {
                    if key == "container" { container = reader.port(pv, "container") } else { host = reader.port(pv, "host") }
                }
                if let container { out.append(NamedPort(name: name, container: container, pinnedHost: host)) }
                else { reader.problem(v, "port '\(name)' needs 'container:'") }
            } else if let p = reader.port(v, "port '\(name)'") {
                out.append(NamedPort(name: name, container: p, pinnedHost: nil))
            }
        }
        return out
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
