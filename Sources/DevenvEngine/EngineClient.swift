import Foundation
import DevenvCore
import DevenvPlatform

/// The Docker Engine API as devenv uses it: read-only questions (state, health, labels, ports,
/// volumes, events), all built on one `GET`, plus the environment that binds the docker CLI
/// to the same engine. The live one is `EngineClient`; tests of orchestration substitute one
/// that answers from fixtures.
public protocol ContainerEngine: Sendable {
    /// The engine, and how it was chosen.
    var endpoint: EngineEndpoint { get }
    /// One API request: the HTTP status and body.
    func get(_ path: String, timeout: TimeInterval) throws -> (Int, Data)
    /// The docker CLI's environment for this engine (`DOCKER_HOST`, TLS variables).
    func dockerEnvironment() throws -> [String: String]
}

/// Read-only questions to the Docker Engine API (state, health, labels, ports): one request
/// costs well under a millisecond on a socket, where spawning `docker` costs tens. It talks to
/// the endpoint ``EndpointResolver`` chose; ``EngineLink`` carries the bytes (a socket, a
/// `docker system dial-stdio` for TLS, an ssh engine's forwarded socket).
public struct EngineClient: ContainerEngine {
    /// The engine, and how it was chosen.
    public let endpoint: EngineEndpoint
    package let link: EngineLink

    package init(endpoint: EngineEndpoint, link: EngineLink) { self.endpoint = endpoint; self.link = link }

    /// The engine of `--context` (nil: none given) and the environment, by docker's rules. A
    /// configuration devenv cannot use (a missing context, a bad DOCKER_HOST) is not thrown
    /// here but by the first request, so commands that never need the engine still run.
    public static func resolve(contextOption: String?, environment: [String: String]) -> EngineClient {
        let paths = DevenvPaths(environment: environment)
        do {
            let endpoint = try EndpointResolver(contextOption: contextOption, environment: environment).resolve()
            return EngineClient(endpoint: endpoint, link: EngineLink(endpoint, runDirectory: SSHEngine.runDirectory(paths: paths)))
        } catch let e as DevenvError {
            return EngineClient(endpoint: EngineEndpoint(address: .unix(path: EndpointResolver.defaultSocket), source: .defaultSocket),
                                link: EngineLink(broken: e))
        } catch {
            return EngineClient(endpoint: EngineEndpoint(address: .unix(path: EndpointResolver.defaultSocket), source: .defaultSocket),
                                link: EngineLink(broken: DevenvError("\(error)", exitCode: .engineUnavailable)))
        }
    }

    public static func from(environment: [String: String]) -> EngineClient { resolve(contextOption: nil, environment: environment) }

    /// A client for a fixed endpoint (tests, a stack's recorded engine).
    public static func at(_ endpoint: EngineEndpoint, paths: DevenvPaths) -> EngineClient {
        EngineClient(endpoint: endpoint, link: EngineLink(endpoint, runDirectory: SSHEngine.runDirectory(paths: paths)))
    }

    /// The generic exit-4 error (compose said it cannot connect).
    public static func unavailable(detail: String, address: String? = nil) -> DevenvError {
        DevenvError(
            "the Docker engine is not reachable" + (address.map { " at \($0)" } ?? "") + (detail.isEmpty ? "" : " (\(detail))"),
            hint: "Start it: Linux `sudo systemctl start docker` (or `sudo dockerd &`), macOS: open Docker Desktop or run `colima start`. " +
                "If it runs elsewhere, set DOCKER_HOST or use a docker context (`devenv COMMAND --context NAME`). Check with `docker info`.",
            exitCode: .engineUnavailable)
    }

    /// The docker CLI's environment for this engine (see ``EngineEndpoint/dockerEnvironment(via:)``);
    /// an ssh engine's connection is set up first.
    public func dockerEnvironment() throws -> [String: String] { try link.dockerEnvironment() }

    public func get(_ path: String, timeout: TimeInterval = 10) throws -> (Int, Data) {
        let conn = try link.open(timeout: timeout)
        defer { conn.close() }
        try conn.send("GET \(path) HTTP/1.0\r\nHost: docker\r\nUser-Agent: devenv\r\n\r\n")
        let raw = try conn.receiveAll()
        guard let split = Self.headerEnd(raw) else {
            throw SocketConnection.Failure(description: raw.isEmpty ? "no reply from the engine" + conn.failureNote : "malformed reply from the engine")
        }
        let head = String(decoding: raw[..<split], as: UTF8.self)
        let status = head.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        return (status, Data(raw[(split + 4)...]))
    }

    package static func headerEnd(_ b: [UInt8]) -> Int? {
        guard b.count >= 4 else { return nil }
        for i in 0...(b.count - 4) where b[i] == 13 && b[i + 1] == 10 && b[i + 2] == 13 && b[i + 3] == 10 { return i }
        return nil
    }
}

extension ContainerEngine {
    /// How the user names the engine (`unix:///var/run/docker.sock`, `ssh://me@box`).
    public var address: String { endpoint.host }
    /// Whether the engine runs on this machine (its disk is this machine's).
    public var isLocal: Bool { !endpoint.isRemote && !endpoint.isSSH }

    public func get(_ path: String) throws -> (Int, Data) { try get(path, timeout: 10) }

    /// This engine's exit-4 error: where devenv looked, how it chose it, what to do.
    public func unavailable(detail: String) -> DevenvError { EngineMessages.unavailable(endpoint, detail: detail) }

    /// Throws an exit-4 error when the engine does not answer.
    public func ping(timeout: TimeInterval = 3) throws {
        do {
            let (status, _) = try get("/_ping", timeout: timeout)
            guard status == 200 else { throw SocketConnection.Failure(description: "HTTP \(status)") }
        } catch let e as SocketConnection.Failure {
            throw unavailable(detail: e.description)
        } catch var e as DevenvError where e.exitCode == .engineUnavailable {
            if case .ssh = endpoint.address, !e.message.contains(endpoint.source.description) { e.message += "; chosen by \(endpoint.source.description)" }
            throw e
        }
    }

    /// Every container (running or not) carrying `label` (`key` or `key=value`).
    public func containers(label: String) throws -> [ContainerInfo] {
        let filters = "{\"label\":[\"\(label)\"]}"
        let q = filters.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? filters
        let (status, body) = try get("/containers/json?all=1&filters=\(q)")
        guard status == 200 else { throw DevenvError("the engine answered HTTP \(status) to a container list") }
        return try ContainerInfo.list(body)
    }

    public func containers(project: String) throws -> [ContainerInfo] {
        try containers(label: "com.docker.compose.project=\(project)")
    }

    public func imageExists(_ reference: String) -> Bool {
        let ref = reference.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? reference
        return (try? get("/images/\(ref)/json").0) == 200
    }

    /// `RestartCount` and the last exit code, from a container inspect.
    public func restartInfo(id: String) -> (restarts: Int, exitCode: Int)? {
        guard let (status, body) = try? get("/containers/\(id)/json"), status == 200,
              let obj = try? JSON.read(body), case .object = obj else { return nil }
        return (obj["RestartCount"]?.int ?? 0, obj["State"]?["ExitCode"]?.int ?? 0)
    }
}

/// One entry of `GET /containers/json`.
public struct ContainerInfo: Decodable, Sendable {
    public var id: String
    public var names: [String]
    public var image: String
    public var state: ContainerState
    public var status: String
    public var labels: [String: String]
    public var ports: [PortBinding]

    public struct PortBinding: Sendable {
        public var ip: String?
        public var privatePort: Int
        public var publicPort: Int?
        public var type: String
    }

    /// An entry as the Engine API writes it (`Id`, `Names`, `State`, …); nil without an `Id`.
    public init?(json: JSON) {
        guard let id = json["Id"]?.string else { return nil }
        self.id = id
        names = json["Names"]?.array?.compactMap(\.string) ?? []
        image = json["Image"]?.string ?? ""
        state = json["State"]?.string.map(ContainerState.init(engineWord:)) ?? .other("")
        status = json["Status"]?.string ?? ""
        labels = json["Labels"]?.strings ?? [:]
        ports = json["Ports"]?.array?.compactMap { p in
            p["PrivatePort"]?.int.map { PortBinding(ip: p["IP"]?.string, privatePort: $0, publicPort: p["PublicPort"]?.int, type: p["Type"]?.string ?? "tcp") }
        } ?? []
    }

    /// The body of `GET /containers/json`, read without `JSONDecoder` (``JSON/read(_:)``).
    public static func list(_ body: Data) throws -> [ContainerInfo] {
        guard let items = try? JSON.read(body).array else { throw DevenvError("the engine's container list is not a JSON list") }
        return try items.map { item in
            guard let c = ContainerInfo(json: item) else { throw DevenvError("the engine listed a container without an Id") }
            return c
        }
    }

    /// Decodable through ``init(json:)`` (tests build containers from the API's JSON).
    public init(from decoder: Decoder) throws {
        guard let c = ContainerInfo(json: try JSON(from: decoder)) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "a container without an Id"))
        }
        self = c
    }

    public var service: String? { labels["com.docker.compose.service"] }

    /// `ready`, `starting` or `unhealthy` from the healthcheck; nil when there is none.
    public var health: String? {
        if status.contains("(healthy)") { return "ready" }
        if status.contains("(unhealthy)") { return "unhealthy" }
        if status.contains("(health: starting)") { return "starting" }
        return nil
    }

    /// The container as DESIGN's `state`: running, stopped (see ``ContainerState/runState``).
    public var runState: RunState { state.runState }
}
