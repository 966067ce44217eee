import Foundation
import Testing

/// Issue 28, Redis: Redis 7 (bookworm stand-in) → 8 (trixie stand-in, Tests/testbed/trixie.sh)
/// through `devenv upgrade`, the kind's `method: files`: the new server reads a copy of the old
/// RDB/AOF files (the format check), holds as many keys in every database, then writes its own
/// format; `--rollback` brings 7 back with its data.
@Suite(.serialized, .endToEnd) struct UpgradeRedisEndToEndTests {
    static func manifest(_ version: String) -> String { "services:\n  redis:\n    version: \"\(version)\"\n" }

    /// redis-cli with the root .env's REDIS_URL (what the app uses), on database `db`.
    static func cli(_ p: ProjectFixture, _ args: [String], db: Int = 0) throws -> String {
        let url = try UpgradeEndToEndTests.env(p)["REDIS_URL"] ?? ""
        let r = try ProjectFixture.run(["redis-cli", "-u", url, "-n", "\(db)", "--no-auth-warning"] + args)
        #expect(r.status == 0, "\(args): \(r.stderr)")
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func version(_ p: ProjectFixture) throws -> String {
        let info = try cli(p, ["info", "server"])
        return info.split(whereSeparator: \.isNewline).first { $0.hasPrefix("redis_version:") }.map { String($0.dropFirst(14)).trimmingCharacters(in: .whitespaces) } ?? ""
    }

    @Test func redis7To8ReadsTheOldFilesAndRollsBack() throws {
        try ProjectFixture.with("upgrade-redis") { p in
            try p.manifest(Self.manifest("7"))
            try #require(try p.devenv(["up"]).status == 0)
            _ = try Self.cli(p, ["eval", "for i = 1, 1000 do redis.call('SET', 'k' .. i, i) end return 1", "0"])
            _ = try Self.cli(p, ["set", "session", "x", "EX", "3600"])
            _ = try Self.cli(p, ["eval", "for i = 1, 10 do redis.call('RPUSH', 'list', i) redis.call('SET', 'o' .. i, i) end return 1", "0"], db: 1)
            #expect(try Self.version(p).hasPrefix("7."))

            try p.manifest(Self.manifest("8"))
            let refused = try p.devenv(["up"])
            #expect(refused.status == 1 && refused.stderr.contains("Redis 7") && refused.stderr.contains("asks for 8"), "\(refused.stderr)")

            let up = try p.devenv(["upgrade", "redis", "--yes"])
            #expect(up.status == 0, "\(up.stderr)")
            #expect(up.stdout.contains("db0: 1000 rows") && up.stdout.contains("db1: 11 rows"), "keys without a TTL, per database: \(up.stdout)")
            #expect(try p.devenv(["up"]).status == 0)
            #expect(try Self.version(p).hasPrefix("8."))
            #expect(try Self.cli(p, ["dbsize"]) == "1001" && Self.cli(p, ["get", "k500"]) == "500")
            #expect((Int(try Self.cli(p, ["ttl", "session"])) ?? 0) > 0, "the TTL came through")
            #expect(try Self.cli(p, ["llen", "list"], db: 1) == "10")
            // The data now names 8: a stopped stack starts, and there is nothing left to upgrade.
            try #require(try p.devenv(["down"]).status == 0)
            #expect(try p.devenv(["up"]).status == 0)
            let again = try p.devenv(["upgrade", "redis", "--yes"])
            #expect(again.status == 0 && again.stdout.contains("already 8"), "\(again.stdout)\(again.stderr)")

            let back = try p.devenv(["upgrade", "redis", "--rollback"])
            #expect(back.status == 0, "\(back.stderr)")
            try p.manifest(Self.manifest("7"))
            #expect(try p.devenv(["up"]).status == 0)
            #expect(try Self.version(p).hasPrefix("7."))
            #expect(try Self.cli(p, ["dbsize"]) == "1001")
        }
    }
}
