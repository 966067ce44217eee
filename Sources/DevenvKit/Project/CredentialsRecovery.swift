import Foundation
import Yams
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// Recovers a stack's damaged credentials file from where the secrets still are: the
/// environment of the stack's containers (any state; `docker inspect` through the Engine API),
/// then the stack's compose file. Which variable holds which secret comes from the service
/// kind's own compose fragment, rendered with a marker in place of each secret — no kind is
/// named in Swift.
///
/// A service whose secrets cannot be recovered is fine only when it has no data yet (no
/// container, no data volume) or is being reset: it gets new ones. Otherwise recovery refuses,
/// naming the file and `devenv reset`.
public struct CredentialsRecovery: Sendable {
    public var engine: any ContainerEngine
    public var manifest: Manifest
    public var templates: KindCatalogue
    public var identity: StackIdentity
    public var paths: DevenvPaths
    /// Services whose data is being wiped (`devenv reset`): they may get new secrets.
    public var resetting: Set<String> = []

    public init(engine: any ContainerEngine, manifest: Manifest, templates: KindCatalogue, identity: StackIdentity, paths: DevenvPaths) {
        self.engine = engine; self.manifest = manifest; self.templates = templates; self.identity = identity; self.paths = paths
    }

    /// The recovered store (services without recoverable secrets left out, to be generated),
    /// and the names of the services recovered; throws when data would be locked out.
    public func recover(damaged: Data) throws -> (store: Credentials.Store, recovered: [String]) {
        let file = paths.credentialsFile(identity.stack)
        let what = damaged.isEmpty ? "empty" : "not the JSON devenv writes"
        let reachable = (try? engine.ping()) != nil
        let containers = reachable ? ((try? engine.containers(project: identity.stack)) ?? []) : []
        let volumes = reachable ? ((try? StackVolumes.existing(engine, stack: identity.stack)) ?? [:]) : [:]
        let compose = composeEnvironment()
        var store: Credentials.Store = [:]
        var recovered: [String] = [], lost: [String] = []
        for s in manifest.services {
            guard let kind = templates.kind(named: s.kind), !kind.secrets.isEmpty, !resetting.contains(s.name) else { continue }
            let patterns = (try? secretPatterns(s, kind: kind)) ?? []
            var found: [String: String] = [:]
            for c in containers where c.service == s.name {
                guard let env = engine.inspect(c.id)?.environment else { continue }
                Self.match(patterns, in: env, into: &found)
            }
            if found.count < kind.secrets.count { Self.match(patterns, in: compose[s.name] ?? [], into: &found) }
            if found.count == kind.secrets.count {
                store[s.name] = found
                recovered.append(s.name)
            } else if !reachable || containers.contains(where: { $0.service == s.name }) || volumes.keys.contains(where: { $0 == "\(identity.stack)_\(s.name)-data" || $0.hasPrefix("\(identity.stack)_\(s.name)-data--g") }) {
                lost.append(s.name)
            }
        }
        guard lost.isEmpty else {
            var e = Credentials.damaged(file, what: what, services: lost)
            if !reachable { e.message += " (the Docker engine is not reachable: start it and try again)" }
            throw e
        }
        return (store, recovered)
    }

    /// (secret name, regular expression) per environment variable of the kind's fragment that
    /// holds a secret: the rendered value with each secret replaced by a capture group.
    func secretPatterns(_ s: ServiceSpec, kind: ServiceKind) throws -> [(secret: String, key: String, regex: NSRegularExpression)] {
        var markers: [String: String] = [:]
        for (i, secret) in kind.secrets.enumerated() { markers[secret.name] = "DevenvSecretMarker\(i)Q" }
        let planner = StackPlanner(kinds: templates, imageMap: ImageMap())
        let ports = planner.containerPorts(s).map { PlannedPort(name: $0.0, container: $0.1, host: 0, pinned: false, proto: $0.3) }
        let planned = try planner.planService(s, ports: ports, secrets: markers, identity: identity)
        let env = try kind.compose.environment(planned.context)
        var out: [(String, String, NSRegularExpression)] = []
        for (key, value) in env.mapped ? env.pairs.sorted(by: { $0.key < $1.key }) : env.pairs {
            for (name, marker) in markers where value.contains(marker) {
                // Literal text escaped; this secret a capture group; any other secret a wildcard.
                var pattern = "^", rest = Substring(value)
                while let next = markers.values.compactMap({ m in rest.range(of: m).map { ($0, m) } }).min(by: { $0.0.lowerBound < $1.0.lowerBound }) {
                    pattern += NSRegularExpression.escapedPattern(for: String(rest[..<next.0.lowerBound]))
                    pattern += next.1 == marker ? "([A-Za-z0-9]+)" : "[A-Za-z0-9]+"
                    rest = rest[next.0.upperBound...]
                }
                pattern += NSRegularExpression.escapedPattern(for: String(rest)) + "$"
                out.append((name, key, try NSRegularExpression(pattern: pattern)))
            }
        }
        return out
    }

    static func match(_ patterns: [(secret: String, key: String, regex: NSRegularExpression)], in env: [String], into found: inout [String: String]) {
        for p in patterns where found[p.secret] == nil {
            guard let entry = env.first(where: { $0.hasPrefix(p.key + "=") }) else { continue }
            let value = String(entry.dropFirst(p.key.count + 1))
            let range = NSRange(value.startIndex..., in: value)
            if let m = p.regex.firstMatch(in: value, range: range), m.numberOfRanges > 1, let r = Range(m.range(at: 1), in: value) {
                found[p.secret] = String(value[r])
            }
        }
    }

    /// `KEY=VALUE` per service from the stack's compose file (it holds the secrets devenv wrote).
    func composeEnvironment() -> [String: [String]] {
        let path = StackPlanner.stateDir(root: manifest.root, stack: identity.stack) + "/compose.yaml"
        guard let data = try? StateFile.read(path, what: "the compose file"), let text = String(data: data, encoding: .utf8),
              let doc = try? Yams.load(yaml: text) as? [String: Any], let services = doc["services"] as? [String: Any] else { return [:] }
        return services.compactMapValues { svc in
            Self.environment(of: svc).map { "\($0.key)=\($0.value)" }
        }
    }

    /// A compose service's `environment:` (map or `KEY=VALUE` list) as pairs.
    static func environment(of service: Any?) -> [(key: String, value: String)] {
        let env = (service as? [String: Any])?["environment"]
        if let m = env as? [String: Any] { return m.map { ($0.key, "\($0.value)") }.sorted { $0.key < $1.key } }
        if let list = env as? [String] {
            return list.compactMap { e in e.firstIndex(of: "=").map { (String(e[..<$0]), String(e[e.index(after: $0)...])) } }
        }
        return []
    }
}
