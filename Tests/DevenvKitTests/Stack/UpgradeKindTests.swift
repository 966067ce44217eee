import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

/// The `upgrade:` sections of the mysql, redis and valkey kinds (issue 28): what each declares,
/// their version scripts run by a real `sh` on made-up data folders (the test bed has no MySQL
/// 8 stand-in; Debian ships Valkey 8.0 and 8.1 only, so no Valkey major upgrade can run here;
/// Redis 7 → 8 runs end to end), and their commands as argv. The valkey script also reads the
/// header of a real Valkey 8.1.1 RDB file.
@Suite struct UpgradeKindTests {
    static func plan() throws -> StackPlan {
        let root = "/src/shop"
        let manifest = try TestSupport.parse("services:\n  mysql: {}\n  redis: {}\n  valkey: {}\n", file: root + "/devenv.yml")
        return try TestSupport.plan(manifest, identity: StackIdentity(project: "shop", root: root, branch: nil),
                                    secrets: ["mysql": ["password": "my-pw", "root_password": "my-root-pw"], "redis": ["password": "rd-pw"],
                                              "valkey": ["password": "vk-pw"]],
                                    home: TestSupport.tempDir("home"))
    }

    /// The kind's version script on `files` (path under the data folder → bytes), with the data
    /// folder at a temporary path instead of /data.
    static func version(_ schema: UpgradeSchema, _ files: [String: [UInt8]]) throws -> String {
        let dir = TestSupport.tempDir("data")
        for (path, bytes) in files {
            let full = dir + "/" + path
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(bytes).write(to: URL(fileURLWithPath: full))
        }
        let script = try #require(schema.versionScript).replacingOccurrences(of: "/data/", with: dir + "/")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", script]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The start of an RDB file: magic, then aux fields (0xFA, length-prefixed key and value).
    static func rdb(_ aux: [(String, String)]) -> [UInt8] {
        var b = Array("REDIS0011".utf8)
        for (k, v) in aux { b += [0xFA, UInt8(k.utf8.count)] + Array(k.utf8) + [UInt8(v.utf8.count)] + Array(v.utf8) }
        return b + [0xFA, 0x0A] + Array("redis-bits".utf8) + [0xC0, 0x40, 0xFF]
    }

    @Test func eachKindDeclaresItsMethod() throws {
        let plan = try Self.plan()
        let mysql = try #require(plan.service("mysql")?.kind?.upgrade)
        #expect(mysql.method == .dump && mysql.versionParts == 2 && mysql.versionScript != nil)
        #expect(!mysql.databases.isEmpty && !mysql.roles.isEmpty && !mysql.rows.isEmpty && !mysql.globals.isEmpty && !mysql.copy.isEmpty)
        #expect(mysql.env.map(\.key) == ["MYSQL_ROOT_PASSWORD"])
        #expect(DataVersion.wanted(try #require(plan.service("mysql")), schema: mysql) == "8.4")
        for (name, auth) in [("redis", "REDISCLI_AUTH"), ("valkey", "VALKEYCLI_AUTH")] {
            let u = try #require(plan.service(name)?.kind?.upgrade)
            #expect(u.method == .files && u.copy.isEmpty && !u.globals.isEmpty && u.versionParts == 1, "\(name)")
            #expect(u.env.map(\.key) == [auth])
        }
    }

    @Test func redisDataNamesTheNewestRedisThatWroteItsFiles() throws {
        let u = try #require(try Self.plan().service("redis")?.kind?.upgrade)
        #expect(try Self.version(u, ["dump.rdb": Self.rdb([("redis-ver", "7.0.15")])]) == "7.0.15")
        #expect(try Self.version(u, ["dump.rdb": Self.rdb([("redis-ver", "7.0.15")]),
                                     "appendonlydir/appendonly.aof.3.base.rdb": Self.rdb([("redis-ver", "8.0.2")])]) == "8.0.2")
        #expect(try Self.version(u, ["dump.rdb": Self.rdb([("redis-ver", "10.2.1")]),
                                     "appendonlydir/appendonly.aof.3.base.rdb": Self.rdb([("redis-ver", "8.0.2")])]) == "10.2.1", "numbers, not text, are compared")
        #expect(try Self.version(u, ["appendonlydir/appendonly.aof.1.base.aof": Array("*2\r\n$6\r\nSELECT\r\n".utf8)]) == "", "no RDB: nothing to check")
        #expect(try Self.version(u, [:]) == "")
    }

    @Test func valkeyDataNamesAValkeyVersionOnlyWhenValkeyWroteIt() throws {
        let u = try #require(try Self.plan().service("valkey")?.kind?.upgrade)
        #expect(try Self.version(u, ["dump.rdb": Self.rdb([("valkey-ver", "8.1.1")])]) == "8.1.1")
        #expect(try Self.version(u, ["dump.rdb": Self.rdb([("redis-ver", "7.2.4")])]) == "", "Redis's or Valkey 7.2's data: every Valkey reads it")
        // The first 64 bytes of a dump.rdb that Debian trixie's valkey-server 8.1.1 wrote (`SET a 1`,
        // `SAVE`): RDB 11, `valkey-ver` and no `redis-ver`.
        let real: [UInt8] = [0x52, 0x45, 0x44, 0x49, 0x53, 0x30, 0x30, 0x31, 0x31, 0xfa, 0x0a, 0x76, 0x61, 0x6c, 0x6b, 0x65,
                             0x79, 0x2d, 0x76, 0x65, 0x72, 0x05, 0x38, 0x2e, 0x31, 0x2e, 0x31, 0xfa, 0x0a, 0x72, 0x65, 0x64,
                             0x69, 0x73, 0x2d, 0x62, 0x69, 0x74, 0x73, 0xc0, 0x40, 0xfa, 0x05, 0x63, 0x74, 0x69, 0x6d, 0x65,
                             0xc2, 0x7b, 0xab, 0x16, 0x6b, 0xfa, 0x08, 0x75, 0x73, 0x65, 0x64, 0x2d, 0x6d, 0x65, 0x6d, 0xc2]
        #expect(try Self.version(u, ["dump.rdb": real]) == "8.1.1")
        #expect(try Self.version(u, ["appendonlydir/appendonly.aof.2.base.rdb": real]) == "8.1.1")
        let redis = try #require(try Self.plan().service("redis")?.kind?.upgrade)
        #expect(try Self.version(redis, ["dump.rdb": real]) == "", "Valkey's data names no Redis version")
    }

    @Test func mysqlDataNamesMySQLsVersionAndNotMariaDBs() throws {
        let u = try #require(try Self.plan().service("mysql")?.kind?.upgrade)
        #expect(try Self.version(u, ["mysql_upgrade_info": Array("5.7.44\n".utf8)]) == "5.7.44")
        #expect(MajorVersion.major("5.7.44", parts: 2) == "5.7")
        #expect(try Self.version(u, ["mysql_upgrade_info": Array("10.11.6-MariaDB\n".utf8)]) == "", "the test bed's MariaDB stand-in is not judged")
        #expect(try Self.version(u, [:]) == "")
        let c = DataVersion.readCommand(volume: "shop_mysql-data", image: "mysql:8.4", schema: u)
        #expect(Array(c.argv.prefix(9)) == ["docker", "run", "--rm", "--network", "none", "--user", "0:0", "--entrypoint", "sh"])
        #expect(c.argv.contains("shop_mysql-data:/data:ro") && c.argv.last?.contains("ibd2sdi /data/mysql.ibd") == true)
    }

    @Test func theCommandsCarryThePasswordsByName() throws {
        let plan = try Self.plan()
        for (name, secret) in [("mysql", "my-root-pw"), ("redis", "rd-pw"), ("valkey", "vk-pw")] {
            let s = try #require(plan.service(name))
            let u = try #require(s.kind?.upgrade)
            for argv in [u.databases, u.roles, u.rows, u.globals] + (u.copy.isEmpty ? [] : [u.copy]) {
                let c = try UpgradeCommands.client(argv, env: u.env, context: s.context, templates: try #require(s.kind).templates,
                                                   upgrade: ["from": "devenv-upgrade-from-\(name)", "to": name, "host": name, "database": "db0"],
                                                   container: "shop-\(name)-1")
                #expect(!c.argv.contains { $0.contains(secret) }, "\(name): no password in the argv")
                #expect(c.environment.values.contains(secret), "\(name): the password by name")
            }
        }
    }

    @Test func theOldRedisStartsWithTheKindsCommand() throws {
        let redis = try #require(try Self.plan().service("redis"))
        let command = try UpgradeCommands.command(redis)
        #expect(command == ["sh", "-c", "exec docker-entrypoint.sh redis-server - --appendonly yes <<EOF\nrequirepass $REDIS_PASSWORD\nEOF\n"])
        let c = UpgradeCommands.server(name: "n", host: "h", network: "net", image: "redis:7", volume: "v", dataPath: "/data",
                                       environment: [("REDIS_PASSWORD", "rd-pw")], command: command, labels: [])
        #expect(Array(c.argv.suffix(4)) == ["redis:7", "sh", "-c", command[2]])
        #expect(try UpgradeCommands.command(try #require(try UpgradeTests.plan().service("postgres"))).isEmpty, "postgres runs the image's own")
    }

    @Test func aFilesMethodNeedsNoCopyButAVersionAndTheChecks() throws {
        let base = try #require(BuiltinKinds.files["memcached/service.yml"])
        let compose = try #require(BuiltinKinds.files["memcached/compose.yml"])
        let ok = base + "\ndata: /data\nupgrade:\n  method: files\n  version: { run: \"echo 1\" }\n  databases: [a]\n  roles: [b]\n  rows: [c]\n"
        guard case .success(let kind) = KindLoader.load(name: "memcached", folder: "/k", serviceYAML: ok, composeYAML: compose) else {
            Issue.record("a files method without copy loads"); return
        }
        #expect(kind.upgrade?.method == .files && kind.upgrade?.versionScript == "echo 1")
        let bad = base + "\ndata: /data\nupgrade:\n  method: rsync\n  version: { run: \"echo 1\", file: PG_VERSION }\n  databases: [a]\n"
        guard case .failure(let error) = KindLoader.load(name: "memcached", folder: "/k", serviceYAML: bad, composeYAML: compose) else {
            Issue.record("the kind loaded"); return
        }
        let messages = error.problems.map(\.message)
        #expect(messages.contains { $0.contains("upgrade.method must be dump or files, not 'rsync'") })
        #expect(messages.contains { $0.contains("upgrade.version needs one of 'file:'") })
        #expect(messages.contains { $0.contains("missing: roles, rows, copy)") }, "an unknown method is taken for dump")
    }

    /// `upgrade.load`: the postgres kind loads into a server of its own, started with settings
    /// for a bulk load; a files method loads nothing, and `load` needs a command.
    @Test func postgresLoadsIntoAServerOfItsOwnAndOnlyDumpsLoad() throws {
        let loaded = KindLoader.load(name: "postgres", folder: "/k", serviceYAML: try #require(BuiltinKinds.files["postgres/service.yml"]),
                                     composeYAML: try #require(BuiltinKinds.files["postgres/compose.yml"]))
        guard case .success(let kind) = loaded, let pg = kind.upgrade else { Issue.record("the postgres kind did not load"); return }
        #expect(pg.method == .dump && pg.load.first == "postgres" && pg.load.contains("wal_level=minimal"))
        let base = try #require(BuiltinKinds.files["memcached/service.yml"])
        let compose = try #require(BuiltinKinds.files["memcached/compose.yml"])
        let bad = base + "\ndata: /data\nupgrade:\n  method: files\n  version: { run: \"echo 1\" }\n  databases: [a]\n  roles: [b]\n  rows: [c]\n  load: { command: [x] }\n"
        guard case .failure(let error) = KindLoader.load(name: "memcached", folder: "/k", serviceYAML: bad, composeYAML: compose) else {
            Issue.record("the kind loaded"); return
        }
        #expect(error.problems.map(\.message).contains { $0.contains("upgrade.load is for 'method: dump'") })
        let empty = base + "\ndata: /data\nupgrade:\n  version: { run: \"echo 1\" }\n  load: {}\n"
        guard case .failure(let error2) = KindLoader.load(name: "memcached", folder: "/k", serviceYAML: empty, composeYAML: compose) else {
            Issue.record("the kind loaded"); return
        }
        #expect(error2.problems.map(\.message).contains { $0.contains("upgrade.load needs 'command:'") })
    }
}
