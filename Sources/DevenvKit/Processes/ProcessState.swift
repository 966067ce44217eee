import Foundation
import DevenvPlatform
import CurrentPlatform
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan

/// Where a stack's processes keep their state: `<root>/.devenv/stacks/<stack>/processes/`.
public struct ProcessPaths: Sendable, Equatable {
    public var dir: String

    public init(stateDir: String) { dir = stateDir + "/processes" }

    /// The supervisor's pid (the foreground `up`, or the background `devenv up --detach` left).
    public var pidFile: String { dir + "/supervisor.pid" }
    /// Held (flock) by the supervisor for as long as it runs: the one test of "is it running".
    public var lockFile: String { dir + "/supervisor.lock" }
    /// What the supervisor knows of each process (`ProcessState`), rewritten on every change.
    public var stateFile: String { dir + "/state.json" }
    /// The background supervisor's own output (how it started, why it stopped).
    public var supervisorLog: String { dir + "/supervisor.log" }
    /// Requests to a running supervisor (start, restart), one file each.
    public var requestsDir: String { dir + "/requests" }
    public func log(_ process: String) -> String { dir + "/logs/\(process).log" }
}

/// The supervisor's view of its processes, as `state.json` holds it.
public struct ProcessState: Codable, Sendable, Equatable {
    public var supervisor: Int32
    /// True for the background supervisor of `up --detach`, false for a foreground `up`.
    public var detached: Bool
    public var stack: String
    /// Requests handled so far (their ids, the last few).
    public var handled: [String] = []
    public var processes: [Entry] = []

    public struct Entry: Codable, Sendable, Equatable {
        public var name: String
        /// `running`, `waiting` (for what it depends on), `restarting` (waiting for its
        /// backoff), `failed` (gave up after too many restarts), `stopped`.
        public var state: String
        public var pid: Int32?
        public var port: Int?
        /// Restarts since the supervisor started it (deaths; a restart someone asked for is not one).
        public var restarts: Int = 0
        /// How many times the supervisor has started it (a restart is done once this grows).
        public var runs: Int = 0
        /// Answers its readiness check (or runs, when it has none).
        public var ready: Bool = false
        public var exitCode: Int?
        /// Why it is not running, in words (`exited with code 1`).
        public var reason: String?
        public var fingerprint: String
        public var startedAt: Date?
        /// The kernel's start time of `pid` (Linux), so a pid reused by another program is
        /// never taken for this process.
        public var startTicks: UInt64?

        enum CodingKeys: String, CodingKey {
            case name, state, pid, port, restarts, runs, ready, exitCode = "exit_code", reason, fingerprint
            case startedAt = "started_at", startTicks = "start_ticks"
        }
    }

    public init(supervisor: Int32, detached: Bool, stack: String) {
        self.supervisor = supervisor; self.detached = detached; self.stack = stack
    }

    public func entry(_ name: String) -> Entry? { processes.first { $0.name == name } }

    /// The state file, or nil when there is none. A file devenv cannot decode is an error
    /// naming it, never taken as empty.
    public static func read(_ paths: ProcessPaths) throws -> ProcessState? {
        guard let data = FileManager.default.contents(atPath: paths.stateFile) else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        guard let state = try? decoder.decode(ProcessState.self, from: data) else {
            throw DevenvError("\(paths.stateFile) is damaged (not the JSON devenv writes)",
                              hint: "Stop any app process of this stack by hand (see `devenv ports`), then remove the file.")
        }
        return state
    }

    public func write(_ paths: ProcessPaths) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        try AtomicFile.write(try encoder.encode(self), to: paths.stateFile, newFileMode: 0o600)
    }
}

/// A request to a running supervisor: start what is not running, restart the named ones
/// (and any whose command or values changed). Written by `up`, removed once handled.
public struct ProcessRequest: Codable, Sendable, Equatable {
    public var id: String
    public var start: [String]
    public var restart: [String]

    public init(id: String = UUID().uuidString.lowercased(), start: [String], restart: [String]) {
        self.id = id; self.start = start; self.restart = restart
    }

    public func write(_ paths: ProcessPaths) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try AtomicFile.write(try encoder.encode(self), to: paths.requestsDir + "/\(id).json", newFileMode: 0o600)
    }

    /// Every pending request, oldest first, removed from the folder.
    static func take(_ paths: ProcessPaths) -> [ProcessRequest] {
        let dir = paths.requestsDir
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".json") }
        var out: [(Date, ProcessRequest)] = []
        for f in files {
            let path = dir + "/" + f
            let date = (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date) ?? Date()
            if let data = FileManager.default.contents(atPath: path), let r = try? JSONDecoder().decode(ProcessRequest.self, from: data) {
                out.append((date, r))
            }
            unlink(path)
        }
        return out.sorted { $0.0 < $1.0 }.map(\.1)
    }
}

/// Whether a stack's supervisor runs, and its pid.
public enum SupervisorProbe {
    /// The pid of the running supervisor, or nil when none holds the lock.
    public static func running(_ paths: ProcessPaths) -> Int32? {
        let fd = open(paths.lockFile, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 { flock(fd, LOCK_UN); return nil }
        let text = (try? String(contentsOfFile: paths.pidFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        return text.flatMap { Int32($0) } ?? -1
    }
}

/// What the kernel says about a pid (``Platform/processStart(_:)``).
public enum ProcessInfoProbe {
    /// The process's start time (``ProcessStart/time``: clock ticks since boot on Linux,
    /// microseconds since 1970 on macOS); nil where unknown.
    public static func startTicks(_ pid: Int32) -> UInt64? {
        Machine.platform.processStart(pid)?.time
    }

    /// Whether `pid` still runs the process that started at `ticks` (any live pid where the
    /// start time is unknown).
    public static func isSame(_ pid: Int32, ticks: UInt64?) -> Bool {
        guard pid > 1, kill(pid, 0) == 0 || errno == EPERM, !isZombie(pid) else { return false }
        guard let ticks, let now = startTicks(pid) else { return true }
        return now == ticks
    }

    /// Whether the process has ended and waits to be reaped.
    static func isZombie(_ pid: Int32) -> Bool {
        Machine.platform.processStart(pid)?.isZombie ?? false
    }

    /// Whether any process of the group still runs.
    public static func groupAlive(_ pgid: Int32) -> Bool { pgid > 1 && (kill(-pgid, 0) == 0 || errno == EPERM) }

    /// Whether `pgid` is still the group a process that started at `leaderTicks` led, and has a
    /// member left. A group id stays reserved while any member lives, so with the leader gone
    /// the members are the leader's. But once the group is empty the pid can be reused, and a
    /// new session leader (a container's init, a postmaster) leads a group of the same number:
    /// then the process at `pgid` started at another time, and the group is not ours.
    public static func isOurGroup(_ pgid: Int32, leaderTicks: UInt64?) -> Bool {
        guard groupAlive(pgid) else { return false }
        guard let leaderTicks, let now = startTicks(pgid) else { return true }
        return now == leaderTicks
    }

    /// Signals the group a process that started at `leaderTicks` led, only if it is still that
    /// group (``isOurGroup(_:leaderTicks:)``): a reused pid is never signalled.
    public static func signalGroup(_ pgid: Int32, leaderTicks: UInt64?, _ signal: Int32) {
        if isOurGroup(pgid, leaderTicks: leaderTicks) { kill(-pgid, signal) }
    }
}
