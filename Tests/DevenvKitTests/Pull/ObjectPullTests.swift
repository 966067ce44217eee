import Foundation
import Testing
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvKit

/// `pull:` for a kind holding objects: the manifest's entry (every problem at its line), the
/// kinds that can, and which keys a pull copies. PullObjectsTests runs it against moto.
@Suite struct ObjectPullTests {
    static func read(_ body: String) throws -> (Manifest?, [String]) {
        let (m, problems) = ManifestLoader(kinds: try TestSupport.templates()).read("services:\n  minio: { buckets: [uploads] }\n" + body, file: "/p/devenv.yml")
        return (m, problems.map(\.description))
    }

    @Test func theEntryParses() throws {
        let (m, problems) = try Self.read("""
            pull:
              minio:
                from: { url: "s3://acme-staging/public" }
                bucket: media
                prefixes: [avatars/, docs/]
                max_size: 2MiB
                max_object_size: 500KB
            """)
        #expect(problems.isEmpty, "\(problems)")
        let pull = try #require(m?.pull(for: "minio"))
        #expect(pull.source == .url("s3://acme-staging/public"))
        #expect(pull.objects == PullObjects(bucket: "media", prefixes: ["avatars/", "docs/"], maxSize: 2 << 20, maxObjectSize: 500_000))
        #expect(try Self.read("pull:\n  minio: { from: staging }\n").0?.pull(for: "minio")?.source == .staging(key: "S3_BUCKET"))
    }

    @Test func everyProblemAtItsLine() throws {
        let (_, problems) = try Self.read("""
            pull:
              minio:
                from: { url: "postgres://x/y" }
                bucket: Not_A_Bucket
                prefixes: [/abs]
                max_size: lots
                tables: { users: skip }
            """)
        #expect(problems.contains("5:18: pull.minio.from.url must be s3://BUCKET or s3://BUCKET/PREFIX"), "\(problems)")
        #expect(problems.contains("6:13: 'Not_A_Bucket' is not a bucket name (3-63 lower-case letters, digits, '.' and '-')"))
        #expect(problems.contains { $0.hasPrefix("7:15: a prefix is the start of a key") })
        #expect(problems.contains { $0.hasPrefix("8:15: pull.minio.max_size must be a size such as 5MB") })
        #expect(problems.contains { $0.hasPrefix("9:5: unknown key 'tables' in pull.minio") })
        #expect(problems.count == 5, "\(problems)")
    }

    @Test func theObjectKindsSayHowTheyAreReached() throws {
        let kinds = try TestSupport.templates()
        for name in ["minio", "rustfs"] {
            let kind = try #require(kinds.kinds[name])
            let rules = try #require(try PullRules.of(kind))
            #expect(rules.objects?.proto == "s3" && rules.objects?.values["endpoint"] == "endpoint", "\(name)")
        }
        #expect(throws: ManifestError.self) { try PullRules.parse("objects: { protocol: ftp }\n", file: "pull.yml") }
    }

    @Test func prefixesAndSizesChooseTheKeys() throws {
        #expect(ObjectPullPlan.location("s3://acme/public/a").map { "\($0.bucket) \($0.prefix)" } == "acme public/a")
        #expect(ObjectPullPlan.location("acme").map { "\($0.bucket)|\($0.prefix)" } == "acme|")
        #expect(ObjectPullPlan.location("s3://") == nil)
        #expect(ObjectPullPlan.prefixes(base: "", []) == [""])
        #expect(ObjectPullPlan.prefixes(base: "p/", ["a/", "a/b/", "c/"]) == ["p/a/", "p/c/"], "a prefix inside another is listed once")
        #expect(PullObjects.size("5MB") == 5_000_000 && PullObjects.size("1.5KiB") == 1536 && PullObjects.size("42") == 42 && PullObjects.size("lots") == nil)
        let listed = [("b/2", 20), ("a/", 0), ("a/1", 10), ("a/big", 1000), ("c/3", 30), ("a/1", 10)].map { ObjectPullPlan.Object(key: $0.0, size: Int64($0.1)) }
        let picked = ObjectPullPlan.select(listed, PullObjects(maxSize: 35, maxObjectSize: 100))
        #expect(picked.objects.map(\.key) == ["a/1", "b/2"], "key order; no folder marker, nothing over 100 bytes, stops at 35 in all")
        #expect(picked.left == 3)
        #expect(try ObjectPullPlan.parseListing("") == [])
        #expect(try ObjectPullPlan.parseListing("{\"Contents\": [{\"Key\": \"a/1\", \"Size\": 10}]}") == [.init(key: "a/1", size: 10)])
    }

    @Test func theLocalKeysAreNeverInAnArgv() {
        let local = ObjectPullPlan.Local(endpoint: "http://127.0.0.1:9000", accessKey: "AKIDLOCAL", secretKey: "s3cr3t-local-key", region: "us-east-1", bucket: "uploads")
        let c = ObjectPullPlan.copy(source: "acme", local: local, keys: "/tmp/k", sizes: "/tmp/s")
        #expect(!c.argv.contains { $0.contains("s3cr3t-local-key") || $0.contains("AKIDLOCAL") })
        #expect(c.environment["DEVENV_DST_SECRET"] == "s3cr3t-local-key")
        #expect(c.argv.suffix(5) == ["devenv-pull", "acme", "uploads", "/tmp/k", "/tmp/s"])
    }
}
