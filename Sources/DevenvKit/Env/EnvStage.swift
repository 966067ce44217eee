import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

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
                for entry in kind.dotenv where !values.contains(where: { $0.0 == entry.key }) {
                    values.append((entry.key, try kind.render(entry.template, s.context)))
                }
            }
            let out = values.isEmpty ? [] : [Target(path: ".env", values: values)]
            return mirrored ? MirrorEnvKeys.adding(to: out, plan: plan) : out
        }
        // Template keys were checked when the project loaded (SpecValidation).
        let ctx = plan.templateContext
        var out: [Target] = []
        for t in plan.manifest.envTargets {
            out.append(Target(path: t.path, values: try t.keys.map { ($0.key, try plan.manifest.templates.render($0.template, ctx)) }))
        }
        return mirrored ? MirrorEnvKeys.adding(to: out, plan: plan) : out
    }

    /// What devenv last wrote, per file and key (`<root>/.devenv/env-written.json`): how a
    /// person's edit is told apart from a stale value. One record per project folder, not per
    /// stack: the files are the folder's, and after a branch switch they hold what the other
    /// branch's stack wrote — devenv's values, not a person's, so the next `up` replaces them.
    /// (Before branch stacks the record lived in `<stateDir>/env-written.json`; it is still read
    /// when the folder has no record yet.)
    ///
    /// A record devenv cannot read or decode is an error (it is never taken for "nothing
    /// written", which would make every value count as a person's, nor rebuilt from the files,
    /// which would make a person's edits count as devenv's); `ignoringDamage` (`--force`, which
    /// rewrites every managed key anyway) reads it as empty.
    static func lastWritten(_ plan: StackPlan, ignoringDamage: Bool = false) throws -> [String: [String: String]] {
        let file = recordFile(plan)
        do {
            guard let data = try StateFile.read(file, what: "the record of what devenv wrote into the .env files")
                ?? StateFile.read(plan.stateDir + "/env-written.json", what: "the record of what devenv wrote into the .env files")
            else { return [:] }
            guard let state = StateJSON.nestedStrings(String(decoding: data, as: UTF8.self)) else {
                throw DevenvError("the record \(file) is damaged (\(data.isEmpty ? "empty" : "not the JSON devenv writes")); devenv changed nothing",
                                  hint: "It tells devenv's values from yours in the .env files. Run `devenv env --force` to rewrite every managed key "
                                      + "(your own lines stay), or move it aside (`mv \(file) \(file).bad`) so every current value counts as yours.")
            }
            return state
        } catch _ where ignoringDamage { return [:] }
    }

    static func saveLastWritten(_ plan: StackPlan, _ state: [String: [String: String]]) throws {
        try StateFile.makePrivateFolder(plan.manifest.root + "/.devenv")
        try AtomicFile.write(Data(StateJSON.write(state).utf8), to: recordFile(plan), newFileMode: 0o600)
    }

    static func recordFile(_ plan: StackPlan) -> String { plan.manifest.root + "/.devenv/env-written.json" }

    /// Opens every target before anything is written or started: a target devenv cannot read
    /// or may not edit stops the command with nothing changed.
    public static func preflight(_ plan: StackPlan) throws {
        for t in try targets(plan, mirrored: false) { _ = try EnvFile.open(t.path, root: plan.manifest.root) }
        _ = try lastWritten(plan)
    }

    /// Writes every target with the merge rules (managed keys updated in place, missing ones
    /// appended, every other byte kept; a person's edit kept unless `force`). Every file is read
    /// and merged before the first is written, so one that cannot be read changes nothing.
    /// Returns one line per file that changed or needs attention.
    public static func write(_ plan: StackPlan, ctx: DevenvContext, force: Bool) async throws -> [String] {
        let targets = try targets(plan)
        let before = try lastWritten(plan, ignoringDamage: force)
        var state = before
        var lines: [String] = []
        var pending: [(file: EnvFile, target: Target, merged: DotenvMerge)] = []
        for t in targets {
            let file = try EnvFile.open(t.path, root: plan.manifest.root)
            try file.checkInsertable(t.values)
            let merged = try Dotenv.merge(existing: file.text, managed: t.values, lastWritten: state[t.path] ?? [:], force: force, file: t.path)
            pending.append((file, t, merged))
        }
        var created: [String] = []
        for (file, t, merged) in pending where merged.changed {
            try file.write(merged.text)
            if !file.exists { created.append(t.path) }
        }
        for (_, t, merged) in pending {
            var written = state[t.path] ?? [:]
            for (k, v) in t.values where !merged.keptUserValues.contains(k) { written[k] = v }
            state[t.path] = written
        }
        if let note = try GitIgnore.ensureDevenvIgnored(root: plan.manifest.root) { lines.append("note: " + note) }  // the record holds passwords
        if state != before { try saveLastWritten(plan, state) }
        let ignored = try await GitIgnore.ignoreCreated(created, root: plan.manifest.root, runner: ctx.runner)
        for (file, t, merged) in pending {
            var parts: [String] = []
            if !file.exists {
                parts.append("created" + (ignored.contains(t.path) ? " (added to .gitignore: it holds local passwords)" : ""))
            } else {
                if !merged.updated.isEmpty { parts.append("updated \(merged.updated.joined(separator: ", "))") }
                if !merged.added.isEmpty { parts.append("added \(merged.added.joined(separator: ", "))") }
                if merged.changed, let link = file.linkedFrom {
                    parts.append("edited through the link \(link) → \(Paths.relative(file.target, to: plan.manifest.root))")
                }
            }
            if !merged.keptUserValues.isEmpty {
                parts.append("kept your value of \(merged.keptUserValues.joined(separator: ", ")) (`devenv env --force` overwrites)")
            }
            if !parts.isEmpty { lines.append("\(t.path): " + parts.joined(separator: "; ")) }
            if merged.changed, !ignored.contains(t.path), await GitTracking.isTracked(file.target, root: plan.manifest.root, runner: ctx.runner) {
                lines.append(!file.exists
                    ? "warning: \(t.path) is tracked by git and now holds local passwords; untrack it (`git rm --cached \(t.path)`) and ignore it"
                    : "warning: \(t.path) is tracked by git; its local values would be committed")
            }
        }
        return lines
    }

    /// `devenv env --check`: every stale or missing managed key, per file.
    public static func check(_ plan: StackPlan) throws -> [String] {
        let state = try lastWritten(plan)
        var problems: [String] = []
        for t in try targets(plan) {
            let file = try EnvFile.open(t.path, root: plan.manifest.root)
            guard file.exists else { problems.append("\(t.path): missing (run `devenv env`)"); continue }
            let c = try Dotenv.check(existing: file.text, managed: t.values, lastWritten: state[t.path] ?? [:], file: t.path)
            for k in c.missing { problems.append("\(t.path): \(k) is missing") }
            for k in c.stale { problems.append("\(t.path): \(k) is stale") }
        }
        return problems
    }
}
