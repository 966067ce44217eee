import Foundation
import Testing

/// `devenv pull postgres` end to end: a "staging" Postgres (the test bed's stand-in image, in
/// its own container, logging every statement) holding users/orders/order_items/audit_log with
/// personal columns, foreign keys, sequences and 171,000 rows, reachable from the local
/// stack's container on the stack's network. Local data is checked through its published port.
@Suite(.serialized, .endToEnd) struct PullTests {
    static let image = "devenv-testbed/postgres:15"
    static let password = "St4gingPassw0rd-\(UUID().uuidString.prefix(8))"

    /// The staging server: created after `up`, on the stack's network, removed at teardown.
    struct Staging {
        let name: String
        var url: String { "postgres://stg:\(PullTests.password)@\(name):5432/shop" }

        init(_ p: ProjectFixture) throws {
            name = p.name + "-staging"
            p.onTearDown { [name] in _ = try? ProjectFixture.run(["docker", "rm", "-f", "-v", name]) }
            let run = try ProjectFixture.run(["docker", "run", "-d", "--name", name, "--network", p.name + "_default",
                                              "-e", "POSTGRES_USER=stg", "-e", "POSTGRES_PASSWORD", "-e", "POSTGRES_DB=shop",
                                              PullTests.image, "postgres", "-c", "log_statement=all"], env: ["POSTGRES_PASSWORD": PullTests.password])
            #expect(run.status == 0, "staging did not start: \(run.stderr)")
            let up = Fault.poll(timeout: 60) { (try? ProjectFixture.run(["docker", "exec", name, "pg_isready", "-q", "-h", "127.0.0.1", "-U", "stg", "-d", "shop"]).status) == 0 }
            #expect(up, "staging did not become ready")
            try sql(Self.schema)
        }

        @discardableResult
        func sql(_ text: String) throws -> String {
            let r = try ProjectFixture.run(["docker", "exec", "-i", name, "psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-U", "stg", "-d", "shop"], stdin: text)
            #expect(r.status == 0, "staging psql failed: \(r.stderr)")
            return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        /// Every statement the server ran (log_statement=all).
        func statements() throws -> [String] {
            let log = try ProjectFixture.run(["docker", "logs", name]).stderr
            return log.components(separatedBy: "LOG:  statement: ").dropFirst().map { $0.components(separatedBy: "\n").first ?? "" }
        }

        /// Everything about its data that a write would change.
        func fingerprint() throws -> String {
            try sql("SELECT md5(string_agg(u::text, '|' ORDER BY id)) FROM users u; SELECT md5(string_agg(o::text, '|' ORDER BY id)) FROM orders o; " +
                    "SELECT count(*) FROM order_items; SELECT count(*) FROM audit_log; SELECT last_value FROM users_id_seq;")
        }

        static let schema = """
            CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL UNIQUE, full_name text, phone text, password_hash text, created_at timestamptz DEFAULT now());
            CREATE SEQUENCE invoice_seq START 1000;
            CREATE SEQUENCE ticket_seq;
            SELECT setval('ticket_seq', 777);
            CREATE TABLE orders (id bigserial PRIMARY KEY, user_id int NOT NULL REFERENCES users(id), total_cents int NOT NULL, note text,
              invoice_no bigint DEFAULT nextval('invoice_seq'));
            CREATE INDEX orders_user ON orders (user_id);
            CREATE TABLE order_items (id serial PRIMARY KEY, order_id bigint REFERENCES orders(id), sku text, qty int);
            CREATE TABLE audit_log (id serial PRIMARY KEY, user_id int REFERENCES users(id), ip inet, at timestamptz DEFAULT now());
            INSERT INTO users (email, full_name, phone, password_hash)
              SELECT 'stg' || g || '@staging-mail.test', 'Stagingperson ' || g, '+4477' || lpad(g::text, 8, '0'), md5(g::text) FROM generate_series(1, 20000) g;
            INSERT INTO orders (user_id, total_cents, note) SELECT 1 + (g % 20000), g % 9999, 'order ' || g FROM generate_series(1, 100000) g;
            INSERT INTO order_items (order_id, sku, qty) SELECT 1 + (g % 100000), 'sku' || (g % 50), 1 + g % 3 FROM generate_series(1, 50000) g;
            INSERT INTO audit_log (user_id, ip) SELECT 1 + g % 20000, '10.0.0.1' FROM generate_series(1, 1000) g;
            CREATE TABLE comments (id serial PRIMARY KEY, user_id int NOT NULL REFERENCES users(id), reply_to int REFERENCES comments(id), body text);
            INSERT INTO comments (user_id, reply_to, body)
              SELECT 1 + (g * 7919) % 20000, CASE WHEN g % 4 = 1 THEN NULL ELSE g - 1 END, 'comment ' || g FROM generate_series(1, 4000) g;
            """
    }

    static func manifest(phone: String = "phone: \"null\", ") -> String {
        """
        services:
          postgres: { version: "15", databases: [app] }
        pull:
          postgres:
            from: { env: STAGING_DATABASE_URL }
            tables:
              users:
                where: "id <= 5000"
                columns: { email: email, full_name: name, \(phone)password_hash: hash }
              audit_log: skip
        """
    }

    /// The project up, staging beside it.
    static func setUp(_ p: ProjectFixture, manifest: String = PullTests.manifest()) throws -> (local: String, staging: Staging) {
        try p.manifest(manifest)
        let up = try p.devenv(["up"])
        #expect(up.status == 0, "up failed: \(up.stderr)")
        let local = try #require(try p.service("postgres")["url"] as? String)
        return (local, try Staging(p))
    }

    static func pull(_ p: ProjectFixture, _ s: Staging, _ extra: [String] = ["--yes"], url: String? = nil) throws -> ProjectFixture.Result {
        try p.devenv(["pull", "postgres"] + extra, env: ["STAGING_DATABASE_URL": url ?? s.url])
    }

    /// Masked users, as one value (two pulls must give the same).
    /// The last lines the local Postgres logged (why it restarted, if it did), for a failure's message.
    static func serverLog(_ p: ProjectFixture) -> String {
        guard let id = try? ProjectFixture.run(["docker", "ps", "-q", "--filter", "label=dev.devenv.project=\(p.name)",
                                               "--filter", "label=com.docker.compose.service=postgres"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines), !id.isEmpty,
              let r = try? ProjectFixture.run(["docker", "logs", "--tail", "40", id]) else { return "(no container)" }
        return r.stdout + r.stderr
    }

    static func maskedUsers(_ local: String) throws -> String {
        try SeedTests.sql(local, "SELECT md5(string_agg(concat_ws('|', id, email, full_name, phone, password_hash), ',' ORDER BY id)) FROM users")
    }

    @Test func pullBringsAMaskedConsistentSubsetAndSwapsItIn() throws {
        try ProjectFixture.with("pull") { p in
            let (local, staging) = try Self.setUp(p)
            let before = try staging.fingerprint()
            let setupStatements = try staging.statements().count
            let expectedOrders = try staging.sql("SELECT count(*) FROM orders WHERE user_id <= 5000")
            let expectedItems = try staging.sql("SELECT count(*) FROM order_items i JOIN orders o ON o.id = i.order_id WHERE o.user_id <= 5000")
            // comments reference themselves (reply_to): a reply is kept only when the whole thread
            // above it is, counted here from the roots down.
            let expectedComments = try staging.sql("WITH RECURSIVE k AS (SELECT id FROM comments WHERE user_id <= 5000 AND reply_to IS NULL "
                                                   + "UNION ALL SELECT c.id FROM comments c JOIN k ON c.reply_to = k.id WHERE c.user_id <= 5000) SELECT count(*) FROM k")
            let keptByFilterOnly = try staging.sql("SELECT count(*) FROM comments WHERE user_id <= 5000")
            #expect(Int(expectedComments)! > 0 && Int(expectedComments)! < Int(keptByFilterOnly)!, "the test data has replies to cut")

            let dry = try Self.pull(p, staging, ["--dry-run"])
            #expect(dry.status == 0, "dry run failed: \(dry.stderr)")
            #expect(dry.stdout.contains("public.users where id <= 5000; masked: email (email), full_name (name), password_hash (hash), phone (null)"))
            #expect(dry.stdout.contains("skipped (schema only): public.audit_log"))
            #expect(try SeedTests.sql(local, "SELECT count(*) FROM pg_tables WHERE tablename = 'users'") == "0", "a dry run changes nothing")

            let r = try Self.pull(p, staging)
            #expect(r.status == 0, "pull failed: \(r.stderr)")
            #expect(r.stdout.contains("Pulled"))
            #expect(r.stderr.contains("public.users: 5000 rows"), "a progress line per table: \(r.stderr)")
            #expect(r.stderr.contains("Saved the local data as snapshot pull-"))

            // The filtered subset, every foreign key holding, constraints and sequences in place.
            #expect(try SeedTests.sql(local, "SELECT count(*) FROM users") == "5000")
            #expect(try SeedTests.sql(local, "SELECT count(*) FROM orders") == expectedOrders)
            #expect(try SeedTests.sql(local, "SELECT count(*) FROM order_items") == expectedItems)
            #expect(try SeedTests.sql(local, "SELECT count(*) FROM audit_log") == "0")
            #expect(try SeedTests.sql(local, "SELECT count(*) FROM orders o LEFT JOIN users u ON u.id = o.user_id WHERE u.id IS NULL") == "0")
            #expect(try SeedTests.sql(local, "SELECT count(*) FROM order_items i LEFT JOIN orders o ON o.id = i.order_id WHERE i.order_id IS NOT NULL AND o.id IS NULL") == "0")
            #expect(try SeedTests.sql(local, "SELECT count(*) FROM comments") == expectedComments)
            #expect(try SeedTests.sql(local, "SELECT count(*) FROM comments c LEFT JOIN comments p ON p.id = c.reply_to WHERE c.reply_to IS NOT NULL AND p.id IS NULL") == "0")
            #expect(try SeedTests.sql(local, "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND convalidated") == "5")
            #expect(try SeedTests.sql(local, "SELECT count(*) FROM pg_indexes WHERE indexname = 'orders_user'") == "1")
            #expect(try SeedTests.sql(local, "SELECT nextval('users_id_seq') > (SELECT max(id) FROM users)") == "t")
            #expect(try SeedTests.sql(local, "SELECT nextval('orders_id_seq') > (SELECT max(id) FROM orders)") == "t")
            // Sequences with no owner: one named in a column's default, one no column uses.
            #expect(try SeedTests.sql(local, "SELECT nextval('invoice_seq') > (SELECT max(invoice_no) FROM orders)") == "t")
            #expect(try SeedTests.sql(local, "SELECT nextval('ticket_seq')") == "778", "the source's value")

            // Nothing personal arrived: not in the database, not in any file of the stack's volumes.
            #expect(try SeedTests.sql(local, "SELECT count(*) FROM users WHERE email LIKE '%staging-mail%' OR full_name LIKE 'Stagingperson%' OR phone IS NOT NULL") == "0")
            #expect(try SeedTests.sql(local, "SELECT count(*) FROM users WHERE email LIKE 'user\\_%@example.invalid' AND length(password_hash) = 32") == "5000")
            _ = try SeedTests.sql(local, "CHECKPOINT")
            let volumes = try ProjectFixture.run(["docker", "volume", "ls", "-q", "--filter", "label=dev.devenv.stack=\(p.name)"]).stdout.split(separator: "\n").map(String.init)
            #expect(!volumes.isEmpty)
            for v in volumes {
                let grep = try ProjectFixture.run(["docker", "run", "--rm", "-v", "\(v):/d:ro", Self.image, "grep", "-r", "-a", "-l", "-F",
                                                   "-e", "stg17@staging-mail.test", "-e", "Stagingperson 4242", "-e", "+447700000017", "-e", "stg4999@", "/d"])
                #expect(grep.status == 1, "staging values found in volume \(v): \(grep.stdout)")
            }
            let data = try #require(volumes.first { !$0.contains("--snap--") })
            let control = try ProjectFixture.run(["docker", "run", "--rm", "-v", "\(data):/d:ro", Self.image, "grep", "-r", "-a", "-l", "-F", "@example.invalid", "/d"])
            #expect(control.status == 0, "the grep finds what the pull did write")

            // The source ran only reads: masked COPY (SELECT …) for rows, catalog queries, and nothing that writes.
            let statements = Array(try staging.statements().dropFirst(setupStatements))
            #expect(!statements.isEmpty)
            let writes = statements.filter { $0.range(of: "^\\s*(INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|TRUNCATE|GRANT|REVOKE|VACUUM|COPY [^(])", options: [.regularExpression, .caseInsensitive]) != nil }
            #expect(writes.isEmpty, "the source ran \(writes)")
            let copies = statements.filter { $0.hasPrefix("COPY") }
            #expect(copies.count == 4)
            let usersCopy = try #require(copies.first { $0.contains("AS \"email\"") })
            #expect(usersCopy.contains("FROM \"public\".\"users\" WHERE (id <= 5000)"))
            for column in ["email", "full_name", "phone", "password_hash"] {
                #expect(usersCopy.contains("AS \"\(column)\""))
                #expect(!usersCopy.contains("SELECT \"\(column)\"") && !usersCopy.contains(", \"\(column)\","), "\(column) is read only masked")
            }
            #expect(!statements.contains { $0.contains("audit_log") && $0.hasPrefix("COPY") })
            #expect(try staging.fingerprint() == before, "staging is unchanged")

            // The last pull in status; the same pull again gives the same masked values.
            let status = try p.devenv(["status"])
            #expect(status.stdout.contains("postgres: last pull"), "\(status.stdout)")
            #expect(status.stdout.contains("rows in 4 tables"))
            let pulls = try #require(try p.status()["pulls"] as? [[String: Any]])
            #expect(pulls.first?["source"] as? String == "$STAGING_DATABASE_URL")
            #expect((pulls.first?["tables"] as? [[String: Any]])?.first { $0["table"] as? String == "public.users" }?["rows"] as? Int == 5000)
            let up = try p.devenv(["up"])
            #expect(up.stdout.contains("postgres: last pull"), "up reports the last pull: \(up.stdout)")
            let first = try Self.maskedUsers(local)
            let again = try Self.pull(p, staging)
            #expect(again.status == 0, "second pull failed: \(again.stderr)")
            #expect(try Self.maskedUsers(local) == first, "masking is deterministic")
            #expect(try SeedTests.sql(local, "SELECT count(*) FROM pg_database WHERE datname LIKE 'app\\_\\_%'") == "0", "no database left aside")
        }
    }

    @Test func pullFailsClosedAndNeverLosesLocalData() throws {
        try ProjectFixture.with("pullfail") { p in
            let (local, staging) = try Self.setUp(p, manifest: Self.manifest(phone: ""))

            // A personal column without a rule: stops before any row is read, names it and the line to add.
            let copiesBefore = try staging.statements().filter { $0.hasPrefix("COPY") }.count
            let unruled = try Self.pull(p, staging)
            #expect(unruled.status == 2)
            #expect(unruled.stderr.contains("public.users.phone (text)"), "\(unruled.stderr)")
            #expect(unruled.stderr.contains("public.audit_log") == false, "a skipped table needs no rules")
            #expect(unruled.stderr.contains("            phone: phone"), "the line to add")
            #expect(try staging.statements().filter { $0.hasPrefix("COPY") }.count == copiesBefore, "no row was read")
            #expect(try SeedTests.sql(local, "SELECT count(*) FROM pg_tables WHERE tablename = 'users'") == "0")

            // A malformed rule: at its devenv.yml line, with the nearest rule.
            try p.manifest(Self.manifest(phone: "phone: nul, "))
            let malformed = try Self.pull(p, staging)
            #expect(malformed.status == 2)
            #expect(malformed.stderr.contains("devenv.yml:10:"), "\(malformed.stderr)")
            #expect(malformed.stderr.contains("unknown rule 'nul' for users.phone; did you mean 'null'?"))

            try p.manifest(Self.manifest())
            let ok = try Self.pull(p, staging)
            #expect(ok.status == 0, "pull failed: \(ok.stderr)")
            let data = try Self.maskedUsers(local)

            // An unreachable source: exit 1, local data untouched.
            let unreachable = try Self.pull(p, staging, url: "postgres://stg:\(Self.password)@no-such-host.invalid:5432/shop")
            #expect(unreachable.status == 1)
            #expect(unreachable.stderr.contains("the source cannot be reached"), "\(unreachable.stderr)")
            #expect(!unreachable.stderr.contains(Self.password))
            #expect(try Self.maskedUsers(local) == data)

            // kill -9 in the middle of the copy (bounded: one run per point): the previous data stays;
            // while it ran, no argv on this machine held the source's password.
            for point in ["public.order_items:", "public.orders:"] {
                let run = try Fault.Run(p, ["pull", "postgres", "--yes"], env: ["STAGING_DATABASE_URL": staging.url])
                var argvLeak = false
                let reached = Fault.poll(timeout: 120) {
                    if Fault.commandLines().values.contains(where: { $0.joined(separator: " ").contains(Self.password) }) { argvLeak = true }
                    return run.stderr.contains(point) || !run.running
                }
                #expect(reached && run.running, "the pull ended before \(point): \(run.stderr)")
                #expect(run.kill9())
                #expect(!argvLeak, "the password was in an argv")
                #expect(try SeedTests.sql(local, "SELECT count(*) FROM users") == "5000")
                #expect(try Self.maskedUsers(local) == data, "killed at \(point): the previous data is in place")
            }
            let after = try Self.pull(p, staging)
            #expect(after.status == 0, "a pull after the kills: \(after.stderr)\nthe local server's last words:\n\(Self.serverLog(p))")
            #expect(try Self.maskedUsers(local) == data)

            // from: staging — the URL under DATABASE_URL in staging's variables, read as `devenv mirror` reads them.
            try p.write("staging.env", "DATABASE_URL=\(staging.url)\nOTHER=1\n")
            try p.manifest(Self.manifest().replacingOccurrences(of: "from: { env: STAGING_DATABASE_URL }", with: "from: staging")
                           + "\nstaging:\n  from: { file: staging.env }\n")
            let fromStaging = try p.devenv(["pull", "postgres", "--dry-run"])
            #expect(fromStaging.status == 0, "\(fromStaging.stderr)")
            #expect(fromStaging.stdout.contains("Would read from staging's DATABASE_URL"))
        }
    }
}
