import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// `up --attach`: stays in the foreground after `up`, streams every service's logs, watches
/// each service (container state through the Engine API, readiness through the same
/// host-side probes as `up`), restarts what fails with exponential backoff and says why.
///
/// Ends on SIGINT/SIGTERM: stops the stack with `compose stop` (unless `keep`) and returns.
/// A service that keeps failing after `policy.maxRestarts` restarts ends it with an exit-1
/// error, after the same clean-up.
public struct Supervisor {
    public var policy = SupervisePolicy()
    /// Leave the stack running when supervision ends.
    public var keep = false
    /// Seconds between polls.
    public var interval: TimeInterval = 1
    /// Runs once supervision ends, before the stack is stopped or left running (`up --attach`
    /// with app processes stops them here, so they never outlive their services).
    public var beforeStop: (@Sendable () async -> Void)?
    /// The app's processes shown beside the services, for the prefix width and colours.
    public var extraNames: [String] = []

    public init() {}

    public func run(_ ctx: DevenvContext, plan: StackPlan, services: [String]) async throws {
        let compose = ComposeProject(name: plan.identity.stack, file: plan.composeFile)
        let trap = SignalTrap()
        defer { trap.release() }
        let out = ctx.output
        let prefixer = LogPrefixer(services: services + extraNames, color: out.color)
        let logs = LogMux(output: out, compose: compose, prefixer: prefixer, engineEnvironment: (try? ctx.engine.dockerEnvironment()) ?? [:])
        for s in services { logs.start(s) }

        let probes = Dictionary(uniqueKeysWithValues: services.compactMap { n in plan.service(n)?.probe.map { (n, $0) } })
        // A service that may stop (a one-shot step, `on-failure`) is not restarted by devenv: compose's policy decides.
        let watched = services.filter { plan.service($0)?.spec.mayExit != true }
        let observer = StackObserver(engine: ctx.engine, stack: compose.name, services: watched, probes: probes, since: Date())
        var watches = Dictionary(uniqueKeysWithValues: watched.map { ($0, ServiceWatch(name: $0, policy: policy, now: Date())) })
        let finished = Locked<[(service: String, error: String?)]>([])
        var restarts: [Task<Void, Never>] = []
        var engineDown = false
        var failure: SuperviseEvent?

        out.print(prefixer.note("watching \(services.joined(separator: ", ")) of stack \(compose.name); "
            + (keep ? "Ctrl-C detaches and leaves it running" : "Ctrl-C stops it")
            + " (restarts at most \(policy.maxRestarts) times per service)"))

        loop: while trap.received == nil {
            let now = Date()
            for done in finished.with({ l -> [(service: String, error: String?)] in defer { l = [] }; return l }) {
                for e in watches[done.service]!.restartFinished(error: done.error, now: now) { out.print(prefixer.event(e)) }
            }
            switch await Self.offPool({ try observer.poll() }) {
            case .success(let seen):
                if engineDown { out.print(prefixer.note("the engine answers again")); engineDown = false }
                for name in watched {
                    for e in watches[name]!.observe(seen[name] ?? ServiceObservation(container: nil), now: now) {
                        out.print(prefixer.event(e))
                        if case .gaveUp = e { failure = e; break loop }
                    }
                }
                logs.resume(running: services.filter { seen[$0]?.container?.state == .running })
            case .failure(let error):
                if !engineDown { out.print(prefixer.note("the engine does not answer (\(error)); still watching")); engineDown = true }
            }
            for name in watched {
                guard let order = watches[name]!.due(now: Date()) else { continue }
                let command = Compose.command(for: order, compose)
                restarts.append(Task { [runner = ctx.runner] in
                    var problem: String?
                    do { try await runner.check(command) } catch let f as CommandFailure {
                        problem = f.stderr.split(separator: "\n").last.map(String.init) ?? "exit \(f.status)"
                    } catch { problem = "\(error)" }
                    finished.with { $0.append((name, problem)) }
                })
            }
            await Self.pause(interval, until: trap)
        }

        logs.stopAll()
        for t in restarts { await t.value }
        if let sig = trap.received { out.print(prefixer.note("\(SignalTrap.name(sig)) received")) }
        await beforeStop?()
        if keep {
            out.print(prefixer.note("left stack \(compose.name) running; `devenv down` stops it"))
        } else {
            out.print(prefixer.note("stopping stack \(compose.name)…"))
            do { try await ctx.runner.check(Compose.stop(compose, services: [])) }
            catch let f as CommandFailure { throw Compose.explain(f) }
            out.print(prefixer.note("stopped stack \(compose.name); its data is kept (`devenv up` starts it again)"))
        }
        if case .gaveUp(let service, _, _) = failure {
            throw DevenvError(failure!.message, hint: "Its logs are above (again: `devenv logs \(service)`). Fix the cause, then run `devenv up --attach` again.")
        }
    }

    /// Runs blocking work (sockets, probes) on a dispatch thread, not on the concurrency pool.
    static func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async -> Result<T, Error> {
        await withCheckedContinuation { c in
            DispatchQueue.global().async { c.resume(returning: Result { try body() }) }
        }
    }

    /// Waits `seconds`, returning early when a signal arrives.
    static func pause(_ seconds: TimeInterval, until trap: SignalTrap) async {
        let end = Date().addingTimeInterval(seconds)
        while trap.received == nil, Date() < end {
            try? await Task.sleep(nanoseconds: UInt64(min(0.1, max(0, end.timeIntervalSinceNow)) * 1e9))
        }
    }
}
