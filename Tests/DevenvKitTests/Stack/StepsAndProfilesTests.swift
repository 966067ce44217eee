import Foundation
import Testing
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

/// `up` with one-shot steps (`restart: "no"`) and `profiles:`, against the simulated engine: a
/// step that exited 0 is done, one that failed fails `up` with its name; a service in a profile
/// is neither started nor waited for unless `--profile` names one of its profiles.
@Suite struct StepsAndProfilesTests {
    typealias World = OrchestrationTests.World

    static let manifest = """
    name: shop
    services:
      redis: {}
      migrate: { image: "migrate:1", restart: "no", depends_on: { redis: { condition: service_healthy } } }
      web: { image: "web:1", ports: { http: 8080 }, depends_on: { migrate: { condition: service_completed_successfully } } }
      debug: { image: "debug:1", ports: { http: 9000 }, profiles: [debug] }
    """
    static let images: Set<String> = ["redis:7", "migrate:1", "web:1", "debug:1"]

    @Test func aStepThatExitedZeroIsDoneAndAProfiledServiceIsLeftAlone() async throws {
        let w = try World(Self.manifest, images: Self.images)
        var up = UpOperation()
        up.progress = false
        let outcome = try await up.run(w.ctx)
        #expect(w.docker.composeVerbs.contains(["up", "--detach", "--quiet-pull", "--remove-orphans"]), "no profile given: \(w.docker.composeVerbs)")
        let started = Set(w.docker.containers.map(\.service))
        #expect(started == ["redis", "migrate", "web"], "debug is in a profile no one named: \(started)")
        #expect(outcome.timings.services.map(\.name).sorted() == ["migrate", "redis", "web"], "up waits for what it started, the step included")
        let compose = try String(contentsOfFile: outcome.plan.composeFile, encoding: .utf8)
        #expect(compose.contains("restart: \"no\"") && compose.contains("condition: service_completed_successfully") && compose.contains("profiles:"), "\(compose)")
    }

    @Test func aStepThatFailedFailsUpWithItsName() async throws {
        let w = try World(Self.manifest, images: Self.images)
        w.docker.setStepExit("migrate", 3)
        var up = UpOperation()
        up.progress = false
        do {
            _ = try await up.run(w.ctx)
            Issue.record("a step that exited 3 must fail up")
        } catch let e as DevenvError {
            #expect(e.message.hasPrefix("migrate stopped (Exited (3)"), "\(e.message)")
        }
    }

    @Test func upWithAProfileStartsItsServicesAndAnUnknownProfileIsRefused() async throws {
        let w = try World(Self.manifest, images: Self.images)
        var up = UpOperation()
        up.progress = false
        up.profiles = ["debug"]
        _ = try await up.run(w.ctx)
        #expect(w.docker.composeVerbs.contains(["up", "--detach", "--quiet-pull", "--remove-orphans"]))
        #expect(w.docker.commands.contains { $0.arguments.contains("--profile") && $0.arguments.contains("debug") && $0.arguments.contains("up") })
        #expect(w.docker.containers.contains { $0.service == "debug" && $0.state == .running })
        up.profiles = ["debgu"]
        await #expect(throws: DevenvError.self) { _ = try await up.run(w.ctx) }
        do { _ = try await up.run(w.ctx) } catch let e as DevenvError {
            #expect(e.message.contains("no service of devenv.yml has profile 'debgu'; did you mean 'debug'?") && e.exitCode == .usage, "\(e.message)")
        }
    }
}
