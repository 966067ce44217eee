import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// When the supervisor restarts a process that died, and when it gives up.
public struct ProcessPolicy: Sendable, Equatable {
    /// Restarts in a row before the process is marked failed (and left stopped).
    public var maxRestarts: Int = 5
    /// A process that stays up this long starts its next failure streak from zero.
    public var stableAfter: TimeInterval = 60
    public var backoff = RestartBackoff()
    /// How long a stopped process has after SIGTERM before it gets SIGKILL.
    public var stopGrace: TimeInterval = 10
    /// Failed readiness checks in a row before a ready process counts as not answering.
    public var unansweredAfter = 3

    public init() {}
}

/// The life of one supervised process as a pure state machine: what happened and the clock
/// go in, what to report and when to start it come out. No processes, no sleeping.
///
/// Invariants: a death is reported once; the restart count grows by one per death; after
/// `maxRestarts` deaths in a row (none separated by `stableAfter` of uptime) it gives up;
/// a restart someone asked for (`up NAME`) is not counted.
public struct ProcessWatch: Sendable, Equatable {
    public enum Phase: Sendable, Equatable {
        /// Not started yet: waiting for what it depends on.
        case waiting
        /// Started at this time (ready or not: see `ready`).
        case running(since: Date)
        /// Died; starts again at `due`.
        case backoff(due: Date)
        /// Died too often; stays stopped until asked again.
        case failed
        /// Stopped on purpose.
        case stopped
    }

    public let name: String
    public let policy: ProcessPolicy
    public private(set) var phase: Phase = .waiting
    /// Deaths since the supervisor started it (what `status` shows).
    public private(set) var restarts = 0
    /// Deaths in the current streak.
    public private(set) var streak = 0
    public private(set) var ready = false
    /// When it was last seen dead (for "ready again (down 1.2s)").
    public private(set) var downSince: Date?

    public init(name: String, policy: ProcessPolicy) { self.name = name; self.policy = policy }

    /// It was started now.
    public mutating func started(now: Date) {
        phase = .running(since: now)
        ready = false
    }

    /// It answered its readiness check for the first time since it started.
    public mutating func becameReady(now: Date, startedAt: Date) -> ProcessEvent {
        ready = true
        defer { downSince = nil }
        if let down = downSince { return .readyAgain(name, downFor: now.timeIntervalSince(down)) }
        return .ready(name, after: now.timeIntervalSince(startedAt))
    }

    /// It stopped answering (after being ready), or answers again.
    public mutating func answering(_ yes: Bool) -> ProcessEvent? {
        guard case .running = phase, ready != yes else { return nil }
        ready = yes
        return yes ? .answersAgain(name) : .stoppedAnswering(name)
    }

    /// It ended with `code` (128 + signal when killed). `expected`: devenv stopped it.
    public mutating func exited(code: Int32, now: Date, expected: Bool) -> ProcessEvent? {
        let wasRunning: Date?
        if case .running(let since) = phase { wasRunning = since } else { wasRunning = nil }
        ready = false
        if expected { phase = .stopped; return nil }
        let cause = ExitCause.describe(code: Int(code))
        if let since = wasRunning, now.timeIntervalSince(since) >= policy.stableAfter { streak = 0 }
        restarts += 1
        streak += 1
        downSince = downSince ?? now
        if streak > policy.maxRestarts {
            phase = .failed
            return .gaveUp(name, cause: cause, restarts: streak - 1)
        }
        let delay = policy.backoff.delay(before: streak)
        phase = .backoff(due: now.addingTimeInterval(delay))
        return .restarting(name, cause: cause, attempt: streak, max: policy.maxRestarts, delay: delay)
    }

    /// Whether a process in backoff is due to start now.
    public func due(now: Date) -> Bool {
        if case .backoff(let due) = phase { return now >= due }
        return false
    }

    /// Asked to run again (`up NAME`, or its command changed): a failed or stopped process
    /// starts afresh, with a clean streak.
    public mutating func reset() {
        streak = 0
        if case .running = phase { return }
        phase = .waiting
    }

    public mutating func stop() { phase = .stopped; ready = false }

    /// The word `status` shows.
    public var stateName: String {
        switch phase {
        case .waiting: "waiting"
        case .running: "running"
        case .backoff: "restarting"
        case .failed: "failed"
        case .stopped: "stopped"
        }
    }
}

/// What the supervisor reports about a process, one line each.
public enum ProcessEvent: Sendable, Equatable {
    case started(String, pid: Int32, command: String)
    case ready(String, after: TimeInterval)
    case readyAgain(String, downFor: TimeInterval)
    case restarting(String, cause: String, attempt: Int, max: Int, delay: TimeInterval)
    case gaveUp(String, cause: String, restarts: Int)
    case stoppedAnswering(String)
    case answersAgain(String)
    case cannotStart(String, detail: String)

    public var process: String {
        switch self {
        case .started(let n, _, _), .ready(let n, _), .readyAgain(let n, _), .restarting(let n, _, _, _, _),
             .gaveUp(let n, _, _), .stoppedAnswering(let n), .answersAgain(let n), .cannotStart(let n, _): n
        }
    }

    public var message: String {
        switch self {
        case .started(let n, let pid, let command): "started \(n) (pid \(pid)): \(command)"
        case .ready(let n, let t): "\(n) is ready (\(String(format: "%.1f", t))s)"
        case .readyAgain(let n, let t): "\(n) is ready again (down \(String(format: "%.1f", t))s)"
        case .restarting(let n, let cause, let attempt, let max, let delay):
            "\(n) \(cause); restarting it in \(SuperviseEvent.seconds(delay)) (restart \(attempt) of \(max))"
        case .gaveUp(let n, let cause, let restarts):
            "\(n) keeps failing: \(cause) after \(restarts) restart\(restarts == 1 ? "" : "s"); giving up (`devenv up \(n)` starts it again)"
        case .stoppedAnswering(let n): "\(n) stopped answering its readiness check"
        case .answersAgain(let n): "\(n) answers again"
        case .cannotStart(let n, let detail): "cannot start \(n): \(detail)"
        }
    }

    /// Trouble (red) rather than news or recovery.
    public var isProblem: Bool {
        switch self {
        case .restarting, .gaveUp, .stoppedAnswering, .cannotStart: true
        case .started, .ready, .readyAgain, .answersAgain: false
        }
    }
}
