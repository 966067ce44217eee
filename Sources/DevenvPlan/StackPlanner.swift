import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlatform

/// Turns a validated manifest and the stack's claims (ports, secrets) into a `StackPlan`:
/// picks images through the image map and renders every service's context. Pure: it reads
/// and writes nothing; `Claim` is the one step that reserves ports and credentials.
public struct StackPlanner: Sendable {
    public var kinds: KindCatalogue
    public var imageMap: ImageMap

    public init(kinds: KindCatalogue, imageMap: ImageMap) {
        self.kinds = kinds
        self.imageMap = imageMap
    }

    public static func stateDir(root: String, stack: String) -> String { "\(root)/.devenv/stacks/\(stack)" }

    /// One host port per key (`postgres`, `minio.console`, `app.api`); an app port written
    /// `auto` comes from the stack's block like a service's.
    public func portRequests(_ manifest: Manifest) -> [PortRequest] {
        var requests: [PortRequest] = []
        for s in manifest.services {
            for (name, _, pinned, proto) in containerPorts(s) { requests.append(PortRequest(key: Self.portKey(s.name, name), pinned: pinned, udp: proto == "udp")) }
        }
        for p in manifest.appPorts { requests.append(PortRequest(key: "app.\(p.name)", pinned: p.port)) }
        return requests
    }

    /// The random secrets each service's kind needs.
    public func secretNeeds(_ manifest: Manifest) -> [(service: String, secrets: [KindSecret])] {
        manifest.services.compactMap { s in kinds.kind(named: s.kind).map { (s.name, $0.secrets) } }
    }

    public func plan(_ manifest: Manifest, identity: StackIdentity, claims: Claims) throws -> StackPlan {
        let stateDir = Self.stateDir(root: manifest.root, stack: identity.stack)
        var services: [PlannedService] = []
        for s in manifest.services {
            let ports = containerPorts(s).map { name, container, pinned, proto in
                PlannedPort(name: name, container: container, host: claims.ports[Self.portKey(s.name, name)] ?? 0, pinned: pinned != nil, proto: proto)
            }
            services.append(try planService(s, ports: ports, secrets: claims.secrets[s.name] ?? [:], identity: identity))
        }
        return StackPlan(identity: identity, manifest: manifest, services: services,
                         appPorts: Dictionary(uniqueKeysWithValues: manifest.appPorts.map { ($0.name, claims.ports["app.\($0.name)"] ?? $0.port ?? 0) }),
                         stateDir: stateDir, claimed: claims.claimed, kinds: kinds)
    }

    package static func portKey(_ service: String, _ port: String) -> String { port == "main" ? service : "\(service).\(port)" }

    /// (name, container port, pinned host port, protocol) for each port the service publishes.
    package func containerPorts(_ s: ServiceSpec) -> [(String, Int, Int?, String)] {
        if let kind = kinds.kind(named: s.kind) {
            return kind.ports.map { ($0.name, $0.container, $0.name == kind.mainPort?.name ? s.pinnedPort : nil, "tcp") }
        }
        return s.ports.enumerated().map { i, p in (p.name, p.container, p.pinnedHost ?? (i == 0 ? s.pinnedPort : nil), p.proto) }
    }

    /// The image as the manifest or the kind names it, before the image map.
    package func requestedImage(_ s: ServiceSpec) -> String {
        let kind = kinds.kind(named: s.kind)
        return s.image ?? "\(kind?.image ?? "scratch"):\(s.version ?? kind?.version ?? "latest")"
    }

    package func planService(_ s: ServiceSpec, ports: [PlannedPort], secrets: [String: String], identity: StackIdentity) throws -> PlannedService {
        let kind = kinds.kind(named: s.kind)?.mappingToolImages(imageMap)
        // Built from a folder without `image:`: the name compose gives it (`<stack>-<service>`).
        let requested = s.image == nil && s.build != nil ? "\(identity.stack)-\(s.name)" : requestedImage(s)
        let image = imageMap.resolve(requested)
        let built = try ServiceContext.build(s, kind: kind, identity: identity, image: image, ports: ports, secrets: secrets)
        return PlannedService(name: s.name, spec: s, kind: kind, requestedImage: requested, image: image,
                              ports: ports, values: built.values, secrets: secrets, context: built.context)
    }
}
