import Foundation
import DevenvCore
import DevenvPlatform

/// One byte stream to the engine, for one HTTP request.
public protocol EngineConnection: AnyObject {
    func send(_ text: String) throws
    func receiveAll() throws -> [UInt8]
    func close()
    /// Why the stream ended early, when the transport knows (a command's last error line).
    var failureNote: String { get }
}

extension SocketConnection: EngineConnection {
    public var failureNote: String { "" }
}

extension ProcessRunner.Stream: EngineConnection {
    public func close() { close(grace: 1) }
    public var failureNote: String { "" }
}

/// How bytes reach the engine: a unix or plain tcp socket; `docker system dial-stdio` with the
/// TLS settings for a TLS engine (devenv does no TLS itself); an ssh engine's connection.
package final class EngineLink: Sendable {
    package enum Kind: Sendable {
        case socket(SocketConnection.Endpoint)
        case dialStdio(Command)
        case ssh(SSHEngine)
        case broken(DevenvError)
    }

    package let kind: Kind
    package let endpoint: EngineEndpoint?

    package init(_ endpoint: EngineEndpoint, runDirectory: String) {
        self.endpoint = endpoint
        switch endpoint.address {
        case .unix(let path): kind = .socket(.unix(path: path))
        case .tcp(let host, let port, nil): kind = .socket(.tcp(host: host, port: port))
        case .tcp: kind = .dialStdio(Command("docker", ["system", "dial-stdio"], environment: endpoint.dockerEnvironment()))
        case .ssh(let target): kind = .ssh(SSHEngine(target: target, runDirectory: runDirectory))
        }
    }

    package init(broken: DevenvError) { kind = .broken(broken); endpoint = nil }

    /// A link whose every request is a run of `command` (tests stand in for dial-stdio).
    package init(fakeStream command: Command) { kind = .dialStdio(command); endpoint = nil }

    package func open(timeout: TimeInterval) throws -> EngineConnection {
        switch kind {
        case .socket(let e): return try SocketConnection.connect(e, timeout: timeout)
        case .dialStdio(let c): return try ProcessRunner.openStream(c, timeout: timeout)
        case .ssh(let s): return try s.open(timeout: timeout)
        case .broken(let e): throw e
        }
    }

    package func dockerEnvironment() throws -> [String: String] {
        switch kind {
        case .broken(let e): throw e
        case .ssh(let s): return endpoint!.dockerEnvironment(via: s.dockerHost())
        default: return endpoint!.dockerEnvironment()
        }
    }

    package var ssh: SSHEngine? { if case .ssh(let s) = kind { return s }; return nil }
}

/// The exit-4 message for an endpoint: where devenv looked and how it chose it, and a fix.
package enum EngineMessages {
    package static func unavailable(_ e: EngineEndpoint, detail: String) -> DevenvError {
        let why = detail.isEmpty ? "" : " (\(detail))"
        switch e.source {
        case .defaultSocket:
            let tried = e.tried.dropFirst()
            return DevenvError(
                "the Docker engine is not reachable at \(e.host)\(why)" + (tried.isEmpty ? "" : "; also tried \(tried.joined(separator: ", "))"),
                hint: "Start it: Linux `sudo systemctl start docker` (or `sudo dockerd &`), macOS: open Docker Desktop or run `colima start` / `orb start` / `podman machine start`. " +
                    "If it runs elsewhere, point devenv at it as you would docker: `devenv COMMAND --context NAME`, DOCKER_CONTEXT or DOCKER_HOST. Check with `docker info`.",
                exitCode: .engineUnavailable)
        case .wellKnown(let product):
            return DevenvError("the Docker engine is not reachable at \(e.host), \(product)'s socket\(why)",
                               hint: "Start it (restart \(product)), or point devenv at another engine: `devenv COMMAND --context NAME` or DOCKER_HOST.",
                               exitCode: .engineUnavailable)
        case .dockerHost:
            return DevenvError("the Docker engine is not reachable at DOCKER_HOST=\(e.host)\(why)",
                               hint: "Start it, or fix or unset DOCKER_HOST (docker uses it before any context). Check with `docker info`.",
                               exitCode: .engineUnavailable)
        case .contextOption(let n), .contextVariable(let n), .currentContext(let n, _):
            return DevenvError("the Docker engine is not reachable at \(e.host), the engine of \(e.source.description)\(why)",
                               hint: "Start it, or pick another context: `docker context ls`, then `devenv COMMAND --context NAME` or `docker context use NAME`. Check with `docker --context \(n) info`.",
                               exitCode: .engineUnavailable)
        }
    }
}
