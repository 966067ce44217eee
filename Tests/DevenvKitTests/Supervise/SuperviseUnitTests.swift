import Foundation
import Testing
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

@Suite struct RestartBackoffTests {
    @Test func doublesFromOneSecondUpToTheCap() {
        #expect(RestartBackoff().schedule(7) == [1, 2, 4, 8, 16, 30, 30])
        #expect(RestartBackoff(base: 0.5, factor: 3, cap: 10).schedule(4) == [0.5, 1.5, 4.5, 10])
        #expect(RestartBackoff().delay(before: 0) == 1)
    }
}

@Suite struct ServiceWatchTests {
    let t0 = Date(timeIntervalSince1970: 1_000_000)
    let policy = SupervisePolicy(maxRestarts: 2, grace: 10, stableAfter: 60)

    func running(_ id: String = "c1", restarts: Int = 0, probe: Probe.Outcome = .ready) -> ServiceObservation {
        ServiceObservation(container: .init(id: id, state: .running, restartCount: restarts), probe: probe)
    }

    func exited(_ code: Int, id: String = "c1") -> ServiceObservation {
        ServiceObservation(container: .init(id: id, state: .exited, exitCode: code))
    }

    @Test func anExitedServiceIsRestartedAfterTheBackoffAndReportedReadyAgain() {
        var w = ServiceWatch(name: "redis", policy: policy, now: t0)
        #expect(w.observe(running(), now: t0).isEmpty)
        #expect(w.observe(exited(0), now: t0 + 1) == [.restartScheduled(service: "redis", cause: "exited (exit code 0)", attempt: 1, max: 2, delay: 1)])
        #expect(w.due(now: t0 + 1.5) == nil)
        #expect(w.due(now: t0 + 2) == RestartOrder(service: "redis", start: true))
        #expect(w.due(now: t0 + 2) == nil, "one restart at a time")
        #expect(w.observe(exited(0), now: t0 + 2.5).isEmpty, "nothing new while the restart runs")
        #expect(w.restartFinished(error: nil, now: t0 + 3).isEmpty)
        #expect(w.observe(running(), now: t0 + 4) == [.readyAgain(service: "redis", downFor: 3)])
    }

    @Test func engineRestartsAreCountedWithTheirCause() {
        var w = ServiceWatch(name: "postgres", policy: policy, now: t0)
        _ = w.observe(running(restarts: 0), now: t0)
        var o = running(restarts: 1, probe: .notReady("the database system is starting up"))
        o.lastExit = (137, false)
        #expect(w.observe(o, now: t0 + 1) == [.restartedByEngine(service: "postgres", cause: "was killed (exit code 137)", attempt: 1, max: 2)])
        #expect(w.observe(running(restarts: 1, probe: .notReady("starting")), now: t0 + 2).isEmpty, "already reported down")
        #expect(w.observe(running(restarts: 1), now: t0 + 3) == [.readyAgain(service: "postgres", downFor: 2)])
    }

    @Test func anUnansweringServiceIsRestartedAfterTheGracePeriod() {
        var w = ServiceWatch(name: "postgres", policy: policy, now: t0)
        _ = w.observe(running(), now: t0)
        #expect(w.observe(running(probe: .notReady("timed out")), now: t0 + 1) == [.stoppedAnswering(service: "postgres", reason: "timed out")])
        #expect(w.observe(running(probe: .notReady("timed out")), now: t0 + 10.5).isEmpty)
        #expect(w.observe(running(probe: .notReady("timed out")), now: t0 + 11) ==
                [.restartScheduled(service: "postgres", cause: "has not answered for 10s (timed out)", attempt: 1, max: 2, delay: 1)])
        #expect(w.due(now: t0 + 12) == RestartOrder(service: "postgres", start: false))
        _ = w.restartFinished(error: nil, now: t0 + 13)
        #expect(w.observe(running(probe: .notReady("starting")), now: t0 + 20).isEmpty, "the grace period starts again after a restart")
        #expect(w.observe(running(probe: .notReady("starting")), now: t0 + 23).first ==
                .restartScheduled(service: "postgres", cause: "has not answered for 10s (starting)", attempt: 2, max: 2, delay: 2))
    }

    @Test func givesUpAfterMaxRestartsAndResetsOnceStable() {
        var w = ServiceWatch(name: "redis", policy: policy, now: t0)
        var now = t0
        for attempt in 1...2 {
            now += 1
            #expect(w.observe(exited(1), now: now).first == .restartScheduled(service: "redis", cause: "exited with code 1", attempt: attempt, max: 2, delay: policy.backoff.delay(before: attempt)))
            now += 5
            #expect(w.due(now: now) != nil)
            _ = w.restartFinished(error: nil, now: now)
        }
        #expect(w.observe(exited(1), now: now + 1) == [.gaveUp(service: "redis", cause: "exited with code 1", restarts: 2)])
        #expect(w.gaveUp)

        var stable = ServiceWatch(name: "redis", policy: policy, now: t0)
        _ = stable.observe(exited(1), now: t0 + 1)
        _ = stable.due(now: t0 + 2); _ = stable.restartFinished(error: nil, now: t0 + 3)
        _ = stable.observe(running(), now: t0 + 4)
        #expect(stable.restarts == 1)
        _ = stable.observe(running(), now: t0 + 64)
        #expect(stable.restarts == 0, "ready for stableAfter seconds: a clean slate")
    }

    @Test func aFailedRestartIsReportedAndTriedAgain() {
        var w = ServiceWatch(name: "redis", policy: policy, now: t0)
        _ = w.observe(ServiceObservation(container: nil), now: t0)
        #expect(w.due(now: t0 + 1) == RestartOrder(service: "redis", start: true))
        #expect(w.restartFinished(error: "no such image", now: t0 + 2) == [
            .restartFailed(service: "redis", detail: "no such image"),
            .restartScheduled(service: "redis", cause: "could not be restarted", attempt: 2, max: 2, delay: 2),
        ])
    }

    @Test func eventMessagesSayWhatHappenedAndWhy() {
        #expect(SuperviseEvent.restartScheduled(service: "redis", cause: "exited with code 1", attempt: 2, max: 5, delay: 2).message
                == "redis exited with code 1; restarting it in 2s (restart 2 of 5)")
        #expect(SuperviseEvent.restartedByEngine(service: "postgres", cause: "was killed (exit code 137)", attempt: 1, max: 5).message
                == "postgres was killed (exit code 137); the engine restarted it (restart 1 of 5)")
        #expect(SuperviseEvent.readyAgain(service: "postgres", downFor: 2.345).message == "postgres is ready again (down 2.3s)")
        #expect(SuperviseEvent.gaveUp(service: "redis", cause: "exited with code 1", restarts: 5).message
                == "redis keeps failing: exited with code 1 after 5 restarts; giving up")
        #expect(ExitCause.describe(code: 137, oomKilled: true) == "ran out of memory (exit code 137)")
    }
}

@Suite struct LogPrefixTests {
    @Test func plainPrefixesPadNamesToOneWidth() {
        let p = LogPrefixer(services: ["postgres", "redis"], color: false)
        #expect(p.line("redis", "Ready to accept connections") == "redis    | Ready to accept connections")
        #expect(p.line("postgres", "LOG: ready") == "postgres | LOG: ready")
        #expect(p.note("watching") == "devenv   | watching")
        #expect(p.line("redis", "\u{1B}[Kredis-1 exited with code 0") == "redis    | redis-1 exited with code 0", "terminal codes dropped without colour")
    }

    @Test func colouredPrefixesDifferPerService() {
        let p = LogPrefixer(services: ["postgres", "redis"], color: true)
        #expect(p.line("postgres", "x") == "\u{1B}[36mpostgres | \u{1B}[0mx")
        #expect(p.line("redis", "x") == "\u{1B}[35mredis    | \u{1B}[0mx")
        #expect(p.event(.readyAgain(service: "redis", downFor: 1)).contains("\u{1B}[32m"))
    }

    @Test func splitterKeepsPartialLinesForTheNextChunk() {
        var s = LineSplitter()
        #expect(s.feed(Array("one\ntw".utf8)) == ["one"])
        #expect(s.feed(Array("o\r\nthree".utf8)) == ["two"])
        #expect(s.feed(Array("".utf8)) == [])
        #expect(s.finish() == "three")
        #expect(s.finish() == nil)
    }
}

@Suite struct SuperviseArgvTests {
    let p = ComposeProject(name: "shop", file: "/r/.devenv/stacks/shop/compose.yaml")
    let base = ["docker", "compose", "--project-name", "shop", "--file", "/r/.devenv/stacks/shop/compose.yaml"]

    @Test func followRestartAndStart() {
        #expect(Compose.followLogs(p, service: "redis").argv == base + ["logs", "--follow", "--no-color", "--no-log-prefix", "--tail", "10", "redis"])
        #expect(Compose.followLogs(p, service: "redis", since: "2026-01-02T03:04:05.000Z").argv
                == base + ["logs", "--follow", "--no-color", "--no-log-prefix", "--since", "2026-01-02T03:04:05.000Z", "redis"])
        #expect(Compose.command(for: RestartOrder(service: "postgres", start: false), p).argv == base + ["restart", "postgres"])
        #expect(Compose.command(for: RestartOrder(service: "postgres", start: true), p).argv == base + ["up", "--detach", "--no-deps", "postgres"])
        #expect(Compose.stop(p, services: []).argv == base + ["--profile", "*", "stop"])
    }

    @Test func dieEventsGiveTheExitCodeAndOOM() {
        let body = """
        {"Type":"container","Action":"oom","Actor":{"ID":"a","Attributes":{"com.docker.compose.service":"postgres"}},"timeNano":1}
        {"Type":"container","Action":"die","Actor":{"ID":"a","Attributes":{"com.docker.compose.service":"postgres","exitCode":"137"}},"timeNano":2}
        {"Type":"container","Action":"die","Actor":{"ID":"b","Attributes":{"com.docker.compose.service":"redis","exitCode":"0"}},"timeNano":3}
        """
        let exits = EngineClient.parseExits(Data(body.utf8))
        #expect(exits == [ContainerExit(container: "a", service: "postgres", code: 137, oomKilled: true),
                          ContainerExit(container: "b", service: "redis", code: 0, oomKilled: false)])
        #expect(EngineClient.timestamp(Date(timeIntervalSince1970: 1.5)) == "1.500000000")
    }
}
