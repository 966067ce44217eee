import Foundation
import Testing
@testable import DevenvCore
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

/// A generic service's `entrypoint:`, `healthcheck:`, `depends_on:` and `build:`, `{{SERVICE.KEY}}` and `null` (from the shell) in a service's
/// `env:` (what `devenv init` carries over from compose), validated and rendered into the stack.
@Suite struct GenericServiceKeysTests {
    static let text = """
    name: shop
    services:
      db: { kind: postgres, version: "16", databases: [shop] }
      migrate:
        image: "example/migrate:1.2"
        entrypoint: [sh, -c]
        command: ["./migrate up && echo $HOME"]
        healthcheck: { test: [CMD-SHELL, "test -f /tmp/done || exit 1"], interval: 5s, retries: 3 }
        env:
          DATABASE_URL: "postgres://{{db.user}}:{{db.password}}@db:5432/shop?sslmode=disable"
          DB_PASSWORD: "{{db.password}}"
          GO_TEMPLATE: "{{ .Name }} {{not.a.service}}"
          DEVENV_TEST_FROM_SHELL: null      # from the environment `devenv up` runs in, as compose does
        volumes: ["shared:/data"]
        depends_on: { db: { condition: service_healthy } }
      web:
        image: "example/web:2"
        ports: { http: 8080 }
        healthcheck: "curl -f http://localhost:8080/ || exit 1"
        volumes: ["shared:/data"]           # one named volume, two services: declared once
        depends_on: [migrate]
      api: { build: { context: ./api, dockerfile: Dockerfile.dev }, ports: { http: 3000 } }
    """

    @Test func entrypointAndHealthcheckAreRead() throws {
        let m = try TestSupport.parse(Self.text)
        let migrate = try #require(m.service(named: "migrate"))
        #expect(migrate.entrypoint == ["sh", "-c"])
        #expect(migrate.healthcheck == HealthcheckSpec(test: ["CMD-SHELL", "test -f /tmp/done || exit 1"], options: [("interval", "5s"), ("retries", "3")]))
        #expect(migrate.fromShell == ["DEVENV_TEST_FROM_SHELL"] && !migrate.environment.contains { $0.key == "DEVENV_TEST_FROM_SHELL" })
        #expect(m.service(named: "web")?.healthcheck?.test == ["CMD-SHELL", "curl -f http://localhost:8080/ || exit 1"])
    }

    @Test func badHealthchecksAndKindsWithAnEntrypointAreProblems() {
        let problems = TestSupport.problems("""
        services:
          a: { image: x, healthcheck: [curl, -f, http://localhost/] }
          b: { image: x, healthcheck: { test: "true", interval: soon, retries: many } }
          c: { image: x, healthcheck: { interval: 5s } }
          postgres: { entrypoint: [sh] }
        """).map(\.message).joined(separator: "\n")
        #expect(problems.contains("starts with CMD or CMD-SHELL"), "\(problems)")
        #expect(problems.contains("healthcheck.interval 'soon'") && problems.contains("healthcheck.retries 'many'"), "\(problems)")
        #expect(problems.contains("healthcheck needs 'test:'"), "\(problems)")
        #expect(problems.contains("entrypoint"), "a kind runs its own image's entrypoint: \(problems)")
    }

    @Test func serviceEnvTemplatesAreCheckedAgainstWhatIsTheSameInsideTheStack() throws {
        let m = try TestSupport.parse("""
        services:
          db: { kind: postgres }
          app: { image: x, env: { A: "{{db.host}}:{{db.port}}", B: "{{db.pasword}}", C: "{{db.password}}", D: "{{other.thing}}" } }
        """)
        let r = SpecValidation.run(m, kinds: try TestSupport.templates(), identity: StackIdentity(project: "p", root: "/p", branch: nil), imageMap: ImageMap())
        let text = r.problems.map(\.message).joined(separator: "\n")
        #expect(text.contains("env A: '{{db.host}}' is the host's view"), "\(text)")
        #expect(text.contains("env B: unknown template key '{{db.pasword}}'"), "\(text)")
        #expect(!text.contains("env C") && !text.contains("env D"), "C is a value of the stack, D not a service of it: \(text)")
    }

    @Test func dependsOnNamesServicesOfTheManifestWithACondition() throws {
        let m = try TestSupport.parse(Self.text)
        #expect(m.service(named: "migrate")?.dependsOn == [DependsOnSpec(name: "db", condition: "service_healthy")])
        #expect(m.service(named: "web")?.dependsOn == [DependsOnSpec(name: "migrate")])
        let bad = TestSupport.problems("""
        services:
          a: { image: x, depends_on: { b: { condition: service_done } } }
          b: { image: x }
        """).map(\.message).joined(separator: "\n")
        #expect(bad.contains("condition 'service_done' must be service_started, service_healthy or service_completed_successfully"), "\(bad)")
        let m2 = try TestSupport.parse("""
        services:
          db: { kind: postgres }
          web: { image: x, depends_on: [dbb, web] }
          api: { image: x, depends_on: { web: { condition: service_healthy } } }
        """)
        let r = SpecValidation.run(m2, kinds: try TestSupport.templates(), identity: StackIdentity(project: "p", root: "/p", branch: nil), imageMap: ImageMap())
        let text = r.problems.map { "\($0.line):\($0.column) \($0.message)" }.joined(separator: "\n")
        #expect(text.contains("depends_on unknown service 'dbb'; did you mean 'db'?"), "\(text)")
        #expect(text.contains("service 'web' depends_on itself"), "\(text)")
        #expect(text.contains("'web' has no healthcheck"), "\(text)")
        #expect(r.problems.contains { $0.message.contains("'dbb'") && $0.line == 3 && $0.column > 1 }, "at the name's own line and column: \(text)")
    }

    @Test func theyAreRenderedIntoTheStackAndComposeReadsThem() throws {
        let m = try TestSupport.parse(Self.text, file: "/projects/shop/devenv.yml")
        let plan = try TestSupport.plan(m, identity: StackIdentity(project: "shop", root: "/projects/shop", branch: nil),
                                        secrets: ["db": ["password": "pgSecret0000000000000000"]], home: TestSupport.tempDir("generic-keys"))
        let compose = try ComposeRenderer.render(plan)
        let dir = TestSupport.tempDir("generic-keys-compose")
        try compose.write(toFile: dir + "/compose.yaml", atomically: true, encoding: .utf8)
        let (status, out, err) = try TestSupport.run(["docker", "compose", "--file", dir + "/compose.yaml", "config", "--format", "json"])
        #expect(status == 0, "\(err)")
        let services = try ComposeSource.parse(json: Data(out.utf8))
        let migrate = try #require(services.first { $0.name == "migrate" })
        #expect(migrate.entrypoint == ["sh", "-c"])
        #expect(migrate.command == ["./migrate up && echo $$HOME"], "a literal $ stays literal")
        #expect(migrate.healthcheck == ["CMD-SHELL", "test -f /tmp/done || exit 1"])
        #expect(migrate.healthcheckOptions.map(\.key) == ["interval", "retries"])
        #expect(migrate.dependsOn.map { "\($0.name) \($0.condition)" } == ["db service_healthy"])
        #expect(services.first { $0.name == "web" }?.dependsOn.map { "\($0.name) \($0.condition)" } == ["migrate service_started"])
        let env = Dictionary(uniqueKeysWithValues: migrate.environment.map { ($0.key, $0.value ?? "") })
        #expect(env["DATABASE_URL"] == "postgres://devenv:pgSecret0000000000000000@db:5432/shop?sslmode=disable")
        #expect(env["DB_PASSWORD"] == "pgSecret0000000000000000")
        #expect(migrate.environment.contains { $0.key == "DEVENV_TEST_FROM_SHELL" && $0.value == nil }, "named without a value: compose takes it from its shell")
        #expect(env["GO_TEMPLATE"] == "{{ .Name }} {{not.a.service}}", "text that names no service of the stack stays as written")
        let api = try #require(services.first { $0.name == "api" })
        #expect(api.build == "/projects/shop/api" && api.dockerfile == "Dockerfile.dev", "built as compose builds it")
        #expect(api.image == plan.identity.stack + "-api", "tagged as compose tags a built image")
        #expect(services.first { $0.name == "web" }?.healthcheck == ["CMD-SHELL", "curl -f http://localhost:8080/ || exit 1"])
    }
}
