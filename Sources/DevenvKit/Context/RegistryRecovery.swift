import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform
import Yams

/// Rebuilds a damaged registry from what the engine knows: every container carrying devenv's
/// labels, grouped by stack, with the host ports it publishes (or will publish, for a created
/// or stopped container: `HostConfig.PortBindings`). A live or stopped stack therefore keeps
/// its ports, and its `.env` files stay right. A stack with no container left but its data
/// (after `down`: its volumes carry its labels) keeps the ports of its compose file
/// (`<root>/.devenv/stacks/<stack>/compose.yaml`); one whose ports cannot be recovered that way
/// either is listed (`Outcome.unrecovered`), so the note says it gets new ports at its next `up`.
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

    /// What a rebuild found: the registry, the stacks whose ports came from their compose file
    /// (no container left), and the stacks with data whose ports could not be recovered.
    public struct Outcome: Sendable {
        public var registry: Registry
        public var fromComposeFiles: [String] = []
        public var unrecovered: [String] = []
    }

    /// The rebuilt registry, or a refusal naming the file and the way out when the engine
    /// cannot be asked.
    public func rebuild(path: String, damaged: Data) throws -> Registry { try rebuildReporting(path: path, damaged: damaged).registry }

    public func rebuildReporting(path: String, damaged: Data) throws -> Outcome {
        let containers: [ContainerInfo]
        let volumes: [VolumeInfo]
        do {
            try engine.ping()
            containers = try engine.containers(label: "dev.devenv.stack")
            volumes = try engine.volumes(label: "dev.devenv.stack")
        } catch {
            throw Registry.damage(path, damaged, engineDetail: "the Docker engine at \(engine.address) is not reachable")
        }
        var outcome = Outcome(registry: fromContainers(containers))
        let byStack = Dictionary(grouping: volumes) { $0.labels["dev.devenv.stack"] ?? "" }
        for (stack, list) in byStack.sorted(by: { $0.key < $1.key }) where !stack.isEmpty && outcome.registry.stacks[stack] == nil {
            let labels = list[0].labels
            guard let root = labels["dev.devenv.root"], !root.isEmpty else { outcome.unrecovered.append(stack); continue }
            let file = StackPlanner.stateDir(root: root, stack: stack) + "/compose.yaml"
            let ports = Self.composePorts(file: file, names: portNames(root: root))
            guard !ports.isEmpty else { outcome.unrecovered.append(stack); continue }
            outcome.registry.stacks[stack] = entry(stack: stack, labels: labels, root: root, ports: ports)
            outcome.fromComposeFiles.append(stack)
        }
        return outcome
    }

    /// The ports a stack's compose file publishes, by port key (`postgres`, `minio.console`);
    /// empty when the file cannot be read or publishes none.
    static func composePorts(file: String, names: [String: [Int: String]]) -> [String: Int] {
        guard let data = try? StateFile.read(file, what: "the compose file"),
              let doc = (try? Yams.load(yaml: String(decoding: data, as: UTF8.self))) as? [String: Any],
              let services = doc["services"] as? [String: Any] else { return [:] }
        var ports: [String: Int] = [:]
        for (key, value) in services.sorted(by: { $0.key < $1.key }) {
            guard let s = value as? [String: Any] else { continue }
            let service = (s["labels"] as? [String: Any])?["dev.devenv.service"] as? String ?? key
            let published = (s["ports"] as? [Any] ?? []).compactMap { Self.binding("\($0)") }.sorted { $0.container < $1.container }
            for b in published {
                let name = names[service]?[b.container] ?? (ports[service] == nil ? "main" : String(b.container))
                ports[StackPlanner.portKey(service, name)] = b.host
            }
        }
        return ports
    }

    /// `127.0.0.1:17000:5432` (or `17000:5432/tcp`) as (host, container).
    static func binding(_ text: String) -> (host: Int, container: Int)? {
        let parts = text.split(separator: ":").map { String($0.split(separator: "/").first ?? "") }
        guard parts.count >= 2, let host = Int(parts[parts.count - 2]), let container = Int(parts[parts.count - 1]) else { return nil }
        return (host, container)
    }

    func entry(stack: String, labels: [String: String], root: String, ports: [String: Int]) -> Registry.Entry {
        let first = ports.values.min()!
        let block = range.lower + max(0, (first - range.lower) / range.blockSize) * range.blockSize
        let branch = labels["dev.devenv.branch"].flatMap { $0.isEmpty ? nil : $0 }
        return Registry.Entry(
            project: labels["dev.devenv.project"] ?? stack, root: root, branch: branch, block: block, ports: ports,
            composeFile: StackPlanner.stateDir(root: root, stack: stack) + "/compose.yaml", created: Date(), lastUsed: Date())
    }

    /// The stacks of `containers` (any state), with the ports their containers publish.
    func fromContainers(_ containers: [ContainerInfo]) -> Registry {
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
            reg.stacks[stack] = entry(stack: stack, labels: labels, root: root, ports: ports)
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

extension RegistryRecovery {
    /// The note a rebuild prints (once per command): how many stacks kept their ports, and
    /// which could not, by name.
    public static func note(_ o: Outcome, file: String, damaged: Data) -> String {
        let n = o.registry.stacks.count
        var text = "note: the registry \(file) was damaged (\(damaged.isEmpty ? "empty" : "not valid JSON")); rebuilt it from the engine's "
            + "devenv containers and volumes (\(n) stack\(n == 1 ? "" : "s"), their ports kept"
            + (o.fromComposeFiles.isEmpty ? "" : "; \(o.fromComposeFiles.joined(separator: ", ")) from \(o.fromComposeFiles.count == 1 ? "its" : "their") compose file, having no container")
            + "); the damaged file is kept beside it"
        if !o.unrecovered.isEmpty {
            text += ". The ports of \(o.unrecovered.joined(separator: ", ")) (data, but no container and no readable compose file) could not be recovered: "
                + "\(o.unrecovered.count == 1 ? "it gets" : "they get") new ports at the next `devenv up`, and the .env files follow"
        }
        return text
    }
}
