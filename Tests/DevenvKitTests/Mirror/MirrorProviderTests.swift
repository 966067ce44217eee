import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

/// Whole mirrors through the presets whose fetch is more than one command's stdout: Vercel's
/// file, Render's pages and env groups, Fly's digests with fly.toml, Infisical's cached copy.
/// The runner answers with the provider's exact output (Fixtures/, see MirrorFormatTests).
@Suite("Mirror: provider fetches end to end in the library")
struct MirrorProviderTests {
    @Test func vercelMirrorsEveryReadableValueExactlyAndSensitiveURLsToTheStack() async throws {
        let runner = RoutedRunner { command in
            #expect(command.arguments.prefix(2) == ["env", "pull"])
            let file = command.arguments[2]
            #expect(!FileManager.default.fileExists(atPath: file), "vercel env pull merges into an existing file: it must be fresh")
            try MirrorFixtures.text("vercel-env-pull.env").write(toFile: file, atomically: true, encoding: .utf8)
            return RoutedRunner.ok("")
        }
        let p = try MirrorProject("staging:\n  from: { preset: vercel }\n", runner: runner)
        _ = try await p.mirror()
        let values = try p.values(".env")
        let plan = try p.plan()
        #expect(values["BCRYPT_HASH"] == "$2b$10$abcdefghijklmnopqrstuv")
        #expect(values["AMOUNT_TEMPLATE"] == "${AMOUNT} EUR")
        #expect(values["GREETING"] == "say \"hi\" to them")
        #expect(values["TOOLS_DIR"] == "C:\\tools\\bin" && values["PHONE_PATTERN"] == "^\\d{3}-\\d{4}$")
        #expect(values["WELCOME_TEXT"] == "line one\nline two\r\nline three")
        #expect(values["DATABASE_URL"] == plan.service("postgres")?.url, "[SENSITIVE] DATABASE_URL → local Postgres")
        #expect(values["REDIS_URL"] == plan.service("redis")?.url, "an old CLI's empty sensitive REDIS_URL → local Redis")
        #expect(values["STRIPE_SECRET_KEY"] == "__SET_ME__STRIPE_SECRET_KEY" && values["SESSION_SECRET"] == "__SET_ME__SESSION_SECRET")
        #expect(values["VERCEL_URL"] == nil && values["VERCEL_OIDC_TOKEN"] == nil)
        let lock = try #require(p.read(StagingLock.fileName))
        #expect(!lock.contains("[SENSITIVE]") && !lock.contains("__SET_ME__"))
        #expect(try await p.mirror { $0.check = true }.drift.isEmpty)
    }

    @Test func renderFollowsCursorsAndReadsLinkedEnvGroups() async throws {
        let service = "srv-alwrityapi000000001"
        let runner = RoutedRunner { command in
            #expect(command.executable == "sh" && !command.argv.contains { $0.contains("rnd_fakeKey") }, "the key never reaches an argv")
            switch command.arguments.last! {
            case RenderAPI.envGroups(cursor: nil): return RoutedRunner.ok(try MirrorFixtures.text("render-env-groups.json"))
            case RenderAPI.envGroup("evg-shared0000000000001"): return RoutedRunner.ok(try MirrorFixtures.text("render-env-group.json"))
            case RenderAPI.serviceEnvVars(service, cursor: nil): return RoutedRunner.ok(try MirrorFixtures.text("render-env-vars-page1.json"))
            case RenderAPI.serviceEnvVars(service, cursor: "Y3Vyc29yLTk5"): return RoutedRunner.ok(try MirrorFixtures.text("render-env-vars-page2.json"))
            case let url: Issue.record("unexpected request \(url)"); return CommandResult(status: 22, stdout: "", stderr: "")
            }
        }
        let p = try MirrorProject("staging:\n  from: { preset: render, service: \(service) }\n", runner: runner,
                                  environment: ["RENDER_API_KEY": "rnd_fakeKey"])
        let report = try await p.mirror()
        #expect(runner.commands.count == 4)
        let values = try p.values(".env")
        #expect(values.keys.filter { $0.hasPrefix("FEATURE_FLAG_") }.count == 148, "both pages")
        #expect(values["LOG_LEVEL"] == "info", "from the linked env group")
        #expect(values["FRONTEND_URL"] == "https://alwrity-staging.vercel.app", "the service's own value wins over the group's")
        let pg = try p.plan().service("postgres")?.url
        #expect(values["DATABASE_URL"] == pg)
        #expect(report.keys.count == 148 + 2 + 2)

        let noKey = try MirrorProject("staging:\n  from: { preset: render, service: \(service) }\n", runner: runner)
        await #expect { try await noKey.mirror() } throws: { ($0 as? DevenvError)?.message.contains("needs RENDER_API_KEY") == true }
    }

    @Test func flyKeepsDigestsSoARotationIsDriftAndReadsFlyToml() async throws {
        var secrets = try MirrorFixtures.text("fly-secrets-list.json")
        let runner = RoutedRunner { command in
            #expect(command.argv.prefix(6) == ["fly", "secrets", "list", "--json", "-a", "autoswe-api"])
            return RoutedRunner.ok(secrets)
        }
        let p = try MirrorProject("staging:\n  from: { preset: fly, app: autoswe-api }\n", runner: runner)
        try p.write("fly.toml", try MirrorFixtures.text("fly.toml"))
        _ = try await p.mirror()
        let values = try p.values(".env")
        #expect(values["LOG_LEVEL"] == "info" && values["PORT"] == "8080", "fly.toml [env] is plain config, copied")
        let pg = try p.plan().service("postgres")?.url
        #expect(values["DATABASE_URL"] == pg, "a secret wins over [env]; mapped by its name")
        #expect(values["GOOGLE_CLIENT_SECRET"] == "__SET_ME__GOOGLE_CLIENT_SECRET")
        let lock = try #require(p.read(StagingLock.fileName))
        #expect(lock.contains("\"digest\" : \"0f1e2d3c4b5a6978\""), "\(lock)")
        #expect(try await p.mirror { $0.check = true }.drift.isEmpty)

        secrets = secrets.replacingOccurrences(of: "0f1e2d3c4b5a6978", with: "5555666677778888")
        let drift = try await p.mirror { $0.check = true }.drift
        #expect(drift.map(\.subject) == ["GOOGLE_CLIENT_SECRET"])
        #expect(drift.first?.detail.contains("changed on staging") == true)

        let elsewhere = try MirrorProject("staging:\n  from: { preset: fly, app: autoswe-api, config: deploy/fly.toml }\n", runner: runner)
        await #expect { try await elsewhere.mirror() } throws: { ($0 as? DevenvError)?.message.contains("deploy/fly.toml does not exist") == true }
    }

    @Test func infisicalServingItsBackupIsAFailure() async throws {
        let runner = RoutedRunner { _ in
            RoutedRunner.ok(try MirrorFixtures.text("infisical-export.json"),
                            stderr: "Warning: Unable to fetch the latest secret(s) due to connection error, serving secrets from last successful fetch. For more info, run with --debug \n")
        }
        let p = try MirrorProject("staging:\n  from: { preset: infisical }\n", runner: runner)
        await #expect { try await p.mirror() } throws: { ($0 as? DevenvError)?.message.contains("served its cached copy") == true }
        #expect(p.read(".env") == nil)
    }
}
