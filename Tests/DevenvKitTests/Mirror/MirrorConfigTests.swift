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

@Suite("Mirror: staging: in devenv.yml")
struct MirrorConfigTests {
    func parse(_ yaml: String) throws -> (config: StagingConfig?, problems: [ManifestProblem]) {
        StagingConfig.parse(try #require(try Yams.compose(yaml: yaml)))
    }

    @Test func fullConfig() throws {
        let (config, problems) = try parse("""
        from: { preset: railway, environment: staging, service: backend, args: [--kv] }
        keep: [STRIPE_PUBLISHABLE_KEY]
        secret: [LOGTO_*]
        secrets: omit
        override: { LOG_LEVEL: debug, PORT: 8000 }
        rewrite: { api.staging.myflow.app: "localhost:8000" }
        versions: { postgres: "15.4", redis: 7.2 }
        """)
        #expect(problems.isEmpty)
        let c = try #require(config)
        #expect(c.source == .preset(name: .railway, settings: ["environment": "staging", "service": "backend"], extraArgs: ["--kv"]))
        #expect(c.rules.keep == ["STRIPE_PUBLISHABLE_KEY"] && c.rules.secret == ["LOGTO_*"] && c.rules.secrets == .omit)
        #expect(c.rules.override.map(\.key) == ["LOG_LEVEL", "PORT"] && c.rules.overrideValue("PORT") == "8000")
        #expect(c.rules.rewrite == ["api.staging.myflow.app": "localhost:8000"])
        #expect(c.versions == ["postgres": "15.4", "redis": "7.2"])
    }

    @Test func commandAndFileSources() throws {
        let cmd = try parse("from: { command: [railway, variables, --json, --environment, staging], format: json }\nversions: { command: [./bin/versions] }")
        #expect(cmd.config?.source == .command(argv: ["railway", "variables", "--json", "--environment", "staging"], format: .json))
        #expect(cmd.config?.versionsCommand == ["./bin/versions"])
        #expect(try parse("from: { file: staging.env }").config?.source == .file(path: "staging.env", format: nil))
    }

    @Test("mistakes are reported with their place and a suggestion", arguments: [
        ("from: { preset: railwya }", "unknown preset 'railwya'; did you mean 'railway'?"),
        ("from: { preset: railway, enviroment: x }", "did you mean 'environment'?"),
        ("from: { preset: aws-ssm }", "preset aws-ssm needs 'path:'"),
        ("from: { command: railway variables }", "must be a list of arguments"),
        ("from: { file: a.env, command: [x] }", "exactly one of file:, command:, preset:"),
        ("from: { file: a.env, format: toml }", "format must be json, yaml or dotenv"),
        ("keep: [A]", "staging needs 'from:'"),
        ("from: { file: a }\nsecrets: omitt", "did you mean 'omit'?"),
        ("from: { file: a }\nkepe: [A]", "did you mean 'keep'?"),
    ])
    func problems(yaml: String, message: String) throws {
        let (config, problems) = try parse(yaml)
        #expect(config == nil)
        #expect(problems.contains { $0.message.contains(message) }, "\(problems)")
        #expect(problems.allSatisfy { $0.line >= 1 })
    }
}
