import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

@Suite("Mirror: infrastructure URLs → local stack")
struct MirrorInfraTests {
    let local = MirrorFixtures.local

    func mapped(_ key: String, _ value: String?, local: LocalServices? = nil) -> MirroredKey {
        Mirror.map([StagingVar(name: key, value: value)], rules: MirrorRules(), local: local ?? self.local)[0]
    }

    /// Each provider's shape → the local value devenv writes.
    @Test("connection strings", arguments: [
        // Postgres: AWS RDS, database kept because the manifest has it
        ("DATABASE_URL", "postgresql://app:pw@myflow.c9akciq32.us-east-1.rds.amazonaws.com:5432/myflow?sslmode=require",
         "postgresql://devenv:LocalPgPw@127.0.0.1:54001/myflow"),
        // Render external host, `_staging` suffix mapped to the manifest's database
        ("DATABASE_URL", "postgres://alwrity:pw@dpg-cn1abc2l5elc73fake-a.oregon-postgres.render.com/myflow_staging",
         "postgres://devenv:LocalPgPw@127.0.0.1:54001/myflow"),
        // Render internal host (no domain, no port); unknown database → the local default
        ("DATABASE_URL", "postgres://alwrity:pw@dpg-cn1abc2l5elc73fake-a/alwrity_db", "postgres://devenv:LocalPgPw@127.0.0.1:54001/myflow"),
        // Fly flycast with sslmode=disable, other parameters kept
        ("DATABASE_URL", "postgres://autoswe:pw@autoswe-db.flycast:5432/myflow_test?sslmode=disable&connect_timeout=10",
         "postgres://devenv:LocalPgPw@127.0.0.1:54001/myflow_test?connect_timeout=10"),
        // Fly internal
        ("DATABASE_URL", "postgres://postgres:pw@top2.nearest.of.autoswe-db.internal:5432/myflow", "postgres://devenv:LocalPgPw@127.0.0.1:54001/myflow"),
        // Supabase pooler (Prisma's pgbouncer flag dropped, connection_limit kept)
        ("DATABASE_URL", "postgresql://postgres.abcdefghij:pw@aws-0-us-east-1.pooler.supabase.com:6543/postgres?pgbouncer=true&connection_limit=1",
         "postgresql://devenv:LocalPgPw@127.0.0.1:54001/myflow?connection_limit=1"),
        // Supabase direct
        ("DIRECT_URL", "postgresql://postgres:pw@db.abcdefghij.supabase.co:5432/postgres", "postgresql://devenv:LocalPgPw@127.0.0.1:54001/myflow"),
        // Neon: sslmode, channel_binding and the endpoint option all dropped
        ("DATABASE_URL", "postgresql://neondb_owner:pw@ep-cool-darkness-123456.us-east-2.aws.neon.tech/myflow?sslmode=require&channel_binding=require&options=endpoint%3Dep-cool-darkness-123456",
         "postgresql://devenv:LocalPgPw@127.0.0.1:54001/myflow"),
        // SQLAlchemy driver suffix kept
        ("DATABASE_URL", "postgresql+asyncpg://app:pw@db.x.rds.amazonaws.com/myflow?ssl=require", "postgresql+asyncpg://devenv:LocalPgPw@127.0.0.1:54001/myflow"),
        // MongoDB Atlas +srv → plain host:port; retryWrites dropped, w kept
        ("MONGODB_URL", "mongodb+srv://myflow-staging:pw@staging-cluster.mongodb.net/?retryWrites=true&w=majority&appName=myflow",
         "mongodb://devenv:LocalMongoPw@127.0.0.1:54002/myflow?authSource=admin&w=majority&appName=myflow"),
        // MongoDB replica set list with a database
        ("MONGO_URI", "mongodb://u:pw@h1.example.net:27017,h2.example.net:27017/myflow_staging?replicaSet=rs0&tls=true&authSource=admin",
         "mongodb://devenv:LocalMongoPw@127.0.0.1:54002/myflow?authSource=admin"),
        // Upstash rediss → redis, no TLS
        ("REDIS_URL", "rediss://default:pw@us1-fine-cat-12345.upstash.io:6379", "redis://:LocalRedisPw@127.0.0.1:54003/0"),
        // ElastiCache, database index kept
        ("REDIS_URL", "redis://master.scribe-staging.abc123.use1.cache.amazonaws.com:6379/2", "redis://:LocalRedisPw@127.0.0.1:54003/2"),
        // Railway private network: ioredis `family=6` dropped
        ("REDIS_URL", "redis://default:pw@redis.railway.internal:6379?family=6", "redis://:LocalRedisPw@127.0.0.1:54003/0"),
        // Heroku Redis with Python's ssl_cert_reqs
        ("REDIS_TLS_URL", "rediss://:pw@ec2-34-200-1-1.compute-1.amazonaws.com:25310?ssl_cert_reqs=none", "redis://:LocalRedisPw@127.0.0.1:54003/0"),
        // S3 by name
        ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE", "localaccess"),
        ("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "localsecretkey"),
        ("AWS_REGION", "eu-west-1", "us-east-1"),
        ("AWS_SESSION_TOKEN", "FwoGZXIvYXdzEFAKE", ""),
        ("S3_ENDPOINT", "https://s3.eu-west-1.amazonaws.com", "http://127.0.0.1:54004"),
        ("R2_ENDPOINT", "https://0123456789abcdef.r2.cloudflarestorage.com", "http://127.0.0.1:54004"),
        ("S3_BUCKET", "rorun-uploads-staging", "uploads"),
        ("AVATAR_BUCKET_NAME", "avatars", "avatars"),
        // S3 by URL: virtual-hosted and s3:// → path-style local
        ("ASSETS_BASE_URL", "https://rorun-uploads-staging.s3.eu-west-1.amazonaws.com/public", "http://127.0.0.1:54004/uploads/public"),
        ("EXPORT_LOCATION", "s3://avatars/exports/", "s3://avatars/exports/"),
        // host/port parts by name
        ("PGHOST", "myflow.c9akciq32.us-east-1.rds.amazonaws.com", "127.0.0.1"),
        ("DB_PORT", "5432", "54001"),
        ("REDIS_PASSWORD", "pw", "LocalRedisPw"),
        ("MONGODB_DB_NAME", "myflow_staging", "myflow"),
    ])
    func table(key: String, staging: String, expected: String) {
        let m = mapped(key, staging)
        #expect(m.kind == .infrastructure, "\(key): \(m.explanation)")
        #expect(m.localValue == expected)
        #expect(!m.explanation.contains("pw@") && !m.explanation.contains(":pw"))
    }

    @Test func explanationsSayWhatHappened() {
        let pg = mapped("DATABASE_URL", "postgresql://app:pw@db.x.us-east-1.rds.amazonaws.com:5432/app_staging?sslmode=require")
        #expect(pg.explanation == "Postgres on AWS RDS → local postgres, database 'myflow' (staging's 'app_staging' is not in devenv.yml); dropped sslmode")
        let mongo = mapped("MONGODB_URL", "mongodb+srv://u:pw@c.mongodb.net/?retryWrites=true&w=majority")
        #expect(mongo.explanation == "MongoDB Atlas (mongodb+srv) → local mongodb; +srv converted to a plain host:port URL; dropped retryWrites")
        let redis = mapped("REDIS_URL", "rediss://default:pw@x.upstash.io:6379")
        #expect(redis.explanation == "Redis on Upstash (rediss) → local redis without TLS")
    }

    @Test func flyGivesNamesOnlyYetURLsStillMap() {
        let vars = [StagingVar(name: "DATABASE_URL", value: nil, markedSecret: true), StagingVar(name: "REDIS_URL", value: nil, markedSecret: true)]
        let out = Mirror.map(vars, rules: MirrorRules(), local: local)
        #expect(out.map(\.localValue) == [MirrorFixtures.pgURL, MirrorFixtures.redisURL])
        #expect(out.allSatisfy { $0.kind == .infrastructure && $0.secret })
    }

    @Test func withoutTheLocalServiceASecretURLBecomesAPlaceholder() {
        let bare = LocalServices(vocabulary: MirrorFixtures.vocabulary)
        let pg = mapped("DATABASE_URL", "postgres://app:pw@db.x.rds.amazonaws.com/app", local: bare)
        #expect(pg.kind == .secret && pg.localValue == "__SET_ME__DATABASE_URL")
        #expect(pg.explanation.contains("devenv.yml has no postgres service"))
        let cache = mapped("CACHE_URL", "redis://cache.staging.internal:6379", local: bare)
        #expect(cache.kind == .copied && cache.explanation.contains("no redis service"))
        let region = mapped("AWS_REGION", "eu-west-1", local: bare)
        #expect(region.kind == .copied && region.localValue == "eu-west-1")
        let key = mapped("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", local: bare)
        #expect(key.kind == .secret && key.localValue == "__SET_ME__AWS_SECRET_ACCESS_KEY")
    }

    @Test func connectionURLRoundTripsAndRedacts() throws {
        let texts = [
            "mongodb+srv://u:p%40ss@c.mongodb.net/?retryWrites=true&w=majority",
            "postgres://u:pa/ss:word@h:5432/db?sslmode=require#frag",
            "redis://:pw@[::1]:6379/0",
            "mongodb://u:pw@h1:27017,h2:27018/db?replicaSet=rs0",
        ]
        for t in texts { #expect(ConnectionURL(t)?.string == t) }
        let url = try #require(ConnectionURL("postgres://u:pa/ss:word@h:5432/db?x=1"))
        #expect(url.password == "pa/ss:word" && url.port == 5432 && url.firstPathSegment == "db")
        #expect(url.redacted == "postgres://u@h:5432/db?x=1")
        #expect(url.masked == "postgres://u:***@h:5432/db?x=1")
        #expect(ConnectionURL("mongodb://u:pw@h1:27017,h2:27018/db")?.hostNames == ["h1", "h2"])
        #expect(ConnectionURL("redis://:pw@[::1]:6380")?.hostNames == ["::1"])
        #expect(ConnectionURL("redis://:pw@[::1]:6380")?.port == 6380)
        #expect(ConnectionURL("not a url") == nil)
        #expect(ConnectionURL("https://medium.com/@team/post")?.hostNames == ["medium.com"])
        #expect(ConnectionURL("https://medium.com/@team/post")?.user == nil)
        #expect(Redact.forDisplay("https://a:b@x.com, https://c:d@y.com") == "https://a:***@x.com, https://c:***@y.com")
        #expect(Redact.forLock("amqps://u:secretpw@rabbit.example.com/vhost") == "amqps://u@rabbit.example.com/vhost")
    }

    @Test func providersByHostShape() {
        let cases: [(String, String)] = [
            ("db.abc.us-east-1.rds.amazonaws.com", "AWS RDS"), ("dpg-abc-a", "Render"), ("app-db.flycast", "Fly.io"),
            ("x.pooler.supabase.com", "Supabase"), ("ep-1.us-east-2.aws.neon.tech", "Neon"), ("c.mongodb.net", "MongoDB Atlas"),
            ("x.upstash.io", "Upstash"), ("m.x.use1.cache.amazonaws.com", "AWS ElastiCache"), ("redis.railway.internal", "Railway"),
            ("autoswe-db.internal", "Fly.io"), ("top2.nearest.of.autoswe-db.internal", "Fly.io"), ("ip-10-0-1-5.ec2.internal", "AWS EC2"),
        ]
        for (host, name) in cases { #expect(InfraMapping.provider([host]) == name, "\(host)") }
        #expect(InfraMapping.provider(["db.c.my-project.internal"]) == nil, "Google Cloud's .internal is not Fly")
    }
}
