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
/// through the runner makes containers and volumes the engine then lists. Every command is
/// recorded. Containers carry the typed ``ContainerState``; the Engine API answers with its
/// words (`State` in a list, `State.Status` in an inspect), so the real decoders run.
///
/// A volume holds its data as one string, and the throwaway containers devenv runs on
/// volumes do to it what their scripts do (`SimulatedDocker+Volumes.swift`): a copy copies
/// it, a restore stages it and swaps it in, a live copy reads the parent's. Host processes
/// run from scripts (`SimulatedHost.swift`).
final class SimulatedDocker: ContainerEngine, ProcessRunning, Sendable {
    struct Container {
        var id: String; var service: String; var project: String; var state: ContainerState; var labels: [String: String]; var ports: [Int: Int]
        var exitCode = 0
        var image = ""
    }
    struct Volume {
        var name: String; var labels: [String: String]
        /// What the volume holds.
        var data = ""
        /// What a restore staged in it (`.devenv-restore.ready`), not yet swapped in.
        var staged: String?
        /// The first line of its version file (what `DataVersion` reads).
        var version = ""
        var created = 0
    }
    /// A command that fails while its rule stands.
    struct Rule { var key: String; var matches: @Sendable (Command) -> Bool; var result: CommandResult }

    struct State {
        var containers: [Container] = [], volumes: [Volume] = [], images = Set<String>(), commands: [Command] = []
        var failures: [String: CommandResult] = [:], stepExits: [String: Int] = [:], rules: [Rule] = []
        var observers: [@Sendable (Command) -> Void] = []
        /// What each parent service's `copy.layered.current` prints, by service.
        var tokens: [String: String] = [:]
        /// The parent's replication slots (`devenv_base_*`, made by a layered base), each this
        /// many bytes behind; and whether a catch-up fails.
        var slots: [String] = []
        var behind: Int64 = 100 << 20
        var catchUpFails = false
        /// Whether the storage shares extents between volumes (a reflink clone succeeds).
        var reflinks = false
        var clock = 0
    }
    let state = Locked(State())
    let host = Locked(HostState())

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
    var volumes: [Volume] { state.value.volumes }
    func volume(_ name: String) -> Volume? { state.value.volumes.first { $0.name == name } }

    func addContainer(project: String, service: String, state s: ContainerState = .running, labels: [String: String] = [:], ports: [Int: Int] = [:]) {
        state.with {
            $0.containers.append(Container(id: "c\($0.containers.count + 1)", service: service, project: project, state: s,
                                           labels: labels.merging(["com.docker.compose.project": project, "com.docker.compose.service": service]) { a, _ in a },
                                           ports: ports))
        }
    }

    /// A throwaway container of a task on the stack's volumes that a killed devenv left running.
    @discardableResult
    func addTaskContainer(stack: String, task: String) -> String {
        state.with {
            let id = "t\($0.containers.count + 1)"
            $0.containers.append(Container(id: id, service: "", project: "", state: .running, labels: ["dev.devenv.stack": stack, VolumeTask.label: task], ports: [:]))
            return id
        }
    }

    /// Puts a service's containers in `state` (a crash, a restart loop, a pause).
    func setState(_ s: ContainerState, project: String, service: String) {
        state.with { st in
            for i in st.containers.indices where st.containers[i].project == project && st.containers[i].service == service { st.containers[i].state = s }
        }
    }

    /// Adds the volume, or gives the one of that name these labels (and `data`).
    func addVolume(_ name: String, labels: [String: String], data: String? = nil) {
        state.with { s in
            s.clock += 1
            if let i = s.volumes.firstIndex(where: { $0.name == name }) {
                s.volumes[i].labels = labels
                if let data { s.volumes[i].data = data }
            } else {
                s.volumes.append(Volume(name: name, labels: labels, data: data ?? "", created: s.clock))
            }
        }
    }

    /// What a service wrote into its volume since.
    func setData(_ volume: String, _ data: String, version: String? = nil) {
        state.with { s in
            guard let i = s.volumes.firstIndex(where: { $0.name == volume }) else { return }
            s.volumes[i].data = data
            if let version { s.volumes[i].version = version }
        }
    }

    /// The parent's `devenv_base_*` replication slots.
    var slots: [String] { state.value.slots }
    /// The parent drops every slot (lost past its cap, or dropped by hand).
    func dropSlots() { state.with { $0.slots = [] } }
    /// Every catch-up fails from now on (the replay stops short).
    func failCatchUps() { state.with { $0.catchUpFails = true } }

    /// What a parent service's `copy.layered.current` prints from now on (its present changed).
    func setPresent(_ service: String, _ token: String) { state.with { $0.tokens[service] = token } }

    /// Whether the engine's storage shares extents between volumes (XFS with reflinks, btrfs).
    func setReflinks(_ on: Bool) { state.with { $0.reflinks = on } }

    /// What a restore left staged in the volume (a copy beside its data), as a killed one leaves it.
    func setStaged(_ volume: String, _ data: String?) {
        state.with { s in if let i = s.volumes.firstIndex(where: { $0.name == volume }) { s.volumes[i].staged = data } }
    }

    /// Makes every `docker compose VERB` fail with `stderr` (and change nothing) until
    /// `succeed(_:)`: an image that cannot start, a port the engine cannot bind.
    func fail(_ verb: String, status: Int32 = 1, stderr: String) {
        state.with { $0.failures[verb] = CommandResult(status: status, stdout: "", stderr: stderr) }
    }

    func succeed(_ verb: String) { state.with { $0.failures[verb] = nil } }

    /// Makes every command `matches` accepts fail with `stderr` (changing nothing) until `clear(key)`.
    func fail(_ key: String, when matches: @escaping @Sendable (Command) -> Bool, status: Int32 = 1, stderr: String) {
        state.with { $0.rules.append(Rule(key: key, matches: matches, result: CommandResult(status: status, stdout: "", stderr: stderr))) }
    }

    func clear(_ key: String) { state.with { $0.rules.removeAll { $0.key == key } } }

    /// `body` sees each command before it runs (to read a state file at that moment).
    func onCommand(_ body: @escaping @Sendable (Command) -> Void) { state.with { $0.observers.append(body) } }

    // MARK: ProcessRunning: the CLI

    /// The verb and its arguments, without compose's global `--profile NAME` flags before it.
    static func withoutProfiles(_ args: [String]) -> [String] {
        var a = args
        while a.first == "--profile", a.count >= 2 { a.removeFirst(2) }
        return a
    }

    func capture(_ command: Command) async throws -> CommandResult {
        let (observers, rule) = state.with { s in
            s.commands.append(command)
            return (s.observers, s.rules.first { $0.matches(command) })
        }
        for o in observers { o(command) }
        if let rule { return rule.result }
        let a = command.arguments
        guard a.first == "compose", let f = a.firstIndex(of: "--file"), let p = a.firstIndex(of: "--project-name") else {
            return docker(command)
        }
        let project = a[p + 1], file = a[f + 1]
        let verb = Self.withoutProfiles(Array(a[(f + 2)...]))
        if let failure = verb.first.flatMap({ v in state.value.failures[v] }) { return failure }
        let names = verb.dropFirst().filter { !$0.hasPrefix("-") }
        switch verb.first {
        case "up":
            let keys = ComposeFileFacts(file)
            let profiles = Self.profileFlags(Array(a[(f + 1)...]))
            // as compose: a service of profiles starts when one is given, or when it is named
            let wanted = verb.dropFirst().filter { !$0.hasPrefix("-") }
            let services = keys.services.keys.filter { s in
                wanted.contains(s) || wanted.isEmpty && (keys.services[s]!.profiles.isEmpty || keys.services[s]!.profiles.contains(where: profiles.contains))
            }
            make(services.sorted(), project: project, facts: keys, start: true)
        case "create":
            let keys = ComposeFileFacts(file)
            make((names.isEmpty ? Array(keys.services.keys) : names).sorted(), project: project, facts: keys, start: false)
        case "down":
            state.with { st in
                st.containers.removeAll { $0.project == project }
                if verb.contains("--volumes") { st.volumes.removeAll { $0.labels["com.docker.compose.project"] == project || $0.labels["dev.devenv.stack"] == project && $0.labels[Snapshot.label] == nil } }
            }
        case "stop", "start":
            state.with { st in
                for i in st.containers.indices where st.containers[i].project == project && (names.isEmpty || names.contains(st.containers[i].service)) {
                    st.containers[i].state = verb.first == "stop" ? .exited : .running
                }
            }
        case "rm":
            state.with { st in st.containers.removeAll { $0.project == project && names.contains($0.service) } }
        case "pull":
            for s in names { if let image = ComposeFileFacts(file).services[s]?.image { state.with { $0.images.insert(image) } } }
        case "exec":
            guard let service = names.first else { break }
            if !state.value.containers.contains(where: { $0.project == project && $0.service == service && $0.state == .running }) {
                return CommandResult(status: 1, stdout: "", stderr: "service \"\(service)\" is not running")
            }
        default: break
        }
        return CommandResult(status: 0, stdout: "", stderr: "")
    }

    /// Compose's `up` (started) or `create` (not started) of `services`: their containers, and
    /// the named volumes they mount that do not exist yet, labelled as the file declares them.
    private func make(_ services: [String], project: String, facts: ComposeFileFacts, start: Bool) {
        state.with { st in
            for s in services {
                guard let svc = facts.services[s] else { continue }
                for key in svc.volumes {
                    guard let declared = facts.volumes[key] else { continue }
                    let name = declared.name ?? "\(project)_\(key)"
                    guard !st.volumes.contains(where: { $0.name == name }) else { continue }
                    st.clock += 1
                    st.volumes.append(Volume(name: name, labels: declared.labels.merging(["com.docker.compose.project": project, "com.docker.compose.volume": key]) { a, _ in a },
                                             created: st.clock))
                }
                let step = svc.restart == "no"
                if !start, st.containers.contains(where: { $0.project == project && $0.service == s }) { continue }
                st.containers.removeAll { $0.project == project && $0.service == s }
                st.containers.append(Container(id: "c-\(project)-\(s)-\(st.commands.count)", service: s, project: project,
                                               state: !start ? .created : step ? .exited : .running,
                                               labels: svc.labels.merging(["com.docker.compose.project": project, "com.docker.compose.service": s]) { a, _ in a },
                                               ports: [:], exitCode: step ? st.stepExits[s] ?? 0 : 0, image: svc.image ?? ""))
            }
        }
    }

    func attach(_ command: Command) async throws -> Int32 { _ = try await capture(command); return 0 }

    /// The `--profile NAME` flags before the verb.
    static func profileFlags(_ args: [String]) -> [String] {
        var out: [String] = [], a = args.dropFirst()   // after the file's path
        while a.first == "--profile", a.count >= 2 { out.append(a[a.index(after: a.startIndex)]); a = a.dropFirst(2) }
        return out
    }
}

/// What the simulated compose reads of a rendered compose file: each service's labels, image,
/// `profiles:`, `restart:` and named volumes, and the file's top-level volumes.
struct ComposeFileFacts {
    struct Service { var labels: [String: String] = [:]; var image: String?; var profiles: [String] = []; var restart: String?; var volumes: [String] = [] }
    var services: [String: Service] = [:]
    var volumes: [String: (name: String?, labels: [String: String])] = [:]

    init(_ file: String) {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8), let node = try? Yams.compose(yaml: text) else { return }
        func strings(_ n: Yams.Node?) -> [String: String] {
            var out: [String: String] = [:]
            for (k, v) in n?.mapping ?? Yams.Node.Mapping([]) { if let a = k.string, let b = v.string { out[a] = b } }
            return out
        }
        for (k, v) in node["volumes"]?.mapping ?? Yams.Node.Mapping([]) {
            if let key = k.string { volumes[key] = (v["name"]?.string, strings(v["labels"])) }
        }
        for (k, v) in node["services"]?.mapping ?? Yams.Node.Mapping([]) {
            guard let name = k.string else { continue }
            let mounts = (v["volumes"]?.sequence ?? []).compactMap { $0.string?.split(separator: ":").first.map(String.init) }
            services[name] = Service(labels: strings(v["labels"]), image: v["image"]?.string, profiles: v["profiles"]?.sequence?.compactMap(\.string) ?? [],
                                     restart: v["restart"]?.string, volumes: mounts.filter { volumes[$0] != nil })
        }
    }
}

import Yams

/// Every service answers at once.
struct ReadyProber: Prober {
    func check(_ spec: ProbeSpec, timeout: TimeInterval) async -> Probe.Outcome { .ready }
}
