import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// Applies a stack's seeds: every file the ledger does not know yet, in manifest order,
/// each streamed into its service's container. A file changed since it was applied is
/// reported and left alone. `force` applies every file again, whatever the ledger says.
/// A failing file stops the run (exit 1), naming the file and the tool's error; it is not
/// recorded, the files before it are.
public enum SeedOperation {
    public struct Report: Encodable, Sendable {
        public var applied: [Line] = []
        public var unchanged: [Line] = []
        public var changed: [Line] = []
        /// Human lines for the command to print.
        public var lines: [String] = []

        public struct Line: Encodable, Sendable {
            public var service: String
            public var file: String
            public var target: String
            public var seconds: Double?
            public var appliedAt: Date?
            enum CodingKeys: String, CodingKey { case service, file, target, seconds, appliedAt = "applied_at" }
        }

        enum CodingKeys: String, CodingKey { case applied, unchanged, changed }
    }

    /// `devenv up`'s seed stage, run with the stack lock held and the services ready.
    /// `services`: only these (empty: all).
    /// `skipping`: services whose seeds are not applied (data without a ledger, `LedgerGap`).
    public static func applyNew(_ ctx: DevenvContext, project: Project, plan: StackPlan, services: [String] = [],
                                force: Bool = false, skipping: [String] = []) async throws -> Report {
        var report = Report()
        let items = project.seeds.filter { (services.isEmpty || services.contains($0.service)) && !skipping.contains($0.service) }
        guard !items.isEmpty else { return report }
        let ledgerPath = SeedLedger.path(stateDir: plan.stateDir)
        var ledger = try SeedLedger.load(ledgerPath)
        var onceDone = Set<String>()
        for item in items {
            guard let service = plan.service(item.service) else { continue }
            let fingerprint = try FileFingerprint.of(item.path)
            var knownSum: String?
            let state = try ledger.state(of: item, fingerprint: fingerprint, digest: { try Checksum.sha256(ofFile: item.path) })
            switch state {
            case .applied(let e), .touched(let e, _):
                guard !force else { knownSum = e.sha256; break }
                if case .touched(var fresh, let fp) = state {   // same content, new mtime: remember it
                    fresh.size = fp.size; fresh.mtimeNanoseconds = fp.mtimeNanoseconds
                    ledger.record(fresh)
                    try ledger.save(ledgerPath)
                }
                report.unchanged.append(.init(service: item.service, file: item.file, target: item.target, appliedAt: e.appliedAt))
                continue
            case .changed(let e, let sum):
                guard force else {
                    report.changed.append(.init(service: item.service, file: item.file, target: item.target, appliedAt: e.appliedAt))
                    report.lines.append("! \(item.file) changed since it was applied to \(item.service) (\(item.target)) on \(Self.date(e.appliedAt)); " +
                                        "not applied again. `devenv seed \(item.service) --force` applies \(item.service)'s seeds again on top of its data; " +
                                        "`devenv reset \(item.service)` starts it from empty data.")
                    continue
                }
                knownSum = sum
            case .new:
                break
            }
            if let once = try SeedCommands.once(item, service: service, project: project.composeProject),
               onceDone.insert(item.service + "\u{0}" + once.key).inserted {
                try await run(ctx, once.command, item: item)
            }
            let start = Date()
            let hashing = knownSum == nil ? Task.detached { try Checksum.sha256(ofFile: item.path) } : nil
            try await run(ctx, try SeedCommands.apply(item, service: service, project: project.composeProject), item: item)
            let sum = try await hashing?.value ?? knownSum ?? ""
            let seconds = Date().timeIntervalSince(start)
            ledger.record(.init(service: item.service, file: item.file, target: item.target, sha256: sum, fingerprint: fingerprint, appliedAt: ctx.now()))
            try ledger.save(ledgerPath)
            report.applied.append(.init(service: item.service, file: item.file, target: item.target, seconds: seconds))
            report.lines.append("Seeded \(item.service) (\(item.target)) from \(item.file) in \(String(format: "%.1f", seconds))s.")
        }
        return report
    }

    static func run(_ ctx: DevenvContext, _ command: Command, item: SeedItem) async throws {
        let r = try await ctx.runner.capture(command)
        guard !r.succeeded else { return }
        throw failure(item, status: r.status, stdout: r.stdout, stderr: r.stderr)
    }

    /// The error for a seed that failed: the file, where it went, and the tool's own words.
    static func failure(_ item: SeedItem, status: Int32, stdout: String, stderr: String) -> DevenvError {
        let err = stderr.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        var shown = err.isEmpty ? Array(stdout.split(separator: "\n", omittingEmptySubsequences: true).suffix(6).map(String.init)) : Array(err.prefix(6))
        if err.count > 6 { shown.append("… (\(err.count - 6) more lines)") }
        return DevenvError(
            "seed \(item.file) failed on \(item.service) (\(item.target)), exit status \(status):",
            hint: "Fix \(item.file) and run `devenv seed \(item.service)`. It was not recorded as applied; the seeds before it were.",
            details: shown.isEmpty ? ["  (the tool printed nothing)"] : shown.map { "  | " + $0 })
    }

    static func date(_ d: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "yyyy-MM-dd HH:mm"
        return f.string(from: d)
    }

    /// `devenv seed [SERVICE] --mark-applied`: records the current seed files as applied,
    /// without running them (data that has them already, whose ledger was lost: `LedgerGap`).
    /// Needs no engine: it only writes the ledger, under the stack lock.
    public static func markApplied(_ ctx: DevenvContext, service: String?, branch: Bool) throws -> Report {
        let project = try Project.load(ctx, branch: branch)
        if let service { try project.checkServices([service]) }
        let items = project.seeds.filter { service == nil || $0.service == service }
        var report = Report()
        guard !items.isEmpty else {
            report.lines = [service.map { "No seeds for \($0) in devenv.yml." } ?? "No seeds in devenv.yml (see README: \"Seeds\")."]
            return report
        }
        return try StackSession.with(ctx, project: project, ping: false) { _ in try recordApplied(ctx, project: project, items: items) }
    }

    static func recordApplied(_ ctx: DevenvContext, project: Project, items: [SeedItem]) throws -> Report {
        var report = Report()
        let stateDir = StackPlanner.stateDir(root: project.manifest.root, stack: project.identity.stack)
        try StateFile.makeFolder(stateDir)
        let path = SeedLedger.path(stateDir: stateDir)
        var ledger = try SeedLedger.load(path)
        for item in items {
            let fingerprint = try FileFingerprint.of(item.path)
            ledger.record(.init(service: item.service, file: item.file, target: item.target, sha256: try Checksum.sha256(ofFile: item.path),
                                fingerprint: fingerprint, appliedAt: ctx.now()))
            report.unchanged.append(.init(service: item.service, file: item.file, target: item.target, appliedAt: ctx.now()))
        }
        try ledger.save(path)
        report.lines = items.map { "Recorded \($0.file) as applied to \($0.service) (\($0.target)), without running it." }
            + ["The next `devenv up` applies only seed files added or changed after this."]
        return report
    }

    /// `devenv seed [SERVICE] [--force]`: checks the services run, then applies.
    public static func run(_ ctx: DevenvContext, service: String?, force: Bool, branch: Bool) async throws -> Report {
        let project = try Project.load(ctx, branch: branch)
        if let service { try project.checkServices([service]) }
        return try await StackSession.with(ctx, project: project) { try await run($0, service: service, force: force) }
    }

    static func run(_ session: StackSession, service: String?, force: Bool) async throws -> Report {
        let ctx = session.ctx, project = session.project
        let plan = try ComposeFile.ensure(session)
        let wanted = service.map { [$0] } ?? []
        let items = project.seeds.filter { wanted.isEmpty || wanted.contains($0.service) }
        guard !items.isEmpty else {
            var r = Report()
            r.lines = [service.map { "No seeds for \($0) in devenv.yml." } ?? "No seeds in devenv.yml (see README: \"Seeds\")."]
            return r
        }
        let containers = try ctx.engine.containers(project: plan.identity.stack)
        for name in Set(items.map(\.service)).sorted() where !containers.contains(where: { $0.service == name && $0.state == .running }) {
            throw DevenvError("\(name) is not running", hint: "Start the stack with `devenv up` (it applies new seeds itself).")
        }
        var report = try await applyNew(ctx, project: project, plan: plan, services: wanted, force: force)
        if report.applied.isEmpty && report.changed.isEmpty {
            report.lines.append("Every seed is already applied (\(report.unchanged.count) file\(report.unchanged.count == 1 ? "" : "s")).")
        }
        return report
    }
}

extension SeedOperation.Report: Report {
    public func lines(_ output: Output) -> [String] { lines }
    /// Failures (`!` lines) still reach stderr under `--json`.
    public var jsonNotes: [String] { lines.filter { $0.hasPrefix("!") } }
}
