import Foundation
import DevenvCore
import DevenvPlatform

/// The one Docker engine a devenv command talks to, resolved once (``EndpointResolver``) by
/// the docker CLI's own rules. The Engine API reads and every `docker` / `docker compose`
/// command go to this endpoint (``EngineClient``, ``EngineBoundRunner``), so they never disagree.
public struct EngineEndpoint: Sendable, Equatable {
    public enum Address: Sendable, Equatable {
        case unix(path: String)
        case tcp(host: String, port: Int, tls: TLSSettings?)
        case ssh(SSHTarget)
    }

    public var address: Address
    /// How it was chosen, in the user's words.
    public var source: Source
    /// What was tried before it, when it came from the well-known sockets (for messages).
    public var tried: [String] = []

    public init(address: Address, source: Source, tried: [String] = []) {
        self.address = address; self.source = source; self.tried = tried
    }

    /// How the endpoint was chosen (docker's order: `--context`, `DOCKER_HOST`,
    /// `DOCKER_CONTEXT`, the current context of config.json, then the default socket; devenv
    /// adds the well-known sockets of Docker Desktop, Colima, OrbStack, Rancher Desktop and Podman).
    public enum Source: Sendable, Equatable {
        case contextOption(String)
        case dockerHost
        case contextVariable(String)
        case currentContext(String, config: String)
        case defaultSocket
        case wellKnown(String)

        public var description: String {
            switch self {
            case .contextOption(let n): return "docker context \(n) from --context"
            case .dockerHost: return "DOCKER_HOST"
            case .contextVariable(let n): return "docker context \(n) from DOCKER_CONTEXT"
            case .currentContext(let n, let config): return "docker context \(n), the current one in \(config)"
            case .defaultSocket: return "the default socket"
            case .wellKnown(let product): return "\(product)'s socket, found with nothing configured and no default socket"
            }
        }

        /// The docker context it came from, if any.
        public var context: String? {
            switch self {
            case .contextOption(let n), .contextVariable(let n), .currentContext(let n, _): return n
            default: return nil
            }
        }
    }

    /// The engine as docker names it: `unix:///var/run/docker.sock`, `tcp://10.0.0.5:2376`,
    /// `ssh://me@build-box`.
    public var host: String {
        switch address {
        case .unix(let path): return "unix://" + path
        case .tcp(let host, let port, _): return "tcp://\(host.contains(":") ? "[\(host)]" : host):\(port)"
        case .ssh(let t): return t.url
        }
    }

    /// True when the engine runs on another machine (ssh, or tcp to another host): its
    /// 127.0.0.1 is not ours, host folders cannot be mounted.
    public var isRemote: Bool {
        switch address {
        case .unix: return false
        case .tcp(let host, _, _): return !["127.0.0.1", "localhost", "::1"].contains(host)
        case .ssh: return true
        }
    }

    public var isSSH: Bool { if case .ssh = address { return true }; return false }

    /// `unix:///var/run/docker.sock (docker context colima (DOCKER_CONTEXT))`.
    public var summary: String { "\(host) — \(source.description)" }

    /// The docker CLI's environment for this endpoint: `DOCKER_HOST` and the TLS variables set,
    /// `DOCKER_CONTEXT` cleared (an empty value is unset for docker), so every `docker` and
    /// `docker compose` devenv runs talks to exactly this engine whatever the user's shell holds.
    /// `via`: the address that actually carries the traffic (an ssh engine's forwarded socket).
    public func dockerEnvironment(via: String? = nil) -> [String: String] {
        var env = ["DOCKER_HOST": via ?? host, "DOCKER_CONTEXT": "", "DOCKER_TLS_VERIFY": "", "DOCKER_TLS": "", "DOCKER_CERT_PATH": ""]
        if via == nil, case .tcp(_, _, let tls?) = address {
            if tls.verify { env["DOCKER_TLS_VERIFY"] = "1" } else { env["DOCKER_TLS"] = "1" }
            if let dir = tls.certDirectory { env["DOCKER_CERT_PATH"] = dir }
        }
        return env
    }
}

/// TLS for a `tcp://` engine: from a context's TLS material, or `DOCKER_TLS_VERIFY` /
/// `DOCKER_CERT_PATH` (`ca.pem`, `cert.pem`, `key.pem` in one folder, as docker keeps them).
public struct TLSSettings: Sendable, Equatable {
    public var verify: Bool
    public var certDirectory: String?
    public init(verify: Bool, certDirectory: String?) { self.verify = verify; self.certDirectory = certDirectory }
}

/// `ssh://[user@]host[:port][/socket-path]`, as the docker CLI reads it.
public struct SSHTarget: Sendable, Equatable {
    public var user: String?
    public var host: String
    public var port: Int?
    /// The engine socket on the remote machine when the URL names one (docker then runs
    /// `docker --host=unix://PATH system dial-stdio` there).
    public var socketPath: String?

    public init(user: String? = nil, host: String, port: Int? = nil, socketPath: String? = nil) {
        self.user = user; self.host = host; self.port = port; self.socketPath = socketPath
    }

    public var url: String {
        "ssh://" + (user.map { $0 + "@" } ?? "") + host + (port.map { ":\($0)" } ?? "") + (socketPath ?? "")
    }

    /// Parses the URL; nil when it is not one (no host, a bad port).
    public static func parse(_ text: String) -> SSHTarget? {
        guard text.hasPrefix("ssh://") else { return nil }
        var rest = Substring(text.dropFirst(6))
        var path: String?
        if let slash = rest.firstIndex(of: "/") {
            let p = String(rest[slash...])
            path = p.trimmingCharacters(in: CharacterSet(charactersIn: "/")).isEmpty ? nil : p
            rest = rest[..<slash]
        }
        var user: String?
        if let at = rest.lastIndex(of: "@") {
            user = String(rest[..<at])
            rest = rest[rest.index(after: at)...]
            if user!.isEmpty || user!.contains(":") { return nil }   // docker refuses passwords in the URL
        }
        var port: Int?
        if let colon = rest.lastIndex(of: ":"), !rest.hasSuffix("]") {
            guard let p = Int(rest[rest.index(after: colon)...]), (1...65535).contains(p) else { return nil }
            port = p
            rest = rest[..<colon]
        }
        let host = String(rest).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        guard !host.isEmpty, !host.hasPrefix("-") else { return nil }
        return SSHTarget(user: user, host: host, port: port, socketPath: path)
    }
}

extension EngineEndpoint.Address {
    /// Parses a docker host (`DOCKER_HOST`, a context's `Host`): `unix://PATH`, `tcp://HOST[:PORT]`
    /// (2375, or 2376 with TLS), `ssh://…`; a bare absolute path is a unix socket. Nil when it
    /// is none of them.
    public static func parse(_ text: String, tls: TLSSettings?) -> EngineEndpoint.Address? {
        if text.hasPrefix("unix://") {
            let path = String(text.dropFirst(7))
            return path.isEmpty ? .unix(path: EndpointResolver.defaultSocket) : .unix(path: path)
        }
        if text.hasPrefix("/") { return .unix(path: text) }
        if text.hasPrefix("ssh://") { return SSHTarget.parse(text).map { .ssh($0) } }
        for scheme in ["tcp://", "http://", "https://"] where text.hasPrefix(scheme) {
            var rest = Substring(text.dropFirst(scheme.count))
            if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
            let tls = scheme == "https://" && tls == nil ? TLSSettings(verify: true, certDirectory: nil) : tls
            var port = tls == nil ? 2375 : 2376
            var host = String(rest)
            if rest.hasPrefix("[") {   // [::1]:2375
                guard let close = rest.firstIndex(of: "]") else { return nil }
                host = String(rest[rest.index(after: rest.startIndex)..<close])
                let after = rest[rest.index(after: close)...]
                if after.hasPrefix(":") { guard let p = Int(after.dropFirst()) else { return nil }; port = p }
            } else if let colon = rest.lastIndex(of: ":") {
                guard let p = Int(rest[rest.index(after: colon)...]) else { return nil }
                port = p
                host = String(rest[..<colon])
            }
            if host.isEmpty { host = "127.0.0.1" }
            guard (1...65535).contains(port) else { return nil }
            return .tcp(host: host, port: port, tls: tls)
        }
        return nil
    }
}
