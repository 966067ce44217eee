import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// `devenv status --json` (and `up --json`): the shape DESIGN fixes.
public struct StatusReport: Encodable {
    public var stack: String
    public var project: String
    public var branch: String?
    public var root: String
    public var services: [ServiceStatus]
    /// Only in `up --json`: how long each phase took (status never sets it).
    public var timings: UpTimings? = nil
    /// The engine the stack runs on (`unix:///var/run/docker.sock`, `ssh://me@box`).
    public var engine: String? = nil
    /// For a remote engine: the ssh session forwarding its ports (`{"pid","ports","alive"}`).
    public var forward: ForwardStatus? = nil

    public struct ForwardStatus: Encodable, Equatable {
        public var pid: Int32
        public var ports: [Int]
        public var alive: Bool
    }

    /// The app's processes (`processes:` in devenv.yml); empty without them.
    public var processes: [ProcessStatus] = []
    /// The last `devenv pull` of each service that had one (`pulls` in JSON, absent when none).
    public var pulls: [PullRecord] = []
    /// `.env` values pointing at another stack (`status` only; in the JSON when there are any).
    public var envMismatches: [EnvStackMismatch] = []

    enum CodingKeys: String, CodingKey { case stack, project, branch, root, engine, forward, services, timings, processes, pulls, envMismatches = "env_mismatches" }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(stack, forKey: .stack)
        try c.encode(project, forKey: .project)
        try c.encode(branch, forKey: .branch)
        try c.encode(root, forKey: .root)
        try c.encodeIfPresent(engine, forKey: .engine)
        try c.encodeIfPresent(forward, forKey: .forward)
        try c.encode(services, forKey: .services)
        try c.encode(processes, forKey: .processes)
        try c.encodeIfPresent(timings, forKey: .timings)
        if !pulls.isEmpty { try c.encode(pulls, forKey: .pulls) }
        if !envMismatches.isEmpty { try c.encode(envMismatches, forKey: .envMismatches) }
    }
}

public struct ServiceStatus: Encodable {
    public var name: String
    public var kind: String
    public var image: String
    /// running | stopped | missing (DESIGN's machine words; the table tells a finished step
    /// and an unstarted profile apart with `step` and `profiles`)
    public var state: RunState
    /// ready | starting | unhealthy
    public var health: String
    public var host: String
    public var port: Int?
    public var ports: [String: Int]
    public var url: String?
    /// Container restarts and last exit code (detached stacks rely on compose's restart policy).
    public var restarts: Int?
    public var exitCode: Int?
    /// A branch stack's service whose data came from another stack: how (`reflink`, `overlay`:
    /// a layer on a base of the parent's data; `copy`) and from which stack. Absent otherwise.
    public var dataMethod: String?
    public var dataFrom: String?
    /// A one-shot step (`restart: "no"`): stopped with exit code 0 is done, not failed.
    public var step = false
    /// The service's `profiles:`: missing while no `up --profile` names one is not started, not lost.
    public var profiles: [String] = []

    enum CodingKeys: String, CodingKey {
        case name, kind, image, state, health, host, port, ports, url, restarts, exitCode = "exit_code", dataMethod = "data_method", dataFrom = "data_from", step, profiles
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name); try c.encode(kind, forKey: .kind); try c.encode(image, forKey: .image)
        try c.encode(state, forKey: .state); try c.encode(health, forKey: .health); try c.encode(host, forKey: .host)
        try c.encode(port, forKey: .port); try c.encode(ports, forKey: .ports); try c.encode(url, forKey: .url)
        try c.encodeIfPresent(restarts, forKey: .restarts); try c.encodeIfPresent(exitCode, forKey: .exitCode)
        try c.encodeIfPresent(dataMethod, forKey: .dataMethod); try c.encodeIfPresent(dataFrom, forKey: .dataFrom)
        if step { try c.encode(step, forKey: .step) }
        if !profiles.isEmpty { try c.encode(profiles, forKey: .profiles) }
    }
}

public enum StatusBuilder {
    /// Combines the plan with what the engine says about the stack's containers. A service
    /// without a healthcheck verdict is probed once from the host.
    public static func build(_ plan: StackPlan, containers: [ContainerInfo], engine: (any ContainerEngine)?, probe: Bool = true) -> StatusReport {
        let restartInfo = engine.map { restarts(of: containers.filter { c in plan.services.contains { $0.name == c.service } }, engine: $0) } ?? [:]
        let services = plan.services.map { s -> ServiceStatus in
            let c = containers.first { $0.service == s.name }
            let state = RunState(c?.state)
            var health = c?.health ?? "starting"
            if state == .running, c?.health == nil || c?.health == "starting", probe, let spec = s.probe {
                health = Probe.check(spec, timeout: 0.5) == .ready ? "ready" : "starting"
            }
            if state != .running { health = "starting" }
            var restarts: Int?, exitCode: Int?
            if let c, let info = restartInfo[c.id] {
                restarts = info.restarts; exitCode = info.exitCode
            }
            if state == .stopped, s.spec.isStep, exitCode == 0 { health = "ready" }   // a step is ready once it has exited 0
            var status = ServiceStatus(
                name: s.name, kind: s.kindName, image: s.image, state: state, health: health, host: "127.0.0.1",
                port: s.mainPort?.host, ports: Dictionary(uniqueKeysWithValues: s.ports.map { ($0.name, $0.host) }),
                url: s.url, restarts: restarts, exitCode: exitCode)
            status.step = s.spec.isStep
            status.profiles = s.spec.profiles
            return status
        }
        return StatusReport(stack: plan.identity.stack, project: plan.identity.project, branch: plan.identity.branch,
                            root: plan.identity.root, services: services)
    }

    /// Each container's restart count and last exit code, asked of the engine for all
    /// containers at once (one inspect each; in series they were most of a `status`).
    static func restarts(of containers: [ContainerInfo], engine: any ContainerEngine) -> [String: (restarts: Int, exitCode: Int?)] {
        let found = Locked<[String: (restarts: Int, exitCode: Int?)]>([:])
        DispatchQueue.concurrentPerform(iterations: containers.count) { i in
            let c = containers[i]
            guard let info = engine.restartInfo(id: c.id) else { return }
            var exitCode: Int? = info.exitCode
            // A restarted container's own exit code is reset to 0; its last `die` event keeps it,
            // while the engine remembers it (Docker keeps its last 256 events): unknown after.
            if info.restarts > 0, c.state == .running { exitCode = engine.lastExit(container: c.id)?.code }
            found.with { $0[c.id] = (info.restarts, exitCode) }
        }
        return found.with { $0 }
    }

    /// Each service's `data_method` and `data_from`, from the labels of its data volume (set
    /// when a branch's data came from its parent; a volume made anew, by `reset` or `upgrade`,
    /// has none), from a listing of the stack's volumes (`status` and `up` make it beside their
    /// other engine reads). Left out when the engine could not list them (`volumes` nil).
    public static func annotateData(_ report: inout StatusReport, plan: StackPlan, volumes: [String: VolumeInfo]?) {
        guard let volumes else { return }
        for i in report.services.indices {
            guard let labels = volumes[StackVolumes.name(plan, key: StackVolumes.dataKey(report.services[i].name))]?.labels else { continue }
            report.services[i].dataMethod = labels[StackVolumes.dataMethodLabel]
            report.services[i].dataFrom = labels[StackVolumes.dataMethodLabel] == nil ? nil : labels[StackVolumes.dataFromLabel]
        }
    }

    /// A human table; secrets in URLs are masked. With the engine's restart counts (status),
    /// RESTARTS and LAST EXIT columns too (the exit code shows once a container has stopped or restarted).
    public static func table(_ report: StatusReport, plan: StackPlan, output: Output) -> [String] {
        let withRestarts = report.services.contains { $0.restarts != nil }
        let rows = report.services.map { s -> [String] in
            let secrets = plan.service(s.name)?.secrets.values.map { $0 } ?? []
            let url = secrets.reduce(s.url ?? "-") { $0.replacingOccurrences(of: $1, with: "****") }
            let state = switch s.state {
            case .running: s.health == "ready" ? output.style("ready", .green) : output.style(s.health, .yellow)
            case .stopped where s.step && s.exitCode == 0: output.style("done", .green)
            case .missing where !s.profiles.isEmpty: output.style("inactive (profile \(s.profiles.joined(separator: ", ")))", .dim)
            default: output.style(s.state.rawValue, .red)
            }
            guard withRestarts else { return [s.name, s.kind, state, url] }
            let restarts = s.restarts.map { $0 > 0 ? output.style(String($0), .yellow) : "0" } ?? "-"
            let shown = s.exitCode != nil && (s.state != .running || (s.restarts ?? 0) > 0)
            let exit = shown ? (s.exitCode == 0 ? "0" : output.style(String(s.exitCode!), .red)) : "-"
            return [s.name, s.kind, state, restarts, exit, url]
        }
        let header = withRestarts ? ["SERVICE", "KIND", "STATE", "RESTARTS", "LAST EXIT", "URL"] : ["SERVICE", "KIND", "STATE", "URL"]
        return Table.render(header: header, rows: rows)
    }
}
