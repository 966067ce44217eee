import Foundation
import DevenvCore
import DevenvPlatform

/// `GET /containers/{id}/json`, reduced to what recovery and port ownership need: the
/// container's environment (how damaged credentials are recovered), the host ports it
/// publishes or will publish in any state (`HostConfig.PortBindings`), its addresses on its
/// networks (how a docker-proxy's `-container-ip` leads back to it) and its labels.
public struct ContainerDetails: Sendable {
    public var id: String
    public var name: String
    public var state: ContainerState
    public var labels: [String: String]
    /// `KEY=VALUE` entries of `Config.Env`.
    public var environment: [String]
    /// (host port, container port) for every TCP binding with a fixed host port.
    public var bindings: [(host: Int, container: Int)]
    /// IPv4 addresses on its networks.
    public var addresses: [String]
    /// The named volume mounted at each path (`Mounts` of type volume).
    public var volumes: [String: String] = [:]

    public func environmentValue(_ key: String) -> String? {
        environment.first { $0.hasPrefix(key + "=") }.map { String($0.dropFirst(key.count + 1)) }
    }

    /// Parses an inspect reply; nil when it is not one.
    public static func parse(_ body: Data) -> ContainerDetails? {
        guard let obj = try? JSONSerialization.jsonObject(with: body) as? [String: Any], let id = obj["Id"] as? String else { return nil }
        let config = obj["Config"] as? [String: Any] ?? [:]
        let host = obj["HostConfig"] as? [String: Any] ?? [:]
        let network = obj["NetworkSettings"] as? [String: Any] ?? [:]
        var bindings: [(Int, Int)] = []
        for source in [host["PortBindings"], network["Ports"]] {
            for (key, value) in source as? [String: Any] ?? [:] {
                let parts = key.split(separator: "/")
                guard let container = parts.first.flatMap({ Int($0) }), parts.count < 2 || parts[1] == "tcp" else { continue }
                for b in value as? [[String: Any]] ?? [] {
                    if let hp = (b["HostPort"] as? String).flatMap(Int.init), !bindings.contains(where: { $0 == (hp, container) }) {
                        bindings.append((hp, container))
                    }
                }
            }
        }
        let networks = network["Networks"] as? [String: Any] ?? [:]
        let addresses = networks.values.compactMap { ($0 as? [String: Any])?["IPAddress"] as? String }.filter { !$0.isEmpty }
        return ContainerDetails(
            id: id, name: (obj["Name"] as? String).map { String($0.drop { $0 == "/" }) } ?? String(id.prefix(12)),
            state: ContainerState(engineWord: (obj["State"] as? [String: Any])?["Status"] as? String ?? ""),
            labels: config["Labels"] as? [String: String] ?? [:],
            environment: config["Env"] as? [String] ?? [], bindings: bindings, addresses: addresses,
            volumes: Dictionary((obj["Mounts"] as? [[String: Any]] ?? []).compactMap { m -> (String, String)? in
                guard m["Type"] as? String == "volume", let name = m["Name"] as? String, let path = m["Destination"] as? String else { return nil }
                return (path, name)
            }, uniquingKeysWith: { a, _ in a }))
    }
}

extension ContainerEngine {
    /// The container's details, or nil when the engine does not know it.
    public func inspect(_ id: String) -> ContainerDetails? {
        guard let (status, body) = try? get("/containers/\(id)/json"), status == 200 else { return nil }
        return ContainerDetails.parse(body)
    }
}
