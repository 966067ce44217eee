import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

/// The command each preset runs (argv as a value), its settings, and how sources are named.
/// The flags come from each provider's source; see Presets.swift for the file and function.
@Suite("Mirror: staging sources and presets")
struct MirrorSourceTests {
    let dotenv = MirrorFixtures.dotenv

    @Test("each preset builds its CLI's read-only command", arguments: [
        (StagingPreset.vercel, ["environment": "preview"], ["vercel", "env", "pull", "/tmp/x.env", "--environment=preview", "--yes"]),
        (.railway, ["environment": "staging", "service": "backend"], ["railway", "variables", "--json", "--environment", "staging", "--service", "backend"]),
        (.fly, ["app": "autoswe-api"], ["fly", "secrets", "list", "--json", "-a", "autoswe-api"]),
        (.doppler, ["project": "rorun", "config": "stg"],
         ["doppler", "secrets", "download", "--no-file", "--format", "json", "--no-fallback", "--project", "rorun", "--config", "stg"]),
        (.heroku, ["app": "myapp-staging"], ["heroku", "config", "--json", "-a", "myapp-staging"]),
        (.awsSSM, ["path": "/app/staging"], ["aws", "ssm", "get-parameters-by-path", "--path", "/app/staging", "--with-decryption", "--recursive", "--output", "json"]),
        (.awsSecretsManager, ["secret": "rorun/staging"], ["aws", "secretsmanager", "get-secret-value", "--secret-id", "rorun/staging", "--output", "json"]),
        (.infisical, ["environment": "staging"], ["infisical", "export", "--format=json", "--env=staging", "--secret-overriding=false"]),
    ])
    func argv(preset: StagingPreset, settings: [String: String], expected: [String]) throws {
        let inv = try preset.invocation(settings: settings, extraArgs: [], outputFile: "/tmp/x.env")
        #expect(inv.argv == expected)
        #expect(inv.outputFile == (preset == .vercel ? "/tmp/x.env" : nil))
    }

    @Test func defaultsOptionalSettingsAndExtraArgs() throws {
        let rw = try StagingPreset.railway.invocation(settings: [:], extraArgs: ["--kv"], outputFile: "f")
        #expect(rw.argv == ["railway", "variables", "--json", "--environment", "staging", "--kv"])
        let v = try StagingPreset.vercel.invocation(settings: ["branch": "feat-x", "scope": "myteam"], extraArgs: ["--cwd", "web"], outputFile: "f")
        #expect(v.argv == ["vercel", "env", "pull", "f", "--environment=preview", "--yes", "--git-branch=feat-x", "--scope", "myteam", "--cwd", "web"])
        let ssm = try StagingPreset.awsSSM.invocation(settings: ["path": "/a/s", "region": "eu-west-1", "profile": "stg", "endpoint": "http://127.0.0.1:5000"],
                                                      extraArgs: [], outputFile: "f")
        #expect(ssm.argv.suffix(6) == ["--region", "eu-west-1", "--profile", "stg", "--endpoint-url", "http://127.0.0.1:5000"])
        #expect(ssm.environment == ["AWS_PAGER": ""], "no pager: the AWS CLI v2 would otherwise page a terminal's output")
        let inf = try StagingPreset.infisical.invocation(settings: ["project": "p1", "path": "/api"], extraArgs: [], outputFile: "f")
        #expect(inf.argv == ["infisical", "export", "--format=json", "--env=staging", "--secret-overriding=false", "--projectId=p1", "--path=/api"])
        #expect(try StagingPreset.doppler.invocation(settings: [:], extraArgs: [], outputFile: "f").argv.suffix(2) == ["--config", "stg"])
        let fly = try StagingPreset.fly.invocation(settings: ["config": "deploy/fly.staging.toml"], extraArgs: [], outputFile: "f")
        #expect(fly.argv == ["fly", "secrets", "list", "--json", "--config", "deploy/fly.staging.toml"])
    }

    /// Doppler's fallback file (pkg/cmd/secrets.go `downloadSecrets`): only `--no-fallback`
    /// both stops it serving a cached copy and stops it writing ~/.doppler/fallback.
    @Test func dopplerNeverUsesOrWritesItsFallbackFile() throws {
        let argv = try StagingPreset.doppler.invocation(settings: [:], extraArgs: [], outputFile: "f").argv
        #expect(argv.contains("--no-fallback"))
        #expect(!argv.contains { $0.hasPrefix("--fallback") })
    }

    @Test func renderKeepsTheAPIKeyOutOfEveryArgv() throws {
        let inv = try StagingPreset.render.invocation(settings: ["service": "srv-abc123"], extraArgs: [], outputFile: "f")
        #expect(inv.argv.prefix(2) == ["sh", "-c"])
        #expect(inv.argv[2].contains("\"$RENDER_API_KEY\"") && inv.argv[2].contains("curl -fsS -H @-"))
        #expect(inv.argv.last == "https://api.render.com/v1/services/srv-abc123/env-vars?limit=100")
        #expect(RenderAPI.serviceEnvVars("srv-abc123", cursor: "cXV1eA==") == "https://api.render.com/v1/services/srv-abc123/env-vars?limit=100&cursor=cXV1eA%3D%3D")
        #expect(RenderAPI.envGroups(cursor: nil) == "https://api.render.com/v1/env-groups?limit=100")
        #expect(RenderAPI.envGroup("evg-1") == "https://api.render.com/v1/env-groups/evg-1")
    }

    @Test func unknownOrMissingSettingsAreUsageErrors() {
        #expect(throws: DevenvError.self) { try StagingPreset.render.invocation(settings: [:], extraArgs: [], outputFile: "f") }
        #expect(throws: DevenvError.self) { try StagingPreset.awsSecretsManager.invocation(settings: [:], extraArgs: [], outputFile: "f") }
        do {
            _ = try StagingPreset.railway.invocation(settings: ["enviroment": "x"], extraArgs: [], outputFile: "f")
            Issue.record("expected an error")
        } catch let e as DevenvError {
            #expect(e.exitCode == .usage)
            #expect(e.message.contains("did you mean 'environment'"))
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test("every preset drops its platform's own keys", arguments: [
        (StagingPreset.vercel, ["VERCEL", "VERCEL_URL", "TURBO_CACHE", "NX_DAEMON"]), (.railway, ["RAILWAY_PUBLIC_DOMAIN"]),
        (.fly, ["FLY_APP_NAME"]), (.doppler, ["DOPPLER_CONFIG"]), (.heroku, ["HEROKU_APP_NAME"]),
        (.render, ["RENDER", "RENDER_SERVICE_ID", "IS_PULL_REQUEST"]),
    ])
    func platformKeys(preset: StagingPreset, keys: [String]) {
        for key in keys { #expect(preset.isPlatformKey(key), "\(key)") }
        #expect(!preset.isPlatformKey("DATABASE_URL"))
        #expect(!StagingPreset.awsSSM.isPlatformKey("AWS_REGION"), "AWS_* keys are the app's S3 settings, not metadata")
    }

    @Test func labelsMaskTokensInArgv() {
        let s = StagingSource.command(argv: ["vercel", "env", "pull", "--token", "abc123", "--auth-key=zzz", "-H", "Authorization: Bearer qq"], format: nil)
        #expect(s.label == "command `vercel env pull --token *** --auth-key=*** -H ***`")
        #expect(StagingSource.preset(name: .railway, settings: ["environment": "staging"], extraArgs: []).label == "preset railway (environment: staging)")
    }

    // MARK: file: and command: formats

    @Test("formats are detected", arguments: [
        ("{\"A\":\"1\"}", StagingFormat.json), ("[{\"key\":\"A\",\"value\":\"1\"}]", .json),
        ("# c\nexport A=1\n", .dotenv), ("A=1", .dotenv), ("A: 1\nB: two\n", .yaml), ("---\nA: 1", .yaml), ("", .dotenv),
    ])
    func detect(text: String, format: StagingFormat) {
        #expect(StagingParse.detect(text) == format)
    }

    @Test func everyGenericShapeGivesTheSameVariables() throws {
        let expected = [StagingVar(name: "API_URL", value: "https://x"), StagingVar(name: "PORT", value: "8000")]
        let texts = [
            "{\"PORT\": 8000, \"API_URL\": \"https://x\"}",
            "[{\"key\":\"API_URL\",\"value\":\"https://x\"},{\"name\":\"PORT\",\"value\":\"8000\"}]",
            "API_URL: https://x\nPORT: 8000\n",
            "API_URL=https://x\nPORT=8000\n",
        ]
        for text in texts {
            #expect(try StagingSource.command(argv: ["x"], format: nil).parse(text, dotenv: dotenv) == expected)
        }
        let yaml = try StagingParse.any("A: 7.10\nB: no\nC: ~\n", format: .yaml, dotenv: dotenv)
        #expect(yaml.map(\.value) == ["7.10", "no", ""])
        let json = try StagingParse.any("{\"A\": true, \"B\": 1.5, \"C\": null}", format: nil, dotenv: dotenv)
        #expect(json.map(\.value) == ["true", "1.5", ""])
    }

    @Test("garbage fails naming the source, never quoting it", arguments: [
        "Error: not logged in. Run `railway login` SECRETVALUE", "{\"A\": {\"nested\": \"SECRETVALUE\"}}", "[1, 2]", "{not json SECRETVALUE",
    ])
    func garbage(text: String) {
        let source = StagingSource.preset(name: .railway, settings: [:], extraArgs: [])
        do {
            _ = try source.parse(text, dotenv: dotenv)
            Issue.record("expected an error")
        } catch let e as DevenvError {
            #expect(e.exitCode == .failure)
            #expect(e.message.contains("preset railway"))
            #expect(!e.description.contains("SECRETVALUE"))
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test func failuresOfTheCommandItself() {
        for (text, format) in [("just some words", StagingFormat?.none), ("A: [1, 2]", .yaml), ("x", .json)] {
            #expect(throws: DevenvError.self) { try StagingSource.file(path: "staging.yml", format: format).parse(text, dotenv: dotenv) }
        }
        let fly = StagingSource.preset(name: .fly, settings: [:], extraArgs: [])
        #expect(fly.commandFailed(status: nil).hint?.contains("flyctl") == true)
        #expect(StagingSource.command(argv: ["x"], format: nil).commandFailed(status: 2).message.contains("exited with status 2"))
        #expect(fly.timedOut(after: 60).message.contains("did not finish within 60 s"))
        #expect(fly.timedOut(after: 60).hint?.contains("staging.timeout") == true)
        let big = fly.tooMuchOutput(limit: 64 * 1024 * 1024)
        #expect(big.message.contains("printed more than 64 MiB") && !big.message.contains("could not be started"))
        let render = StagingSource.preset(name: .render, settings: ["service": "srv-1"], extraArgs: [])
        #expect(render.commandFailed(status: 22).hint?.contains("RENDER_API_KEY") == true)
    }
}
