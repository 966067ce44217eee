import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// What the supervisor saw of one service in one poll.
public struct ServiceObservation: Sendable, Equatable {
    public struct Container: Sendable, Equatable {
        public var id: String
        /// The engine's state: created, running, restarting, paused, exited, dead.
        public var state: ContainerState
        /// The engine's `RestartCount` (restarts by the container's restart policy).
        public var restartCount: Int
        public var exitCode: Int
        public var oomKilled: Bool

        public init(id: String, state: ContainerState, restartCount: Int = 0, exitCode: Int = 0, oomKilled: Bool = false) {
            self.id = id; self.state = state; self.restartCount = restartCount; self.exitCode = exitCode; self.oomKilled = oomKilled
        }
    }

    /// Nil when the service has no container.
    public var container: Container?
    /// The host-side probe's answer; nil when it was not probed (not running, or no probe).
    public var probe: Probe.Outcome?
    /// How the container ended since the last poll, from the engine's `die` events (the exit
    /// code is gone from the container once the engine has restarted it).
    public var lastExit: (code: Int, oom: Bool)?

    public init(container: Container?, probe: Probe.Outcome? = nil, lastExit: (code: Int, oom: Bool)? = nil) {
        self.container = container; self.probe = probe; self.lastExit = lastExit
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.container == b.container && a.probe == b.probe && a.lastExit?.code == b.lastExit?.code && a.lastExit?.oom == b.lastExit?.oom
    }
}

/// A restart the supervisor should run now.
public struct RestartOrder: Sendable, Equatable {
    public var service: String
    /// True when the container is gone or stopped (`compose up` it), false to `compose restart` it.
    public var start: Bool
}

/// The supervision of one service, as a pure state machine: observations and the clock go
/// in, events to report and restarts to run come out. No engine, no processes, no sleeping.
///
/// Invariants: a service is announced down at most once per outage and ready once when it
/// recovers; every restart (devenv's or the engine's) counts towards `maxRestarts` until the
/// service has stayed ready for `stableAfter`; at most one restart is pending or running.
public struct ServiceWatch: Sendable {
    public let name: String
    public let policy: SupervisePolicy

    /// Restarts in the current failure streak.
    public private(set) var restarts = 0
    public private(set) var gaveUp = false
    /// False from the moment the service is seen down until it answers again.
    public private(set) var healthy = true
    private var downSince: Date?
    private var readySince: Date?
    /// Since when a running container has not answered (reset by every restart).
    private var unansweredSince: Date?
    private var lastContainer: String?
    private var lastRestartCount: Int?
    private var pending: (due: Date, start: Bool)?
    private var inFlight = false

    public init(name: String, policy: SupervisePolicy, now: Date) {
        self.name = name; self.policy = policy; readySince = now
    }

    /// Takes one poll's observation and returns what to report.
    public mutating func observe(_ o: ServiceObservation, now: Date) -> [SuperviseEvent] {
        guard !gaveUp else { return [] }
        var events: [SuperviseEvent] = []
        if let c = o.container {
            if c.id == lastContainer, let last = lastRestartCount, c.restartCount > last {
                let cause = o.lastExit.map { ExitCause.describe(code: $0.code, oomKilled: $0.oom) } ?? "exited"
                markDown(now)
                unansweredSince = now
                if pending != nil { pending = nil; restarts -= 1 }   // the engine was quicker than devenv
                for _ in last..<c.restartCount {
                    restarts += 1
                    events.append(.restartedByEngine(service: name, cause: cause, attempt: restarts, max: policy.maxRestarts))
                    if restarts > policy.maxRestarts {
                        gaveUp = true
                        return events + [.gaveUp(service: name, cause: cause, restarts: restarts - 1)]
                    }
                }
            }
            lastContainer = c.id
            lastRestartCount = c.restartCount
        }
        if inFlight { return events }

        switch Self.condition(o) {
        case .ready:
            if !healthy { events.append(.readyAgain(service: name, downFor: now.timeIntervalSince(downSince ?? now))) }
            if !healthy || readySince == nil { readySince = now }
            healthy = true; downSince = nil; unansweredSince = nil; pending = nil
            if let since = readySince, now.timeIntervalSince(since) >= policy.stableAfter { restarts = 0 }
        case .unanswered(let reason):
            if healthy { events.append(.stoppedAnswering(service: name, reason: reason)) }
            markDown(now)
            if unansweredSince == nil { unansweredSince = now }
            if pending == nil, let since = unansweredSince, now.timeIntervalSince(since) >= policy.grace {
                events += schedule(cause: "has not answered for \(Int(now.timeIntervalSince(since)))s (\(reason))", start: false, now: now)
            }
        case .stopped(let cause):
            markDown(now)
            if pending == nil { events += schedule(cause: cause, start: true, now: now) }
        case .engineRestarting:
            markDown(now)   // the engine's restart policy is on it; its restarts are counted above
        }
        return events
    }

    /// The restart to run now, if one is due; it is then in flight until `restartFinished`.
    public mutating func due(now: Date) -> RestartOrder? {
        guard !gaveUp, !inFlight, let p = pending, now >= p.due else { return nil }
        pending = nil
        inFlight = true
        return RestartOrder(service: name, start: p.start)
    }

    /// Reports how devenv's restart went. The grace period starts again from here.
    public mutating func restartFinished(error: String?, now: Date) -> [SuperviseEvent] {
        inFlight = false
        unansweredSince = now
        guard let error else { return [] }
        return [.restartFailed(service: name, detail: error)] + schedule(cause: "could not be restarted", start: true, now: now)
    }

    private mutating func schedule(cause: String, start: Bool, now: Date) -> [SuperviseEvent] {
        if restarts >= policy.maxRestarts {
            gaveUp = true
            return [.gaveUp(service: name, cause: cause, restarts: restarts)]
        }
        restarts += 1
        let delay = policy.backoff.delay(before: restarts)
        pending = (now.addingTimeInterval(delay), start)
        return [.restartScheduled(service: name, cause: cause, attempt: restarts, max: policy.maxRestarts, delay: delay)]
    }

    private mutating func markDown(_ now: Date) {
        if healthy { healthy = false; downSince = now; readySince = nil }
    }

    enum Condition: Equatable {
        case ready
        case unanswered(String)
        case stopped(String)
        case engineRestarting
    }

    static func condition(_ o: ServiceObservation) -> Condition {
        guard let c = o.container else { return .stopped("is gone (no container)") }
        switch c.state {
        case .running:
            if case .notReady(let why) = o.probe { return .unanswered(why) }
            return .ready
        case .paused: return .unanswered("paused")
        case .restarting: return .engineRestarting
        case .created: return .stopped("was created but not started")
        default: return .stopped(ExitCause.describe(code: c.exitCode, oomKilled: c.oomKilled))
        }
    }
}
