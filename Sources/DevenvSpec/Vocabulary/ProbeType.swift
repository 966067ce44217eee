import Foundation
import DevenvCore

/// The fixed set of host-side readiness protocols a kind's `probe:` chooses from
/// (templates/README.md, "Probes"). Each speaks its service's own protocol on the published
/// 127.0.0.1 port: docker-proxy accepts TCP connections before the service listens, so a bare
/// connect proves little.
public enum ProbeType: String, Sendable, CaseIterable {
    case postgres, mysql, redis, mongodb, memcached, amqp, http, tcp, none

    /// The parameters a kind may give this probe (all templates, all optional).
    public var parameters: [String] {
        switch self {
        case .postgres: return ["user", "database", "password"]
        case .redis: return ["password"]
        case .http: return ["path"]
        case .mysql, .mongodb, .memcached, .amqp, .tcp, .none: return []
        }
    }
}

/// A probe ready to run: the protocol, the host port, the rendered parameters.
public struct ProbeSpec: Sendable, Equatable {
    public var type: ProbeType
    public var port: Int
    public var parameters: [String: String]

    public init(_ type: ProbeType, port: Int, _ parameters: [String: String] = [:]) {
        self.type = type; self.port = port; self.parameters = parameters
    }

    public static func http(port: Int, path: String) -> ProbeSpec { ProbeSpec(.http, port: port, ["path": path]) }
    public static func tcp(port: Int) -> ProbeSpec { ProbeSpec(.tcp, port: port) }
}
