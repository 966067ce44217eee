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

    package static func unknownKeys(_ template: String, _ keys: Set<String>) -> [String] {
        Templating.references(in: template).map(Templating.stripTransform).filter { !KindTemplateCheck.resolvable($0, keys) }
    }
}
