import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// A process ready to start: its command (rendered against the stack, with the stack's
/// values in its environment), its port, how it is checked, what it waits for.
public struct PlannedProcess: Sendable, Equatable {
    public var name: String
    /// What is run: `/bin/sh -c LINE` for a shell line, the argv otherwise. `environment`
    /// holds the managed values and `PORT`; it is added to devenv's own environment.
    public var command: Command
    /// The command as the user wrote it, rendered, secrets masked (`python3 -m http.server 17003`).
    public var display: String
    /// The host port it listens on (its entry under `ports:`), if any.
    public var port: Int?
    public var portName: String?
    /// True when `ports:` pins the number; false for `auto`.
    public var pinned: Bool
    /// The readiness check on 127.0.0.1; nil: ready as soon as it runs.
    public var probe: ProbeSpec?
    public var dependsOnProcesses: [String]
    public var dependsOnServices: [String]
    /// Changes whenever the command, its folder or its environment does: a running process
    /// with another fingerprint is restarted by the next `up`.
    public var fingerprint: String
}

/// Turns a stack plan's `processes:` into `PlannedProcess` values. Pure: reads and writes nothing.
public enum ProcessPlanner {
    /// Every process of the manifest, in dependency order (manifest order where free).
    public static func plan(_ plan: StackPlan) throws -> [PlannedProcess] {
        let targets = try EnvStage.targets(plan)
        let ctx = plan.templateContext
        let m = plan.manifest
        let secrets = plan.services.flatMap { $0.secrets.values }
        let planned = try m.processes.map { p -> PlannedProcess in
            let cwd = p.cwd.map { m.root + "/" + $0 } ?? m.root
            var env: [String: String] = [:]
            for t in chooseTargets(p, targets: targets.map(\.path)) {
                for (k, v) in targets.first(where: { $0.path == t })?.values ?? [] where env[k] == nil { env[k] = v }   // the first file wins
            }
            let portName = ProcessValidation.ownPort(p, m)
            let port = portName.flatMap { plan.appPorts[$0] }
            if let port { env["PORT"] = String(port) }
            // Python holds its output back when it is a pipe; a dev process's lines should stream.
            if plan.manifest.processes.count > 0, ProcessInfo.processInfo.environment["PYTHONUNBUFFERED"] == nil { env["PYTHONUNBUFFERED"] = "1" }
            let rendered = try p.run.texts.map { try plan.manifest.templates.render($0, ctx) }
            let command: Command
            switch p.run {
            case .shell:
                // A plain command line is exec'd by the shell: its pid is the program's, signals reach it directly.
                let line = Self.isSimple(rendered[0]) ? "exec " + rendered[0] : rendered[0]
                command = Command("/bin/sh", ["-c", line], environment: env, workingDirectory: cwd)
            case .argv:
                var exe = rendered[0]
                if exe.contains("/") && !exe.hasPrefix("/") { exe = ((cwd as NSString).appendingPathComponent(exe) as NSString).standardizingPath }
                command = Command(exe, Array(rendered.dropFirst()), environment: env, workingDirectory: cwd)
            }
            var display: String
            if case .shell = p.run { display = rendered[0] } else { display = Command(rendered[0], Array(rendered.dropFirst())).description }
            for secret in secrets where !secret.isEmpty { display = display.replacingOccurrences(of: secret, with: "****") }
            var probe: ProbeSpec?
            switch p.ready {
            case .http(let path)?: probe = port.map { .http(port: $0, path: path) }
            case .tcp(let name)?: probe = (name.isEmpty ? port : plan.appPorts[name]).map { .tcp(port: $0) }
            case nil: probe = port.map { .tcp(port: $0) }
            }
            let processes = Set(m.processes.map(\.name))
            return PlannedProcess(
                name: p.name, command: command, display: display, port: port, portName: portName,
                pinned: m.appPorts.first { $0.name == portName }?.port != nil, probe: probe,
                dependsOnProcesses: p.depends.filter(processes.contains), dependsOnServices: p.depends.filter { !processes.contains($0) },
                fingerprint: fingerprint(command))
        }
        return order(planned)
    }

    /// A shell line that is one command: no operators, redirections, substitutions or
    /// assignments in front (`exec` can take its place).
    static func isSimple(_ line: String) -> Bool {
        let t = line.trimmingCharacters(in: .whitespaces)
        guard !t.isEmpty, !t.hasPrefix("exec "), !t.contains(where: { ";&|<>()`\n{}".contains($0) }), !t.contains("$(") else { return false }
        let first = t.split(separator: " ").first.map(String.init) ?? ""
        return !first.contains("=") && !["if", "for", "while", "case", "until", "!", "cd", "export", "source", "."].contains(first)
    }

    /// The `env:` targets a process takes its keys from: `env:` as written; else the targets
    /// in its folder; else every target.
    static func chooseTargets(_ p: ProcessSpec, targets: [String]) -> [String] {
        if let files = p.envFiles { return files }
        let dir = p.cwd ?? ""
        let inCwd = targets.filter { (($0 as NSString).deletingLastPathComponent) == dir }
        return inCwd.isEmpty ? targets : inCwd
    }

    /// Dependencies first; otherwise the order given. (Cycles were refused by validation; any
    /// left over keep their order.)
    public static func order(_ processes: [PlannedProcess]) -> [PlannedProcess] {
        var done: [String] = []
        var left = processes
        while !left.isEmpty {
            let waiting = Set(left.map(\.name))
            guard let i = left.firstIndex(where: { $0.dependsOnProcesses.allSatisfy { !waiting.contains($0) } }) else {
                done += left.map(\.name); break
            }
            done.append(left.remove(at: i).name)
        }
        return done.compactMap { n in processes.first { $0.name == n } }
    }

    /// `names` and every process they depend on, in dependency order.
    public static func closure(_ names: [String], of processes: [PlannedProcess]) -> [PlannedProcess] {
        var wanted = Set<String>()
        func add(_ n: String) {
            guard wanted.insert(n).inserted, let p = processes.first(where: { $0.name == n }) else { return }
            p.dependsOnProcesses.forEach(add)
        }
        names.forEach(add)
        return processes.filter { wanted.contains($0.name) }
    }

    static func fingerprint(_ c: Command) -> String {
        let env = c.environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        return String(Checksum.sha256((c.argv + ["--cwd", c.workingDirectory ?? "", "--env"] + env).joined(separator: "\u{0}")).prefix(16))
    }
}
