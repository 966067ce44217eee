import Foundation
@testable import DevenvPlatform
import CurrentPlatform
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvSpec
@testable import DevenvPlan
@testable import DevenvKit

/// A Docker engine in memory, for unit tests of orchestration: its Engine API answers
/// (`ContainerEngine`) and its CLI (`ProcessRunning`) share one state, so `compose up` run
/// through the runner makes containers the engine then lists. Every command is recorded.
/// Containers carry the typed ``ContainerState``; the Engine API answers with its words
/// (`State` in a list, `State.Status` in an inspect), so the real decoders run.
final class SimulatedDocker: ContainerEngine, ProcessRunning, @unchecked Sendable {
    struct Container {
        var id: String; var service: String; var project: String; var state: ContainerState; var labels: [String: String]; var ports: [Int: Int]
        var exitCode = 0
    }
    struct Volume { var name: String; var labels: [String: String] }

    private let state = Locked((containers: [Container](), volumes: [Volume](), images: Set<String>(), commands: [Command](),
                                failures: [String: CommandResult](), stepExits: [String: Int]()))
    var endpoint: EngineEndpoint { EngineEndpoint(address: .unix(path: "/simulated.sock"), source: .defaultSocket) }
    func dockerEnvironment() throws -> [String: String] { [:] }

    init(images: Set<String> = []) { state.with { $0.images = images } }

    /// A step's exit code (a service with `restart: "no"` has exited by the time `up` returns; 0 unless set here).
    func setStepExit(_ service: String, _ code: Int) { state.with { $0.stepExits[service] = code } }

    var commands: [Command] { state.value.commands }
    /// The docker argv of every recorded command after `compose --project-name P --file F`.
    var composeVerbs: [[String]] {
        commands.map { c in
            guard c.arguments.first == "compose", let f = c.arguments.firstIndex(of: "--file") else { return c.arguments }
            return Self.withoutProfiles(Array(c.arguments[(f + 2)...]))
        }
    }
    var containers: [Container] { state.value.containers }

    func addContainer(project: String, service: String, state s: ContainerState = .running, labels: [String: String] = [:], ports: [Int: Int] = [:]) {
        state.with {
            $0.containers.append(Container(id: "c\($0.containers.count + 1)", service: service, project: project, state: s,
                                           labels: labels.merging(["com.docker.compose.project": project, "com.docker.compose.service": service]) { a, _ in a },
                                           ports: ports))
        }
    }

    /// Puts a service's containers in `state` (a crash, a restart loop, a pause).
    func setState(_ s: ContainerState, project: String, service: String) {
        state.with { st in
            for i in st.containers.indices where st.containers[i].project == project && st.containers[i].service == service { st.containers[i].state = s }
        }
    }

    func addVolume(_ name: String, labels: [String: String]) { state.with { $0.volumes.append(Volume(name: name, labels: labels)) } }

    /// Makes every `docker compose VERB` fail with `stderr` (and change nothing) until
    /// `succeed(_:)`: an image that cannot start, a port the engine cannot bind.
    func fail(_ verb: String, status: Int32 = 1, stderr: String) {
        state.with { $0.failures[verb] = CommandResult(status: status, stdout: "", stderr: stderr) }
    }

    func succeed(_ verb: String) { state.with { $0.failures[verb] = nil } }

    // MARK: ProcessRunning: the CLI

    /// The verb and its arguments, without compose's global `--profile NAME` flags before it.
    static func withoutProfiles(_ args: [String]) -> [String] {
        var a = args
        while a.first == "--profile", a.count >= 2 { a.removeFirst(2) }
        return a
    }

    func capture(_ command: Command) async throws -> CommandResult {
        state.with { $0.commands.append(command) }
        let a = command.arguments
        guard a.first == "compose", let f = a.firstIndex(of: "--file"), let p = a.firstIndex(of: "--project-name") else {
            if a.first == "volume", a.dropFirst().first == "rm" { state.with { s in s.volumes.removeAll { a.contains($0.name) } } }
            if a.first == "rm" { state.with { s in s.containers.removeAll { a.contains($0.id) } } }
            return CommandResult(status: 0, stdout: "", stderr: "")
        }
        let project = a[p + 1], file = a[f + 1]
        let profiles = Self.profileFlags(Array(a[(f + 1)...]))
        let verb = Self.withoutProfiles(Array(a[(f + 2)...]))
        if let failure = verb.first.flatMap({ v in state.value.failures[v] }) { return failure }
        switch verb.first {
        case "up":
            let services = Self.services(inComposeFile: file)
            let keys = Self.keys(inComposeFile: file)
            let wanted = verb.dropFirst().filter { !$0.hasPrefix("-") }
            // as compose: a service of profiles starts when one is given, or when it is named
            for s in services.keys where wanted.contains(s) || wanted.isEmpty && (keys[s]?.profiles.isEmpty != false || keys[s]!.profiles.contains(where: profiles.contains)) {
                state.with { st in
                    let step = keys[s]?.restart == "no"
                    st.containers.removeAll { $0.project == project && $0.service == s }
                    st.containers.append(Container(id: "c-\(s)-\(st.commands.count)", service: s, project: project, state: step ? .exited : .running,
                                                   labels: services[s]!.merging(["com.docker.compose.project": project, "com.docker.compose.service": s]) { a, _ in a },
                                                   ports: [:], exitCode: step ? st.stepExits[s] ?? 0 : 0))
                }
            }
        case "down":
            state.with { st in
                st.containers.removeAll { $0.project == project }
                if verb.contains("--volumes") { st.volumes.removeAll { $0.labels["dev.devenv.stack"] == project } }
            }
        case "stop", "start":
            let names = verb.dropFirst().filter { !$0.hasPrefix("-") }
            state.with { st in
                for i in st.containers.indices where st.containers[i].project == project && (names.isEmpty || names.contains(st.containers[i].service)) {
                    st.containers[i].state = verb.first == "stop" ? .exited : .running
                }
            }
        case "rm":
            let names = verb.dropFirst().filter { !$0.hasPrefix("-") }
            state.with { st in st.containers.removeAll { $0.project == project && names.contains($0.service) } }
        case "pull":
            for s in verb.dropFirst().filter({ !$0.hasPrefix("-") }) {
                if let image = Self.images(inComposeFile: file)[s] { state.with { $0.images.insert(image) } }
            }
        default: break
        }
        return CommandResult(status: 0, stdout: "", stderr: "")
    }

    func attach(_ command: Command) async throws -> Int32 { _ = try await capture(command); return 0 }

    /// The `--profile NAME` flags before the verb.
    static func profileFlags(_ args: [String]) -> [String] {
        var out: [String] = [], a = args.dropFirst()   // after the file's path
        while a.first == "--profile", a.count >= 2 { out.append(a[a.index(after: a.startIndex)]); a = a.dropFirst(2) }
        return out
    }

    /// Each service's `profiles:` and `restart:` in a rendered compose file.
    static func keys(inComposeFile file: String) -> [String: (profiles: [String], restart: String?)] {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8),
              let node = try? Yams.compose(yaml: text), let services = node["services"]?.mapping else { return [:] }
        var out: [String: (profiles: [String], restart: String?)] = [:]
        for (k, v) in services {
            guard let name = k.string else { continue }
            out[name] = (v["profiles"]?.sequence?.compactMap(\.string) ?? [], v["restart"]?.string)
        }
        return out
    }

    /// Each service's labels in a rendered compose file.
    static func services(inComposeFile file: String) -> [String: [String: String]] {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8),
              let node = try? Yams.compose(yaml: text), let services = node["services"]?.mapping else { return [:] }
        var out: [String: [String: String]] = [:]
        for (k, v) in services {
            guard let name = k.string else { continue }
            var labels: [String: String] = [:]
            for (lk, lv) in v["labels"]?.mapping ?? Yams.Node.Mapping([]) { if let a = lk.string, let b = lv.string { labels[a] = b } }
            out[name] = labels
        }
        return out
    }

    static func images(inComposeFile file: String) -> [String: String] {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8),
              let node = try? Yams.compose(yaml: text), let services = node["services"]?.mapping else { return [:] }
        var out: [String: String] = [:]
        for (k, v) in services { if let n = k.string, let i = v["image"]?.string { out[n] = i } }
        return out
    }

    // MARK: ContainerEngine: the Engine API

    func get(_ path: String, timeout: TimeInterval) throws -> (Int, Data) {
        let s = state.value
        let (route, label) = Self.route(path)
        func json(_ value: Any) -> (Int, Data) { (200, try! JSONSerialization.data(withJSONObject: value)) }
        switch route {
        case "/_ping": return (200, Data("OK".utf8))
        case "/version": return json(["Version": "simulated", "ApiVersion": "1.41"])
        case "/containers/json":
            return json(s.containers.filter { Self.matches($0.labels, label) }.map { c in
                ["Id": c.id, "Names": ["/\(c.project)-\(c.service)-1"], "Image": "", "State": c.state.engineWord, "Status": Self.status(c.state, exitCode: c.exitCode),
                 "Labels": c.labels, "Ports": c.ports.map { ["IP": "127.0.0.1", "PrivatePort": $0.value, "PublicPort": $0.key, "Type": "tcp"] }] as [String: Any]
            })
        case "/volumes": return json(["Volumes": s.volumes.filter { Self.matches($0.labels, label) }.map { ["Name": $0.name, "Labels": $0.labels] }])
        case "/networks": return json([[String: Any]]())
        case "/system/df": return json(["Volumes": [[String: Any]]()])
        case "/events": return (200, Data())
        default:
            if route.hasPrefix("/images/") {
                let ref = String(route.dropFirst(8).dropLast(5)).removingPercentEncoding ?? ""
                return s.images.contains(ref) ? json(["Id": ref]) : (404, Data())
            }
            if route.hasPrefix("/containers/"), route.hasSuffix("/json") {
                let id = String(route.dropFirst(12).dropLast(5))
                guard let c = s.containers.first(where: { $0.id == id }) else { return (404, Data()) }
                return json(["Id": c.id, "Name": "/\(c.project)-\(c.service)-1", "RestartCount": 0,
                             "State": ["Status": c.state.engineWord, "Running": c.state == .running, "ExitCode": c.exitCode, "OOMKilled": false],
                             "Config": ["Labels": c.labels, "Env": [String]()]] as [String: Any])
            }
            if route.hasPrefix("/containers/") { return (200, Data()) }   // logs: none
            return (404, Data())
        }
    }

    /// The list's `Status` column for a state, as the engine words it.
    static func status(_ state: ContainerState, exitCode: Int = 0) -> String {
        switch state {
        case .running: "Up 1 second"
        case .restarting: "Restarting (1) 1 second ago"
        case .paused: "Up 1 second (Paused)"
        case .created: "Created"
        case .removing: "Removal In Progress"
        case .dead: "Dead"
        case .exited, .other: "Exited (\(exitCode)) 1 second ago"
        }
    }

    /// The path without its query, and the `label` filter when there is one.
    static func route(_ path: String) -> (String, String?) {
        let parts = path.split(separator: "?", maxSplits: 1).map(String.init)
        guard parts.count == 2, let q = parts[1].removingPercentEncoding,
              let r = q.range(of: "\"label\":[\""), let end = q[r.upperBound...].range(of: "\"") else { return (parts[0], nil) }
        return (parts[0], String(q[r.upperBound..<end.lowerBound]))
    }

    static func matches(_ labels: [String: String], _ filter: String?) -> Bool {
        guard let filter else { return true }
        let kv = filter.split(separator: "=", maxSplits: 1).map(String.init)
        return kv.count == 2 ? labels[kv[0]] == kv[1] : labels[kv[0]] != nil
    }
}

import Yams

/// Every service answers at once.
struct ReadyProber: Prober {
    func check(_ spec: ProbeSpec, timeout: TimeInterval) async -> Probe.Outcome { .ready }
}
