import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// Answers "does this service answer yet?" from the host. The live one speaks each protocol
/// on 127.0.0.1 (`Probe.check`); tests of orchestration substitute their own.
public protocol Prober: Sendable {
    func check(_ spec: ProbeSpec, timeout: TimeInterval) async -> Probe.Outcome
}

/// The probes of the running binary. A probe's socket calls block (with their own deadlines),
/// so each runs off the cooperative pool and the caller's task is suspended, not blocked.
public struct HostProber: Prober {
    public init() {}
    public func check(_ spec: ProbeSpec, timeout: TimeInterval) async -> Probe.Outcome {
        await Blocking.run { Probe.check(spec, timeout: timeout) }
    }
}

/// Runs a blocking call (a socket with a deadline) on a GCD thread and suspends the calling
/// task until it returns, so async code never blocks a cooperative thread.
public enum Blocking {
    public static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { c in DispatchQueue.global().async { c.resume(returning: body()) } }
    }

    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { c in DispatchQueue.global().async { c.resume(with: Result { try body() }) } }
    }
}

/// Polls every service's probe from the host, all in parallel, until each answers, fails or
/// runs out of time.
public final class ReadinessWaiter: Sendable {
    public enum Result: Equatable, Sendable {
        case ready(seconds: Double)
        case timedOut(last: String)
        case failed(String)
    }

    /// Services marked failed, with why.
    private let stopped = Locked<[String: String]>([:])
    /// Services that finished: exited with code 0 where that is how they end (`restart: "no"`, `on-failure`).
    private let finished = Locked<Set<String>>([])
    let prober: any Prober

    public init(prober: any Prober = HostProber()) { self.prober = prober }

    /// How long to wait before the next probe, `elapsed` seconds into the wait: every 10 ms for
    /// the first 10 s (a probe is one loopback connection, and a service is seen at most 10 ms
    /// after it answers: the floor a script polling in a loop would reach), then every 100 ms.
    static func delay(after elapsed: TimeInterval) -> TimeInterval { elapsed < 10 ? 0.01 : 0.1 }
    static let firstDelay: TimeInterval = 0.01

    /// Marks a service as failed (its container exited); its poller stops at once.
    public func fail(_ service: String, reason: String) {
        stopped.with { $0[service] = reason }
    }

    private func stopReason(_ service: String) -> String? {
        stopped.with { $0[service] }
    }

    /// Marks a service as done: its container exited 0 and is not restarted (a one-shot step).
    public func complete(_ service: String) {
        _ = finished.with { $0.insert(service) }
    }

    /// What is already known of `service` without probing it: failed (marked stopped), or
    /// ready (marked finished, reported through `onReady`); nil while neither.
    private func settled(_ service: String, _ start: Date, _ onReady: @Sendable (String, Double) -> Void) -> Result? {
        if let reason = stopReason(service) { return .failed(reason) }
        return finished.with { $0.contains(service) } ? ready(service, start, onReady) : nil
    }

    private func ready(_ service: String, _ start: Date, _ onReady: @Sendable (String, Double) -> Void) -> Result {
        let secs = Date().timeIntervalSince(start)
        onReady(service, secs)
        return .ready(seconds: secs)
    }

    /// Waits until every service is ready, failed or out of time. `onReady` is called as each
    /// becomes ready, with the seconds since the wait began. `steps` have no probe: each is
    /// ready when it is marked complete (``complete(_:)``).
    public func wait(_ probes: [(name: String, probe: ProbeSpec)], steps: [String] = [], timeout: TimeInterval,
                     onReady: @escaping @Sendable (String, Double) -> Void) async -> [String: Result] {
        let start = Date()
        let deadline = start.addingTimeInterval(timeout)
        return await withTaskGroup(of: (String, Result).self) { group in
            for name in steps {
                group.addTask { [self] in
                    while true {
                        if let known = settled(name, start, onReady) { return (name, known) }
                        if Date() >= deadline { return (name, .timedOut(last: "still running (a step is done when it exits 0)")) }
                        try? await Task.sleep(nanoseconds: 100_000_000)
                    }
                }
            }
            for (name, probe) in probes {
                group.addTask { [self] in
                    var delay = Self.firstDelay
                    while true {
                        if let known = settled(name, start, onReady) { return (name, known) }
                        let outcome = await prober.check(probe, timeout: min(2, max(0.2, deadline.timeIntervalSinceNow)))
                        switch outcome {
                        case .ready:
                            return (name, ready(name, start, onReady))
                        case .failed(let why):
                            return (name, .failed(why))
                        case .notReady(let why):
                            if Date() >= deadline { return (name, .timedOut(last: why)) }
                            try? await Task.sleep(nanoseconds: UInt64(min(delay, max(0, deadline.timeIntervalSinceNow)) * 1e9))
                            delay = Self.delay(after: Date().timeIntervalSince(start))
                        }
                    }
                }
            }
            var results: [String: Result] = [:]
            for await (name, result) in group { results[name] = result }
            return results
        }
    }
}
