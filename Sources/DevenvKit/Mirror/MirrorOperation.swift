import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// `devenv mirror`: staging's config into the local `.env` target and `devenv.staging.lock`;
/// `--check`: staging ↔ lock ↔ local files drift (MirrorCheck.swift).
///
/// Order of work: everything is fetched, mapped and merged in memory first; files are written
/// only after every step succeeded, so a failing source changes nothing. `--dry-run` writes
/// nothing: no project file, no lock, no record.
public enum MirrorOperation {
    public struct Options: Sendable {
        public var check = false
        /// Use `devenv.staging.lock` instead of staging (teammates without staging access, CI).
        public var fromLock = false
        public var dryRun = false
        public var force = false
        public var branch = false
        public init() {}
    }

    /// The project and the decisions shared by writing and checking.
    struct Setup {
        var plan: StackPlan
        var config: StagingConfig
        var rules: MirrorRules
        var local: LocalServices
        /// The target file, relative to the root.
        var target: String
        /// Keys `env:` manages in the target file, with the values it writes: `env:` wins.
        var envManaged: [String: String]
        var root: String { plan.manifest.root }
        var lockPath: String { root + "/" + StagingLock.fileName }
    }

    public static func run(_ ctx: DevenvContext, options: Options) async throws -> MirrorReport {
        let setup = try prepare(ctx, branch: options.branch, claim: !options.check && !options.dryRun)
        return options.check ? try await MirrorCheck.run(setup, ctx: ctx, options: options) : try await write(setup, ctx: ctx, options: options)
    }

    /// The keys `env:` (or the conventional root `.env`) manages in `file`, with their values:
    /// for these, `env:` wins over staging.
    static func envManaged(_ plan: StackPlan, file: String) throws -> [String: String] {
        let target = try EnvStage.targets(plan, mirrored: false).first { $0.path == file }
        return Dictionary(target?.values.map { ($0.key, $0.value) } ?? [], uniquingKeysWith: { $1 })
    }

    static func prepare(_ ctx: DevenvContext, branch: Bool, claim: Bool) throws -> Setup {
        let plan = try EnvOperation.plan(ctx, branch: branch, claim: claim)
        let manifest = plan.manifest
        guard let config = manifest.staging else {
            throw DevenvError.usage("\(Paths.relative(manifest.file, to: ctx.cwd)) has no staging: section, so there is nothing to mirror",
                                    hint: "Add one, e.g. `staging: { from: { preset: railway, environment: staging } }` (README: \"Mirroring staging\").")
        }
        let target = config.targetPath(envFiles: manifest.envTargets.map(\.path))
        return Setup(plan: plan, config: config, rules: try MirrorLocal.rules(config, plan: plan),
                     local: MirrorLocal.services(plan), target: target,
                     envManaged: try envManaged(plan, file: target))
    }

    // MARK: - Writing

    static func write(_ s: Setup, ctx: DevenvContext, options: Options) async throws -> MirrorReport {
        var notes: [String] = []
        let previousLock: StagingLock?
        let vars: [StagingVar]
        let versions: [String: String]
        var newLock: StagingLock?
        let sourceLabel: String
        if options.fromLock {
            guard let lock = try StagingLock.read(path: s.lockPath) else { throw noLock() }
            previousLock = lock
            vars = lock.stagingVars
            versions = lock.versions
            sourceLabel = StagingLock.fileName + (lock.source.map { " (written from \($0))" } ?? "")
        } else {
            let read = try await MirrorFetch.variables(s.config.source, ctx: ctx, root: s.root, timeout: s.config.timeout)
            vars = read.vars
            notes += read.notes
            versions = try await stagingVersions(s, ctx: ctx)
            sourceLabel = s.config.source.label
            previousLock = try? StagingLock.read(path: s.lockPath)
            newLock = StagingLock(staging: vars, rules: s.rules, vocabulary: s.local.vocabulary, versions: versions, source: sourceLabel)
        }

        let mapped = Mirror.map(vars, rules: s.rules, local: s.local)
        var managed: [(key: String, value: String)] = []
        managed.reserveCapacity(mapped.count)
        for m in mapped where Dotenv.isValidKey(m.key) {
            if let value = s.envManaged[m.key] ?? m.localValue { managed.append((m.key, value)) }
        }
        // Read, merge and write under the stack's lock, as `up` writes the .env files under it;
        // `--dry-run` writes nothing, so it takes no lock.
        let fetched = Fetched(notes: notes, previousLock: previousLock, newLock: newLock, versions: versions, sourceLabel: sourceLabel,
                              mapped: mapped, managed: managed)
        if options.dryRun { return try await merge(s, fetched, ctx: ctx, options: options) }
        return try await StackLock.with(ctx, stack: s.plan.identity.stack) { try await merge(s, fetched, ctx: ctx, options: options) }
    }

    /// What staging (or the lock) says, mapped to local keys: what `merge` writes.
    struct Fetched {
        var notes: [String]
        var previousLock, newLock: StagingLock?
        var versions: [String: String]
        var sourceLabel: String
        var mapped: [MirroredKey]
        var managed: [(key: String, value: String)]
    }

    static func merge(_ s: Setup, _ f: Fetched, ctx: DevenvContext, options: Options) async throws -> MirrorReport {
        var notes = f.notes
        let (previousLock, newLock, versions, sourceLabel, mapped, managed) = (f.previousLock, f.newLock, f.versions, f.sourceLabel, f.mapped, f.managed)
        let file = try EnvFile.open(s.target, root: s.root)
        try file.checkInsertable(managed)
        let existing = file.text
        var state = try EnvStage.lastWritten(s.plan, ignoringDamage: options.force)
        var written = state[s.target] ?? [:]
        let merged = try Dotenv.merge(existing: existing, managed: managed, lastWritten: written,
                                      force: options.force, file: s.target)

        // Keys mirror wrote before that staging no longer has: out of the file, unless a person changed them.
        let current = Set(mapped.map(\.key))
        let before = MirrorRecord.keys(s.plan, target: s.target) ?? Set(previousLock?.keys.keys.map { $0 } ?? [])
        let gone = before.subtracting(current).filter { s.envManaged[$0] == nil }
        var text = merged.text
        var removed: [String] = []
        var keptGone: [String] = []
        if !gone.isEmpty, let existing {
            let inFile = Dictionary(try Dotenv.parse(existing, file: s.target), uniquingKeysWith: { $1 })
            var remove = Set<String>()
            for key in gone.sorted() {
                guard let have = inFile[key] else { continue }
                if options.force || written[key] == have { remove.insert(key) } else { keptGone.append(key) }
            }
            (text, removed) = try Dotenv.removing(remove, from: text, file: s.target)
            keptGone += remove.subtracting(removed).sorted()
        }

        let added = Set(merged.added), updated = Set(merged.updated), kept = Set(merged.keptUserValues), unchanged = Set(merged.unchanged)
        var keys: [MirrorReport.Key] = []
        keys.reserveCapacity(mapped.count)
        let secrets = LocalSecrets(s.plan)
        for m in mapped {
            let action: MirrorReport.Action
            if added.contains(m.key) { action = .added }
            else if updated.contains(m.key) { action = .updated }
            else if kept.contains(m.key) { action = .keptLocalValue }
            else if unchanged.contains(m.key) { action = .unchanged }
            else { action = .omitted }
            if !Dotenv.isValidKey(m.key) {
                notes.append("\(m.key) is not a valid variable name for a .env file (letters, digits and _): left out")
            }
            keys.append(reportKey(m, s, secrets: secrets, action: action))
        }
        if !merged.keptUserValues.isEmpty {
            notes.append("kept your value of \(merged.keptUserValues.joined(separator: ", ")) in \(s.target) (`devenv mirror --force` overwrites)")
        }
        if !removed.isEmpty {
            notes.append("no longer on staging: \(options.dryRun ? "would remove" : "removed") \(removed.joined(separator: ", ")) from \(s.target)")
        }
        if !keptGone.isEmpty {
            notes.append("no longer on staging: kept \(keptGone.joined(separator: ", ")) in \(s.target), changed by hand (`devenv mirror --force` removes them)")
        }

        if !options.dryRun {
            if merged.changed || !removed.isEmpty {
                try file.write(text)
                if !file.exists, !(try await GitIgnore.ignoreCreated([s.target], root: s.root, runner: ctx.runner)).isEmpty {
                    notes.append("added \(s.target) to .gitignore: it holds local passwords")
                } else if await GitTracking.isTracked(file.target, root: s.root, runner: ctx.runner) {
                    notes.append("warning: \(s.target) is tracked by git; its local values would be committed")
                }
            }
            if let newLock, newLock != previousLock {
                try newLock.write(path: s.lockPath)
                notes.append("wrote \(StagingLock.fileName): commit it so teammates without staging access can run `devenv mirror --from-lock`")
            }
            for (k, v) in managed where !kept.contains(k) { written[k] = v }
            for k in removed { written[k] = nil }
            if state[s.target] != written {
                state[s.target] = written
                try EnvStage.saveLastWritten(s.plan, state)
            }
            try MirrorRecord.save(s.plan, target: s.target, keys: Set(managed.map(\.key)).union(keptGone))
        }
        let drift = Drift.versions(staging: versions, local: MirrorLocal.versions(s.plan), vocabulary: s.local.vocabulary)
        return MirrorReport(keys: keys, drift: drift, source: sourceLabel, target: s.target, notes: notes,
                            dryRun: options.dryRun, removed: removed)
    }

    // MARK: - Helpers

    static func stagingVersions(_ s: Setup, ctx: DevenvContext) async throws -> [String: String] {
        guard let argv = s.config.versionsCommand else { return s.config.versions }
        return try await MirrorFetch.versions(argv, ctx: ctx, root: s.root, timeout: s.config.timeout)
    }

    /// The stack's own passwords, to mask wherever they appear in a shown value.
    struct LocalSecrets {
        let values: [String]
        init(_ plan: StackPlan) { values = plan.services.flatMap { $0.secrets.values }.filter { !$0.isEmpty } }
        func masked(_ value: String) -> String {
            values.reduce(value) { TextScan.contains($0, $1) ? $0.replacingOccurrences(of: $1, with: "****") : $0 }
        }
    }

    /// The key as reported: `env:`'s value when it manages the key, and the stack's own
    /// passwords masked whatever the key's name.
    static func reportKey(_ m: MirroredKey, _ s: Setup, secrets: LocalSecrets, action: MirrorReport.Action?) -> MirrorReport.Key {
        var shown = m
        if let envValue = s.envManaged[m.key] { shown.localValue = envValue }
        shown.localValue = shown.localValue.map { shown.isPlaceholder ? $0 : secrets.masked($0) }
        return MirrorReport.Key(mirrored: shown, file: s.target, action: action, envManaged: s.envManaged[m.key] != nil)
    }

    static func noLock() -> DevenvError {
        DevenvError("there is no \(StagingLock.fileName) to mirror from",
                    hint: "Someone with staging access runs `devenv mirror` once and commits \(StagingLock.fileName).")
    }
}
