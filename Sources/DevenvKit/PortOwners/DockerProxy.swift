import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform
/// Where a `docker-proxy` process forwards a published port.
///
/// Docker's userland proxy runs one process per published host port, e.g.
/// `/usr/bin/docker-proxy -proto tcp -host-ip 127.0.0.1 -host-port 5432 -container-ip 172.18.0.2 -container-port 5432`.
/// The container ip and port identify the container (via the Docker API: the network
/// endpoint with that IPv4/IPv6 address).
public struct DockerProxyTarget: Sendable, Equatable, Codable {
    /// `tcp`, `udp` or `sctp` (`tcp` when the flag is missing).
    public var proto: String
    /// The host address it listens on, when given.
    public var hostIP: String?
    /// The published host port, when given.
    public var hostPort: Int?
    /// The container's address on its Docker network.
    public var containerIP: String
    /// The port inside the container.
    public var containerPort: Int

    public init(proto: String = "tcp", hostIP: String? = nil, hostPort: Int? = nil,
                containerIP: String, containerPort: Int) {
        self.proto = proto; self.hostIP = hostIP; self.hostPort = hostPort
        self.containerIP = containerIP; self.containerPort = containerPort
    }
}

public enum DockerProxy {
    /// The proxy's program name.
    public static let executableName = "docker-proxy"

    /// Whether `holder` is Docker's userland proxy (its program file is named `docker-proxy`).
    public static func isDockerProxy(_ holder: PortHolder?) -> Bool {
        holder?.executableName == executableName
    }

    /// The forwarding target in a docker-proxy command line (as ``PortHolder/command`` holds it:
    /// arguments joined by spaces), or nil when it is not a docker-proxy command line or lacks
    /// `-container-ip` / `-container-port`.
    public static func target(commandLine: String) -> DockerProxyTarget? {
        target(arguments: commandLine.split(separator: " ", omittingEmptySubsequences: true).map(String.init))
    }

    /// The forwarding target in docker-proxy's argv. Flags follow Go's `flag` package: `-name
    /// value`, `-name=value`, `--name value` or `--name=value`.
    public static func target(arguments: [String]) -> DockerProxyTarget? {
        guard let program = arguments.first,
              program.split(separator: "/").last.map(String.init) == executableName else { return nil }
        var flags: [String: String] = [:]
        var i = 1
        while i < arguments.count {
            var arg = Substring(arguments[i])
            i += 1
            guard arg.hasPrefix("-") else { continue }
            arg = arg.drop(while: { $0 == "-" })
            if let eq = arg.firstIndex(of: "=") {
                flags[String(arg[..<eq])] = String(arg[arg.index(after: eq)...])
            } else if i < arguments.count, !arguments[i].hasPrefix("-") || isNegativeNumber(arguments[i]) {
                flags[String(arg)] = arguments[i]
                i += 1
            } else {
                flags[String(arg)] = "true" // boolean flag such as -use-listen-fd
            }
        }
        guard let containerIP = flags["container-ip"], !containerIP.isEmpty,
              let containerPort = flags["container-port"].flatMap(Int.init), (1...65535).contains(containerPort)
        else { return nil }
        return DockerProxyTarget(proto: flags["proto"] ?? "tcp",
                                 hostIP: flags["host-ip"],
                                 hostPort: flags["host-port"].flatMap(Int.init),
                                 containerIP: containerIP, containerPort: containerPort)
    }

    /// The target of a listener's holder, when that holder is docker-proxy.
    public static func target(of holder: PortHolder?) -> DockerProxyTarget? {
        guard isDockerProxy(holder), let command = holder?.command else { return nil }
        return target(commandLine: command)
    }

    private static func isNegativeNumber(_ s: String) -> Bool {
        s.count > 1 && s.hasPrefix("-") && s.dropFirst().allSatisfy(\.isNumber)
    }
}
