import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlatform

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
    /// False when some port or secret is only proposed (a read-only command on a stack `up`
    /// never reserved): nothing may start on such a plan.
    public var claimed: Bool = true
    /// The kinds the plan was made with.
    public var kinds = KindCatalogue(kinds: [:])
    /// What every kind of the catalogue tells `devenv mirror` (URL schemes, version names):
    /// made when asked for, since it reads every kind.
    public var mirrorVocabulary: MirrorVocabulary { MirrorVocabulary(kinds) }
    /// Docker volume names that differ from compose's `<stack>_<key>`, by compose volume key:
    /// a data volume moved to a new generation by `devenv upgrade` (`<stateDir>/volumes.json`).
    public var volumeNames: [String: String] = [:]
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
    /// The port its values (`host`, `port`, `url`) and probe use: `main`, else the first TCP one.
    public var mainPort: PlannedPort? { ports.first { $0.name == "main" } ?? ports.first { $0.proto == "tcp" } ?? ports.first }
    /// A generic service's ports a probe may connect to (a UDP port answers no connect).
    private var tcpPorts: [PlannedPort] { ports.filter { $0.proto == "tcp" } }
    public var url: String? { value("url") }

    /// The readiness check, spoken from the host on the published port.
    public var probe: ProbeSpec? {
        if let kind {
            let probe = kind.probe
            guard probe.type != .none else { return nil }
            guard let port = (probe.port.flatMap { n in ports.first { $0.name == n } } ?? mainPort)?.host else { return nil }
            var ctx = context
            for (k, v) in values { ctx[k] = v }
            let parameters = probe.parameters.mapValues { (try? kind.render($0, ctx)) ?? $0 }
            return ProbeSpec(probe.type, port: port, parameters)
        }
        switch spec.ready {
        case .http(let path, let portName):
            guard let p = (portName.flatMap { n in tcpPorts.first { $0.name == n } } ?? tcpPorts.first) else { return nil }
            return .http(port: p.host, path: path)
        case .tcp(let portName):
            guard let p = (portName.flatMap { n in tcpPorts.first { $0.name == n } } ?? tcpPorts.first) else { return nil }
            return .tcp(port: p.host)
        case nil:
            return tcpPorts.first.map { .tcp(port: $0.host) }
        }
    }
}

public struct PlannedPort: Sendable, Equatable {
    public var name: String
    public var container: Int
    public var host: Int
    public var pinned: Bool
    /// `tcp` or `udp`.
    public var proto: String = "tcp"

    package init(name: String, container: Int, host: Int, pinned: Bool, proto: String = "tcp") {
        self.name = name; self.container = container; self.host = host; self.pinned = pinned; self.proto = proto
    }
}

