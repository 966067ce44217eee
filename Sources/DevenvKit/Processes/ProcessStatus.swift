import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// One process in `devenv status` (and `up --json`): the `processes` array.
public struct ProcessStatus: Encodable, Equatable, Sendable {
    public var name: String
    /// running | waiting | restarting | failed | stopped | orphaned (left running by a
    /// supervisor that ended; the next `up` or `down` stops it)
    public var state: String
    public var pid: Int32?
    public var port: Int?
    public var restarts: Int
    /// Answers its readiness check (or runs, when it has none).
    public var ready: Bool
    /// The command, rendered, secrets masked.
    public var command: String
    public var exitCode: Int?

    enum CodingKeys: String, CodingKey { case name, state, pid, port, restarts, ready, command, exitCode = "exit_code" }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name); try c.encode(state, forKey: .state); try c.encode(pid, forKey: .pid)
        try c.encode(port, forKey: .port); try c.encode(restarts, forKey: .restarts); try c.encode(ready, forKey: .ready)
        try c.encode(command, forKey: .command); try c.encode(exitCode, forKey: .exitCode)
    }
}

public enum ProcessStatusReader {
    /// Every process of the manifest, with what its supervisor (if one runs) says of it.
    /// Reads only; a damaged state file shows the processes as stopped.
    public static func rows(_ plan: StackPlan) -> [ProcessStatus] {
        guard !plan.manifest.processes.isEmpty, let planned = try? ProcessPlanner.plan(plan) else { return [] }
        let paths = ProcessPaths(stateDir: plan.stateDir)
        let supervised = SupervisorProbe.running(paths) != nil
        let state = (try? ProcessState.read(paths)) ?? nil
        return planned.map { p in
            var row = ProcessStatus(name: p.name, state: "stopped", pid: nil, port: p.port, restarts: 0, ready: false,
                                    command: p.display, exitCode: nil)
            guard let e = state?.entry(p.name) else { return row }
            if supervised {
                row.state = e.state; row.pid = e.pid; row.restarts = e.restarts; row.ready = e.ready; row.exitCode = e.exitCode
                row.port = e.port ?? p.port
            } else if let pid = e.pid, ProcessInfoProbe.isSame(pid, ticks: e.startTicks) {
                row.state = "orphaned"; row.pid = pid
            }
            return row
        }
    }

    /// Port → process group of every process a running supervisor runs, across stacks.
    public static func supervisedPorts(_ registry: Registry) -> [Int: Int32] {
        var out: [Int: Int32] = [:]
        for (stack, e) in registry.stacks where e.ports.keys.contains(where: { $0.hasPrefix("app.") }) {
            let paths = ProcessPaths(stateDir: StackPlanner.stateDir(root: e.root, stack: stack))
            guard SupervisorProbe.running(paths) != nil, let state = (try? ProcessState.read(paths)) ?? nil else { continue }
            for p in state.processes { if let port = p.port, let pid = p.pid { out[port] = pid } }
        }
        return out
    }

    /// The human table under the services': state in colour, pid, port, restarts, command.
    public static func table(_ rows: [ProcessStatus], output: Output) -> [String] {
        Table.render(header: ["PROCESS", "STATE", "PID", "PORT", "RESTARTS", "COMMAND"], rows: rows.map { r in
            let state: String
            switch r.state {
            case "running": state = r.ready ? output.style("ready", .green) : output.style("starting", .yellow)
            case "waiting", "restarting": state = output.style(r.state, .yellow)
            case "failed", "orphaned": state = output.style(r.state, .red)
            default: state = r.state
            }
            let restarts = r.restarts > 0 ? output.style(String(r.restarts), .yellow) : "0"
            let command = r.command.count > 60 ? String(r.command.prefix(57)) + "..." : r.command
            return [r.name, state, r.pid.map(String.init) ?? "-", r.port.map(String.init) ?? "-", restarts, command]
        })
    }
}
