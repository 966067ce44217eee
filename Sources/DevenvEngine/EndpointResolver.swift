import Foundation
import DevenvCore
import DevenvPlatform

/// Decides which engine a command talks to, in the docker CLI's order (docker/cli
/// `resolveContextName`): the `--context` option, then `DOCKER_HOST` (which, as in docker,
/// overrides `DOCKER_CONTEXT`), then `DOCKER_CONTEXT`, then the current context of
/// `$DOCKER_CONFIG/config.json`, then the default socket. The context named `default` is
/// docker's own: `DOCKER_HOST` or the default socket.
///
/// When nothing is configured and the default socket does not answer, the well-known
/// sockets of Docker Desktop, Colima, OrbStack, Rancher Desktop and Podman are tried in that
/// order and the first that answers is used (and said so in `doctor`); when none answers the
/// default socket stays, and the exit-4 message names everything tried.
public struct EndpointResolver {
    public static let defaultSocket = "/var/run/docker.sock"

    public var contextOption: String?
    public var environment: [String: String]
    /// Whether a unix socket accepts a connection now (tests pass a fake).
    public var answers: (String) -> Bool = EndpointResolver.socketAnswers
    /// The folders of `~/.colima` (tests pass a fake).
    public var listDirectory: (String) -> [String] = { (try? FileManager.default.contentsOfDirectory(atPath: $0)) ?? [] }

    public init(contextOption: String?, environment: [String: String]) {
        self.contextOption = contextOption.flatMap { $0.isEmpty ? nil : $0 }
        self.environment = environment
    }

    package var contexts: DockerContexts { DockerContexts(environment: environment) }
    package var home: String { environment["HOME"] ?? NSHomeDirectory() }
    package func env(_ key: String) -> String? { environment[key].flatMap { $0.isEmpty ? nil : $0 } }

    public func resolve() throws -> EngineEndpoint {
        if let name = contextOption { return try context(name, source: .contextOption(name)) }
        if let host = env("DOCKER_HOST") { return try dockerHost(host) }
        if let name = env("DOCKER_CONTEXT") { return try context(name, source: .contextVariable(name)) }
        if let name = try contexts.currentContext() {
            return try context(name, source: .currentContext(name, config: Self.tilde(contexts.configFile, home: home)))
        }
        return wellKnown()
    }

    /// `DOCKER_HOST`, with `DOCKER_TLS_VERIFY` / `DOCKER_TLS` / `DOCKER_CERT_PATH` for tcp.
    package func dockerHost(_ host: String) throws -> EngineEndpoint {
        var tls: TLSSettings?
        if env("DOCKER_TLS_VERIFY") != nil || env("DOCKER_TLS") != nil {
            tls = TLSSettings(verify: env("DOCKER_TLS_VERIFY") != nil, certDirectory: env("DOCKER_CERT_PATH") ?? contexts.directory)
        }
        guard let address = EngineEndpoint.Address.parse(host, tls: tls) else {
            throw DevenvError("DOCKER_HOST=\(host) is not an engine address devenv understands",
                              hint: "Use unix:///path/to/docker.sock, tcp://HOST:PORT or ssh://[USER@]HOST[:PORT] (as docker does), or unset DOCKER_HOST.",
                              exitCode: .engineUnavailable)
        }
        if case .tcp(let h, let p, nil) = address { return EngineEndpoint(address: .tcp(host: h, port: p, tls: nil), source: .dockerHost) }
        return EngineEndpoint(address: address, source: .dockerHost)
    }

    package func context(_ name: String, source: EngineEndpoint.Source) throws -> EngineEndpoint {
        if name == "default" {
            if let host = env("DOCKER_HOST") { return try dockerHost(host) }
            return wellKnown()
        }
        guard let c = try contexts.context(name) else {
            let known = contexts.names()
            let via: String
            switch source {
            case .contextOption: via = "--context \(name)"
            case .contextVariable: via = "DOCKER_CONTEXT=\(name)"
            default: via = "the current context of \(Self.tilde(contexts.configFile, home: home))"
            }
            throw DevenvError("there is no docker context '\(name)' (\(via))\(Suggest.hint(name, among: known + ["default"]))",
                              hint: "Contexts: \((["default"] + known).joined(separator: ", ")) (`docker context ls`). Create it with `docker context create \(name) --docker host=…`, or pick another with `docker context use NAME`.",
                              exitCode: source == .contextOption(name) ? .usage : .engineUnavailable)
        }
        var tls: TLSSettings?
        if c.tlsDirectory != nil || c.skipTLSVerify { tls = TLSSettings(verify: !c.skipTLSVerify, certDirectory: c.tlsDirectory) }
        guard let address = EngineEndpoint.Address.parse(c.host, tls: tls) else {
            throw DevenvError("docker context '\(name)' points at \(c.host), which is not an engine address devenv understands",
                              hint: "Use unix://, tcp:// or ssh:// (`docker context update \(name) --docker host=…`).",
                              exitCode: .engineUnavailable)
        }
        if case .tcp(let h, let p, _) = address, tls == nil { return EngineEndpoint(address: .tcp(host: h, port: p, tls: nil), source: source) }
        return EngineEndpoint(address: address, source: source)
    }

    /// The sockets tried when nothing is configured, in order: (product, path).
    public func candidates() -> [(String, String)] {
        var list: [(String, String)] = [("default", Self.defaultSocket), ("Docker Desktop", home + "/.docker/run/docker.sock")]
        let colima = env("COLIMA_HOME") ?? home + "/.colima"
        let profiles = listDirectory(colima).filter { !$0.hasPrefix("_") && !$0.hasPrefix(".") }.sorted { a, b in
            a == "default" ? true : b == "default" ? false : a < b
        }
        list += (profiles.isEmpty ? ["default"] : profiles).map { ("Colima", "\(colima)/\($0)/docker.sock") }
        list.append(("OrbStack", home + "/.orbstack/run/docker.sock"))
        list.append(("Rancher Desktop", home + "/.rd/docker.sock"))
        if let runtime = env("XDG_RUNTIME_DIR") { list.append(("Podman", runtime + "/podman/podman.sock")) }
        list.append(("Podman", "/run/podman/podman.sock"))
        // Podman machine (macOS): the API socket it forwards from its VM, by podman 5 in
        // $TMPDIR/podman, by podman 4 under ~/.local/share/containers/podman/machine.
        let machine = env("PODMAN_MACHINE") ?? "podman-machine-default"
        if let tmp = env("TMPDIR") { list.append(("Podman machine", (tmp.hasSuffix("/") ? String(tmp.dropLast()) : tmp) + "/podman/\(machine)-api.sock")) }
        let share = (env("XDG_DATA_HOME") ?? home + "/.local/share") + "/containers/podman/machine"
        list.append(("Podman machine", share + "/\(machine)/podman.sock"))
        list.append(("Podman machine", share + "/qemu/podman.sock"))
        list.append(("Podman machine", share + "/podman.sock"))
        return list
    }

    package func wellKnown() -> EngineEndpoint {
        var tried: [String] = []
        for (product, path) in candidates() {
            if answers(path) {
                return EngineEndpoint(address: .unix(path: path), source: product == "default" ? .defaultSocket : .wellKnown(product), tried: tried)
            }
            tried.append("\(Self.tilde(path, home: home))" + (product == "default" ? " (default)" : " (\(product))"))
        }
        return EngineEndpoint(address: .unix(path: Self.defaultSocket), source: .defaultSocket, tried: tried)
    }

    /// `~/.docker/config.json` for a path under the home folder.
    package static func tilde(_ path: String, home: String) -> String {
        path.hasPrefix(home + "/") ? "~" + path.dropFirst(home.count) : path
    }

    /// A connect that succeeds: something listens on the socket (no request is sent).
    public static func socketAnswers(_ path: String) -> Bool {
        guard FileManager.default.fileExists(atPath: path) else { return false }
        guard let c = try? SocketConnection.connect(.unix(path: path), timeout: 0.5) else { return false }
        c.close()
        return true
    }
}
