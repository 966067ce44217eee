import Foundation
import Testing
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvKit

/// `pull:` in devenv.yml (every problem at its line), the SQL a pull runs on the source
/// (masked expressions, the subset following foreign keys, fail-closed), and its argv.
@Suite struct PullSpecTests {
    static func read(_ body: String) throws -> (Manifest?, [String]) {
        let (m, problems) = ManifestLoader(kinds: try TestSupport.templates()).read("services:\n  postgres: {}\n  redis: {}\n" + body, file: "/p/devenv.yml")
        return (m, problems.map(\.description))
    }

    @Test func theIssuesShapeParses() throws {
        let (m, problems) = try Self.read("""
            pull:
              postgres:
                from: { env: STAGING_DATABASE_URL }
                salt: s3
                tables:
                  users:
                    where: "id <= 5000"
                    limit: 100
                    columns: { email: email, full_name: name, phone: "null", password_hash: hash, plan: { value: free }, zip: { sql: "left(zip, 2)" } }
                  audit_log: skip
            """)
        #expect(problems.isEmpty, "\(problems)")
        let pull = try #require(m?.pull(for: "postgres"))
        #expect(pull.source == .env("STAGING_DATABASE_URL"))
        #expect(pull.salt == "s3")
        let users = try #require(pull.table("users"))
        #expect(users.filter == "id <= 5000" && users.limit == 100)
        #expect(users.columns.map(\.rule) == [.named("email"), .named("name"), .named("null"), .named("hash"), .value("free"), .sql("left(zip, 2)")])
        #expect(pull.table("audit_log")?.skip == true)
        #expect(try Self.read("pull:\n  postgres: { from: staging }\n").0?.pull(for: "postgres")?.source == .staging(key: "DATABASE_URL"))
        #expect(try Self.read("pull:\n  postgres: { from: { url: \"postgres://a@b/c\" } }\n").0?.pull(for: "postgres")?.source == .url("postgres://a@b/c"))
    }

    @Test func everyProblemAtItsLineWithTheNearestWord() throws {
        let (_, problems) = try Self.read("""
            pull:
              postgres:
                from: { env: "NOT A NAME" }
                tabels:
                  users:
                    wher: "id < 5"
                    limit: -1
                    columns: { email: emial, phone: nul, x: [1] }
                  orders: skp
              redis: { from: staging }
              mongo: { from: staging }
            """)
        #expect(problems.contains("6:18: 'NOT A NAME' is not an environment variable name"), "\(problems)")
        #expect(problems.contains { $0.hasPrefix("7:5: unknown key 'tabels' in pull.postgres; did you mean 'tables'?") })
        #expect(problems.contains { $0.hasPrefix("9:9: unknown key 'wher' in table 'users'; did you mean 'where'?") })
        #expect(problems.contains("10:16: users.limit must be a positive number of rows"))
        #expect(problems.contains { $0.hasPrefix("11:27: unknown rule 'emial' for users.email; did you mean 'email'?") })
        #expect(problems.contains { $0.hasPrefix("11:41: unknown rule 'nul' for users.phone; did you mean 'null'?") })
        #expect(problems.contains { $0.hasPrefix("11:49: the rule for users.x must be one of") })
        #expect(problems.contains { $0.hasPrefix("12:15: table 'orders' must be 'skip' or a map") && $0.hasSuffix("did you mean 'skip'?") })
        #expect(problems.contains { $0.hasPrefix("13:3: service 'redis' (kind redis) cannot pull data; pull works for minio, postgres, rustfs") })
        #expect(problems.contains { $0.hasPrefix("14:3: pull for unknown service 'mongo'") })
        #expect(problems.count == 10, "\(problems)")
    }

    @Test func aMissingSourceIsNamed() throws {
        let (_, problems) = try Self.read("pull:\n  postgres:\n    tables: { users: skip }\n")
        #expect(problems == ["5:3: pull.postgres needs 'from:', e.g. from: { env: STAGING_DATABASE_URL }, from: staging or from: { url: \"postgres://…\" }"])
    }
}

@Suite struct PullPlanTests {
    static let rules: PullRules = {
        try! PullRules.of(try! TestSupport.templates().kinds["postgres"]!)!
    }()

    static let catalog = PullCatalog(tables: [
        .init(name: "public.audit_log", columns: [.init(name: "id", type: "integer"), .init(name: "user_id", type: "integer"), .init(name: "ip", type: "inet")],
              primaryKey: ["id"], foreignKeys: [.init(columns: ["user_id"], table: "public.users", refColumns: ["id"])]),
        .init(name: "public.orders", columns: [.init(name: "id", type: "bigint"), .init(name: "user_id", type: "integer"), .init(name: "total", type: "integer")],
              primaryKey: ["id"], foreignKeys: [.init(columns: ["user_id"], table: "public.users", refColumns: ["id"])]),
        .init(name: "public.users", columns: [.init(name: "id", type: "integer"), .init(name: "email", type: "text"), .init(name: "full_name", type: "character varying(200)"),
                                              .init(name: "phone", type: "text"), .init(name: "search", type: "tsvector", generated: true)], primaryKey: ["id"]),
    ])

    static func spec(_ tables: [PullTable]) -> PullSpec {
        PullSpec(service: "postgres", source: .env("X"), salt: "salt", database: nil, tables: tables, line: 1, column: 1)
    }

    static let users = PullTable(name: "users", filter: "id <= 5000", limit: nil, columns: [
        .init(name: "email", rule: .named("email")), .init(name: "full_name", rule: .named("name")), .init(name: "phone", rule: .named("null"))])

    @Test func maskedSelectsAndTheSubsetFollowingForeignKeys() throws {
        let plan = try PullPlan.make(Self.spec([Self.users, PullTable(name: "audit_log", skip: true)]), catalog: Self.catalog, rules: Self.rules)
        #expect(plan.skipped == ["public.audit_log"])
        #expect(plan.steps.map(\.table) == ["public.orders", "public.users"])
        let users = plan.steps[1]
        #expect(users.columns == ["id", "email", "full_name", "phone"], "generated columns are computed locally")
        #expect(users.copyOut.hasPrefix("COPY (SELECT \"id\", CAST((CASE WHEN \"email\" IS NULL THEN NULL ELSE 'user_' || substr(md5('salt' || \"email\"::text), 1, 12) || '@example.invalid' END) AS text) AS \"email\", "))
        #expect(users.select.contains("CAST((NULL) AS text) AS \"phone\""))
        #expect(users.select.contains("AS character varying(200)) AS \"full_name\""))
        #expect(users.select.hasSuffix(" FROM \"public\".\"users\" WHERE (id <= 5000)"))
        #expect(users.copyIn == "COPY \"public\".\"users\" (\"id\", \"email\", \"full_name\", \"phone\") FROM STDIN")
        let orders = plan.steps[0]
        #expect(orders.select == "SELECT \"id\", \"user_id\", \"total\" FROM \"public\".\"orders\" WHERE (\"public\".\"orders\".\"user_id\" IS NULL OR EXISTS (SELECT 1 FROM "
                + "(SELECT * FROM \"public\".\"users\" WHERE (id <= 5000)) AS devenv_ref0 WHERE devenv_ref0.\"id\" = \"public\".\"orders\".\"user_id\"))")
    }

    @Test func aLimitOrdersByTheKeyAndASkippedParentKeepsOnlyNullReferences() throws {
        var users = Self.users
        users.filter = nil; users.limit = 10
        let plan = try PullPlan.make(Self.spec([users, PullTable(name: "audit_log", columns: [.init(name: "ip", rule: .named("null"))])]), catalog: Self.catalog, rules: Self.rules)
        #expect(plan.steps.first { $0.table == "public.users" }?.select.hasSuffix("FROM \"public\".\"users\" ORDER BY \"public\".\"users\".\"id\" LIMIT 10") == true)
        #expect(plan.steps.first { $0.table == "public.orders" }?.select.contains("(SELECT * FROM \"public\".\"users\" ORDER BY \"public\".\"users\".\"id\" LIMIT 10) AS devenv_ref0") == true)
        var onlySkip = Self.spec([PullTable(name: "users", skip: true), PullTable(name: "audit_log", skip: true)])
        onlySkip.salt = "x"
        let p = try PullPlan.make(onlySkip, catalog: Self.catalog, rules: Self.rules)
        #expect(p.steps.map(\.select) == ["SELECT \"id\", \"user_id\", \"total\" FROM \"public\".\"orders\" WHERE (\"public\".\"orders\".\"user_id\" IS NULL)"])
    }

    @Test func unruledPersonalColumnsStopThePullAllAtOnce() throws {
        do {
            _ = try PullPlan.make(Self.spec([PullTable(name: "users", columns: [.init(name: "email", rule: .keep)]), PullTable(name: "nope", line: 9, column: 7)]),
                                  catalog: Self.catalog, rules: Self.rules)
            Issue.record("an unruled personal column must stop the pull")
        } catch {
            #expect(error.unruled.map { "\($0.table).\($0.column) \($0.suggested)" } == ["public.audit_log.ip null", "public.users.full_name name", "public.users.phone phone"])
            #expect(error.unknown.map(\.description) == ["9:7: the source has no table 'nope'"])
        }
    }

    @Test func thePersonalPatternsAreData() throws {
        let r = Self.rules
        for (column, type, rule) in [("email", "text", "email"), ("contact_email", "text", "email"), ("mobile_phone", "text", "phone"), ("first_name", "text", "name"),
                                     ("name", "text", "name"), ("street_address", "text", "null"), ("date_of_birth", "date", "null"), ("last_login_ip", "text", "null"),
                                     ("client", "inet", "null"), ("api_token", "text", "hash"), ("password_hash", "text", "hash")] {
            #expect(r.personal(column: column, type: type) == rule, "\(column)")
        }
        for (column, type) in [("id", "integer"), ("user_id", "integer"), ("total_cents", "integer"), ("sku", "text"), ("created_at", "timestamptz"), ("description", "text")] {
            #expect(r.personal(column: column, type: type) == nil, "\(column)")
        }
    }

    @Test func theCatalogIsReadFromPsqlsOutput() {
        let text = "C\tpublic.orders\t00001\tid\tbigint\tfalse\nC\tpublic.orders\t00002\tuser_id\tinteger\tfalse\nF\tpublic.orders\torders_user_id_fkey\tuser_id\tpublic.users\tid\nK\tpublic.orders\t\tid\t\t\nC\tpublic.users\t00001\tid\tinteger\tfalse\n"
        let c = PullCatalog.parse(text)
        #expect(c.tables.map(\.name) == ["public.orders", "public.users"])
        #expect(c.table("orders")?.primaryKey == ["id"])
        #expect(c.table("orders")?.foreignKeys == [.init(columns: ["user_id"], table: "public.users", refColumns: ["id"])])
    }

    @Test func theSourcesPasswordIsNeverInAnArgv() throws {
        let source = try #require(PullCommands.Source(url: "postgres://stg:s%40cret@db.staging:6543/shop?sslmode=require"))
        #expect(source == .init(host: "db.staging", port: 6543, user: "stg", password: "s@cret", database: "shop", sslmode: "require"))
        let plan = try PullPlan.make(Self.spec([Self.users, PullTable(name: "audit_log", skip: true)]), catalog: Self.catalog, rules: Self.rules)
        let commands = [PullCommands.catalog(container: "c1", source: source, localUser: "devenv"),
                        PullCommands.copyAll(container: "c1", source: source, localUser: "devenv", plan: plan, into: "app__pull"),
                        PullCommands.swap(container: "c1", source: source, localUser: "devenv", admin: "postgres", database: "app", pulling: "app__pull", old: "app__prepull")]
        for c in commands {
            #expect(!c.argv.contains { $0.contains("s@cret") || $0.contains("s%40cret") })
            #expect(c.environment["DEVENV_SRC_PASSWORD"] == "s@cret")
            #expect(Array(c.argv.prefix(4)) == ["docker", "exec", "-i", "-e"])
            #expect(c.argv.contains("DEVENV_SRC_PASSWORD") && c.argv.contains("c1"))
            #expect(c.argv.joined(separator: " ").contains("default_transaction_read_only=on"), "every source session is read-only")
        }
        #expect(commands[1].argv.suffix(7) == ["app__pull", "public.orders", plan.steps[0].copyOut, plan.steps[0].copyIn,
                                               "public.users", plan.steps[1].copyOut, plan.steps[1].copyIn])
        #expect(commands[1].argv.joined(separator: " ").contains("pg_dump --snapshot=\"$snap\""), "schema and rows in one snapshot")
    }

    /// Answers each command with the next result in turn, recording the commands.
    final class TurnRunner: ProcessRunning, @unchecked Sendable {
        private var results: [CommandResult]
        private(set) var commands: [Command] = []
        private let lock = NSLock()
        init(_ results: [CommandResult]) { self.results = results }
        func capture(_ command: Command) async throws -> CommandResult {
            lock.withLock { commands.append(command); return results.isEmpty ? CommandResult(status: 0, stdout: "", stderr: "") : results.removeFirst() }
        }
        func attach(_ command: Command) async throws -> Int32 { 0 }
    }

    static let recovering = CommandResult(status: 2, stdout: "", stderr: """
        psql: error: connection to server on socket "/var/run/postgresql/.s.PGSQL.5432" failed: FATAL:  the database system is in recovery mode
        """)

    @Test func aStepRefusedWhileTheLocalServerRestartsRunsAgainOnceItAnswers() async throws {
        let source = try #require(PullCommands.Source(url: "postgres://stg:pw@db.staging/shop"))
        let sequences = PullCommands.sequences(container: "c1", source: source, localUser: "devenv", database: "app__pull")
        // refused, then the ping is refused once and answers, then the step succeeds
        let runner = TurnRunner([Self.recovering, Self.recovering, CommandResult(status: 0, stdout: "", stderr: ""), CommandResult(status: 0, stdout: "", stderr: "")])
        let output = Output(environment: ["NO_COLOR": "1"])
        let ctx = DevenvContext(cwd: "/", environment: [:], output: output, runner: runner)
        let step = PullOperation.Runner(ctx: ctx, container: "c1", source: source, user: "devenv", label: "$STAGING_DATABASE_URL")
        try await step.step("setting sequences", sequences, again: true)
        #expect(runner.commands.count == 4)
        #expect(runner.commands[3].argv == sequences.argv, "the step itself ran again")
        #expect(runner.commands[1].argv.last == "devenv-pull" && runner.commands[1].argv.joined(separator: " ").contains("SELECT 1"), "the server was asked in between")

        // Without `again` (a step not safe to repeat), or refused by the source, it fails at once, naming which server.
        let once = TurnRunner([Self.recovering])
        let plain = PullOperation.Runner(ctx: DevenvContext(cwd: "/", environment: [:], output: output, runner: once), container: "c1", source: source, user: "devenv", label: "$STAGING_DATABASE_URL")
        await #expect { try await plain.step("swapping", sequences) } throws: { error in
            "\(error)".contains("swapping failed (the local server)")
        }
        #expect(once.commands.count == 1)
        #expect(PullOperation.Runner.localRestart("psql: error: connection to server at \"db.staging\" (10.0.0.2), port 5432 failed: FATAL:  the database system is in recovery mode") == nil,
                "the source restarting is not waited for: the pull fails and local data is unchanged")
    }
}
