import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

/// Each preset's parser on fixtures written in the exact format of the provider's source
/// (Fixtures/): the file and function each format comes from is named on each test.
@Suite("Mirror: provider output formats")
struct MirrorFormatTests {
    func preset(_ p: StagingPreset, _ settings: [String: String] = [:], fixture: String) throws -> [StagingVar] {
        try StagingSource.preset(name: p, settings: settings, extraArgs: []).parse(MirrorFixtures.text(fixture), dotenv: MirrorFixtures.dotenv)
    }

    // MARK: Vercel — vercel/vercel packages/cli/src/commands/env/pull.ts, envPullCommandLogic + escapeValue

    @Test func vercelValuesAreReadExactlyAsVercelWroteThem() throws {
        let vars = try preset(.vercel, fixture: "vercel-env-pull.env")
        #expect(!vars.contains { $0.name.hasPrefix("VERCEL") || $0.name.hasPrefix("TURBO_") || $0.name == "NX_DAEMON" })
        #expect(vars[name: "BCRYPT_HASH"]?.value == "$2b$10$abcdefghijklmnopqrstuv", "$ is raw, never interpolated")
        #expect(vars[name: "AMOUNT_TEMPLATE"]?.value == "${AMOUNT} EUR")
        #expect(vars[name: "GREETING"]?.value == "say \"hi\" to them", "\" is raw inside the quotes")
        #expect(vars[name: "TOOLS_DIR"]?.value == "C:\\tools\\bin", "\\ is raw")
        #expect(vars[name: "PHONE_PATTERN"]?.value == "^\\d{3}-\\d{4}$")
        #expect(vars[name: "WELCOME_TEXT"]?.value == "line one\nline two\r\nline three", "only \\n and \\r are escapes")
        #expect(vars[name: "EMPTY_OPTIONAL"]?.value == "", "an empty value that is neither secret nor a URL stays empty")
    }

    @Test func vercelSensitiveValuesAreNamesWithoutValues() throws {
        let vars = try preset(.vercel, fixture: "vercel-env-pull.env")
        for name in ["DATABASE_URL", "STRIPE_SECRET_KEY", "REDIS_URL", "SESSION_SECRET"] {
            #expect(vars[name: name]?.value == nil && vars[name: name]?.markedSecret == true, "\(name): [SENSITIVE] or an old CLI's \"\"")
        }
        let mapped = Mirror.map(vars, rules: MirrorRules(), local: MirrorFixtures.local)
        #expect(mapped[key: "DATABASE_URL"]?.localValue == MirrorFixtures.pgURL)
        #expect(mapped[key: "REDIS_URL"]?.localValue == MirrorFixtures.redisURL)
        #expect(mapped[key: "STRIPE_SECRET_KEY"]?.localValue == "__SET_ME__STRIPE_SECRET_KEY")
        #expect(mapped[key: "BCRYPT_HASH"]?.localValue == "$2b$10$abcdefghijklmnopqrstuv")
        let lock = StagingLock(staging: vars, rules: MirrorRules(), vocabulary: MirrorFixtures.vocabulary).encoded()
        #expect(!lock.contains("[SENSITIVE]") && !lock.contains("__SET_ME__"), "a placeholder is never a value in the lock")
        #expect(try preset(.vercel, fixture: "vercel-env-pull-empty.env").isEmpty)
        #expect(throws: DevenvError.self) { try StagingSource.preset(name: .vercel, settings: [:], extraArgs: []).parse("A=\"unclosed\n", dotenv: MirrorFixtures.dotenv) }
    }

    // MARK: Railway — railwayapp/cli src/commands/variable.rs, list_variables (BTreeMap, to_string_pretty)

    @Test func railwayJSONObjectDropsRailwayKeys() throws {
        let vars = try preset(.railway, fixture: "railway-variables.json")
        #expect(vars.map(\.name) == ["CORS_ORIGINS", "DEBUG", "LOGTO_ENDPOINT", "MONGODB_DB_NAME", "MONGODB_URL", "PORT", "REDIS_URL", "STRIPE_SECRET_KEY"])
        #expect(vars[name: "PORT"]?.value == "8000")
        #expect(try preset(.railway, fixture: "railway-variables-empty.json").isEmpty, "`{}`: no variables")
    }

    // MARK: Fly — superfly/flyctl internal/command/secrets/list.go, runList (render.JSON)

    @Test("fly lists names and digests, in every spelling flyctl has used",
          arguments: ["fly-secrets-list.json", "fly-secrets-list-no-status.json", "fly-secrets-list-legacy.json"])
    func flyNamesAndDigests(fixture: String) throws {
        let vars = try preset(.fly, fixture: fixture)
        #expect(vars.first?.name == "DATABASE_URL")
        #expect(vars.first?.digest == "a1b2c3d4e5f60718")
        #expect(vars.allSatisfy { $0.value == nil && $0.markedSecret && $0.digest != nil })
        #expect(try preset(.fly, fixture: "fly-secrets-list-empty.json").isEmpty)
    }

    /// internal/appconfig/config.go (`Env map[string]string toml:"env"`), patches.go `_patchEnv`.
    @Test func flyTomlEnvIsPlainConfig() throws {
        let env = try FlyToml.env(MirrorFixtures.text("fly.toml"))
        #expect(env.map(\.key) == ["LOG_LEVEL", "RUST_LOG", "PORT", "WORKERS", "ENABLE_TRACING", "SAMPLE_RATE", "QUOTED-KEY", "GREETING", "DATABASE_URL"])
        let values = Dictionary(env.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
        #expect(values["RUST_LOG"] == "autoswe=debug,tower_http=info")
        #expect(values["PORT"] == "8080" && values["ENABLE_TRACING"] == "true" && values["SAMPLE_RATE"] == "0.25")
        #expect(values["GREETING"] == "say \"hi\"\tnow")
        #expect(values["NOT_AN_ENV"] == nil, "text inside a multi-line string of another table")
        #expect(try FlyToml.env("app = \"x\"\n[[env]]\nFOO = \"BAR\"\nTWO = 2\n\n[[env]]\nTRUE = true\n").map(\.value) == ["BAR", "2", "true"])
        #expect(try FlyToml.env("env = { A = \"1\", B = 2.0 }\nenv.C = 'c'\n").map(\.value) == ["1", "2", "c"])
        #expect(try FlyToml.env("app = 'x'\n[build]\nimage = 'y'\n").isEmpty)
        #expect(throws: StagingParse.Failure.self) { try FlyToml.env("[env]\nA = [1, 2]\n") }
        #expect(throws: StagingParse.Failure.self) { try FlyToml.env("[env]\nA = \"unclosed\n") }
    }

    // MARK: Doppler — DopplerHQ/cli pkg/cmd/secrets.go, downloadSecrets (--no-file prints the body)

    @Test func dopplerDropsItsOwnKeys() throws {
        let vars = try preset(.doppler, fixture: "doppler-secrets-download.json")
        #expect(!vars.contains { $0.name.hasPrefix("DOPPLER_") })
        #expect(vars.count == 7)
        #expect(vars[name: "S3_BUCKET"]?.value == "rorun-uploads-staging")
        #expect(try preset(.doppler, fixture: "doppler-secrets-download-empty.json").isEmpty, "only Doppler's own keys: no variables")
    }

    // MARK: Heroku — heroku/cli src/commands/config/index.ts, ConfigIndex.run (hux.styledJSON)

    @Test func herokuConfigJSONWithoutHerokuMetadata() throws {
        let vars = try preset(.heroku, fixture: "heroku-config.json")
        #expect(vars.map(\.name) == ["DATABASE_URL", "LOG_LEVEL", "REDIS_TLS_URL", "SESSION_SECRET"])
    }

    // MARK: Render — API reference: GET /v1/services/{id}/env-vars, /v1/env-groups, /v1/env-groups/{id}

    @Test func renderPagesAndLinkedGroups() throws {
        let first = try RenderAPI.envVarsPage(MirrorFixtures.text("render-env-vars-page1.json"))
        #expect(first.vars.count == 100 && first.next == "Y3Vyc29yLTk5", "a full page: ask for the next after its last cursor")
        let last = try RenderAPI.envVarsPage(MirrorFixtures.text("render-env-vars-page2.json"))
        #expect(last.vars.count == 50 && last.next == nil, "a short page is the last")
        let groups = try RenderAPI.linkedGroups(MirrorFixtures.text("render-env-groups.json"), service: "srv-alwrityapi000000001")
        #expect(groups.ids == ["evg-shared0000000000001"] && groups.next == nil)
        #expect(try RenderAPI.groupVars(MirrorFixtures.text("render-env-group.json")).map(\.name) == ["LOG_LEVEL", "FRONTEND_URL", "SENTRY_DSN"])
        #expect(try preset(.render, ["service": "srv-1"], fixture: "render-env-vars.json").map(\.name) == ["DATABASE_URL", "FRONTEND_URL", "OPENAI_API_KEY"])
        #expect(try RenderAPI.envVarsPage("[]").vars.isEmpty)
    }

    // MARK: AWS SSM — aws/aws-cli botocore data ssm/2014-11-06 GetParametersByPath (+ paginators-1.json)

    @Test func ssmStripsThePathAndMarksSecureStrings() throws {
        let vars = try preset(.awsSSM, ["path": "/scribe/staging"], fixture: "ssm-get-parameters-by-path.json")
        #expect(vars.map(\.name) == ["DATABASE_URL", "QDRANT_URL", "ALLOWED_ORIGINS", "stripe_WEBHOOK_SIGNING"])
        #expect(vars[name: "DATABASE_URL"]?.markedSecret == true)
        #expect(vars[name: "QDRANT_URL"]?.markedSecret == false)
        #expect(vars[name: "ALLOWED_ORIGINS"]?.value == "https://staging.scribe.app,https://admin.staging.scribe.app", "StringList: comma-separated")
        let slash = try preset(.awsSSM, ["path": "/scribe/staging/"], fixture: "ssm-get-parameters-by-path.json")
        #expect(slash.map(\.name) == vars.map(\.name))
        #expect(try preset(.awsSSM, ["path": "/scribe/staging"], fixture: "ssm-get-parameters-by-path-empty.json").isEmpty)
        #expect { try preset(.awsSSM, ["path": "/scribe/staging"], fixture: "ssm-get-parameters-by-path-one-page.json") } throws: {
            ($0 as? DevenvError)?.message.contains("one page of several") == true
        }
    }

    // MARK: AWS Secrets Manager — aws/aws-cli botocore data secretsmanager/2017-10-17 GetSecretValue

    @Test func secretsManagerReadsTheSecretStringObject() throws {
        let vars = try preset(.awsSecretsManager, ["secret": "rorun/staging"], fixture: "secretsmanager-get-secret-value.json")
        #expect(vars.map(\.name) == ["DATABASE_URL", "JWT_SECRET", "MAX_UPLOAD_MB", "S3_BUCKET"])
        #expect(vars[name: "MAX_UPLOAD_MB"]?.value == "25")
        #expect { try preset(.awsSecretsManager, ["secret": "x"], fixture: "secretsmanager-get-secret-value-binary.json") } throws: {
            ($0 as? DevenvError)?.message.contains("binary") == true
        }
        #expect(throws: DevenvError.self) {
            try StagingSource.preset(name: .awsSecretsManager, settings: ["secret": "x"], extraArgs: [])
                .parse("{\"SecretString\": \"not json SECRETVALUE\"}", dotenv: MirrorFixtures.dotenv)
        }
    }

    // MARK: Infisical — Infisical/cli packages/cmd/export.go, formatAsJson (json.Marshal; nil → null)

    @Test func infisicalSkipsPersonalOverridesAndReadsNullAsNone() throws {
        let vars = try preset(.infisical, fixture: "infisical-export.json")
        #expect(vars == [StagingVar(name: "API_BASE_URL", value: "https://api.staging.autoswe.dev"),
                         StagingVar(name: "DEBUG", value: "false"),
                         StagingVar(name: "JWT_SECRET", value: "infisical-fake-jwt-secret")])
        #expect(try preset(.infisical, fixture: "infisical-export-empty.json").isEmpty, "`null`: an environment without secrets")
    }
}
