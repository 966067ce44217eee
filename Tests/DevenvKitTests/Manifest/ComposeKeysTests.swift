import Foundation
import Testing
@testable import DevenvCore
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

/// The compose keys every service takes (what `devenv init` carries over): `restart:`,
/// `profiles:`, `labels:`, `depends_on:` on a kind, compose keys carried as written (`user`,
/// `tty`, `cap_add`, `ulimits`, `secrets`, …), the top-level `secrets:`, UDP ports and
/// `build.target`/`build.args`: each checked at its line and column, rendered into the stack,
/// and read back by compose as it reads its own.
@Suite struct ComposeKeysTests {
    static let text = """
    name: shop
    services:
      db: { kind: postgres, version: "16", restart: always, labels: { team: data }, shm_size: 256m, depends_on: [cache] }
      cache: { kind: redis, restart: "on-failure:5" }
      migrate:
        image: "example/migrate:1"
        restart: "no"
        depends_on: { db: { condition: service_healthy } }
        secrets: [db-password, api-token]
      web:
        build: { context: ./web, target: dev, args: { NODE_ENV: development, FROM_SHELL: null } }
        ports: { http: 3000, dns: 53/udp, stun: { container: 3478, protocol: udp } }
        user: "1000:1000"
        tty: true
        stdin_open: true
        init: true
        cap_add: [NET_ADMIN]
        ulimits: { nofile: { soft: 65536, hard: 65536 } }
        sysctls: { net.core.somaxconn: 1024 }
        stop_grace_period: 1m30s
        logging: { driver: json-file, options: { max-size: 10m } }
        labels: ["traefik.enable=true", "traefik.http.routers.web.rule=Host(`web.localhost`)"]
        env:
          PUBLIC_URL: "http://localhost:{{web.ports.http}}"
        depends_on: { migrate: { condition: service_completed_successfully } }
      debug: { image: "example/debug:1", profiles: [debug, tools], configs: [{ source: sentinel, target: /etc/sentinel.conf }, motd] }
    configs:
      sentinel: { file: ./redis/sentinel.conf }
      motd: { content: "hello $USER" }
    secrets:
      db-password: { file: ./db/password.txt }
      api-token: { environment: API_TOKEN }
    """

    @Test func theyAreRead() throws {
        let m = try TestSupport.parse(Self.text, file: "/projects/shop/devenv.yml")
        let db = try #require(m.service(named: "db")), migrate = try #require(m.service(named: "migrate")), web = try #require(m.service(named: "web"))
        #expect(db.restart == "always" && db.labels.map(\.key) == ["team"] && db.option("shm_size")?.value.text == "256m")
        #expect(db.dependsOn == [DependsOnSpec(name: "cache")], "a kind takes depends_on too")
        #expect(m.service(named: "cache")?.restart == "on-failure:5" && m.service(named: "cache")?.mayExit == true)
        #expect(migrate.restart == "no" && migrate.isStep && !web.isStep)
        #expect(web.build == BuildSpec(context: "./web", target: "dev", args: [.init(name: "NODE_ENV", value: "development"), .init(name: "FROM_SHELL", value: nil)]))
        #expect(web.ports.map { "\($0.name) \($0.container)/\($0.proto)" } == ["http 3000/tcp", "dns 53/udp", "stun 3478/udp"])
        #expect(web.options.map(\.key) == ["user", "tty", "stdin_open", "init", "cap_add", "ulimits", "sysctls", "stop_grace_period", "logging"])
        #expect(web.labels.map(\.key) == ["traefik.enable", "traefik.http.routers.web.rule"] && web.labels[1].value == "Host(`web.localhost`)")
        #expect(m.service(named: "debug")?.profiles == ["debug", "tools"] && m.service(named: "debug")?.option("configs") != nil)
        #expect(m.configs.map { "\($0.name) \($0.file ?? "-") \($0.content ?? "-")" } == ["sentinel ./redis/sentinel.conf -", "motd - hello $USER"])
        #expect(m.secrets.map { "\($0.name) \($0.file ?? "-") \($0.environment ?? "-")" } == ["db-password ./db/password.txt -", "api-token - API_TOKEN"])
        let r = SpecValidation.run(m, kinds: try TestSupport.templates(), identity: StackIdentity(project: "shop", root: "/projects/shop", branch: nil), imageMap: ImageMap())
        #expect(r.problems.isEmpty, "\(r.problems.map(\.message))")
    }

    @Test func mistakesAreProblemsAtTheirLineAndColumn() {
        let problems = TestSupport.problems("""
        services:
          a: { image: x, restart: sometimes, profiles: ["-bad"], tty: maybe, shm_size: lots, cap_add: { x: 1 }, ulimits: [1] }
          b: { image: x, usr: root, labels: { dev.devenv.stack: mine }, secrets: [db-pasword], configs: [{ target: /x }], ports: { dns: 53/sctp, q: { container: 5, protocol: icmp } } }
          postgres: { stop_signal: SIGTERM, stop_grace_period: soon }
          c: { image: x, build: { context: ., target: dev, platforms: [linux/amd64] } }
        secrets:
          db-password: { file: ./pw.txt }
          both: { file: ./a, environment: A }
        """)
        let text = problems.map { "\($0.line):\($0.column) \($0.message)" }.joined(separator: "\n")
        #expect(text.contains("2:27 restart 'sometimes' must be \"no\", always, on-failure (or on-failure:N, N > 0) or unless-stopped"), "\(text)")
        #expect(text.contains("profile '-bad' must start with a letter or digit"), "\(text)")
        #expect(text.contains("tty must be true or false, found 'maybe'"), "\(text)")
        #expect(text.contains("shm_size 'lots' must be a size like 256m"), "\(text)")
        #expect(text.contains("cap_add must be a list, found a map") && text.contains("ulimits must be a map, found a list"), "\(text)")
        #expect(text.contains("3:18 unknown key 'usr' in service 'b'; did you mean 'user'?"), "\(text)")
        #expect(text.contains("devenv sets the dev.devenv.* labels itself"), "\(text)")
        #expect(text.contains("service 'b' uses secret 'db-pasword', which the top-level secrets: does not have; did you mean 'db-password'?"), "\(text)")
        #expect(text.contains("port 'dns' must be a port number, or one with its protocol like 53/udp") && text.contains("protocol 'icmp' must be tcp or udp"), "\(text)")
        #expect(text.contains("service 'postgres': the postgres kind sets stop_signal itself"), "\(text)")
        #expect(text.contains("stop_grace_period 'soon' must be a duration"), "\(text)")
        #expect(text.contains("unknown key 'platforms' in 'build'"), "\(text)")
        #expect(text.contains("secret 'both' needs one of 'file:'"), "\(text)")
        #expect(text.contains("an entry of 'configs' needs 'source:' (a name under the top-level configs:)"), "\(text)")
        #expect(!text.contains("expected one of: kind, image, port, ports, ready, env, command, entrypoint, healthcheck, build, volumes, depends_on, restart, profiles, labels, annotations"),
                "the compose keys are named by a pointer, not listed: \(text)")
    }

    @Test func dependenciesNeedWhatTheirConditionWaitsFor() throws {
        let m = try TestSupport.parse("""
        services:
          db: { kind: postgres }
          seed: { image: x }
          net: { image: x, network_mode: host, ports: { http: 80 } }
          web: { image: x, depends_on: { seed: { condition: service_completed_successfully }, db: { condition: service_healthy } } }
        """)
        let r = SpecValidation.run(m, kinds: try TestSupport.templates(), identity: StackIdentity(project: "p", root: "/p", branch: nil), imageMap: ImageMap())
        let text = r.problems.map { "\($0.line):\($0.column) \($0.message)" }.joined(separator: "\n")
        #expect(text.contains("5:34 service 'web' waits for 'seed' to complete, and 'seed' is restarted whenever it stops (give it restart: \"no\""), "\(text)")
        #expect(!text.contains("'db' has no healthcheck"), "the postgres kind has one: \(text)")
        #expect(text.contains("service 'net' has network_mode and ports"), "\(text)")
    }

    @Test func theyAreRenderedIntoTheStackAndComposeReadsThem() throws {
        let m = try TestSupport.parse(Self.text, file: "/projects/shop/devenv.yml")
        let plan = try TestSupport.plan(m, identity: StackIdentity(project: "shop", root: "/projects/shop", branch: nil),
                                        secrets: ["db": ["password": "pgSecret0000000000000000"]], home: TestSupport.tempDir("compose-keys"))
        let compose = try ComposeRenderer.render(plan)
        let dir = TestSupport.tempDir("compose-keys-compose")
        try compose.write(toFile: dir + "/compose.yaml", atomically: true, encoding: .utf8)
        let (status, out, err) = try TestSupport.run(["docker", "compose", "--file", dir + "/compose.yaml", "--profile", "*", "config", "--format", "json"])
        #expect(status == 0, "\(err)\n\(compose)")
        let services = Dictionary(uniqueKeysWithValues: try ComposeSource.parse(json: Data(out.utf8)).map { ($0.name, $0) })
        let db = try #require(services["db"]), web = try #require(services["web"]), migrate = try #require(services["migrate"])
        #expect(db.restart == "always" && services["cache"]?.restart == "on-failure:5" && migrate.restart == "no" && web.restart == "unless-stopped")
        #expect(db.dependsOn.map(\.name) == ["cache"] && db.labels.contains { $0 == ("team", "data") } && db.json["shm_size"] == "\"268435456\"")
        #expect(web.dependsOn.map { "\($0.name) \($0.condition)" } == ["migrate service_completed_successfully"])
        #expect(web.json["user"] == "\"1000:1000\"" && web.json["tty"] == "true" && web.json["init"] == "true" && web.json["cap_add"] == "[\"NET_ADMIN\"]")
        #expect(web.json["ulimits"] == "{\"nofile\":{\"hard\":65536,\"soft\":65536}}" && web.json["sysctls"] == "{\"net.core.somaxconn\":\"1024\"}", "\(web.json)")
        #expect(web.json["stop_grace_period"] == "\"1m30s\"" && web.json["logging"] == "{\"driver\":\"json-file\",\"options\":{\"max-size\":\"10m\"}}")
        #expect(web.labels.contains { $0 == ("traefik.http.routers.web.rule", "Host(`web.localhost`)") } && web.labels.contains { $0.key == "dev.devenv.stack" })
        // an arg without a value takes the shell's, as compose does (unset here, so compose leaves it out)
        #expect(web.json["build"] == "{\"args\":{\"NODE_ENV\":\"development\"},\"context\":\"\\/projects\\/shop\\/web\",\"dockerfile\":\"Dockerfile\",\"target\":\"dev\"}", "\(web.json["build"] ?? "")")
        #expect(web.ports.map { "\($0.target)/\($0.proto)" } == ["3000/tcp", "53/udp", "3478/udp"])
        let http = try #require(plan.service("web")?.ports.first { $0.name == "http" }?.host)
        #expect(web.environment.contains { $0.key == "PUBLIC_URL" && $0.value == "http://localhost:\(http)" }, "a host port, for a browser's address")
        #expect(plan.service("web")?.probe == .tcp(port: http), "a UDP port is never probed")
        #expect(migrate.json["secrets"] == "[{\"source\":\"db-password\",\"target\":\"\\/run\\/secrets\\/db-password\"},{\"source\":\"api-token\",\"target\":\"\\/run\\/secrets\\/api-token\"}]", "\(migrate.json)")
        #expect(services["debug"]?.profiles == ["debug", "tools"])
        let top = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        let secrets = try #require(top["secrets"] as? [String: [String: Any]])
        #expect(secrets["db-password"]?["file"] as? String == "/projects/shop/db/password.txt" && secrets["api-token"]?["environment"] as? String == "API_TOKEN")
        let configs = try #require(top["configs"] as? [String: [String: Any]])
        #expect(configs["sentinel"]?["file"] as? String == "/projects/shop/redis/sentinel.conf" && configs["motd"]?["content"] as? String == "hello $$USER", "\(configs)")
        #expect(services["debug"]?.json["configs"] == "[{\"source\":\"sentinel\",\"target\":\"\\/etc\\/sentinel.conf\"},{\"source\":\"motd\"}]", "\(services["debug"]?.json ?? [:])")
    }

    @Test func aUDPPortIsAllocatedWhereAUDPSocketCanBind() throws {
        var registry = Registry()
        let ports = try PortAllocator.allocate(identity: StackIdentity(project: "p", root: "/p", branch: nil), composeFile: "/p/c.yaml",
                                               requests: [PortRequest(key: "dns", udp: true), PortRequest(key: "web")],
                                               range: PortRange(lower: 30000, upper: 30009, blockSize: 10), registry: &registry, now: Date(),
                                               isFree: { _ in true }, isFreeUDP: { $0 != 30000 })
        #expect(ports["dns"] == 30001, "30000 is taken for UDP: \(ports)")
        #expect(ports["web"] == 30000, "a TCP port is checked over TCP")
    }
}
