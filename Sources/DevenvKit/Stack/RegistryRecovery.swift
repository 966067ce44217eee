import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// Rebuilds a damaged registry from what the engine knows: every container carrying devenv's
/// labels, grouped by stack, with the host ports it publishes (or will publish, for a created
/// or stopped container). A live stack therefore keeps its ports, and its `.env` files stay
/// right. A stack with no container left (after `down`) is not in the rebuilt registry: it gets
/// ports again at its next `up`, and its `.env` files follow.
///
/// Port keys (`postgres`, `minio.console`) come from the stack's own manifest when it can be
/// read, else from the service kind's port names, else the first port is the service's main one.
public struct RegistryRecovery: Sendable {
    public var engine: any ContainerEngine
    public var environment: [String: String]
    public var range: PortRange

    public init(engine: any ContainerEngine, environment: [String: String], range: PortRange) {
        self.engine = engine; self.environment = environment; self.range = range
    }

    /// The rebuilt registry, or a refusal naming the file and the way out when the engine
    /// cannot be asked.
    public func rebuild(path: String, damaged: Data) throws -> Registry {
        let containers: [ContainerInfo]
        do {
            try engine.ping()
            containers = try engine.containers(label: "dev.devenv.stack")
        } catch {
            throw Registry.damage(path, damaged, engineDetail: "the Docker engine at \(engine.address) is not reachable")
        }
        var reg = Registry()
        let byStack = Dictionary(grouping: containers) { $0.labels["dev.devenv.stack"] ?? "" }
        for (stack, list) in byStack.sorted(by: { $0.key < $1.key }) where !stack.isEmpty {
            let labels = list[0].labels
            guard let root = labels["dev.devenv.root"], !root.isEmpty else { continue }
            let names = portNames(root: root)
            var ports: [String: Int] = [:]
            for c in list {
                guard let service = c.service ?? c.labels["dev.devenv.service"], let details = engine.inspect(c.id) else { continue }
                let kindPorts = names[service] ?? [:]
                for b in details.bindings.sorted(by: { $0.container < $1.container }) {
                    let name = kindPorts[b.container] ?? (ports[service] == nil ? "main" : String(b.container))
                    ports[StackPlanner.portKey(service, name)] = b.host
                }
            }
            guard !ports.isEmpty else { continue }
            let first = ports.values.min()!
            let block = range.lower + max(0, (first - range.lower) / range.blockSize) * range.blockSize
            let branch = labels["dev.devenv.branch"].flatMap { $0.isEmpty ? nil : $0 }
            reg.stacks[stack] = Registry.Entry(
                project: labels["dev.devenv.project"] ?? stack, root: root, branch: branch, block: block, ports: ports,
                composeFile: StackPlanner.stateDir(root: root, stack: stack) + "/compose.yaml", created: Date(), lastUsed: Date())
        }
        return reg
    }

    /// service → container port → port name, from the project's manifest and kinds.
    func portNames(root: String) -> [String: [Int: String]] {
        guard let kinds = try? KindCatalogue.load(searchPath: KindCatalogue.defaultSearchPath(environment: environment, projectRoot: root)),
              let manifest = try? ManifestLoader(kinds: kinds).load(file: root + "/" + ManifestLoader.fileName)
        else { return [:] }
        let planner = StackPlanner(kinds: kinds, imageMap: ImageMap())
        var out: [String: [Int: String]] = [:]
        for s in manifest.services {
            out[s.name] = Dictionary(planner.containerPorts(s).map { ($0.1, $0.0) }, uniquingKeysWith: { a, _ in a })
        }
        return out
    }
}
