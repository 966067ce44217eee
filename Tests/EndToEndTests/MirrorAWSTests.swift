import Foundation
import Testing

/// The two AWS presets end to end: the real binary runs the real AWS CLI against a real
/// implementation of the SSM and Secrets Manager APIs (moto, on 127.0.0.1). moto pages
/// get-parameters-by-path at 10 results, so 30 parameters take the CLI several pages.
@Suite(.serialized, .endToEnd) struct MirrorAWSTests {
    static let manifest = """
    services:
      postgres: { version: "15", databases: [scribe] }
      redis: { version: "7" }
    staging:
      from: { preset: aws-ssm, path: /scribe/staging, region: us-east-1, endpoint: "ENDPOINT" }

    """

    func values(_ p: ProjectFixture, _ file: String = ".env") throws -> [String: String] {
        var out: [String: String] = [:]
        for line in try p.read(file).split(separator: "\n") where !line.hasPrefix("#") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            var value = String(line[line.index(after: eq)...])
            if value.hasPrefix("'"), value.hasSuffix("'"), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            out[String(line[..<eq])] = value
        }
        return out
    }

    @Test func ssmManyPagesSecureStringsDriftAndDeletedKeys() throws {
        try MotoServer.with { moto in
            try ProjectFixture.with("mirror-ssm") { p in
                let env = moto.environment(p.root)
                try moto.python("""
                ssm = boto3.client('ssm', **kw)
                for i in range(30):
                    ssm.put_parameter(Name='/scribe/staging/FEATURE_%02d' % i, Value='on' if i % 2 else 'off', Type='String')
                ssm.put_parameter(Name='/scribe/staging/DATABASE_URL', Type='SecureString',
                                  Value='postgres://scribe:SsmPgPw4k@scribe-staging.cluster-c1.us-east-1.rds.amazonaws.com:5432/scribe')
                ssm.put_parameter(Name='/scribe/staging/STRIPE_SECRET_KEY', Type='SecureString', Value='sk_live_51SsmStripeSecret0000')
                ssm.put_parameter(Name='/scribe/staging/worker/CONCURRENCY', Value='8', Type='String')
                ssm.put_parameter(Name='/other/app/NOT_OURS', Value='x', Type='String')
                """, dir: p.root)
                try p.manifest(Self.manifest.replacingOccurrences(of: "ENDPOINT", with: moto.endpoint))

                let r = try p.devenv(["mirror"], env: env)
                #expect(r.status == 0, "mirror failed: \(r.stderr)")
                let lockText = try p.read("devenv.staging.lock")
                for secret in ["SsmPgPw4k", "sk_live_51SsmStripeSecret0000"] {
                    #expect(!r.stdout.contains(secret) && !r.stderr.contains(secret) && !lockText.contains(secret))
                }
                var local = try values(p)
                #expect(local.keys.filter { $0.hasPrefix("FEATURE_") }.count == 30, "every page: \(local.keys.sorted())")
                #expect(local["FEATURE_29"] == "on" && local["worker_CONCURRENCY"] == "8" && local["NOT_OURS"] == nil)
                let pg = try p.service("postgres")["url"] as? String
                #expect(local["DATABASE_URL"] == pg, "a SecureString database URL → local Postgres")
                #expect(local["STRIPE_SECRET_KEY"] == "__SET_ME__STRIPE_SECRET_KEY")
                let clean = try p.devenv(["mirror", "--check"], env: env)
                #expect(clean.status == 0 && clean.stdout.contains("No drift"), "\(clean.stdout) \(clean.stderr)")

                // Staging changes: a value, a rotated SecureString, a deleted parameter.
                try moto.python("""
                ssm = boto3.client('ssm', **kw)
                ssm.put_parameter(Name='/scribe/staging/FEATURE_03', Value='off', Type='String', Overwrite=True)
                ssm.put_parameter(Name='/scribe/staging/STRIPE_SECRET_KEY', Value='sk_live_51SsmStripeRotated000', Type='SecureString', Overwrite=True)
                ssm.delete_parameter(Name='/scribe/staging/FEATURE_07')
                """, dir: p.root)
                let drift = try p.devenv(["mirror", "--check", "--json"], env: env)
                #expect(drift.status == 1)
                let report = try #require(try JSONSerialization.jsonObject(with: Data(drift.stdout.utf8)) as? [String: Any])
                let items = try #require(report["drift"] as? [[String: Any]])
                let subjects = Set(items.compactMap { $0["subject"] as? String })
                #expect(subjects.isSuperset(of: ["FEATURE_03", "STRIPE_SECRET_KEY", "FEATURE_07"]), "\(items)")
                #expect(report["source_error"] is NSNull)
                #expect(!drift.stdout.contains("sk_live_51SsmStripe"))

                let again = try p.devenv(["mirror"], env: env)
                #expect(again.status == 0, "\(again.stderr)")
                #expect(again.stdout.contains("no longer on staging: removed FEATURE_07"), "\(again.stdout)")
                local = try values(p)
                #expect(local["FEATURE_07"] == nil && local["FEATURE_03"] == "off")
                #expect(try p.devenv(["mirror", "--check"], env: env).status == 0)

                // Staging unreachable: the check fails, it does not pass on the lock alone.
                moto.stop()
                let down = try p.devenv(["mirror", "--check", "--json"], env: env.merging(["AWS_MAX_ATTEMPTS": "1"]) { $1 })
                #expect(down.status == 1)
                let failed = try #require(try JSONSerialization.jsonObject(with: Data(down.stdout.utf8)) as? [String: Any])
                #expect((failed["source_error"] as? String)?.hasPrefix("could not read staging: preset aws-ssm") == true, "\(down.stdout)")
                #expect(down.stderr.contains("could not read staging"))
            }
        }
    }

    @Test func secretsManagerJSONSecretDriftAndDeletedKeys() throws {
        try MotoServer.with { moto in
            try ProjectFixture.with("mirror-sm") { p in
                var env = moto.environment(p.root)
                env["AWS_ENDPOINT_URL"] = moto.endpoint   // the AWS CLI's own endpoint variable, no setting
                try moto.python("""
                sm = boto3.client('secretsmanager', **kw)
                secret = {'LIMIT_%02d' % i: str(i) for i in range(40)}
                secret.update({'DATABASE_URL': 'postgresql://rorun:SmPgPw8z@rorun.c9.eu-west-1.rds.amazonaws.com:5432/rorun_staging',
                               'REDIS_URL': 'rediss://default:SmRedisPw2@master.rorun.euw1.cache.amazonaws.com:6379',
                               'JWT_SECRET': 'sm-jwt-secret-value-000', 'LOG_LEVEL': 'info'})
                sm.create_secret(Name='rorun/staging', SecretString=json.dumps(secret))
                """, dir: p.root)
                try p.manifest("""
                services:
                  postgres: { version: "15", databases: [rorun] }
                  redis: { version: "7" }
                staging:
                  from: { preset: aws-secrets-manager, secret: rorun/staging }

                """)
                let r = try p.devenv(["mirror"], env: env)
                #expect(r.status == 0, "mirror failed: \(r.stderr)")
                var local = try values(p)
                #expect(local.keys.filter { $0.hasPrefix("LIMIT_") }.count == 40 && local["LOG_LEVEL"] == "info")
                let pg = try p.service("postgres")["url"] as? String, redis = try p.service("redis")["url"] as? String
                #expect(local["DATABASE_URL"] == pg, "staging's rorun_staging → the manifest's rorun")
                #expect(local["REDIS_URL"] == redis)
                #expect(local["JWT_SECRET"] == "__SET_ME__JWT_SECRET")
                let lock = try p.read("devenv.staging.lock")
                for secret in ["SmPgPw8z", "SmRedisPw2", "sm-jwt-secret-value-000"] { #expect(!lock.contains(secret)) }
                #expect(try p.devenv(["mirror", "--check"], env: env).status == 0)

                try moto.python("""
                sm = boto3.client('secretsmanager', **kw)
                secret = json.loads(sm.get_secret_value(SecretId='rorun/staging')['SecretString'])
                secret['LOG_LEVEL'] = 'debug'
                secret['JWT_SECRET'] = 'sm-jwt-secret-rotated-01'
                del secret['LIMIT_05']
                sm.put_secret_value(SecretId='rorun/staging', SecretString=json.dumps(secret))
                """, dir: p.root)
                let drift = try p.devenv(["mirror", "--check"], env: env)
                #expect(drift.status == 1)
                for key in ["LOG_LEVEL", "JWT_SECRET", "LIMIT_05"] { #expect(drift.stdout.contains(key), "\(key): \(drift.stdout)") }
                #expect(!drift.stdout.contains("sm-jwt-secret"))

                let again = try p.devenv(["mirror"], env: env)
                #expect(again.status == 0 && again.stdout.contains("removed LIMIT_05"), "\(again.stdout)")
                local = try values(p)
                #expect(local["LIMIT_05"] == nil && local["LOG_LEVEL"] == "debug")
                #expect(try p.devenv(["mirror", "--check"], env: env).status == 0)

                // A secret that does not exist: the AWS CLI exits non-zero, the check fails.
                try p.manifest(try p.read("devenv.yml").replacingOccurrences(of: "name: \(p.name)\n", with: "")
                    .replacingOccurrences(of: "secret: rorun/staging", with: "secret: rorun/nope"))
                let missing = try p.devenv(["mirror", "--check"], env: env)
                #expect(missing.status == 1)
                #expect(missing.stderr.contains("could not read staging: preset aws-secrets-manager") && missing.stderr.contains("exited with status"),
                        "\(missing.stderr)")
                #expect(!missing.stdout.contains("No drift"))
            }
        }
    }
}
