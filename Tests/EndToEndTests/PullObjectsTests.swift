import Foundation
import Testing

/// `devenv pull` of objects end to end: a real AWS S3 API as the staging bucket (moto, on
/// 127.0.0.1, read by the real AWS CLI with its own endpoint variable) and the local service,
/// minio or rustfs (the test bed's S3 stand-in, which checks SigV4 signatures), as the target.
@Suite(.serialized, .endToEnd) struct PullObjectsTests {
    /// Staging's objects: key → size. Bodies are `body(key, size)`.
    static let staging: [(String, Int)] = [
        ("avatars/", 0), ("avatars/u1.png", 1000), ("avatars/u2.png", 2000), ("avatars/huge.bin", 300_000),
        ("invoices/2025/old.pdf", 700), ("invoices/2026/inv-1.pdf", 500), ("invoices/2026/inv-2.pdf", 600),
        ("private/passport-scan.jpg", 4000),
    ]

    static func manifest(_ kind: String) -> String {
        """
        services:
          \(kind): { buckets: [uploads] }
        pull:
          \(kind):
            from: { url: "s3://acme-staging" }
            prefixes: [avatars/, invoices/2026/]
            max_object_size: 100KB
        """
    }

    /// One bucket's keys and their bodies' md5, as `key md5` lines in key order.
    static func listing(_ bucket: String) -> String {
        """
        import hashlib
        s3 = boto3.client('s3', **kw)
        out = []
        for page in s3.get_paginator('list_objects_v2').paginate(Bucket='\(bucket)'):
            for o in page.get('Contents', []):
                out.append(o['Key'] + ' ' + hashlib.md5(s3.get_object(Bucket='\(bucket)', Key=o['Key'])['Body'].read()).hexdigest())
        print('\\n'.join(sorted(out)))
        """
    }

    /// `listing` of a bucket on the local service (its endpoint and keys from the .env devenv writes).
    static func local(_ p: ProjectFixture, _ bucket: String) throws -> String {
        var s: [String: String] = [:]
        for line in try p.read(".env").split(separator: "\n") where !line.hasPrefix("#") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            s[String(line[..<eq])] = String(line[line.index(after: eq)...]).trimmingCharacters(in: CharacterSet(charactersIn: "'\""))
        }
        let endpoint = try #require(s["S3_ENDPOINT"]), key = try #require(s["AWS_ACCESS_KEY_ID"]), secret = try #require(s["AWS_SECRET_ACCESS_KEY"])
        let r = try ProjectFixture.run(["python3", "-c", "import boto3, json\nkw = dict(endpoint_url='\(endpoint)', region_name='us-east-1')\n" + listing(bucket)],
                                       env: ["AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret, "AWS_CONFIG_FILE": p.root + "/none", "AWS_SHARED_CREDENTIALS_FILE": p.root + "/none"])
        #expect(r.status == 0, "local listing failed: \(r.stderr)")
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func expected(_ keys: [String]) -> String {
        keys.sorted().map { k in "\(k) \(md5(body(k, staging.first { $0.0 == k }!.1)))" }.joined(separator: "\n")
    }
    static func body(_ key: String, _ size: Int) -> String { String(String(repeating: key + "|", count: size / max(key.count, 1) + 1).prefix(size)) }
    static func md5(_ text: String) -> String {
        (try? ProjectFixture.run(["md5sum"], stdin: text).stdout.split(separator: " ").first.map(String.init)) ?? ""
    }

    @Test(arguments: ["minio", "rustfs"])
    func prefixesAndSizeLimitsChooseWhatIsCopiedFromStagingIntoTheLocalBucket(kind: String) throws {
        try MotoServer.with { moto in
            try ProjectFixture.with("pull-\(kind)") { p in
                var env = moto.environment(p.root)
                env["AWS_ENDPOINT_URL"] = moto.endpoint   // the AWS CLI's own endpoint variable: staging is moto
                let objects = Self.staging.map { "('\($0.0)', \($0.1))" }.joined(separator: ", ")
                try moto.python("""
                s3 = boto3.client('s3', **kw)
                s3.create_bucket(Bucket='acme-staging')
                for key, size in [\(objects)]:
                    body = ((key + '|') * (size // max(len(key), 1) + 1))[:size]
                    s3.put_object(Bucket='acme-staging', Key=key, Body=body.encode())
                """, dir: p.root)
                let stagingBefore = try moto.python(Self.listing("acme-staging"), dir: p.root).stdout
                try p.manifest(Self.manifest(kind))
                let up = try p.devenv(["up"])
                #expect(up.status == 0, "up failed: \(up.stderr)")

                // --dry-run: the keys under the prefixes, within the size limit; nothing copied.
                let dry = try p.devenv(["pull", kind, "--dry-run"], env: env)
                #expect(dry.status == 0, "dry run failed: \(dry.stderr)")
                #expect(dry.stdout.contains("Would copy 4 objects"), "\(dry.stdout)")
                for key in ["avatars/u1.png", "avatars/u2.png", "invoices/2026/inv-1.pdf", "invoices/2026/inv-2.pdf"] { #expect(dry.stdout.contains("  " + key)) }
                #expect(dry.stdout.contains("left on staging: 2 listed objects"), "the folder marker and the object over max_object_size")
                #expect(try Self.local(p, "uploads") == "")

                let r = try p.devenv(["pull", kind, "--yes"], env: env)
                #expect(r.status == 0, "pull failed: \(r.stderr)")
                #expect(r.stdout.contains("Pulled 4 objects"), "\(r.stdout)")
                #expect(r.stderr.contains("avatars/u2.png: "), "a progress line per object: \(r.stderr)")
                #expect(r.stderr.contains("Saved the local data as snapshot pull-"))
                #expect(try Self.local(p, "uploads") == Self.expected(["avatars/u1.png", "avatars/u2.png", "invoices/2026/inv-1.pdf", "invoices/2026/inv-2.pdf"]),
                        "the same bytes, and nothing outside the prefixes or over the size")
                #expect(try moto.python(Self.listing("acme-staging"), dir: p.root).stdout == stagingBefore, "staging is unchanged")
                let status = try p.devenv(["status"])
                #expect(status.stdout.contains("\(kind): last pull"), "\(status.stdout)")
                #expect(status.stdout.contains("4 objects"), "\(status.stdout)")

                // max_size: the first keys in order up to it, into a bucket the pull makes.
                try p.manifest(Self.manifest(kind) + "\n    max_size: 3000\n    bucket: media\n")
                let capped = try p.devenv(["pull", kind, "--yes"], env: env)
                #expect(capped.status == 0, "capped pull failed: \(capped.stderr)")
                #expect(try Self.local(p, "media") == Self.expected(["avatars/u1.png", "avatars/u2.png"]))

                // An unreadable source: exit 1, named, nothing changed locally.
                try p.manifest(Self.manifest(kind).replacingOccurrences(of: "s3://acme-staging", with: "s3://no-such-bucket"))
                let missing = try p.devenv(["pull", kind, "--yes"], env: env)
                #expect(missing.status == 1)
                #expect(missing.stderr.contains("listing s3://no-such-bucket/avatars/ failed"), "\(missing.stderr)")
                #expect(try Self.local(p, "uploads").split(separator: "\n").count == 4)

                // Malformed entries: every problem at its devenv.yml line.
                try p.manifest(Self.manifest(kind).replacingOccurrences(of: "max_object_size: 100KB", with: "max_object_size: lots\n    tables: { users: skip }"))
                let bad = try p.devenv(["pull", kind, "--dry-run"], env: env)
                #expect(bad.status == 2)
                #expect(bad.stderr.contains("devenv.yml:8:") && bad.stderr.contains("must be a size such as 5MB"), "\(bad.stderr)")
                #expect(bad.stderr.contains("devenv.yml:9:") && bad.stderr.contains("tables"), "\(bad.stderr)")
            }
        }
    }
}
