import Foundation

/// Turns a manifest into a `StackPlan`: picks images (through the image map), claims ports
/// in the registry, and loads or creates the stack's credentials.
public struct StackPlanner {
    public var templates: TemplateStore
    public var imageMap: ImageMap
    public var paths: DevenvPaths
    public var portRange: PortRange
    public var isPortFree: (Int) -> Bool = PortProbe.isFree
    public var now: () -> Date = Date.init
    /// Whether planning counts as using the stack (`up` does; `status` does not).
    public var touch = true
    /// Whether any container still carries a stack's label (for reclaiming stale entries).
    public var stackHasContainers: (String) -> Bool = { _ in true }
    /// Fixed secrets instead of the stored ones (golden-file tests).
    public var credentialsOverride: Credentials.Store?

    public init(templates: TemplateStore, imageMap: ImageMap, paths: DevenvPaths, portRange: PortRange) {
        self.templates = templates
        self.imageMap = imageMap
        self.paths = paths
        self.portRange = portRange
    }

    public static func stateDir(root: String, stack: String) -> String { "\(root)/.devenv/stacks/\(stack)" }

    public func plan(_ manifest: Manifest, identity: StackIdentity) throws -> StackPlan {
        let stateDir = Self.stateDir(root: manifest.root, stack: identity.stack)
        var requests: [PortRequest] = []
        for s in manifest.services {
            for (name, _, pinned) in containerPorts(s) { requests.append(PortRequest(key: Self.portKey(s.name, name), pinned: pinned)) }
        }
        for p in manifest.appPorts { requests.append(PortRequest(key: "app.\(p.name)", pinned: p.port)) }
        let hostPorts = try Registry.update(paths) { reg -> [String: Int] in
            if let other = reg.stacks[identity.stack], other.root != identity.root,
               FileManager.default.fileExists(atPath: other.root + "/" + ManifestLoader.fileName) {
                throw DevenvError.usage(
                    "stack '\(identity.stack)' already belongs to \(other.root)",
                    hint: "Give this project another `name:` in devenv.yml, or use `isolation: branch`.")
            }
            if reg.stacks[identity.stack] == nil { reclaimStale(&reg) }
            return try PortAllocator.allocate(identity: identity, composeFile: stateDir + "/compose.yaml", requests: requests,
                                              range: portRange, registry: &reg, now: now(), touch: touch, isFree: isPortFree)
        }
        let needs = manifest.services.compactMap { s in templates.kinds[s.kind].map { (s.name, $0.secrets) } }
        let creds = try credentialsOverride ?? Credentials.ensure(stack: identity.stack, needs: needs, paths: paths)
        var services: [PlannedService] = []
        for s in manifest.services {
            let ports = containerPorts(s).map { name, container, pinned in
                PlannedPort(name: name, container: container, host: hostPorts[Self.portKey(s.name, name)] ?? 0, pinned: pinned != nil)
            }
            services.append(try planService(s, ports: ports, secrets: creds[s.name] ?? [:], identity: identity))
        }
        return StackPlan(identity: identity, manifest: manifest, services: services,
                         appPorts: Dictionary(uniqueKeysWithValues: manifest.appPorts.map { ($0.name, $0.port) }),
                         stateDir: stateDir)
    }

    /// Drops registry entries whose project folder is gone and that have no containers left,
    /// so a crash, a deleted checkout or a reboot never blocks their ports forever.
    func reclaimStale(_ reg: inout Registry) {
        for (name, e) in reg.stacks where !FileManager.default.fileExists(atPath: e.root + "/" + ManifestLoader.fileName) {
            if !stackHasContainers(name) { reg.stacks.removeValue(forKey: name) }
        }
    }

    static func portKey(_ service: String, _ port: String) -> String { port == "main" ? service : "\(service).\(port)" }

    /// (name, container port, pinned host port) for each port the service publishes.
    func containerPorts(_ s: ServiceSpec) -> [(String, Int, Int?)] {
        if let kind = templates.kinds[s.kind] {
            return kind.ports.map { ($0.name, $0.container, $0.name == "main" || kind.ports.count == 1 ? s.pinnedPort : nil) }
        }
        return s.ports.enumerated().map { i, p in (p.name, p.container, p.pinnedHost ?? (i == 0 ? s.pinnedPort : nil)) }
    }

    func planService(_ s: ServiceSpec, ports: [PlannedPort], secrets: [String: String], identity: StackIdentity) throws -> PlannedService {
        let kind = templates.kinds[s.kind]
        let requested = s.image ?? "\(kind?.image ?? "scratch"):\(s.version ?? kind?.version ?? "latest")"
        let database = s.databases.first ?? StackIdentity.slug(identity.project, maxLength: 63).replacingOccurrences(of: "-", with: "_")
        var ctx: [String: Any] = [
            "name": s.name, "project": identity.project, "stack": identity.stack,
            "image": imageMap.resolve(requested), "version": s.version ?? kind?.version ?? "",
            "database": database, "databases": s.databases.isEmpty ? [database] : s.databases,
            "extraDatabases": Array(s.databases.dropFirst()),
            "buckets": s.buckets, "bucket": s.buckets.first ?? "",
            "secret": secrets,
            "ports": Dictionary(uniqueKeysWithValues: ports.map { ($0.name, String($0.host)) }),
            "container": Dictionary(uniqueKeysWithValues: ports.map { ($0.name, String($0.container)) }),
        ]
        var values: [(String, String)] = []
        if let kind {
            for (key, template) in kind.values {
                let v = try Templating.render(template, ctx)
                ctx[key] = v
                values.append((key, v))
            }
        } else if let first = ports.first {
            values = [("host", "127.0.0.1"), ("port", String(first.host)), ("url", "http://127.0.0.1:\(first.host)")]
        }
        return PlannedService(name: s.name, spec: s, kind: kind, requestedImage: requested, image: imageMap.resolve(requested),
                              ports: ports, values: values, secrets: secrets, context: ctx)
    }
}
