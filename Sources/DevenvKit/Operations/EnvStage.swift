import Foundation

/// The `.env` targets of a plan: the manifest's `env:` rendered against the stack, or,
/// without `env:`, a root `.env` with each kind's conventional keys.
public enum EnvStage {
    public struct Target {
        public var path: String
        public var values: [(key: String, value: String)]
    }

    public static func targets(_ plan: StackPlan) throws -> [Target] {
        if plan.manifest.envTargets.isEmpty {
            var values: [(String, String)] = []
            for s in plan.services {
                guard let kind = s.kind else { continue }
                var ctx = s.context
                for (k, v) in s.values { ctx[k] = v }
                for (key, template) in kind.dotenv where !values.contains(where: { $0.0 == key }) {
                    values.append((key, try Templating.render(template, ctx)))
                }
            }
            return values.isEmpty ? [] : [Target(path: ".env", values: values)]
        }
        let ctx = plan.templateContext
        var problems: [ManifestProblem] = []
        var out: [Target] = []
        for t in plan.manifest.envTargets {
            var values: [(String, String)] = []
            for k in t.keys {
                for ref in Templating.references(in: k.template) where !Templating.resolves(ref, in: ctx) {
                    problems.append(ManifestProblem(line: k.line, column: k.column,
                        "unknown template key '{{\(ref)}}' in \(t.path) \(k.key)\(Suggest.hint(ref, among: templateKeys(ctx)))"))
                }
                values.append((k.key, try Templating.render(k.template, ctx)))
            }
            out.append(Target(path: t.path, values: values))
        }
        if !problems.isEmpty { throw ManifestError(file: plan.manifest.file, problems: problems).asDevenvError }
        return out
    }

    /// Every `a.b` key a template may use, for suggestions and the README list.
    public static func templateKeys(_ ctx: [String: Any], prefix: String = "") -> [String] {
        ctx.flatMap { k, v -> [String] in
            if let d = v as? [String: Any] { return templateKeys(d, prefix: prefix + k + ".") }
            return [prefix + k]
        }.sorted()
    }

    /// Writes every target; returns one line per file for the report.
    public static func write(_ plan: StackPlan, ctx: DevenvContext, force: Bool) throws -> [String] {
        let targets = try targets(plan)
        var lines: [String] = []
        for t in targets {
            let path = plan.manifest.root + "/" + t.path
            let existing = try? String(contentsOfFile: path, encoding: .utf8)
            var text = existing ?? ""
            for (k, v) in t.values where !text.contains("\(k)=\(v)") { text += "\(k)=\(v)\n" }
            if text != existing { try AtomicFile.write(text, to: path) }
            lines.append(t.path)
        }
        return lines
    }
}
