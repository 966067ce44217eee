import DevenvCore
import DevenvEngine
import Foundation
import Testing

/// `devenv init` from a team's compose file, then `devenv up` on what it wrote: the real binary,
/// `docker compose config`, the engine and the test bed's stand-in images (the machine's image
/// map runs postgres:15 and redis:7 as Tests/testbed's; the test bed has no nginx, so the proxy is
/// the redis stand-in image under an entrypoint, command and healthcheck of its own).
@Suite(.serialized, .endToEnd) struct InitEndToEndTests {
    @Test func aComposeFileIsCarriedOverAndTheAppReachesPostgresThroughItsRewrittenURL() throws {
        try ProjectFixture.with("init-compose") { p in
            let port = ProcessTests.pinnablePort()
            p.onTearDown { [name = p.name] in   // the image compose built for the worker (down keeps images)
                _ = try? ProjectFixture.run(["sh", "-c", "docker image rm -f $(docker images -q --filter reference='\(name)*') 2>/dev/null || true"])
            }
            try p.write("api/dbcheck.py", ProcessTests.dbcheck)
            try p.write("worker/Dockerfile", "FROM devenv-testbed/redis:7\nCMD [\"redis-server\", \"--port\", \"6390\"]\n")
            try p.write("compose.yaml", """
            name: \(p.name)
            services:
              db:
                image: postgres:15
                environment: { POSTGRES_USER: app, POSTGRES_PASSWORD: secret, POSTGRES_DB: app }
              cache: { image: "redis:7" }
              api:
                build: ./api
                command: python3 dbcheck.py
                ports: ["\(port):\(port)"]
                environment: { DATABASE_URL: "postgres://app:secret@db:5432/app", PORT: "\(port)" }
                depends_on: [db, cache]
              proxy:
                image: devenv-testbed/redis:7
                entrypoint: [sh, -c]
                command: ["exec redis-server --port 6380 --requirepass \\"$$UPSTREAM_PASSWORD\\""]
                environment: { UPSTREAM: "db:5432", UPSTREAM_PASSWORD: secret }
                healthcheck: { test: [CMD-SHELL, "redis-cli -p 6380 -a \\"$$UPSTREAM_PASSWORD\\" ping | grep -q PONG"], interval: 1s, retries: 60 }
                ports: ["6380"]
              worker:                 # nothing init can run on the host: a container built from its Dockerfile
                build: ./worker
                ports: ["6390"]
            """)
            let initialised = try p.devenv(["init", "--name", p.name])
            #expect(initialised.status == 0, "\(initialised.stdout)\(initialised.stderr)")
            let manifest = try p.read("devenv.yml")
            #expect(manifest.contains("db: {kind: postgres, version: \"15\", databases: [app]}"), "\(manifest)")
            #expect(manifest.contains("DATABASE_URL: \"postgres://{{db.user}}:{{db.password}}@{{db.host}}:{{db.port}}/app\""), "\(manifest)")
            #expect(manifest.contains("worker:\n    build: ./worker"), "\(manifest)")
            #expect(manifest.contains("UPSTREAM_PASSWORD: \"{{db.password}}\"") && manifest.contains("entrypoint:") && manifest.contains("healthcheck:"), "\(manifest)")

            try p.trust()
            let up = try p.devenv(["up", "--detach"])
            #expect(up.status == 0, "\(up.stdout)\n\(up.stderr)")
            #expect(ProcessTests.get(port) == "42", "the app process queried Postgres through the rewritten DATABASE_URL")

            // The proxy runs the carried entrypoint and command, with db's password from the stack.
            let text = try #require(try p.service("db")["url"] as? String)
            let url = try #require(URLComponents(string: text))
            let password = try #require(url.password)
            #expect(password != "secret", "the kind makes its own password")
            let inside = try p.devenv(["compose", "exec", "-T", "proxy", "sh", "-c", "redis-cli -p 6380 -a \"$UPSTREAM_PASSWORD\" ping; echo \"$UPSTREAM_PASSWORD\""])
            #expect(inside.stdout.contains("PONG") && inside.stdout.contains(password), "\(inside.stdout)\(inside.stderr)")
            let health = try p.devenv(["compose", "ps", "--format", "{{.Service}} {{.Health}}"])
            #expect(health.stdout.contains("proxy healthy") || health.stdout.contains("proxy starting"), "the carried healthcheck runs: \(health.stdout)")
            let worker = try p.devenv(["compose", "exec", "-T", "worker", "redis-cli", "-p", "6390", "ping"])
            #expect(worker.stdout.contains("PONG"), "compose built and started the worker: \(worker.stdout)\(worker.stderr)")
            #expect(try p.devenv(["down"]).status == 0)
        }
    }

    /// A migration step that runs once before the app (`restart: "no"`, `service_completed_successfully`),
    /// a service in a profile, a UDP port, labels and `tty`: carried over, and `up` runs them as compose would.
    @Test func stepsProfilesAndUDPPortsAreCarriedAndRun() throws {
        try ProjectFixture.with("init-steps") { p in
            try p.write("compose.yaml", """
            name: \(p.name)
            services:
              db:
                image: postgres:15
                environment: { POSTGRES_USER: app, POSTGRES_PASSWORD: secret, POSTGRES_DB: app }
              migrate:
                image: devenv-testbed/postgres:15
                entrypoint: [sh, -c]
                command: ["psql -h db -d app -v ON_ERROR_STOP=1 -c 'create table if not exists steps (id int)'"]
                environment: { PGUSER: app, PGPASSWORD: secret }
                depends_on: { db: { condition: service_healthy } }
              web:
                image: devenv-testbed/redis:7
                command: [redis-server, --port, "6381"]
                ports: ["6381", "5353/udp"]
                tty: true
                labels: { team.owner: shop }
                depends_on: { migrate: { condition: service_completed_successfully } }
              debug:
                image: devenv-testbed/redis:7
                command: [redis-server, --port, "6382"]
                profiles: [debug]
            """)
            let initialised = try p.devenv(["init", "--name", p.name])
            #expect(initialised.status == 0, "\(initialised.stdout)\(initialised.stderr)")
            let manifest = try p.read("devenv.yml")
            #expect(!manifest.contains("not carried"), "\(manifest)")
            #expect(manifest.contains("restart: \"no\"") && manifest.contains("condition: service_completed_successfully"), "\(manifest)")
            #expect(manifest.contains("udp5353: 5353/udp") && manifest.contains("tty: true") && manifest.contains("profiles: [debug]"), "\(manifest)")

            let up = try p.devenv(["up", "--detach"])
            #expect(up.status == 0, "\(up.stdout)\n\(up.stderr)")
            let ps = try p.devenv(["compose", "ps", "--all", "--format", "{{.Service}} {{.State}} {{.ExitCode}}"]).stdout
            #expect(ps.contains("migrate exited 0") && ps.contains("web running") && !ps.contains("debug"), "the step ran once and exited 0; debug's profile was not named: \(ps)")
            let table = try p.devenv(["compose", "exec", "-T", "db", "sh", "-c", "psql -U \"$POSTGRES_USER\" -d app -tAc 'select count(*) from steps'"])
            #expect(table.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "the step made its table before web started: \(table.stdout)\(table.stderr)")
            let udp = try p.devenv(["compose", "port", "--protocol", "udp", "web", "5353"]).stdout
            #expect(udp.hasPrefix("127.0.0.1:"), "the UDP port is published on 127.0.0.1: \(udp)")
            let web = try p.devenv(["compose", "ps", "-q", "web"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let inspect = try ProjectFixture.run(["docker", "inspect", "-f", "{{index .Config.Labels \"team.owner\"}} {{.Config.Tty}}", web]).stdout
            #expect(inspect.trimmingCharacters(in: .whitespacesAndNewlines) == "shop true", "\(inspect)")

            let debug = try p.devenv(["up", "--detach", "--profile", "debug"])
            #expect(debug.status == 0, "\(debug.stdout)\n\(debug.stderr)")
            #expect(try p.devenv(["compose", "ps", "--format", "{{.Service}} {{.State}}"]).stdout.contains("debug running"))

            // A step that fails fails `up`, with its name and its last lines.
            try p.write("devenv.yml", try p.read("devenv.yml") + """
              broken:
                image: devenv-testbed/redis:7
                entrypoint: [sh, -c]
                command: ["echo cannot migrate; exit 3"]
                restart: "no"

            """)
            let failed = try p.devenv(["up", "--detach"])
            #expect(failed.status == 1 && failed.stderr.contains("broken stopped (Exited (3)") && failed.stderr.contains("cannot migrate"), "\(failed.stdout)\n\(failed.stderr)")
            #expect(try p.devenv(["down"]).status == 0)
            #expect(try p.containerIDs().isEmpty, "down takes every profile's containers too")
        }
    }
}
