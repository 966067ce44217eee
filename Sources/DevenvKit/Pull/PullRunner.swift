import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan

extension PullOperation {
    /// Runs a pull's commands in the local container, with a progress line per table.
    struct Runner {
        var ctx: DevenvContext
        var container: String
        var source: PullCommands.Source
        var user: String
        var label: String

        /// Runs `command`; a failure names what was being done and the tool's own words (which
        /// never hold the password: it is passed by name).
        /// With `again`, a step refused because the local server is restarting (one of its
        /// processes ended abnormally, so it went through crash recovery) is run once more when
        /// the server answers again: such steps are whole statements that are safe to repeat.
        @discardableResult
        func step(_ what: String, _ command: Command, again: Bool = false) async throws -> CommandResult {
            var r = try await ctx.runner.capture(command)
            if !r.succeeded, again, let why = Self.localRestart(r.stderr) {
                ctx.output.error("  the local server is restarting (\(why)); waiting for it, then \(what) again…")
                if await waitForLocal(timeout: 120) { r = try await ctx.runner.capture(command) }
            }
            guard r.succeeded else {
                let local = r.stderr.contains("on socket \"")
                let lines = r.stderr.split(separator: "\n", omittingEmptySubsequences: true).map(String.init).filter { !$0.isEmpty }
                let unreachable = lines.contains { $0.contains("could not connect") || $0.contains("could not translate host") || $0.contains("Connection refused")
                    || $0.contains("timeout expired") || $0.contains("password authentication failed") || $0.contains("No route to host") }
                throw DevenvError("\(what) failed (\(local && !unreachable ? "the local server" : label))\(unreachable ? ": the source cannot be reached" : ""):",
                                  hint: unreachable ? "Check the source's URL and that the local \(source.host == "localhost" || source.host == "127.0.0.1" ? "container (localhost is the container itself; use host.docker.internal)" : "container") can reach \(source.host):\(source.port). Local data is unchanged."
                                                   : "Local data is unchanged.",
                                  details: (lines.prefix(8).map { "  | " + $0 }).isEmpty ? ["  (the tool printed nothing)"] : lines.prefix(8).map { "  | " + $0 })
            }
            return r
        }

        /// What a local server refusing connections while it restarts says, if `stderr` holds it.
        static func localRestart(_ stderr: String) -> String? {
            ["the database system is in recovery mode", "the database system is starting up", "the database system is not yet accepting connections"]
                .first { stderr.contains($0) && stderr.contains("on socket \"") }
        }

        /// Polls the local server until it takes a query, for up to `timeout` seconds.
        func waitForLocal(timeout: TimeInterval) async -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                if (try? await ctx.runner.capture(PullCommands.ping(container: container, source: source, localUser: user)))?.succeeded == true { return true }
                try? await Task.sleep(nanoseconds: 500_000_000)
            }
            return false
        }

        func pull(_ plan: PullPlan, spec: PullSpec, database: String, snapshot: String?) async throws -> PullRecord {
            let admin = database == "postgres" ? "template1" : "postgres"
            let pulling = database + "__pull", old = database + "__prepull"
            let started = Date()
            try await step("preparing database \(pulling)", PullCommands.prepare(container: container, source: source, localUser: user, admin: admin, pulling: pulling, leftover: old), again: true)
            var tables: [PullRecord.Table] = []
            do {
                tables = try await copyAll(plan, into: pulling)
                try await step("setting sequences past the largest ids", PullCommands.sequences(container: container, source: source, localUser: user, database: pulling), again: true)
                try await step("swapping \(pulling) in as \(database)",
                               PullCommands.swap(container: container, source: source, localUser: user, admin: admin, database: database, pulling: pulling, old: old))
            } catch {
                _ = try? await ctx.runner.capture(PullCommands.discard(container: container, source: source, localUser: user, admin: admin, pulling: pulling))
                throw error
            }
            return PullRecord(service: spec.service, source: spec.source.label, database: database, at: ISO8601DateFormatter().string(from: ctx.now()), snapshot: snapshot,
                              seconds: Date().timeIntervalSince(started), tables: tables)
        }

        /// Schema, every table and constraints in one snapshot of the source
        /// (`PullCommands.copyAll`), with a progress line as each table is done.
        func copyAll(_ plan: PullPlan, into database: String) async throws -> [PullRecord.Table] {
            let state = Locked((tables: [PullRecord.Table](), other: [String](), last: Date()))
            let ctx = self.ctx
            let masked = Dictionary(plan.steps.map { ($0.table, $0.masked.map(\.column)) }, uniquingKeysWith: { a, _ in a })
            ctx.output.error("  copying the schema and \(plan.steps.count) table\(plan.steps.count == 1 ? "" : "s") in one snapshot of the source…")
            let status = try await ctx.runner.supervise(PullCommands.copyAll(container: container, source: source, localUser: user, plan: plan, into: database),
                                                        started: { _ in }, line: { line in
                let f = line.split(separator: " ")
                guard f.first == "devenv-table", f.count >= 4 else {
                    if line != "devenv-done" { state.with { $0.other.append(line) } }
                    return
                }
                let name = String(f[1]), rows = Int(f[2]) ?? 0, bytes = Int(f[3]) ?? 0
                let secs = state.with { s -> Double in
                    let d = max(Date().timeIntervalSince(s.last), 0.001); s.last = Date()
                    s.tables.append(.init(table: name, rows: rows, bytes: bytes)); return d
                }
                let m = masked[name] ?? []
                ctx.output.error("  \(name): \(rows) rows, \(Snapshot.humanSize(Int64(bytes))), \(Snapshot.humanSize(Int64(Double(bytes) / secs)))/s"
                                 + (m.isEmpty ? "" : " (masked: \(m.joined(separator: ", ")))"))
            })
            let (tables, other) = state.with { ($0.tables, $0.other) }
            guard status == 0 else {
                let lines = other.filter { !$0.isEmpty }
                throw DevenvError("copying from the source failed (\(label)), exit status \(status):",
                                  hint: "Local data is unchanged.",
                                  details: lines.isEmpty ? ["  (the tools printed nothing)"] : lines.prefix(8).map { "  | " + $0 })
            }
            return tables
        }

        /// `COPY 123` and `bytes 4567` from a copy step's output.
        static func counts(_ stdout: String) -> (rows: Int, bytes: Int) {
            var rows = 0, bytes = 0
            for line in stdout.split(separator: "\n") {
                let f = line.split(separator: " ")
                guard f.count == 2, let n = Int(f[1]) else { continue }
                if f[0] == "COPY" { rows = n } else if f[0] == "bytes" { bytes = n }
            }
            return (rows, bytes)
        }
    }
}

/// The message of a pull stopped before any row was read.
enum PullRefusal {
    static func error(_ r: PullPlan.Refusal, spec: PullSpec, manifest: String, cwd: String) -> DevenvError {
        if !r.unknown.isEmpty {
            return ManifestError(file: manifest, problems: r.unknown).asDevenvError(cwd: cwd)
        }
        var details = r.unruled.map { "  \($0.table).\($0.column) (\($0.type))" }
        details.append("Add a rule for each to devenv.yml (keep, if it holds nothing personal):")
        details.append("  pull:")
        details.append("    \(spec.service):")
        details.append("      tables:")
        var byTable: [(String, [PullPlan.Unruled])] = []
        for u in r.unruled {
            if let i = byTable.firstIndex(where: { $0.0 == u.table }) { byTable[i].1.append(u) } else { byTable.append((u.table, [u])) }
        }
        for (table, cols) in byTable {
            let name = table.hasPrefix("public.") ? String(table.dropFirst(7)) : table
            details.append("        \(name):")
            details.append("          columns:")
            for c in cols { details.append("            \(c.column): \(c.suggested == "null" ? "\"null\"" : c.suggested)") }
        }
        let n = r.unruled.count
        return DevenvError("\(n) column\(n == 1 ? "" : "s") on the source look\(n == 1 ? "s" : "") personal and \(n == 1 ? "has" : "have") no rule in pull.\(spec.service); nothing was read:",
                           hint: "Add the rules above and run `devenv pull \(spec.service)` again (`--dry-run` shows what would be read).",
                           exitCode: .usage, details: details)
    }
}

extension PullSource {
    /// The source as written, or as named: `$NAME` from devenv's environment, or staging's
    /// `KEY` (read as `devenv mirror` reads it). `what` and `key` name what it must hold, for the
    /// messages; `otherwise` is the other `from:` the hint offers.
    func text(project: Project, ctx: DevenvContext, what: String, key keyHolds: String, otherwise: String) async throws -> String {
        switch self {
        case .url(let u): return u
        case .env(let name):
            guard let v = ctx.environment[name], !v.isEmpty else {
                throw DevenvError.usage("$\(name) is not set, so pull has no source", hint: "Set it to \(what), e.g. `export \(name)=…`.")
            }
            return v
        case .staging(let key):
            guard let config = project.staging else {
                throw DevenvError.usage("pull reads from staging, but devenv.yml has no staging: section", hint: "Add one (README: \"Mirroring staging\"), or use \(otherwise).")
            }
            let vars = try await MirrorFetch.variables(config.source, ctx: ctx, root: project.manifest.root, timeout: config.timeout).vars
            guard let v = vars.first(where: { $0.name == key })?.value, !v.isEmpty else {
                throw DevenvError("staging has no \(key)\(Suggest.hint(key, among: vars.map(\.name)))", hint: "Name the key holding \(keyHolds): from: { staging: KEY }.")
            }
            return v
        }
    }

    /// The source's connection: from staging's variables (read as `devenv mirror` reads them),
    /// devenv's environment, or the URL in devenv.yml.
    static func resolve(_ source: PullSource, project: Project, ctx: DevenvContext) async throws -> PullCommands.Source {
        let url = try await source.text(project: project, ctx: ctx, what: "the source's URL (postgres://user:password@host:5432/db)",
                                        key: "the database URL", otherwise: "from: { env: VAR }")
        guard let parsed = PullCommands.Source(url: url) else {
            throw DevenvError.usage("\(source.label) is not a postgres:// URL with a host", hint: "It must look like postgres://user:password@host:5432/database.")
        }
        return parsed
    }
}
