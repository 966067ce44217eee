import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// When `up --attach` restarts a failing service, and when it gives up.
public struct SupervisePolicy: Sendable, Equatable {
    /// Restarts of one service in a row (by devenv or by the engine's restart policy) before
    /// `up --attach` reports it and exits 1.
    public var maxRestarts: Int = 5
    /// How long a running service may fail its host-side probe before it is restarted.
    /// Counted again from every restart, so a slow start is not cut short.
    public var grace: TimeInterval = 30
    /// A service that stays ready this long starts again with a clean restart count.
    public var stableAfter: TimeInterval = 60
    public var backoff = RestartBackoff()

    public init(maxRestarts: Int = 5, grace: TimeInterval = 30, stableAfter: TimeInterval = 60, backoff: RestartBackoff = RestartBackoff()) {
        self.maxRestarts = maxRestarts; self.grace = grace; self.stableAfter = stableAfter; self.backoff = backoff
    }
}

/// Exponential backoff between restarts of one service: `base` before the first restart,
/// then `factor` times longer before each next one, never more than `cap`.
/// With the defaults: 1, 2, 4, 8, 16, 30, 30… seconds.
public struct RestartBackoff: Sendable, Equatable {
    public var base: TimeInterval = 1
    public var factor: Double = 2
    public var cap: TimeInterval = 30

    public init(base: TimeInterval = 1, factor: Double = 2, cap: TimeInterval = 30) {
        self.base = base; self.factor = factor; self.cap = cap
    }

    /// The wait before restart number `attempt` (1 for the first).
    public func delay(before attempt: Int) -> TimeInterval {
        guard attempt > 1 else { return min(base, cap) }
        return min(cap, base * pow(factor, Double(attempt - 1)))
    }

    /// The waits before the first `count` restarts.
    public func schedule(_ count: Int) -> [TimeInterval] { (0..<max(0, count)).map { delay(before: $0 + 1) } }
}

/// Why a container stopped, in words: `exited with code 1`, `was killed (exit code 137)`.
public enum ExitCause {
    public static func describe(code: Int?, oomKilled: Bool = false) -> String {
        if oomKilled { return "ran out of memory (exit code \(code ?? 137))" }
        guard let code else { return "exited" }
        switch code {
        case 0: return "exited (exit code 0)"
        case 137: return "was killed (exit code 137)"
        case 139: return "crashed (exit code 139, segmentation fault)"
        case 143: return "was terminated (exit code 143)"
        default: return "exited with code \(code)"
        }
    }
}

/// What the supervisor reports, one line each.
public enum SuperviseEvent: Equatable, Sendable {
    /// A service that was ready no longer answers its probe.
    case stoppedAnswering(service: String, reason: String)
    /// The engine's restart policy restarted the container.
    case restartedByEngine(service: String, cause: String, attempt: Int, max: Int)
    /// devenv will restart the service after `delay` seconds.
    case restartScheduled(service: String, cause: String, attempt: Int, max: Int, delay: TimeInterval)
    /// devenv's restart command failed.
    case restartFailed(service: String, detail: String)
    /// The service answers again after being down `downFor` seconds.
    case readyAgain(service: String, downFor: TimeInterval)
    /// The service kept failing: `up --attach` stops.
    case gaveUp(service: String, cause: String, restarts: Int)

    public var service: String {
        switch self {
        case .stoppedAnswering(let s, _), .restartedByEngine(let s, _, _, _), .restartScheduled(let s, _, _, _, _),
             .restartFailed(let s, _), .readyAgain(let s, _), .gaveUp(let s, _, _): s
        }
    }

    /// The line shown to the user.
    public var message: String {
        switch self {
        case .stoppedAnswering(let s, let reason):
            return "\(s) stopped answering (\(reason))"
        case .restartedByEngine(let s, let cause, let n, let max):
            return "\(s) \(cause); the engine restarted it (restart \(n) of \(max))"
        case .restartScheduled(let s, let cause, let n, let max, let delay):
            return "\(s) \(cause); restarting it in \(Self.seconds(delay)) (restart \(n) of \(max))"
        case .restartFailed(let s, let detail):
            return "restarting \(s) failed: \(detail)"
        case .readyAgain(let s, let down):
            return "\(s) is ready again (down \(String(format: "%.1f", down))s)"
        case .gaveUp(let s, let cause, let n):
            return "\(s) keeps failing: \(cause) after \(n) restart\(n == 1 ? "" : "s"); giving up"
        }
    }

    /// Whether the line reports trouble (shown in red) rather than recovery.
    public var isProblem: Bool {
        switch self {
        case .readyAgain: false
        default: true
        }
    }

    static func seconds(_ t: TimeInterval) -> String {
        t == t.rounded() ? "\(Int(t))s" : String(format: "%.1fs", t)
    }
}
