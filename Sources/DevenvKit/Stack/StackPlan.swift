import Foundation

/// Everything `up` needs, decided before anything starts: identity, images, ports,
/// credentials and the values `.env` templates can use.
public struct StackPlan {
    public var identity: StackIdentity
    public var manifest: Manifest
    public var services: [PlannedService]
    /// The app's own reserved ports (`ports:` in the manifest), by name.
    public var appPorts: [String: Int]
    /// `<root>/.devenv/stacks/<stack>/`: the compose file, ledgers, snapshots.
    public var stateDir: String
    public var composeFile: String { stateDir + "/compose.yaml" }

    public func service(_ name: String) -> PlannedService? { services.first { $0.name == name } }

    /// The context `.env` templates render against: `{{postgres.url}}`, `{{ports.api}}`, `{{stack}}`.
    public var templateContext: [String: Any] {
        var ctx: [String: Any] = ["stack": identity.stack, "project": identity.project]
        for s in services {
            var v: [String: Any] = [:]
            for (k, val) in s.values { v[k] = val }
            v["ports"] = Dictionary(uniqueKeysWithValues: s.ports.map { ($0.name, String($0.host)) })
            ctx[s.name] = v
        }
        ctx["ports"] = appPorts.mapValues { String($0) }
        return ctx
    }
}

public struct PlannedService {
    public var name: String
    public var spec: ServiceSpec
    /// Nil for a generic service.
    public var kind: ServiceKind?
    /// The image as the manifest or the kind names it.
    public var requestedImage: String
    /// After the machine's image mapping: what compose runs.
    public var image: String
    public var ports: [PlannedPort]
    /// Exported values in template order (`host`, `port`, `user`, …, `url`).
    public var values: [(key: String, value: String)]
    /// The secrets generated for this service (never printed by default).
    public var secrets: [String: String]
    /// The context the kind's compose fragment and setup steps render against.
    public var context: [String: Any]

    public var kindName: String { kind?.name ?? ServiceSpec.genericKind }
    public func value(_ key: String) -> String? { values.first { $0.key == key }?.value }
    public var mainPort: PlannedPort? { ports.first { $0.name == "main" } ?? ports.first }
    public var url: String? { value("url") }

    /// The readiness check, spoken from the host on the published port.
    public var probe: ProbeSpec? {
        if let kind {
            guard let port = mainPort?.host else { return nil }
            switch kind.probe {
            case "postgres": return .postgres(port: port, user: value("user") ?? "postgres", database: value("database") ?? "postgres", password: value("password"))
            case "redis": return .redis(port: port, password: value("password"))
            case "mongodb": return .mongodb(port: port)
            case "minio": return .http(port: port, path: "/minio/health/live")
            case "http": return .http(port: port, path: "/")
            default: return .tcp(port: port)
            }
        }
        switch spec.ready {
        case .http(let path, let portName):
            guard let p = (portName.flatMap { n in ports.first { $0.name == n } } ?? ports.first) else { return nil }
            return .http(port: p.host, path: path)
        case .tcp(let portName):
            guard let p = (portName.flatMap { n in ports.first { $0.name == n } } ?? ports.first) else { return nil }
            return .tcp(port: p.host)
        case nil:
            return ports.first.map { .tcp(port: $0.host) }
        }
    }
}

public struct PlannedPort: Sendable, Equatable {
    public var name: String
    public var container: Int
    public var host: Int
    public var pinned: Bool
}

/// A host-side readiness check.
public enum ProbeSpec: Sendable, Equatable {
    /// With the password the probe logs in (and tells broken data apart, see `PostgresLogin`).
    case postgres(port: Int, user: String, database: String, password: String? = nil)
    case redis(port: Int, password: String?)
    case mongodb(port: Int)
    case http(port: Int, path: String)
    case tcp(port: Int)

    public var port: Int {
        switch self {
        case .postgres(let p, _, _, _), .redis(let p, _), .mongodb(let p), .http(let p, _), .tcp(let p): return p
        }
    }
}
