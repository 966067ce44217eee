import DevenvPlatform
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvKit
import Foundation
import Testing

/// The kinds whose servers Debian packages, end to end: `devenv up` on the real engine with the
/// test bed's stand-in images (Tests/testbed/kinds.sh: MariaDB 10.11 for mysql and mariadb,
/// Redis 7.0 under valkey-server, Memcached 1.6.18, RabbitMQ 3.10, ClickHouse 18.16), then a
/// real client on the host connects through the URL devenv wrote to `.env`.
@Suite(.serialized, .endToEnd) struct KindTests {
    /// The root `.env` devenv wrote (the kind's `dotenv:` keys), as a dictionary.
    static func dotenv(_ p: ProjectFixture) throws -> [String: String] {
        var out: [String: String] = [:]
        for line in try p.read(".env").split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            var v = String(line[line.index(after: eq)...])
            if v.count >= 2, v.first == v.last, v.first == "\"" || v.first == "'" { v = String(v.dropFirst().dropLast()) }
            out[String(line[..<eq])] = v
        }
        return out
    }

    static func up(_ p: ProjectFixture, _ manifest: String) throws -> ProjectFixture.Result {
        try p.manifest(manifest)
        let up = try p.devenv(["up"])
        #expect(up.status == 0, "up failed: \(up.stderr)")
        return up
    }

    /// `mysql://user:password@host:port/db` → the mariadb client's query result (the password
    /// in MYSQL_PWD, not the argv).
    static func sql(_ url: String, _ query: String, database: String? = nil) throws -> String {
        let u = try #require(URLComponents(string: url))
        let db = database ?? String(u.path.dropFirst())
        let r = try ProjectFixture.run(["mariadb", "--protocol=tcp", "-h", u.host ?? "", "-P", String(u.port ?? 0), "-u", u.user ?? "",
                                        "-N", "-B", db, "-e", query], env: ["MYSQL_PWD": u.password ?? ""])
        #expect(r.status == 0, "mariadb client failed: \(r.stderr)")
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static let sqlSeeds = """
    seed:
      db:
        - db/schema.sql
        - db/data.sql.gz
        - { file: db/reports.sql, database: reports }
    """

    static func writeSQLSeeds(_ p: ProjectFixture) throws {
        try p.write("db/schema.sql", "CREATE TABLE IF NOT EXISTS users (id int PRIMARY KEY, name varchar(40) NOT NULL);\n")
        try p.writeGzip("db/data.sql.gz", "INSERT IGNORE INTO users VALUES (1, 'ada'), (2, 'bob');\n")
        try p.write("db/reports.sql", "CREATE TABLE IF NOT EXISTS daily (day date PRIMARY KEY);\nINSERT IGNORE INTO daily VALUES ('2026-01-02');\n")
    }

    /// MySQL and MariaDB: the seeds land in the right databases, the app user reaches both
    /// databases through DATABASE_URL, a second `up` applies nothing again, and a broken
    /// archive fails naming the file without touching the data.
    @Test(arguments: ["mysql", "mariadb"])
    func sqlKindRunsWithSeeds(_ kind: String) throws {
        try ProjectFixture.with(kind) { p in
            try Self.writeSQLSeeds(p)
            let up = try Self.up(p, "services:\n  db: { kind: \(kind), databases: [app, reports] }\n" + Self.sqlSeeds)
            #expect(up.stdout.contains("Seeded db (app) from db/schema.sql"))
            #expect(up.stdout.contains("Seeded db (reports) from db/reports.sql"))
            let env = try Self.dotenv(p)
            let url = try #require(env["DATABASE_URL"])
            #expect(url.hasPrefix("mysql://devenv:") && url.hasSuffix("/app"))
            #expect(try Self.sql(url, "SELECT GROUP_CONCAT(name ORDER BY id) FROM users") == "ada,bob")
            #expect(try Self.sql(url, "SELECT COUNT(*) FROM daily", database: "reports") == "1", "the app user reaches the second database")
            #expect(try Self.sql(url, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'app' AND table_name = 'daily'") == "0")

            let again = try p.devenv(["up"])
            #expect(again.status == 0, "\(again.stderr)")
            #expect(!again.stdout.contains("Seeded"))

            try p.write("db/broken.sql.gz", "this is not gzip")
            try p.manifest("services:\n  db: { kind: \(kind), databases: [app, reports] }\n" + Self.sqlSeeds + "\n    - db/broken.sql.gz\n")
            let broken = try p.devenv(["seed"])
            #expect(broken.status == 1)
            #expect(broken.stderr.contains("db/broken.sql.gz"), "\(broken.stderr)")
            #expect(try Self.sql(url, "SELECT COUNT(*) FROM users") == "2")
        }
    }

    /// Valkey: redis-cli through REDIS_URL (the password came from the environment, never the
    /// server's argv), and a `.redis` seed piped through valkey-cli.
    @Test func valkeyAnswersRedisClientsAndSeeds() throws {
        try ProjectFixture.with("valkey") { p in
            try p.write("seeds/cache.redis", "SET greeting \"hello valkey\"\nRPUSH queue a b\n")
            _ = try Self.up(p, "services:\n  cache: { kind: valkey }\nseed:\n  cache: [seeds/cache.redis]\n")
            let url = try #require(try Self.dotenv(p)["REDIS_URL"])
            func cli(_ args: [String]) throws -> String {
                try ProjectFixture.run(["redis-cli", "-u", url, "--no-auth-warning"] + args).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            #expect(try cli(["GET", "greeting"]) == "hello valkey")
            #expect(try cli(["LLEN", "queue"]) == "2")
            let u = try #require(URLComponents(string: url))
            let anonymous = try ProjectFixture.run(["redis-cli", "-h", "127.0.0.1", "-p", String(u.port ?? 0), "PING"])
            #expect(anonymous.stdout.contains("NOAUTH"), "the server requires the password")
            let top = try ProjectFixture.run(["sh", "-c", "docker top $(docker ps -q --filter label=dev.devenv.project=\(p.name)) -o args"])
            #expect(!top.stdout.contains(u.password ?? "-"), "the password is in no process's argv: \(top.stdout)")
        }
    }

    /// Memcached: `set` then `get` over a plain TCP connection to MEMCACHED_SERVERS.
    @Test func memcachedStoresAndReturnsAValue() throws {
        try ProjectFixture.with("memcached") { p in
            _ = try Self.up(p, "services:\n  cache: { kind: memcached, memory: 32 }\n")
            let servers = try #require(try Self.dotenv(p)["MEMCACHED_SERVERS"])
            let port = try #require(servers.split(separator: ":").last)
            let r = try ProjectFixture.run(["bash", "-c", """
                exec 3<>/dev/tcp/127.0.0.1/\(port)
                printf 'version\\r\\nset greeting 0 0 5\\r\\nhello\\r\\nget greeting\\r\\nquit\\r\\n' >&3
                cat <&3
                """])
            #expect(r.stdout.contains("VERSION 1.6"), "\(r.stdout)")
            #expect(r.stdout.contains("STORED\r\nVALUE greeting 0 5\r\nhello\r\nEND"), "\(r.stdout)")
        }
    }

    /// RabbitMQ: up returned, so the host's AMQP probe saw Connection.Start; the user from
    /// RABBITMQ_URL exists in the broker (rabbitmqctl in the container) and its password works
    /// on the management API from the host.
    @Test func rabbitmqHasTheUserFromTheURL() throws {
        try ProjectFixture.with("rabbitmq") { p in
            _ = try Self.up(p, "services:\n  broker: { kind: rabbitmq }\n")
            let url = try #require(try Self.dotenv(p)["AMQP_URL"])
            let u = try #require(URLComponents(string: url))
            #expect(u.scheme == "amqp" && u.host == "127.0.0.1" && u.user == "devenv")
            let users = try p.devenv(["compose", "exec", "-T", "broker", "rabbitmqctl", "list_users"])
            #expect(users.status == 0, "\(users.stderr)")
            #expect(users.stdout.contains("devenv\t[administrator]"), "\(users.stdout)")
            #expect(!users.stdout.contains("guest"))
            let port = try #require((try p.service("broker")["ports"] as? [String: Any])?["management"] as? Int)
            let who = try ProjectFixture.run(["curl", "-sS", "-K", "-", "http://127.0.0.1:\(port)/api/whoami"],
                                             stdin: "user = \"\(u.user ?? ""):\(u.password ?? "")\"\n")
            #expect(who.stdout.contains("\"name\":\"devenv\""), "\(who.stdout) \(who.stderr)")
        }
    }

    /// `devenv compose config --images` on a manifest with one service of every built-in kind,
    /// without the machine's image map: each kind's pinned default image, none `latest`, none
    /// from Docker Hub's removed minio/minio, and nothing started.
    @Test func composeConfigImagesListsAPinnedImageForEveryKind() throws {
        let kinds = try KindCatalogue.load(searchPath: [ProjectFixture.repoRoot + "/templates"])
        #expect(kinds.broken.isEmpty && kinds.kinds.count >= 15)
        try ProjectFixture.with("images") { p in
            try p.manifest("services:\n" + kinds.names.map { "  \($0): {}\n" }.joined())
            let r = try p.devenv(["compose", "config", "--images"], env: ["DEVENV_IMAGES_FILE": p.root + "/no-images.yml"])
            #expect(r.status == 0, "\(r.stderr)")
            let images = Set(r.stdout.split(separator: "\n").map(String.init))
            #expect(images.count == kinds.kinds.count, "\(images.sorted())")
            for kind in kinds.kinds.values {
                #expect(images.contains("\(kind.image):\(kind.version)"), "\(kind.name): \(kind.image):\(kind.version) not listed")
            }
            #expect(!images.contains { $0.hasSuffix(":latest") || !$0.contains(":") })
            #expect(!images.contains { $0.hasPrefix("minio/") || $0.hasPrefix("docker.io/minio/") })
            #expect(images.contains("quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z"))
            #expect(try p.containerIDs().isEmpty)
        }
    }

    /// ClickHouse: /ping and an authenticated query over HTTP through CLICKHOUSE_URL, and a
    /// `.sql` seed run by clickhouse-client into the database.
    @Test func clickhouseAnswersQueriesAndSeeds() throws {
        try ProjectFixture.with("clickhouse") { p in
            try p.write("db/events.sql", "CREATE TABLE IF NOT EXISTS events (id UInt32, name String) ENGINE = MergeTree ORDER BY id;\nINSERT INTO events VALUES (1, 'signup'), (2, 'login');\n")
            _ = try Self.up(p, "services:\n  olap: { kind: clickhouse, databases: [analytics] }\nseed:\n  olap: [db/events.sql]\n")
            let url = try #require(try Self.dotenv(p)["CLICKHOUSE_URL"])
            let u = try #require(URLComponents(string: url))
            #expect(u.path == "/analytics")
            let base = "http://\(u.host ?? ""):\(u.port ?? 0)"
            let ping = try ProjectFixture.run(["curl", "-sS", base + "/ping"])
            #expect(ping.stdout == "Ok.\n", "\(ping.stderr)")
            let query = try ProjectFixture.run(["curl", "-sS", "-K", "-", "--data-binary", "SELECT count() FROM analytics.events", base + "/"],
                                               stdin: "user = \"\(u.user ?? ""):\(u.password ?? "")\"\n")
            #expect(query.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "2", "\(query.stdout) \(query.stderr)")
        }
    }
}
