import Foundation
import Testing
import Yams
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

@Suite("Mirror: staging.target, staging.local, local versions")
struct MirrorTargetTests {
    func parse(_ yaml: String, envFiles: [String]?) throws -> (config: StagingConfig?, problems: [ManifestProblem]) {
        StagingConfig.parse(try #require(try Yams.compose(yaml: yaml)), envFiles: envFiles)
    }

    @Test("the target is staging.target, else the first env: file, else the root .env")
    func targetChoice() throws {
        let plain = try #require(try parse("from: { file: s.env }", envFiles: ["api/.env", "web/.env.local"]).config)
        #expect(plain.targetPath(envFiles: ["api/.env", "web/.env.local"]) == "api/.env")
        #expect(plain.targetPath(envFiles: []) == ".env")
        let chosen = try #require(try parse("from: { file: s.env }\ntarget: ./web/.env.local", envFiles: ["api/.env", "web/.env.local"]).config)
        #expect(chosen.target == "web/.env.local")
        #expect(chosen.targetPath(envFiles: ["api/.env", "web/.env.local"]) == "web/.env.local")
        #expect(try parse("from: { file: s.env }\ntarget: .env", envFiles: []).config?.targetPath(envFiles: []) == ".env")
    }

    @Test func targetMustBeAFileDevenvWrites() throws {
        let (config, problems) = try parse("from: { file: s.env }\ntarget: api/.evn", envFiles: ["api/.env", "web/.env.local"])
        #expect(config == nil)
        let p = try #require(problems.first)
        #expect(p.line == 2 && p.column == 9, "\(p)")
        #expect(p.message.contains("staging.target 'api/.evn' is not a file devenv writes; did you mean 'api/.env'?"))
        #expect(p.message.contains("expected one of the env: files: api/.env, web/.env.local"))

        let noEnv = try parse("from: { file: s.env }\ntarget: api/.env", envFiles: [])
        #expect(noEnv.config == nil)
        #expect(noEnv.problems.first?.message.contains("devenv.yml has no env: section") == true)
        #expect(try parse("from: { file: s.env }\ntarget: [a, b]", envFiles: nil).problems.first?.message.contains("must be a text value") == true)
    }

    @Test func targetProblemsAreReportedWithTheOthers() throws {
        let (_, problems) = try parse("from: { preset: railwya }\ntarget: nope\nlocal: {a: 1}", envFiles: ["api/.env"])
        #expect(problems.count == 3, "\(problems)")
    }

    @Test func localKeysAreNotDrift() throws {
        let config = try #require(try parse("from: { file: s.env }\nlocal: [DEBUG, LOCAL_*]", envFiles: nil).config)
        #expect(config.localOnly == ["DEBUG", "LOCAL_*"])
        #expect(config.isLocalOnly("DEBUG") && config.isLocalOnly("LOCAL_TUNNEL") && !config.isLocalOnly("DEBUG_SQL"))
    }

    @Test("image tags as local versions", arguments: [
        ("postgres:15.4-alpine", "15.4-alpine"), ("registry.local:5000/pg", nil), ("redis", nil),
        ("registry.local:5000/redis:7.2", "7.2"), ("pg@sha256:abc", nil),
    ])
    func imageTag(image: String, tag: String?) {
        #expect(MirrorLocal.tag(of: image) == tag)
    }

    /// `devenv env` refreshes mirrored infrastructure keys from the lock, `devenv mirror` maps them
    /// from staging: both must give the same local value, or the two would take turns rewriting them.
    @Test func infrastructureMapsTheSameFromStagingAndFromItsLock() throws {
        let staging = [
            StagingVar(name: "DATABASE_URL", value: "postgres://app:PgPw@db.abc.us-east-1.rds.amazonaws.com:5432/myflow?sslmode=require"),
            StagingVar(name: "ANALYTICS_DB_URL", value: "postgresql+asyncpg://app@ep-cool-1.neon.tech/myflow_test?sslmode=require"),
            StagingVar(name: "MONGODB_URL", value: "mongodb+srv://app:MongoPw@cluster0.ab1cd.mongodb.net/myflow?retryWrites=true&w=majority"),
            StagingVar(name: "REDIS_URL", value: "rediss://default:RedisPw@master.x.cache.amazonaws.com:6379/2"),
            StagingVar(name: "CACHE_URL", value: "redis://redis.internal:6379"),
            StagingVar(name: "AWS_ACCESS_KEY_ID", value: "AKIAABCDEFGHIJKLMNOP"),
            StagingVar(name: "AWS_SECRET_ACCESS_KEY", value: "abcdSecretSecretSecretSecret"),
            StagingVar(name: "AWS_REGION", value: "eu-west-1"),
            StagingVar(name: "S3_BUCKET", value: "myflow-staging-uploads"),
            StagingVar(name: "S3_ENDPOINT", value: "https://s3.eu-west-1.amazonaws.com"),
            StagingVar(name: "PGHOST", value: "db.abc.us-east-1.rds.amazonaws.com"),
            StagingVar(name: "PGPORT", value: "5432"),
        ]
        let rules = MirrorRules()
        let fromStaging = Mirror.map(staging, rules: rules, local: MirrorFixtures.local)
        let lock = try StagingLock.decode(StagingLock(staging: staging, rules: rules, vocabulary: MirrorFixtures.vocabulary).encoded(), file: "lock")
        let fromLock = Mirror.map(lock.stagingVars, rules: rules, local: MirrorFixtures.local)
        for m in fromStaging where m.kind == .infrastructure {
            #expect(fromLock[key: m.key]?.localValue == m.localValue, "\(m.key) maps differently from the lock")
        }
        #expect(fromStaging.filter { $0.kind == .infrastructure }.count >= 10)
    }
}
