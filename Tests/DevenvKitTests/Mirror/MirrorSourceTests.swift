import Foundation
import Testing
@testable import DevenvKit

@Suite("Mirror: staging sources and presets")
struct MirrorSourceTests {
    let dotenv = MirrorFixtures.dotenv

    func preset(_ p: StagingPreset, _ settings: [String: String] = [:], fixture: String) throws -> [StagingVar] {
        try StagingSource.preset(name: p, settings: settings, extraArgs: []).parse(MirrorFixtures.text(fixture), dotenv: dotenv)
    }

    // MARK: argv

    @Test("each preset builds its CLI's read-only command", arguments: [
        (StagingPreset.vercel, ["environment": "preview"], ["vercel", "env", "pull", "/tmp/x.env", "--environment=preview", "--yes"]),
        (.railway, ["environment": "staging", "service": "backend"], ["railway", "variables", "--json", "--environment", "staging", "--service", "backend"]),
        (.fly, ["app": "autoswe-api"], ["fly", "secrets", "list", "--json", "-a", "autoswe-api"]),
        (.doppler, ["project": "rorun", "config": "stg"], ["doppler", "secrets", "download", "--no-file", "--format", "json", "--project", "rorun", "--config", "stg"]),
        (.heroku, ["app": "myapp-staging"], ["heroku", "config", "--json", "-a", "myapp-staging"]),
        (.awsSSM, ["path": "/app/staging"], ["aws", "ssm", "get-parameters-by-path", "--path", "/app/staging", "--with-decryption", "--recursive", "--output", "json"]),
        (.infisical, ["environment": "staging"], ["infisical", "export", "--format=json", "--env=staging"]),
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
        let ssm = try StagingPreset.awsSSM.invocation(settings: ["path": "/a/s", "region": "eu-west-1", "profile": "stg"], extraArgs: [], outputFile: "f")
        #expect(ssm.argv.suffix(4) == ["--region", "eu-west-1", "--profile", "stg"])
        let inf = try StagingPreset.infisical.invocation(settings: ["project": "p1", "path": "/api"], extraArgs: [], outputFile: "f")
        #expect(inf.argv == ["infisical", "export", "--format=json", "--env=staging", "--projectId=p1", "--path=/api"])
        #expect(try StagingPreset.doppler.invocation(settings: [:], extraArgs: [], outputFile: "f").argv.suffix(2) == ["--config", "stg"])
    }

    @Test func renderKeepsTheAPIKeyOutOfArgv() throws {
        let inv = try StagingPreset.render.invocation(settings: ["service": "srv-abc123"], extraArgs: [], outputFile: "f")
        #expect(inv.argv.prefix(2) == ["sh", "-c"])
        #expect(inv.argv.last == "srv-abc123")
        #expect(inv.argv[2].contains("$RENDER_API_KEY"))
        #expect(inv.argv[2].contains("https://api.render.com/v1/services/$sid/env-vars"))
    }

    @Test func unknownOrMissingSettingsAreUsageErrors() {
        #expect(throws: DevenvError.self) { try StagingPreset.render.invocation(settings: [:], extraArgs: [], outputFile: "f") }
        do {
            _ = try StagingPreset.railway.invocation(settings: ["enviroment": "x"], extraArgs: [], outputFile: "f")
            Issue.record("expected an error")
        } catch let e as DevenvError {
            #expect(e.exitCode == .usage)
            #expect(e.message.contains("did you mean 'environment'"))
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test func labelsMaskTokensInArgv() {
        let s = StagingSource.command(argv: ["vercel", "env", "pull", "--token", "abc123", "--auth-key=zzz", "-H", "Authorization: Bearer qq"], format: nil)
        #expect(s.label == "command `vercel env pull --token *** --auth-key=*** -H ***`")
        #expect(StagingSource.preset(name: .railway, settings: ["environment": "staging"], extraArgs: []).label == "preset railway (environment: staging)")
    }

    @Test func fetchPlans() throws {
        #expect(try StagingSource.file(path: "staging.env", format: nil).fetch(tempFile: "t") == .readFile("staging.env"))
        let fetch = try StagingSource.preset(name: .vercel, settings: [:], extraArgs: []).fetch(tempFile: "/tmp/t.env")
        guard case .run(let inv) = fetch else { Issue.record("expected run"); return }
        #expect(inv.outputFile == "/tmp/t.env")
    }

    // MARK: parsers on documented shapes

    @Test func vercelPullFileDropsPlatformKeys() throws {
        let vars = try preset(.vercel, fixture: "vercel-env-pull.env")
        #expect(vars.map(\.name) == ["LOGTO_APP_SECRET", "NEXT_PUBLIC_API_URL", "NEXT_PUBLIC_LOGTO_ENDPOINT"])
        #expect(vars[name: "NEXT_PUBLIC_API_URL"]?.value == "https://api.staging.myflow.app")
    }

    @Test func railwayJSONObjectDropsRailwayKeys() throws {
        let vars = try preset(.railway, fixture: "railway-variables.json")
        #expect(!vars.contains { $0.name.hasPrefix("RAILWAY_") })
        #expect(vars.map(\.name) == ["CORS_ORIGINS", "DEBUG", "LOGTO_ENDPOINT", "MONGODB_DB_NAME", "MONGODB_URL", "PORT", "REDIS_URL", "STRIPE_SECRET_KEY"])
        #expect(vars[name: "PORT"]?.value == "8000")
    }

    @Test("fly lists names only, in both spellings flyctl has used", arguments: ["fly-secrets-list.json", "fly-secrets-list-legacy.json"])
    func flyNamesOnly(fixture: String) throws {
        let vars = try preset(.fly, fixture: fixture)
        #expect(vars.first?.name == "DATABASE_URL")
        #expect(vars.allSatisfy { $0.value == nil && $0.markedSecret })
    }

    @Test func dopplerDropsItsOwnKeys() throws {
        let vars = try preset(.doppler, fixture: "doppler-secrets-download.json")
        #expect(!vars.contains { $0.name.hasPrefix("DOPPLER_") })
        #expect(vars.count == 7)
        #expect(vars[name: "S3_BUCKET"]?.value == "rorun-uploads-staging")
    }

    @Test func herokuConfigJSON() throws {
        let vars = try preset(.heroku, fixture: "heroku-config.json")
        #expect(vars.map(\.name) == ["DATABASE_URL", "LOG_LEVEL", "REDIS_TLS_URL", "SESSION_SECRET"])
    }

    @Test func renderEnvVarsUnwrapsEnvelopes() throws {
        let vars = try preset(.render, ["service": "srv-1"], fixture: "render-env-vars.json")
        #expect(vars.map(\.name) == ["DATABASE_URL", "FRONTEND_URL", "OPENAI_API_KEY"])
        #expect(vars[name: "FRONTEND_URL"]?.value == "https://alwrity-staging.vercel.app")
    }

    @Test func ssmStripsThePathAndMarksSecureStrings() throws {
        let vars = try preset(.awsSSM, ["path": "/scribe/staging"], fixture: "ssm-get-parameters-by-path.json")
        #expect(vars.map(\.name) == ["DATABASE_URL", "QDRANT_URL", "stripe_WEBHOOK_SIGNING"])
        #expect(vars[name: "DATABASE_URL"]?.markedSecret == true)
        #expect(vars[name: "QDRANT_URL"]?.markedSecret == false)
        let slash = try preset(.awsSSM, ["path": "/scribe/staging/"], fixture: "ssm-get-parameters-by-path.json")
        #expect(slash.map(\.name) == vars.map(\.name))
    }

    @Test func infisicalExportJSON() throws {
        let vars = try preset(.infisical, fixture: "infisical-export.json")
        #expect(vars == [StagingVar(name: "API_BASE_URL", value: "https://api.staging.autoswe.dev"),
                         StagingVar(name: "JWT_SECRET", value: "infisical-fake-jwt-secret")])
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

    @Test func garbageForFileSourcesToo() {
        for (text, format) in [("just some words", StagingFormat?.none), ("A: [1, 2]", .yaml), ("x", .json)] {
            #expect(throws: DevenvError.self) { try StagingSource.file(path: "staging.yml", format: format).parse(text, dotenv: dotenv) }
        }
        let e = StagingSource.preset(name: .fly, settings: [:], extraArgs: []).commandFailed(status: nil)
        #expect(e.exitCode == .failure && e.hint?.contains("flyctl") == true)
        #expect(StagingSource.command(argv: ["x"], format: nil).commandFailed(status: 2).message.contains("exited with status 2"))
    }
}
