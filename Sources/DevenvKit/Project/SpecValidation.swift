import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// The checks that need more than one section of devenv.yml, run once with the manifest's
/// own: `env:` and `staging:` template keys, `processes:` (ProcessValidation); `seed:` is read
/// when the manifest loads, with `seedContexts`. Every problem is collected; nothing here touches the engine or writes a file.
public enum SpecValidation {
    public struct Result {
        public var problems: [ManifestProblem] = []
    }

    public static func run(_ manifest: Manifest, kinds: KindCatalogue, identity: StackIdentity, imageMap: ImageMap) -> Result {
        var result = Result()
        let keys = templateKeys(manifest, kinds: kinds)
        for t in manifest.envTargets {
            for k in t.keys {
                for ref in unknownKeys(k.template, keys) {
                    result.problems.append(ManifestProblem(line: k.line, column: k.column,
                        "unknown template key '{{\(ref)}}' in \(t.path) \(k.key)\(Suggest.hint(ref, among: keys.sorted()))"))
                }
            }
        }
        result.problems += serviceEnvProblems(manifest, keys: keys)
        result.problems += dependsOnProblems(manifest, kinds: kinds)
        result.problems += networkModeProblems(manifest)
        result.problems += ProcessValidation.check(manifest, templateKeys: keys)
        for t in manifest.stagingTemplates {
            for ref in unknownKeys(t.text, keys) {
                result.problems.append(ManifestProblem(line: t.line, column: t.column,
                    "unknown template key '{{\(ref)}}' in \(t.place)\(Suggest.hint(ref, among: keys.sorted()))"))
            }
        }
        return result
    }

    /// Each service's context without ports and secrets, for `seed:` (`ManifestLoader.seedContexts`).
    public static func seedContexts(_ manifest: Manifest, kinds: KindCatalogue, identity: StackIdentity, imageMap: ImageMap) -> [String: [String: Any]] {
        let planner = StackPlanner(kinds: kinds, imageMap: imageMap)
        var contexts: [String: [String: Any]] = [:]
        for s in manifest.services {
            contexts[s.name] = try? ServiceContext.build(s, kind: kinds.kind(named: s.kind), identity: identity,
                                                         image: imageMap.resolve(planner.requestedImage(s)), ports: [], secrets: [:]).context
        }
        return contexts
    }

    /// Every key an `env:` template may use: `{{SERVICE.KEY}}` for each value of its kind,
    /// `{{SERVICE.ports.NAME}}`, `{{ports.NAME}}` for the app's ports, `{{stack}}`, `{{project}}`.
    public static func templateKeys(_ manifest: Manifest, kinds: KindCatalogue) -> Set<String> {
        var keys: Set<String> = ["stack", "project"]
        for s in manifest.services {
            if let kind = kinds.kind(named: s.kind) {
                for v in kind.values { keys.insert("\(s.name).\(v.key)") }
                for p in kind.ports { keys.insert("\(s.name).ports.\(p.name)") }
            } else if !s.ports.isEmpty {
                for k in ["host", "port", "url"] { keys.insert("\(s.name).\(k)") }
                for p in s.ports { keys.insert("\(s.name).ports.\(p.name)") }
            }
        }
        for p in manifest.appPorts { keys.insert("ports.\(p.name)") }
        return keys
    }

    /// A service's `env:` may use the stack's values that are the same inside the stack
    /// (`{{db.password}}`, `{{db.user}}`), and host ports (`{{web.ports.main}}`, `{{ports.api}}`)
    /// for addresses a browser opens; not the rest of the host's view (`.host`, `.port`, `.url`,
    /// `.endpoint`): a container reaches `db` by its name and container port. Only
    /// `{{SERVICE.KEY}}` of a service of the manifest, or `{{ports.NAME}}`, is a reference; any
    /// other `{{` is the image's own text.
    static func serviceEnvProblems(_ manifest: Manifest, keys: Set<String>) -> [ManifestProblem] {
        let names = Set(manifest.services.map(\.name))
        var out: [ManifestProblem] = []
        for s in manifest.services {
            for (k, v) in s.environment where v.contains("{{") {
                for ref in ServiceEnvTemplates.references(v) where names.contains(String(ref.split(separator: ".")[0])) || ref.hasPrefix("ports.") {
                    if ServiceEnvTemplates.usable(ref), keys.contains(ref) { continue }
                    let why = keys.contains(ref) ? "'{{\(ref)}}' is the host's view of the stack; inside it a container reaches \(ref.split(separator: ".")[0]) by its name and container port (a host port, for an address a browser opens, is '{{\(ref.split(separator: ".")[0]).ports.NAME}}')"
                        : "unknown template key '{{\(ref)}}'\(Suggest.hint(ref, among: keys.filter(ServiceEnvTemplates.usable).sorted()))"
                    out.append(ManifestProblem(line: s.line, column: 1, "service '\(s.name)' env \(k): \(why)"))
                }
            }
        }
        return out
    }

    /// A service's `depends_on:` names another service of the manifest (the stack's compose
    /// services are named as in devenv.yml), not itself; one it waits to be healthy has a
    /// healthcheck, and one it waits to complete may stop (`restart: "no"` or `on-failure`).
    static func dependsOnProblems(_ manifest: Manifest, kinds: KindCatalogue) -> [ManifestProblem] {
        let names = manifest.services.map(\.name)
        var out: [ManifestProblem] = []
        for s in manifest.services {
            for d in s.dependsOn {
                if d.name == s.name {
                    out.append(ManifestProblem(line: d.line, column: d.column, "service '\(s.name)' depends_on itself"))
                } else if !names.contains(d.name) {
                    out.append(ManifestProblem(line: d.line, column: d.column, "service '\(s.name)' depends_on unknown service '\(ValueLimits.quoted(d.name))'\(Suggest.hint(d.name, among: names.filter { $0 != s.name }))"))
                } else if let t = manifest.service(named: d.name) {
                    let checked = t.isGeneric ? t.healthcheck != nil : kinds.kind(named: t.kind)?.compose.entries.contains { $0.key.text == "healthcheck" } == true
                    if d.condition == "service_healthy", !checked {
                        out.append(ManifestProblem(line: d.line, column: d.column, "service '\(s.name)' waits for '\(d.name)' to be healthy, and '\(d.name)' has no healthcheck"))
                    } else if d.condition == "service_completed_successfully", !t.mayExit {
                        out.append(ManifestProblem(line: d.line, column: d.column, "service '\(s.name)' waits for '\(d.name)' to complete, and '\(d.name)' is restarted whenever it stops (give it restart: \"no\" to make it a step that runs once)"))
                    }
                }
            }
        }
        return out
    }

    /// `network_mode:` takes the service off the stack's network: it cannot publish ports too.
    static func networkModeProblems(_ manifest: Manifest) -> [ManifestProblem] {
        manifest.services.compactMap { s in
            guard let o = s.option("network_mode"), !s.isGeneric || !s.ports.isEmpty || s.pinnedPort != nil else { return nil }
            return ManifestProblem(line: o.line, column: o.column, "service '\(s.name)' has network_mode and " + (s.isGeneric ? "ports" : "the ports of its kind")
                + ": a service off the stack's network publishes none (remove network_mode" + (s.isGeneric ? ", or its ports)" : ")"))
        }
    }

    package static func unknownKeys(_ template: String, _ keys: Set<String>) -> [String] {
        Templating.references(in: template).map(Templating.stripTransform).filter { !KindTemplateCheck.resolvable($0, keys) }
    }
}

/// `{{SERVICE.KEY}}` in a service's `env:` (ComposeRenderer renders them, SpecValidation checks them).
enum ServiceEnvTemplates {
    static let pattern = "\\{\\{\\s*([a-z0-9][a-z0-9_-]*\\.[A-Za-z0-9_.]+)\\s*\\}\\}"

    static func references(_ value: String) -> [String] {
        guard let re = try? NSRegularExpression(pattern: pattern) else { return [] }
        return re.matches(in: value, range: NSRange(value.startIndex..., in: value)).compactMap { m in Range(m.range(at: 1), in: value).map { String(value[$0]) } }
    }

    /// Not the host's view (`.host`, `.port`, `.url`, `.endpoint`, `.ports.NAME`).
    static func inside(_ ref: String) -> Bool {
        let parts = ref.split(separator: ".").map(String.init)
        return !["host", "port", "url", "endpoint"].contains(parts.last ?? "") && !parts.contains("ports")
    }

    /// A value a service's env may use: one that is the same inside the stack, or a host port
    /// (`{{web.ports.main}}`, `{{ports.api}}`: where this machine reaches the service or the app's
    /// process, for an address a browser opens, as `localhost:3000` meant the port compose published).
    static func usable(_ ref: String) -> Bool {
        let parts = ref.split(separator: ".")
        return inside(ref) || (parts.count == 3 && parts[1] == "ports") || (parts.count == 2 && parts[0] == "ports")
    }

    /// Each reference to a value of the stack replaced by it; everything else as written.
    static func render(_ value: String, _ context: [String: Any]) -> String {
        guard value.contains("{{"), let re = try? NSRegularExpression(pattern: pattern) else { return value }
        var out = value
        for m in re.matches(in: value, range: NSRange(value.startIndex..., in: value)).reversed() {
            guard let whole = Range(m.range, in: out), let r = Range(m.range(at: 1), in: value), usable(String(value[r])) else { continue }
            var current: Any = context
            for part in value[r].split(separator: ".") { current = (current as? [String: Any])?[String(part)] ?? NSNull() }
            if let text = current as? String { out.replaceSubrange(whole, with: text) }
        }
        return out
    }
}
