import Foundation
import DevenvPlatform
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan

/// Stopping a stack's processes from outside their supervisor (`down`, a failed `up`), and
/// clearing processes a supervisor that ended without stopping them left behind.
public enum ProcessControl {
    /// Stops the supervisor (SIGTERM: it stops its processes, then exits) and waits until it
    /// has, up to `timeout`; then kills it and the process groups it recorded. Also clears
    /// leftovers when no supervisor runs. Returns the names of the processes that were stopped.
    @discardableResult
    public static func stop(_ paths: ProcessPaths, timeout: TimeInterval = 20) async throws -> [String] {
        guard let pid = SupervisorProbe.running(paths) else { return try clearLeftovers(paths) }
        let names = ((try? ProcessState.read(paths)) ?? nil)?.processes.filter { $0.pid != nil }.map(\.name) ?? []
        if pid > 1 { kill(pid, SIGTERM) }
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline, SupervisorProbe.running(paths) != nil {
            try? await Task.sleep(nanoseconds: 50_000_000)
        }
        if SupervisorProbe.running(paths) != nil {
            if pid > 1 { kill(pid, SIGKILL) }
            let hard = Date().addingTimeInterval(5)
            while Date() < hard, SupervisorProbe.running(paths) != nil { try? await Task.sleep(nanoseconds: 50_000_000) }
            _ = try clearLeftovers(paths)
        }
        return names
    }

    /// With no supervisor running: stops every process `state.json` still lists whose pid
    /// runs the same program it started (TERM to its group, KILL after 5 s). Names returned.
    @discardableResult
    public static func clearLeftovers(_ paths: ProcessPaths, grace: TimeInterval = 5) throws -> [String] {
        guard SupervisorProbe.running(paths) == nil, let state = try ProcessState.read(paths) else { return [] }
        let left = state.processes.filter { e in e.pid.map { ProcessInfoProbe.isSame($0, ticks: e.startTicks) } ?? false }
        for e in left { ProcessInfoProbe.signalGroup(e.pid!, leaderTicks: e.startTicks, SIGTERM) }
        let deadline = Date().addingTimeInterval(grace)
        while Date() < deadline, left.contains(where: { ProcessInfoProbe.isOurGroup($0.pid!, leaderTicks: $0.startTicks) }) { usleep(50_000) }
        for e in left { ProcessInfoProbe.signalGroup(e.pid!, leaderTicks: e.startTicks, SIGKILL) }
        var cleared = state
        for i in cleared.processes.indices { cleared.processes[i].pid = nil; cleared.processes[i].state = "stopped"; cleared.processes[i].ready = false }
        try cleared.write(paths)
        return left.map(\.name)
    }

    /// Takes the supervisor lock for this process (a short retry: `status` may hold it shared
    /// for an instant). Nil when another supervisor holds it.
    static func lock(_ paths: ProcessPaths) throws -> FileLock? {
        for _ in 0..<20 {
            if let l = try FileLock.tryAcquire(paths.lockFile) { return l }
            usleep(10_000)
        }
        return nil
    }

    /// Records this process as the stack's supervisor.
    static func writePid(_ paths: ProcessPaths) throws {
        try AtomicFile.write("\(getpid())\n", to: paths.pidFile, newFileMode: 0o600)
    }
}
