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
        result.problems += dependsOnProblems(manifest)
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
            contexts[s.name] = try? ServiceContext.build(s, kind: kinds.kinds[s.kind], identity: identity,
                                                         image: imageMap.resolve(planner.requestedImage(s)), ports: [], secrets: [:]).context
        }
        return contexts
    }

    /// Every key an `env:` template may use: `{{SERVICE.KEY}}` for each value of its kind,
    /// `{{SERVICE.ports.NAME}}`, `{{ports.NAME}}` for the app's ports, `{{stack}}`, `{{project}}`.
    public static func templateKeys(_ manifest: Manifest, kinds: KindCatalogue) -> Set<String> {
        var keys: Set<String> = ["stack", "project"]
        for s in manifest.services {
            if let kind = kinds.kinds[s.kind] {
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
    /// (`{{db.password}}`, `{{db.user}}`), not the host's view of it (`.host`, `.port`, `.url`,
    /// `.endpoint`, ports): a container reaches `db` by its name and container port. Only
    /// `{{SERVICE.KEY}}` of a service of the manifest is a reference; any other `{{` is the image's own text.
    static func serviceEnvProblems(_ manifest: Manifest, keys: Set<String>) -> [ManifestProblem] {
        let names = Set(manifest.services.map(\.name))
        var out: [ManifestProblem] = []
        for s in manifest.services {
            for (k, v) in s.environment where v.contains("{{") {
                for ref in ServiceEnvTemplates.references(v) where names.contains(String(ref.split(separator: ".")[0])) {
                    if ServiceEnvTemplates.inside(ref), keys.contains(ref) { continue }
                    let why = keys.contains(ref) ? "'{{\(ref)}}' is the host's view of the stack; inside it a container reaches \(ref.split(separator: ".")[0]) by its name and container port"
                        : "unknown template key '{{\(ref)}}'\(Suggest.hint(ref, among: keys.filter(ServiceEnvTemplates.inside).sorted()))"
                    out.append(ManifestProblem(line: s.line, column: 1, "service '\(s.name)' env \(k): \(why)"))
                }
            }
        }
        return out
    }

    /// A generic service's `depends_on:` names another service of the manifest (the stack's
    /// compose services are named as in devenv.yml), not itself.
    static func dependsOnProblems(_ manifest: Manifest) -> [ManifestProblem] {
        let names = manifest.services.map(\.name)
        var out: [ManifestProblem] = []
        for s in manifest.services {
            for d in s.dependsOn {
                if d.name == s.name {
                    out.append(ManifestProblem(line: d.line, column: d.column, "service '\(s.name)' depends_on itself"))
                } else if !names.contains(d.name) {
                    out.append(ManifestProblem(line: d.line, column: d.column, "service '\(s.name)' depends_on unknown service '\(ValueLimits.quoted(d.name))'\(Suggest.hint(d.name, among: names.filter { $0 != s.name }))"))
                } else if d.condition == "service_healthy", let t = manifest.service(named: d.name), t.isGeneric, t.healthcheck == nil {
                    out.append(ManifestProblem(line: d.line, column: d.column, "service '\(s.name)' waits for '\(d.name)' to be healthy, and '\(d.name)' has no healthcheck"))
                }
            }
        }
        return out
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

    /// Each reference to a value of the stack replaced by it; everything else as written.
    static func render(_ value: String, _ context: [String: Any]) -> String {
        guard value.contains("{{"), let re = try? NSRegularExpression(pattern: pattern) else { return value }
        var out = value
        for m in re.matches(in: value, range: NSRange(value.startIndex..., in: value)).reversed() {
            guard let whole = Range(m.range, in: out), let r = Range(m.range(at: 1), in: value), inside(String(value[r])) else { continue }
            var current: Any = context
            for part in value[r].split(separator: ".") { current = (current as? [String: Any])?[String(part)] ?? NSNull() }
            if let text = current as? String { out.replaceSubrange(whole, with: text) }
        }
        return out
    }
}
