import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// `devenv pull SERVICE [--yes] [--dry-run]`: masked data from the source of `pull.SERVICE`.
///
/// 1. the source's catalog is read (no row); a personal column without a rule stops here (exit 2);
/// 2. `--dry-run` stops here, listing what would be read;
/// 3. the local data is saved as snapshot `pull-<time>`;
/// 4. schema (pre-data), each table's masked `COPY`, then constraints and indexes (post-data)
///    and sequences go into a new database `<db>__pull`;
/// 5. only when all that succeeded is it swapped in by renames. A failed or killed pull leaves
///    the local database as it was (the half-written one is dropped, now or by the next pull).
public struct PullOperation {
    public var service: String
    public var yes = false
    public var dryRun = false
    public var branch = false

    public init(service: String, yes: Bool, dryRun: Bool, branch: Bool) {
        self.service = service; self.yes = yes; self.dryRun = dryRun; self.branch = branch
    }

    public struct Outcome: Encodable, Sendable {
        public var service: String
        public var source: String
        public var dryRun: Bool
        public var tables: [Table]
        public var skipped: [String]
        public var snapshot: String?
        public var record: PullRecord?
        /// A pull of objects (`ObjectPull`).
        public var objects: Objects?

        public struct Table: Encodable, Sendable {
            public var table: String
            public var conditions: [String]
            public var limit: Int?
            public var masked: [String: String]
        }
        public struct Objects: Encodable, Sendable {
            public var from: String
            public var into: String
            public var count: Int
            public var bytes: Int64
            /// Listed and not copied (folder markers, over a size limit).
            public var left: Int
            /// With --dry-run: every key that would be copied.
            public var keys: [String]?
        }
        enum CodingKeys: String, CodingKey { case service, source, dryRun = "dry_run", tables, skipped, snapshot, record, objects }
    }

    public func run(_ ctx: DevenvContext) async throws -> Outcome? {
        let project = try Project.load(ctx, branch: branch)
        try project.checkServices([service])
        guard let spec = project.manifest.pull(for: service) else {
            throw DevenvError.usage("devenv.yml has no pull.\(service) section",
                                    hint: "Add one, e.g.\n  pull:\n    \(service):\n      from: { env: STAGING_DATABASE_URL }\n      tables: { users: { columns: { email: email } } }\n(README: \"Pulling data from staging\").")
        }
        guard let kind = project.kinds.kind(named: project.manifest.service(named: service)?.kind ?? ""), let rules = try PullRules.of(kind) else {
            throw DevenvError.usage("service '\(service)' cannot pull data")
        }
        if let reach = rules.objects {
            return try await ObjectPull(operation: self, spec: spec, objects: spec.objects ?? PullObjects(), reach: reach).run(ctx, project: project)
        }
        let source = try await PullSource.resolve(spec.source, project: project, ctx: ctx)
        let plan = try StackSession.with(ctx, project: project) { try ComposeFile.ensure($0) }   // the claim, under the lock
        guard let planned = plan.service(service) else { throw DevenvError.usage("no service '\(service)' in the stack") }
        let containers = try ctx.engine.containers(project: plan.identity.stack)
        guard let container = containers.first(where: { $0.service == service && $0.state == .running }) else {
            throw DevenvError("\(service) is not running", hint: "Start the stack with `devenv up`, then pull.")
        }
        let localUser = planned.value("user") ?? "postgres"
        let database = spec.database ?? planned.value("database") ?? localUser
        let run = Runner(ctx: ctx, container: container.id, source: source, user: localUser, label: spec.source.label)

        // 1. The catalog only: nothing is read from any table before every column has a rule.
        let catalog = PullCatalog.parse(try await run.step("reading the source's catalog", PullCommands.catalog(container: container.id, source: source, localUser: localUser)).stdout)
        let pullPlan: PullPlan
        do { pullPlan = try PullPlan.make(spec, catalog: catalog, rules: rules) }
        catch let refusal { throw PullRefusal.error(refusal, spec: spec, manifest: project.manifest.file, cwd: ctx.cwd) }

        var outcome = Outcome(service: service, source: spec.source.label, dryRun: dryRun, tables: pullPlan.steps.map {
            .init(table: $0.table, conditions: $0.conditions, limit: $0.limit, masked: Dictionary($0.masked.map { ($0.column, $0.rule) }, uniquingKeysWith: { a, _ in a }))
        }, skipped: pullPlan.skipped)
        if dryRun { return outcome }
        if !yes {
            switch ctx.output.confirm("Replace local database '\(database)' of \(service) with masked data from \(spec.source.label)? (a snapshot is taken first)") {
            case nil: throw DevenvError.usage("`pull` replaces local data and needs --yes when not run on a terminal",
                                              hint: "Run `devenv pull \(service) --yes` (see what it reads with --dry-run).")
            case false?: ctx.output.print("Nothing changed."); return nil
            case true?: break
            }
        }

        // 3. The local data as it is now, before anything is written.
        let stamp = ISO8601DateFormatter.pullStamp.string(from: ctx.now())
        let snapshot = try await SnapshotOperation(branch: branch).save(ctx, name: "pull-\(stamp)")
        outcome.snapshot = snapshot.name
        ctx.output.error("Saved the local data as snapshot \(snapshot.name) (`devenv snapshot restore \(snapshot.name)` brings it back).")

        // Locked again after the snapshot's own session, on the plan claimed above.
        return try await StackLock.with(ctx, stack: plan.identity.stack) {
            let running = try ctx.engine.containers(project: plan.identity.stack).first { $0.service == service && $0.state == .running }
            guard let live = running else { throw DevenvError("\(service) did not come back after the snapshot", hint: "See `devenv logs \(service)`.") }
            let r = Runner(ctx: ctx, container: live.id, source: source, user: localUser, label: spec.source.label)
            let record = try await r.pull(pullPlan, spec: spec, database: database, snapshot: snapshot.name)
            try PullRecord.save(record, stateDir: plan.stateDir)
            outcome.record = record
            return outcome
        }
    }
}

extension ISO8601DateFormatter {
    /// `20261207-041500`: a snapshot name's time.
    static var pullStamp: DateFormatter {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX"); f.timeZone = TimeZone(identifier: "UTC"); f.dateFormat = "yyyyMMdd-HHmmss"
        return f
    }
}

extension PullOperation.Outcome {
    /// What a person reads: the plan (`--dry-run`) or the summary.
    public var lines: [String] {
        if let objects {
            if let record {
                return ["Pulled \(record.rows) objects (\(Snapshot.humanSize(Int64(record.bytes)))) from \(objects.from) into \(record.service)'s \(objects.into) "
                        + "in \(String(format: "%.1f", record.seconds))s\(objects.left > 0 ? "; \(objects.left) listed objects left on staging (prefixes, size limits)" : "")."]
            }
            var out = ["Would copy \(objects.count) objects (\(Snapshot.humanSize(objects.bytes))) from \(objects.from) (\(source)) into \(service)'s \(objects.into) (nothing copied, nothing changed):"]
            out += (objects.keys ?? []).prefix(50).map { "  " + $0 }
            if (objects.keys?.count ?? 0) > 50 { out.append("  … and \(objects.keys!.count - 50) more") }
            if objects.left > 0 { out.append("  left on staging: \(objects.left) listed objects (folder markers, over max_object_size or past max_size)") }
            return out
        }
        if let record {
            return ["Pulled \(record.rows) rows (\(Snapshot.humanSize(Int64(record.bytes))), \(record.tables.count) tables) into \(record.service)'s database \(record.database) "
                    + "from \(source) in \(String(format: "%.1f", record.seconds))s; every personal column was masked on the source."]
        }
        var out = ["Would read from \(source) (nothing read, nothing changed):"]
        for t in tables {
            var line = "  \(t.table)"
            if !t.conditions.isEmpty { line += " where " + t.conditions.joined(separator: " and ") }
            if let l = t.limit { line += " limit \(l)" }
            if !t.masked.isEmpty { line += "; masked: " + t.masked.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value))" }.joined(separator: ", ") }
            out.append(line)
        }
        if !skipped.isEmpty { out.append("  skipped (schema only): " + skipped.joined(separator: ", ")) }
        return out
    }
}
