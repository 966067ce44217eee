import Foundation

/// The `.env` targets of a plan: the manifest's `env:` rendered against the stack, or,
/// without `env:`, a root `.env` with each kind's conventional keys.
public enum EnvStage {
    public struct Target {
        public var path: String
        public var values: [(key: String, value: String)]
    }

    /// `mirrored`: add the infrastructure keys `devenv mirror` wrote into its target file
    /// (`MirrorEnvKeys`), so they follow the stack's ports and credentials too.
    public static func targets(_ plan: StackPlan, mirrored: Bool = true) throws -> [Target] {
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
            let out = values.isEmpty ? [] : [Target(path: ".env", values: values)]
            return mirrored ? MirrorEnvKeys.adding(to: out, plan: plan) : out
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
        return mirrored ? MirrorEnvKeys.adding(to: out, plan: plan) : out
    }

    /// Every `a.b` key a template may use, for suggestions and the README list.
    public static func templateKeys(_ ctx: [String: Any], prefix: String = "") -> [String] {
        ctx.flatMap { k, v -> [String] in
            if let d = v as? [String: Any] { return templateKeys(d, prefix: prefix + k + ".") }
            return [prefix + k]
        }.sorted()
    }

    /// What devenv last wrote, per file and key (`<root>/.devenv/env-written.json`): how a
    /// person's edit is told apart from a stale value. One record per project folder, not per
    /// stack: the files are the folder's, and after a branch switch they hold what the other
    /// branch's stack wrote — devenv's values, not a person's, so the next `up` replaces them.
    /// (Before branch stacks the record lived in `<stateDir>/env-written.json`; it is still read
    /// when the folder has no record yet.)
    static func lastWritten(_ plan: StackPlan) -> [String: [String: String]] {
        let data = FileManager.default.contents(atPath: recordFile(plan)) ?? FileManager.default.contents(atPath: plan.stateDir + "/env-written.json")
        guard let data else { return [:] }
        return StateJSON.nestedStrings(String(decoding: data, as: UTF8.self)) ?? [:]
    }

    static func saveLastWritten(_ plan: StackPlan, _ state: [String: [String: String]]) throws {
        try AtomicFile.write(Data(StateJSON.write(state).utf8), to: recordFile(plan), newFileMode: 0o600)
    }

    static func recordFile(_ plan: StackPlan) -> String { plan.manifest.root + "/.devenv/env-written.json" }

    /// Writes every target with the merge rules (managed keys updated in place, missing ones
    /// appended, every other byte kept; a person's edit kept unless `force`). Returns one
    /// line per file that changed or needs attention.
    public static func write(_ plan: StackPlan, ctx: DevenvContext, force: Bool) async throws -> [String] {
        let targets = try targets(plan)
        let before = lastWritten(plan)
        var state = before
        var lines: [String] = []
        for t in targets {
            let path = plan.manifest.root + "/" + t.path
            let existing = try? String(contentsOfFile: path, encoding: .utf8)
            let merged = try Dotenv.merge(existing: existing, managed: t.values, lastWritten: state[t.path] ?? [:], force: force, file: t.path)
            if merged.changed {
                try AtomicFile.write(merged.text, to: path, newFileMode: 0o600)
                if await GitTracking.isTracked(path, root: plan.manifest.root, runner: ctx.runner) {
                    lines.append(existing == nil
                        ? "warning: \(t.path) is tracked by git and now holds local passwords; untrack it (`git rm --cached \(t.path)`) and ignore it"
                        : "warning: \(t.path) is tracked by git; its local values would be committed")
                }
            }
            var written = state[t.path] ?? [:]
            for (k, v) in t.values where !merged.keptUserValues.contains(k) { written[k] = v }
            state[t.path] = written
            var parts: [String] = []
            if existing == nil { parts.append("created") }
            else {
                if !merged.updated.isEmpty { parts.append("updated \(merged.updated.joined(separator: ", "))") }
                if !merged.added.isEmpty { parts.append("added \(merged.added.joined(separator: ", "))") }
            }
            if !merged.keptUserValues.isEmpty {
                parts.append("kept your value of \(merged.keptUserValues.joined(separator: ", ")) (`devenv env --force` overwrites)")
            }
            if !parts.isEmpty { lines.append("\(t.path): " + parts.joined(separator: "; ")) }
        }
        if state != before { try saveLastWritten(plan, state) }
        return lines
    }

    /// `devenv env --check`: every stale or missing managed key, per file.
    public static func check(_ plan: StackPlan) throws -> [String] {
        let state = lastWritten(plan)
        var problems: [String] = []
        for t in try targets(plan) {
            let path = plan.manifest.root + "/" + t.path
            let existing = try? String(contentsOfFile: path, encoding: .utf8)
            guard existing != nil else { problems.append("\(t.path): missing (run `devenv env`)"); continue }
            let c = try Dotenv.check(existing: existing, managed: t.values, lastWritten: state[t.path] ?? [:], file: t.path)
            for k in c.missing { problems.append("\(t.path): \(k) is missing") }
            for k in c.stale { problems.append("\(t.path): \(k) is stale") }
        }
        return problems
    }
}

/// Whether a file is tracked by git: one `git ls-files` through the runner, only after
/// devenv wrote the file, and only inside a git work tree.
public enum GitTracking {
    /// `git -C ROOT ls-files --error-unmatch PATH` exits 0 when git tracks PATH.
    public static func lsFiles(_ path: String, root: String) -> Command {
        Command("git", ["-C", root, "ls-files", "--error-unmatch", path])
    }

    static func isTracked(_ path: String, root: String, runner: ProcessRunning) async -> Bool {
        guard GitInfo.gitDirectory(from: root) != nil else { return false }
        return (try? await runner.capture(lsFiles(path, root: root)))?.succeeded ?? false
    }
}
