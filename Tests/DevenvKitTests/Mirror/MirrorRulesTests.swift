import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

@Suite("Mirror: secrets, rewrite map, precedence")
struct MirrorRulesTests {
    let local = MirrorFixtures.local
    let rewrite = ["api.staging.myflow.app": "localhost:8000", "staging.myflow.app": "localhost:3000", "auth.staging.myflow.app": "http://localhost:3001"]

    @Test("secret by name", arguments: [
        ("STRIPE_SECRET_KEY", true), ("NEXTAUTH_SECRET", true), ("GITHUB_TOKEN", true), ("SMTP_PASSWORD", true), ("SMTP_PASS", true),
        ("JWT_PRIVATE_KEY", true), ("OPENAI_API_KEY", true), ("ENCRYPTION_KEY", true), ("SENTRY_DSN", true), ("GOOGLE_CREDENTIALS", true),
        ("PASSWORD_SALT", true), ("BASIC_AUTH", true), ("ACCESSTOKEN", true), ("apiKey", true),
        ("STRIPE_PUBLISHABLE_KEY", false), ("NEXT_PUBLIC_SUPABASE_ANON_KEY", false), ("VITE_MAPS_KEY", false), ("VAPID_PUBLIC_KEY", false),
        ("OPENAI_MAX_TOKENS", false), ("CACHE_KEY_PREFIX", false), ("AUTH_URL", false), ("LOG_LEVEL", false), ("KEYCLOAK_URL", false),
    ])
    func byName(name: String, secret: Bool) {
        #expect(SecretRules.isSecret(StagingVar(name: name, value: "x"), rules: MirrorRules()) == secret)
    }

    @Test func byListSourceAndValueShape() {
        let rules = MirrorRules(secret: ["LOGTO_*", "INTERNAL_HOOK"])
        #expect(SecretRules.reason(StagingVar(name: "LOGTO_APP_ID", value: "abc"), rules: rules) == "listed under secret:")
        #expect(SecretRules.reason(StagingVar(name: "INTERNAL_HOOK", value: "abc"), rules: rules) != nil)
        #expect(SecretRules.reason(StagingVar(name: "X", value: "abc", markedSecret: true), rules: rules) == "the source marks it secret")
        #expect(SecretRules.reason(StagingVar(name: "AMQP_URL", value: "amqps://u:pw@rabbit.cloudamqp.com/v"), rules: rules) == "its URL carries a password")
        #expect(SecretRules.reason(StagingVar(name: "PAYMENTS", value: "sk_test_FAKE51HxYzFakeFake"), rules: rules) == "its value looks like a Stripe secret key")
        #expect(SecretRules.reason(StagingVar(name: "ID", value: "AKIAIOSFODNN7EXAMPLE"), rules: rules) == "its value looks like an AWS access key id")
        #expect(SecretRules.reason(StagingVar(name: "REGION_NAME", value: "ASIA_PACIFIC_SOUTHEAST"), rules: rules) == nil)
        #expect(SecretRules.reason(StagingVar(name: "HOMEPAGE", value: "https://myflow.app"), rules: rules) == nil)
    }

    @Test func secretsBecomePlaceholdersOrAreLeftOut() {
        let v = [StagingVar(name: "STRIPE_SECRET_KEY", value: "sk_test_FAKE51HxYzFakeFake")]
        let ph = Mirror.map(v, rules: MirrorRules(), local: local)[0]
        #expect(ph.kind == .secret && ph.localValue == "__SET_ME__STRIPE_SECRET_KEY" && ph.secret)
        #expect(ph.explanation == "secret (its name says SECRET): a placeholder; set it by hand or list it under keep:")
        #expect(ph.shownValue == "__SET_ME__STRIPE_SECRET_KEY")
        let omit = Mirror.map(v, rules: MirrorRules(secrets: .omit), local: local)[0]
        #expect(omit.kind == .secret && omit.localValue == nil && omit.explanation.contains("left out"))
    }

    @Test("rewrite map, in every list spelling", arguments: [
        ("https://api.staging.myflow.app/v1", "http://localhost:8000/v1"),
        ("https://staging.myflow.app,https://api.staging.myflow.app", "http://localhost:3000,http://localhost:8000"),
        ("https://staging.myflow.app, https://api.staging.myflow.app:443/", "http://localhost:3000, http://localhost:8000/"),
        ("[\"https://staging.myflow.app\",\"https://other.example.com\"]", "[\"http://localhost:3000\",\"https://other.example.com\"]"),
        ("https://staging.myflow.app https://api.staging.myflow.app", "http://localhost:3000 http://localhost:8000"),
        ("wss://api.staging.myflow.app/ws?x=1", "ws://localhost:8000/ws?x=1"),
        ("https://AUTH.staging.myflow.app/oidc", "http://localhost:3001/oidc"),
        ("api.staging.myflow.app,staging.myflow.app", "localhost:8000,localhost:3000"),
    ])
    func rewriting(staging: String, expected: String) {
        let m = Mirror.map([StagingVar(name: "CORS_ORIGINS", value: staging)], rules: MirrorRules(rewrite: rewrite), local: local)[0]
        #expect(m.kind == .rewritten)
        #expect(m.localValue == expected)
    }

    @Test func rewriteKeepsSchemesForNonLocalTargetsAndSaysWhat() {
        let rw = HostRewrite(["https://files.staging.x.app/": "files.dev.x.app:8443"])
        #expect(rw.apply("https://files.staging.x.app/a")?.value == "https://files.dev.x.app:8443/a")
        #expect(rw.apply("https://files.staging.x.app.evil.com/a") == nil)
        #expect(rw.apply("nothing here") == nil)
        let m = Mirror.map([StagingVar(name: "CORS_ORIGINS", value: "https://staging.myflow.app,https://staging.myflow.app/x")],
                           rules: MirrorRules(rewrite: rewrite), local: local)[0]
        #expect(m.explanation == "rewrite: staging.myflow.app → localhost:3000")
    }

    @Test func copiedValuesHintAtUnmappedStagingHosts() {
        let out = Mirror.map([StagingVar(name: "NEXT_PUBLIC_API_URL", value: "https://api-staging.yourdomain.com"),
                              StagingVar(name: "LOG_LEVEL", value: "info")], rules: MirrorRules(), local: local)
        #expect(out[key: "NEXT_PUBLIC_API_URL"]?.kind == .copied)
        #expect(out[key: "NEXT_PUBLIC_API_URL"]?.explanation == "copied as is; it points at api-staging.yourdomain.com: map it under rewrite: to use a local app")
        #expect(out[key: "LOG_LEVEL"]?.explanation == "copied as is")
    }

    @Test func precedenceOverrideThenKeepThenInfraThenSecretThenRewrite() {
        let vars = [
            StagingVar(name: "DATABASE_URL", value: "postgres://a:pw@db.x.rds.amazonaws.com/myflow"),
            StagingVar(name: "REDIS_URL", value: "redis://r.cache.amazonaws.com:6379"),
            StagingVar(name: "STRIPE_SECRET_KEY", value: "sk_test_FAKE51HxYzFakeFake"),
            StagingVar(name: "STRIPE_PUBLISHABLE_KEY", value: "pk_test_abc"),
            StagingVar(name: "API_TOKEN", value: "https://api.staging.myflow.app"),
            StagingVar(name: "FEATURE_FLAGS", value: "a,b"),
        ]
        let rules = MirrorRules(keep: ["STRIPE_*", "REDIS_URL"], override: [("DATABASE_URL", "postgres://me@localhost/mine"), ("STRIPE_SECRET_KEY", "sk_test_mine"), ("EXTRA", "1")],
                                rewrite: rewrite)
        let out = Mirror.map(vars, rules: rules, local: local)
        #expect(out.map(\.key) == ["DATABASE_URL", "REDIS_URL", "STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY", "API_TOKEN", "FEATURE_FLAGS", "EXTRA"])
        #expect(out.map(\.kind) == [.overridden, .kept, .overridden, .kept, .secret, .copied, .overridden])
        #expect(out[key: "DATABASE_URL"]?.localValue == "postgres://me@localhost/mine")
        #expect(out[key: "REDIS_URL"]?.localValue == "redis://r.cache.amazonaws.com:6379")
        #expect(out[key: "STRIPE_PUBLISHABLE_KEY"]?.localValue == "pk_test_abc")
        #expect(out[key: "STRIPE_SECRET_KEY"]?.shownValue == nil)
        #expect(out[key: "EXTRA"]?.explanation == "override: in devenv.yml (staging has no such key)")
        let keptSecret = Mirror.map([vars[2]], rules: MirrorRules(keep: ["STRIPE_SECRET_KEY"]), local: local)[0]
        #expect(keptSecret.kind == .kept && keptSecret.localValue == "sk_test_FAKE51HxYzFakeFake" && keptSecret.secret)
        #expect(keptSecret.shownValue == nil)
        let keptUnknown = Mirror.map([StagingVar(name: "JWT_SECRET", value: nil, markedSecret: true)], rules: MirrorRules(keep: ["JWT_SECRET"]), local: local)[0]
        #expect(keptUnknown.kind == .kept && keptUnknown.localValue == "__SET_ME__JWT_SECRET")
    }

    @Test func myflowOnRailwayEndToEndMapping() throws {
        let vars = try StagingSource.preset(name: .railway, settings: [:], extraArgs: [])
            .parse(MirrorFixtures.text("railway-variables.json"), dotenv: MirrorFixtures.dotenv)
        let out = Mirror.map(vars, rules: MirrorRules(rewrite: rewrite), local: local)
        #expect(out[key: "MONGODB_URL"]?.localValue == "mongodb://devenv:LocalMongoPw@127.0.0.1:54002/myflow?authSource=admin&w=majority")
        #expect(out[key: "REDIS_URL"]?.localValue == MirrorFixtures.redisURL)
        #expect(out[key: "STRIPE_SECRET_KEY"]?.localValue == "__SET_ME__STRIPE_SECRET_KEY")
        #expect(out[key: "CORS_ORIGINS"]?.localValue == "http://localhost:3000,http://localhost:8000")
        #expect(out[key: "MONGODB_DB_NAME"]?.localValue == "myflow")
        #expect(out[key: "PORT"]?.kind == .copied)
        // --json shows masked values only
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = String(decoding: try encoder.encode(out), as: UTF8.self)
        for secret in ["AtlasFakePass123", "RailwayRedisFake", "sk_test_FAKE", "LocalMongoPw", "LocalRedisPw"] {
            #expect(!json.contains(secret), "\(secret) leaked into --json")
        }
        #expect(json.contains("mongodb://devenv:***@127.0.0.1:54002/myflow"))
    }

    @Test func keyPatterns() {
        #expect(KeyPattern.matches("STRIPE_*", "STRIPE_SECRET_KEY"))
        #expect(KeyPattern.matches("*_URL", "DATABASE_URL"))
        #expect(KeyPattern.matches("A*B*C", "AxxBxxC"))
        #expect(!KeyPattern.matches("STRIPE_*", "XSTRIPE_KEY"))
        #expect(!KeyPattern.matches("*_URL", "URL_X"))
        #expect(KeyPattern.matches("EXACT", "EXACT") && !KeyPattern.matches("EXACT", "EXACTLY"))
    }
}

@Suite("Mirror: the fast paths give the slow paths' answers")
struct MirrorFastPathTests {
    @Test func asciiSecretWordsAgreeWithTheUnicodeRules() {
        let names = ["STRIPE_SECRET_KEY", "api_key", "GITHUB_TOKEN", "DB_PASSWORD", "PASS", "my_passwd", "PRIVATE_KEY", "JWT_PRIVATEKEY",
                     "GOOGLE_CREDENTIALS", "SENTRY_DSN", "SALT", "PEPPER", "KEYS", "X_APIKEY", "AWS_ACCESSKEY", "BASIC_AUTH", "AUTH_URL",
                     "NEXT_PUBLIC_SECRET", "STRIPE_PUBLISHABLE_KEY", "KEY_ID", "MONKEY", "TOKENIZER", "LOG_LEVEL", "", "_", "a1b2", "9LIVES",
                     "vite_api_token", "SECRETARY_NAME", "x.y-secret", "PUBLIC_KEY"]
        for name in names {
            #expect(SecretRules.asciiSecretWord(name) == .some(SecretRules.unicodeSecretWord(name)), "\(name)")
        }
        #expect(SecretRules.asciiSecretWord("PASSWÖRD") == nil, "not ASCII: the Unicode rules decide")
        #expect(SecretRules.secretWord(in: "ÜBER_SECRET") == "SECRET")
    }

    @Test func credentialsAndTextScanAgreeWithFoundation() {
        let values = ["postgres://u:p@h/db", "postgres://u@h/db", "plain", "a://b,c://u:p@d", "https://x.io/@team", " redis://:pw@h:1 ",
                      "x://u:@h", "mongodb://a:b@h1,h2/db?x=1", "no scheme://here"]
        for v in values { #expect(Redact.hasCredentials(v) == (Redact.forLock(v) != v), "\(v)") }
        for (s, n) in [("abcSECRETdef", "SECRET"), ("abc", "abcd"), ("", "a"), ("aaa", "aa")] {
            #expect(TextScan.contains(s, n) == s.contains(n), "\(s) \(n)")
        }
        for s in ["  a ", "\ta", "a\u{00A0}", "a", "", " "] { #expect(TextScan.trimmingBlanks(s) == s.trimmingCharacters(in: .whitespaces)) }
        for v in ["", "a", "::", "a://b", ":://x", "a://b,c://d", "x:/y//z", "s3://a://b", "://", "é://ü"] {
            #expect(TextScan.schemeSeparators(in: v) == v.components(separatedBy: "://").count - 1, "\(v)")
        }
        #expect(TextScan.asciiContainsIgnoringCase("my_aws_key", any: ["S3", "AWS"]) == true)
        #expect(TextScan.asciiContainsIgnoringCase("LOG_LEVEL", any: ["S3", "AWS"]) == false)
        #expect(TextScan.asciiContainsIgnoringCase("ÄWS", any: ["AWS"]) == nil)
        for (url, hosts) in [("pg://H.Example:5432/db", ["h.example"]), ("pg://:5432/db", ["5432"]), ("pg:///db", [String]()),
                             ("mongodb://a:1,B:2/db", ["a", "b"]), ("pg://[::1]:5/db", ["::1"]), ("pg://u:p@Ünï.dev/db", ["ünï.dev"])] {
            #expect(ConnectionURL(url)?.hostNames == hosts, "\(url)")
        }
    }
}
