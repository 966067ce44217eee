import Foundation
import Yams
import DevenvCore

/// `rotate:` in `service.yml`: how a branch stack's copy of its parent's data takes the
/// branch's own secrets (templates/README.md, "Branch credentials").
public enum RotateSchema: Sendable, Equatable {
    /// `rotate: config`: the data holds no secret; the rendered configuration carries them
    /// (Redis `requirepass`), so a branch's copy needs nothing run.
    case config
    /// `rotate: { run: [argv], env: { NAME: template } }`: run in a throwaway container of the
    /// service's image, as root, without a network, the copied data volume mounted at the
    /// kind's `data:` path. The old and new secrets reach it by name in `env` (never in `run`).
    case run(argv: [String], env: [TemplateEntry])
}

extension KindLoader {
    package mutating func parseRotate(_ node: Node) -> RotateSchema? {
        if case .scalar(let s) = node {
            if s.string == "config" { return .config }
            reader.problem(node, "rotate must be 'config' (the data holds no secret) or { run: [argv], env: { NAME: template } }, found '\(s.string)'")
            return nil
        }
        guard let m = reader.mapping(node, "rotate") else { return nil }
        var argv: [String] = [], env: [TemplateEntry] = []
        for (key, v) in reader.entries(m, allowed: ["run", "env"], context: "in rotate") {
            if key == "run" { argv = reader.argv(v, "rotate.run") ?? [] } else { env = reader.templates(v, "rotate.env") }
        }
        if argv.isEmpty { reader.problem(node, "rotate needs 'run:' (an argv that sets the new secrets inside the data mounted at data:)") }
        return .run(argv: argv, env: env)
    }

    /// A `rotate.run` needs a data volume, and may not put a secret in its argv: every key
    /// that is a secret or is rendered from one (`password`, `url`, `old.password`) goes in by
    /// name through `rotate.env`.
    package mutating func checkRotate(_ kind: ServiceKind, _ top: Node.Mapping) {
        guard case .run(let argv, _)? = kind.rotate, let node = top["rotate"] else { return }
        if kind.dataPath == nil { reader.problem(node, "rotate.run needs 'data:' (the copied data volume is mounted there)") }
        let secretKeys = Self.secretKeys(kind)
        for (i, arg) in argv.enumerated() {
            for ref in Templating.references(in: arg).map(Templating.stripTransform) {
                let key = ref.hasPrefix("old.") ? String(ref.dropFirst(4)) : ref
                guard secretKeys.contains(key) || key.hasPrefix("secret.") || key == "secret" else { continue }
                reader.problem(node["run"]?.sequence?[i] ?? node,
                               "rotate.run would put a secret in an argv ('{{\(ref)}}'); pass it by name in rotate.env (e.g. NEW_PASSWORD: \"{{\(ref)}}\")")
            }
        }
    }

    /// The kind's values rendered from a secret, directly or through another value.
    package static func secretKeys(_ kind: ServiceKind) -> Set<String> {
        var keys = Set(kind.secrets.map { "secret.\($0.name)" })
        for v in kind.values {
            let refs = Templating.references(in: v.template).map(Templating.stripTransform)
            if refs.contains(where: { keys.contains($0) || $0 == "secret" }) { keys.insert(v.key) }
        }
        return keys
    }
}
