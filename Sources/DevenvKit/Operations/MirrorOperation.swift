import Foundation

/// `devenv mirror`: staging's config into the local `.env` target and `devenv.staging.lock`;
/// `--check`: staging ↔ lock ↔ local files drift.
///
/// Order of work: everything is fetched, mapped and merged in memory first; files are written
/// only after every step succeeded, so a failing source changes nothing.
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
        var targetPath: String { root + "/" + target }
        var lockPath: String { root + "/" + StagingLock.fileName }
    }

    public static func run(_ ctx: DevenvContext, options: Options) async throws -> MirrorReport {
        let setup = try prepare(ctx, branch: options.branch, claim: !options.check && !options.dryRun)
        return options.check ? try await check(setup, ctx: ctx, options: options) : try await write(setup, ctx: ctx, options: options)
    }

    static func prepare(_ ctx: DevenvContext, branch: Bool, claim: Bool) throws -> Setup {
        let plan = try EnvOperation.plan(ctx, branch: branch, claim: claim)
        let manifest = plan.manifest
        guard let node = manifest.staging else {
            throw DevenvError.usage("\(Paths.relative(manifest.file, to: ctx.cwd)) has no staging: section, so there is nothing to mirror",
                                    hint: "Add one, e.g. `staging: { from: { preset: railway, environment: staging } }` (README: \"Mirroring staging\").")
        }
        let (parsed, problems) = StagingConfig.parse(node, envFiles: manifest.envTargets.map(\.path))
        guard let config = parsed else {
            throw ManifestError(file: manifest.file, problems: problems).asDevenvError(cwd: ctx.cwd)
        }
        let target = config.targetPath(envFiles: manifest.envTargets.map(\.path))
        return Setup(plan: plan, config: config, rules: try MirrorLocal.rules(config, plan: plan),
                     local: MirrorLocal.services(plan), target: target,
                     envManaged: try MirrorLocal.envManaged(plan, file: target))
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
            vars = try await MirrorFetch.variables(s.config.source, ctx: ctx, root: s.root)
            versions = try await stagingVersions(s, ctx: ctx)
            sourceLabel = s.config.source.label
            let lock = StagingLock(staging: vars, rules: s.rules, versions: versions, source: sourceLabel)
            previousLock = try? StagingLock.read(path: s.lockPath)
            newLock = lock
        }

        let mapped = Mirror.map(vars, rules: s.rules, local: s.local)
        var managed: [(key: String, value: String)] = []
        for m in mapped where Dotenv.isValidKey(m.key) {
            if let value = s.envManaged[m.key] ?? m.localValue { managed.append((m.key, value)) }
        }
        // Read, merge and write under the stack's lock, as `up` writes the .env files under it.
        let stack = s.plan.identity.stack
        let lock = options.dryRun ? nil : try FileLock.acquire(ctx.paths.stackLock(stack)) {
            ctx.output.error("waiting for another devenv working on stack '\(stack)'…")
        }
        defer { lock?.unlock() }
        let file = try EnvFile.open(s.target, root: s.root)
        try file.checkInsertable(managed)
        var state = try EnvStage.lastWritten(s.plan, ignoringDamage: options.force)
        let merged = try Dotenv.merge(existing: file.text, managed: managed, lastWritten: state[s.target] ?? [:],
                                      force: options.force, file: s.target)

        var keys: [MirrorReport.Key] = []
        for m in mapped {
            let action: MirrorReport.Action
            if merged.added.contains(m.key) { action = .added }
            else if merged.updated.contains(m.key) { action = .updated }
            else if merged.keptUserValues.contains(m.key) { action = .keptLocalValue }
            else if merged.unchanged.contains(m.key) { action = .unchanged }
            else { action = .omitted }
            if !Dotenv.isValidKey(m.key) {
                notes.append("\(m.key) is not a valid variable name for a .env file (letters, digits and _): left out")
            }
            keys.append(reportKey(m, s, action: action))
        }
        if !merged.keptUserValues.isEmpty {
            notes.append("kept your value of \(merged.keptUserValues.joined(separator: ", ")) in \(s.target) (`devenv mirror --force` overwrites)")
        }
        if let previousLock, newLock != nil {
            let gone = Set(previousLock.keys.keys).subtracting(vars.map(\.name)).sorted()
            if !gone.isEmpty {
                notes.append("no longer on staging: \(gone.joined(separator: ", ")); remove them from \(s.target) if the app no longer reads them")
            }
        }

        if !options.dryRun {
            if merged.changed {
                try file.write(merged.text)
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
            var written = state[s.target] ?? [:]
            for (k, v) in managed where !merged.keptUserValues.contains(k) { written[k] = v }
            if state[s.target] != written {
                state[s.target] = written
                try EnvStage.saveLastWritten(s.plan, state)
            }
        }
        let drift = Drift.versions(staging: versions, local: MirrorLocal.versions(s.plan))
        return MirrorReport(keys: keys, drift: drift, source: sourceLabel, target: s.target, notes: notes, dryRun: options.dryRun)
    }

    // MARK: - Checking

    static func check(_ s: Setup, ctx: DevenvContext, options: Options) async throws -> MirrorReport {
        var notes: [String] = []
        var stagingVars: [StagingVar]?
        var stagingLock: StagingLock?
        if !options.fromLock {
            do {
                let vars = try await MirrorFetch.variables(s.config.source, ctx: ctx, root: s.root)
                let versions = try await stagingVersions(s, ctx: ctx)
                stagingVars = vars
                stagingLock = StagingLock(staging: vars, rules: s.rules, versions: versions, source: s.config.source.label)
            } catch let e as DevenvError where e.exitCode != .usage {   // an untrusted manifest stops the check
                notes.append("staging is unreachable (\(e.message.replacingOccurrences(of: "; nothing was changed", with: ""))); "
                             + "compared \(StagingLock.fileName) with the local files only")
            }
        }
        let lock = try StagingLock.read(path: s.lockPath)
        guard let vars = stagingVars ?? lock?.stagingVars else { throw noLock() }

        let mapped = Mirror.map(vars, rules: s.rules, local: s.local)
        let expected = mapped.filter { s.envManaged[$0.key] == nil && Dotenv.isValidKey($0.key) }
        let values = try EnvFile.open(s.target, root: s.root).text.map { try Dotenv.parse($0, file: s.target) } ?? []
        var localOnly = Set(s.envManaged.keys)
        for (k, _) in values where s.config.isLocalOnly(k) { localOnly.insert(k) }
        var drift = Drift.check(staging: stagingLock, lock: lock, expected: expected,
                                files: [LocalEnvFile(path: s.target, values: values)],
                                localVersions: MirrorLocal.versions(s.plan), localOnly: localOnly)
        if lock == nil {
            drift.insert(DriftItem(kind: .missing, subject: StagingLock.fileName, place: StagingLock.fileName,
                                   detail: "there is no \(StagingLock.fileName): run `devenv mirror` and commit it"), at: 0)
        }
        let keys = mapped.map { reportKey($0, s, action: nil) }
        let source = stagingLock != nil ? s.config.source.label : StagingLock.fileName
        return MirrorReport(keys: keys, drift: drift, source: source, target: s.target, notes: notes, dryRun: true)
    }

    // MARK: - Helpers

    static func stagingVersions(_ s: Setup, ctx: DevenvContext) async throws -> [String: String] {
        guard let argv = s.config.versionsCommand else { return s.config.versions }
        return try await MirrorFetch.versions(argv, ctx: ctx, root: s.root)
    }

    /// The key as reported: `env:`'s value when it manages the key, and the stack's own
    /// passwords masked whatever the key's name.
    static func reportKey(_ m: MirroredKey, _ s: Setup, action: MirrorReport.Action?) -> MirrorReport.Key {
        var shown = m
        if let envValue = s.envManaged[m.key] { shown.localValue = envValue }
        shown.localValue = shown.localValue.map { shown.isPlaceholder ? $0 : EnvOperation.masked($0, plan: s.plan) }
        return MirrorReport.Key(mirrored: shown, file: s.target, action: action, envManaged: s.envManaged[m.key] != nil)
    }

    static func noLock() -> DevenvError {
        DevenvError("there is no \(StagingLock.fileName) to mirror from",
                    hint: "Someone with staging access runs `devenv mirror` once and commits \(StagingLock.fileName).")
    }
}
