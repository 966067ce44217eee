import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

/// `up`, `status` and `down` on the simulated engine (`SimulatedDocker`, no Docker): the
/// docker argv each runs, in order, and what the user gets, for a fresh `up`, a warm `up` that
/// starts nothing, a port someone else holds, and a `compose up` that fails.
@Suite struct UpSequenceTests {
    typealias World = OrchestrationTests.World
    static let manifest = OrchestrationTests.manifest

    static func up(_ w: World) async throws -> UpOperation.Outcome {
        var up = UpOperation()
        up.progress = false
        return try await up.run(w.ctx)
    }

    static func upError(_ w: World) async -> DevenvError? {
        do { _ = try await up(w); return nil } catch let e as DevenvError { return e } catch { Issue.record("\(error)"); return nil }
    }

    /// A listener on 127.0.0.1:`port` (0: one the system picks) held by this test process.
    static func hold(_ port: Int) throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Posix.streamSocket, 0)
        try #require(fd >= 0)
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = in_port_t(UInt16(port).bigEndian)
        a.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        guard bound == 0, listen(fd, 8) == 0 else { close(fd); throw DevenvError("cannot listen on 127.0.0.1:\(port)") }
        _ = withUnsafeMutablePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return (fd, Int(UInt16(bigEndian: a.sin_port)))
    }

    static func registryPorts(_ w: World, _ stack: String) throws -> [String: Int]? {
        try Registry.read(DevenvPaths(environment: ["DEVENV_HOME": w.home]).registryFile).stacks[stack]?.ports
    }

    @Test func aFreshUpPullsWhatIsMissingStartsSetsUpThenStatusAndDownSpeakToTheSameStack() async throws {
        let w = try World(Self.manifest, images: ["redis:7"])
        let outcome = try await Self.up(w)
        let file = outcome.plan.composeFile
        let postgres = try #require(try w.docker.containers(project: "shop").first { $0.service == "postgres" })
        let compose = w.docker.commands.filter { $0.arguments.first == "compose" }
        #expect(compose.allSatisfy { $0.executable == "docker" && Array($0.arguments.prefix(5)) == ["compose", "--project-name", "shop", "--file", file] },
                "every compose command is on the stack's own file: \(compose.map(\.arguments))")
        let verbs = w.docker.composeVerbs
        try #require(verbs.count == 3, "\(verbs)")
        #expect(verbs[0] == ["pull", "--quiet", "postgres"], "only the image the engine lacks")
        #expect(verbs[1] == ["up", "--detach", "--quiet-pull", "--remove-orphans"])
        #expect(Array(verbs[2].prefix(4)) == ["exec", postgres.id, "sh", "-c"], "the setup step runs after the start, in its container (docker exec)")
        #expect(verbs[2].last?.contains("CREATE DATABASE \"shop_test\"") == true)
        #expect(outcome.started)
        #expect(outcome.report.services.map(\.name) == ["postgres", "redis"])
        #expect(outcome.report.services.allSatisfy { $0.state == .running && $0.health == "ready" })
        let ports = try #require(try Self.registryPorts(w, "shop"))
        let redisPort = try #require(ports["redis"])
        let env = try String(contentsOfFile: w.root + "/.env", encoding: .utf8)
        #expect(env.contains("REDIS_URL=redis://default:") && env.contains(":\(redisPort)/0\n"), "the .env carries the claimed port")

        // status asks the Engine API only: no docker command.
        let before = w.docker.commands.count
        let status = try StatusOperation.run(w.ctx, branch: false).1
        #expect(status.services.map(\.state) == [.running, .running])
        #expect(w.docker.commands.count == before)
        try await DownOperation(volumes: false, yes: false, branch: false).run(w.ctx)
        #expect(w.docker.composeVerbs.dropFirst(before) == [["down", "--remove-orphans"]])
        #expect(try StatusOperation.run(w.ctx, branch: false).1.services.map(\.state) == [.missing, .missing])
    }

    @Test func aWarmUpStartsNothingAndChangesNothing() async throws {
        let w = try World(Self.manifest, images: ["postgres:16", "redis:7"])
        let first = try await Self.up(w)
        #expect(!w.docker.composeVerbs.contains { $0.first == "pull" }, "both images are there")
        let commands = w.docker.commands.count
        let env = try String(contentsOfFile: w.root + "/.env", encoding: .utf8)
        let compose = try String(contentsOfFile: first.plan.composeFile, encoding: .utf8)
        let ports = try Self.registryPorts(w, "shop")

        let again = try await Self.up(w)
        #expect(!again.started)
        #expect(w.docker.commands.count == commands, "no docker command: \(w.docker.composeVerbs.dropFirst(commands))")
        #expect(again.report.services.map(\.state) == [.running, .running])
        #expect(again.report.services.allSatisfy { $0.health == "ready" }, "every service answered its probe again")
        #expect(try String(contentsOfFile: w.root + "/.env", encoding: .utf8) == env)
        #expect(try String(contentsOfFile: again.plan.composeFile, encoding: .utf8) == compose)
        #expect(try Self.registryPorts(w, "shop") == ports, "the stack keeps its ports")
    }

    @Test func aPinnedPortSomeoneHoldsStopsUpBeforeAnyDockerCommand() async throws {
        let held = try Self.hold(0)
        defer { close(held.fd) }
        let w = try World("name: shop\nservices:\n  postgres: { version: \"16\", port: \(held.port) }\n  redis: {}\n", images: ["postgres:16", "redis:7"])
        let e = try #require(await Self.upError(w))
        #expect(e.exitCode == .portConflict)
        #expect(e.message.hasPrefix("port \(held.port) (pinned for postgres in devenv.yml) is taken by "), "\(e.message)")
        #expect(e.hint?.contains("devenv ports free \(held.port)") == true)
        #expect(w.docker.commands.isEmpty, "nothing started: \(w.docker.composeVerbs)")
        #expect(!FileManager.default.fileExists(atPath: w.root + "/.env"), "no .env written")
    }

    @Test func anAllocatedPortSomeoneTookIsMovedAndTheEnvFollows() async throws {
        // The run's own block: the other worlds plan from 30000-30999, and this test holds a port.
        let w = try World(Self.manifest, images: ["postgres:16", "redis:7"],
                          portRange: ProcessInfo.processInfo.environment["DEVENV_PORT_RANGE"] ?? "31000-31999")
        _ = try await Self.up(w)
        try await DownOperation(volumes: false, yes: false, branch: false).run(w.ctx)
        let old = try #require(try Self.registryPorts(w, "shop")?["redis"])
        let held = try Self.hold(old)
        defer { close(held.fd) }
        let before = w.docker.commands.count

        let outcome = try await Self.up(w)
        let new = try #require(try Self.registryPorts(w, "shop")?["redis"])
        #expect(new != old)
        #expect(outcome.plan.service("redis")?.mainPort?.host == new)
        #expect(w.output.printed.stderr.contains("port \(old) of redis is taken by "), "\(w.output.printed.stderr)")
        #expect(w.output.printed.stderr.contains("moved to \(new) (the .env files follow)"))
        let env = try String(contentsOfFile: w.root + "/.env", encoding: .utf8)
        #expect(env.contains(":\(new)/0\n") && !env.contains(":\(old)/0"), "the .env follows the move")
        #expect(try String(contentsOfFile: outcome.plan.composeFile, encoding: .utf8).contains("127.0.0.1:\(new):6379"))
        let after = w.docker.commands.dropFirst(before)
        let start = try #require(after.firstIndex { $0.arguments.first == "compose" })
        #expect(after[..<start].allSatisfy { $0.arguments.starts(with: ["run", "--rm"]) && $0.arguments.contains { $0.hasSuffix("-data:/data:ro") } },
                "only the data's version is read before the start: \(after.map(\.arguments))")
        #expect(w.docker.composeVerbs[start] == ["up", "--detach", "--quiet-pull", "--remove-orphans"])
        #expect(outcome.started)
    }

    @Test func aFailingComposeUpSaysWhatComposeSaidAndTheNextUpStartsTheStack() async throws {
        let w = try World(Self.manifest, images: ["postgres:16", "redis:7"])
        w.docker.fail("up", stderr: "Error response from daemon: failed to create task for container: exec: \"postgres\": executable file not found")
        let e = try #require(await Self.upError(w))
        #expect(e.message == "docker compose failed (exit 1)")
        #expect(e.exitCode == .failure)
        #expect(e.details.contains { $0.contains("executable file not found") }, "compose's own words: \(e.details)")
        #expect(w.docker.composeVerbs == [["up", "--detach", "--quiet-pull", "--remove-orphans"]], "no setup after a failed start")
        #expect(w.docker.containers.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: w.root + "/.env"), "no .env for a stack that did not start")
        let claimed = try #require(try Self.registryPorts(w, "shop"), "the claim stays: the next up keeps its ports")

        // An engine that cannot bind a published port: a port conflict (exit 3), not a crash.
        w.docker.fail("up", stderr: "Error response from daemon: Bind for 127.0.0.1:\(claimed["redis"] ?? 0) failed: port is already allocated")
        let taken = try #require(await Self.upError(w))
        #expect(taken.exitCode == .portConflict)
        #expect(taken.message == "a port was taken while the stack started")
        #expect(taken.hint?.contains("devenv ports") == true)

        w.docker.succeed("up")
        let outcome = try await Self.up(w)
        #expect(outcome.started)
        #expect(w.docker.composeVerbs.filter { $0.first == "up" }.count == 3, "\(w.docker.composeVerbs)")
        #expect(outcome.report.services.allSatisfy { $0.state == .running })
        #expect(try Self.registryPorts(w, "shop") == claimed)
        #expect(FileManager.default.fileExists(atPath: w.root + "/.env"))
    }
}
