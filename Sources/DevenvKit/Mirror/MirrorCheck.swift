import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// `devenv mirror --check`: staging (unless `--from-lock`) ↔ `devenv.staging.lock` ↔ the target
/// file, and service versions. Writes nothing.
///
/// Invariant: when staging could not be read (the command failed, timed out, printed too much,
/// printed something unreadable or no variables), the report carries `sourceError` and the
/// command fails: a check that did not reach staging never passes. The lock is still compared
/// with the local file, so that part of the report is useful.
enum MirrorCheck {
    static func run(_ s: MirrorOperation.Setup, ctx: DevenvContext, options: MirrorOperation.Options) async throws -> MirrorReport {
        var notes: [String] = []
        var stagingVars: [StagingVar]?
        var stagingLock: StagingLock?
        var sourceError: DevenvError?
        if !options.fromLock {
            do {
                let read = try await MirrorFetch.variables(s.config.source, ctx: ctx, root: s.root, timeout: s.config.timeout)
                let versions = try await MirrorOperation.stagingVersions(s, ctx: ctx)
                notes += read.notes
                stagingVars = read.vars
                stagingLock = StagingLock(staging: read.vars, rules: s.rules, vocabulary: s.local.vocabulary, versions: versions, source: s.config.source.label)
            } catch var e as DevenvError where e.exitCode == .failure {
                e.message = "could not read staging: " + e.message.replacingOccurrences(of: "; nothing was changed", with: "")
                    .replacingOccurrences(of: "staging source ", with: "")
                sourceError = e
            }
        }
        let lock = try StagingLock.read(path: s.lockPath)
        let vars = stagingVars ?? lock?.stagingVars
        if sourceError != nil {
            notes.append(lock == nil ? "nothing to compare: staging could not be read and there is no \(StagingLock.fileName)"
                                     : "compared \(StagingLock.fileName) with \(s.target) only")
        }
        guard let vars else {
            if let sourceError {
                return MirrorReport(keys: [], drift: [], source: s.config.source.label, target: s.target, notes: notes,
                                    dryRun: true, sourceError: sourceError)
            }
            throw MirrorOperation.noLock()
        }

        let mapped = Mirror.map(vars, rules: s.rules, local: s.local)
        let expected = mapped.filter { s.envManaged[$0.key] == nil && Dotenv.isValidKey($0.key) }
        let values = try EnvFile.open(s.target, root: s.root).text.map { try Dotenv.parse($0, file: s.target) } ?? []
        var localOnly = Set(s.envManaged.keys)
        for (k, _) in values where s.config.isLocalOnly(k) { localOnly.insert(k) }
        var drift = Drift.check(staging: stagingLock, lock: lock, expected: expected,
                                files: [LocalEnvFile(path: s.target, values: values)],
                                localVersions: MirrorLocal.versions(s.plan), vocabulary: s.local.vocabulary, localOnly: localOnly)
        if lock == nil {
            drift.insert(DriftItem(kind: .missing, subject: StagingLock.fileName, place: StagingLock.fileName,
                                   detail: "there is no \(StagingLock.fileName): run `devenv mirror` and commit it"), at: 0)
        }
        let secrets = MirrorOperation.LocalSecrets(s.plan)
        let keys = mapped.map { MirrorOperation.reportKey($0, s, secrets: secrets, action: nil) }
        let source = stagingLock != nil ? s.config.source.label : StagingLock.fileName
        return MirrorReport(keys: keys, drift: drift, source: source, target: s.target, notes: notes, dryRun: true,
                            sourceError: sourceError)
    }
}
