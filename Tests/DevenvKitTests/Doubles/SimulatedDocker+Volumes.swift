import Foundation
@testable import DevenvCore
@testable import DevenvEngine
@testable import DevenvKit

/// The docker CLI's volume, container and throwaway-container commands, and the Engine API.
extension SimulatedDocker {
    /// A `docker run` as devenv writes it: its network, mounts (container path → volume) and `sh -c` script.
    struct Run {
        var network = "", image = "", script = ""
        /// The arguments after the image.
        var rest: [String] = []
        var mounts: [String: String] = [:]
        var readOnly: Set<String> = []
        var labels: [String: String] = [:]
        /// What devenv runs it for (`dev.devenv.task`: version, snapshot, restore, branch-copy, branch-rotate).
        var task: String? { labels[VolumeTask.label] }

        init(_ args: [String]) {
            var i = 1   // after `run`
            let valued: Set<String> = ["--network", "--user", "--entrypoint", "--label", "-e", "--name"]
            while i < args.count {
                let a = args[i]
                if a == "-v", i + 1 < args.count {
                    let parts = args[i + 1].split(separator: ":").map(String.init)
                    if parts.count >= 2 { mounts[parts[1]] = parts[0]; if parts.count > 2, parts[2] == "ro" { readOnly.insert(parts[0]) } }
                    i += 2
                } else if a == "--network", i + 1 < args.count { network = args[i + 1]; i += 2 }
                else if a == "--label", i + 1 < args.count {
                    let kv = args[i + 1].split(separator: "=", maxSplits: 1).map(String.init)
                    if kv.count == 2 { labels[kv[0]] = kv[1] }
                    i += 2
                }
                else if valued.contains(a) { i += 2 }
                else if a.hasPrefix("-") { i += 1 }
                else { image = a; break }
            }
            rest = Array(args.dropFirst(i + 1))
            if rest.first == "-c", rest.count > 1 { script = rest[1] }
        }

        /// What the container does to its volumes, told by its mounts, script and task label.
        enum Kind: Equatable {
            /// In a parent container's network: a live copy or a layered base into `target`; `copy.layered.current` without one.
            case live(container: String, target: String?)
            case stage(from: String, to: String), swap(String), unstage(String), copy(from: String, to: String)
            case reflink(base: String, into: String), mount(String, on: String), version(String), other
        }

        var kind: Kind {
            let m = mounts
            if network.hasPrefix("container:") { return .live(container: String(network.dropFirst("container:".count)), target: m["/target"]) }
            if script.contains(".devenv-restore.ready"), script.contains("mkdir"), let from = m["/from"], let to = m["/to"] { return .stage(from: from, to: to) }
            if script.hasPrefix("cd /to"), let to = m["/to"] { return .swap(to) }
            if script.hasPrefix("rm -rf /to/.devenv-restore"), let to = m["/to"] { return .unstage(to) }
            if script.contains("cp -a"), let from = m["/from"], let to = m["/to"] { return .copy(from: from, to: to) }
            if script.contains("--reflink=always"), let base = m["/base"], let data = m["/data"] { return .reflink(base: base, into: data) }
            // A clone and the branch's rotation in one container (`RotateCommand.command(clone:)`).
            if script.contains("--reflink=always"), let base = m[RotateCommand.basePath],
               let data = m.first(where: { $0.key != RotateCommand.basePath })?.value { return .reflink(base: base, into: data) }
            if task == "version", let data = m["/data"] { return .version(data) }
            if let base = m["/base"], let data = m["/data"] { return .mount(data, on: base) }
            return .other
        }
    }

    static func mountpoint(_ volume: String) -> String { "/var/lib/docker/volumes/\(volume)/_data" }

    /// Every docker command that is not `docker compose`.
    func docker(_ command: Command) -> CommandResult {
        let a = command.arguments
        let ok = CommandResult(status: 0, stdout: "", stderr: "")
        switch (a.first, a.dropFirst().first) {
        case ("volume", "create"?):
            guard let name = a.last else { return ok }
            var labels: [String: String] = [:], lower: String?
            for (i, x) in a.enumerated() where i + 1 < a.count {
                let kv = a[i + 1].split(separator: "=", maxSplits: 1).map(String.init)
                if x == "--label", kv.count == 2 { labels[kv[0]] = kv[1] }
                if x == "--opt", kv.first == "o", let r = a[i + 1].range(of: "lowerdir=") {
                    lower = String(a[i + 1][r.upperBound...].prefix { $0 != "," })
                }
            }
            state.with { s in
                guard !s.volumes.contains(where: { $0.name == name }) else { return }
                s.clock += 1
                let data = lower.flatMap { l in s.volumes.first { Self.mountpoint($0.name) == l }?.data } ?? ""
                s.volumes.append(Volume(name: name, labels: labels, data: data, created: s.clock))
            }
            return CommandResult(status: 0, stdout: name + "\n", stderr: "")
        case ("volume", "rm"?):
            let names = Array(a.dropFirst(2))
            let missing = state.with { s in
                let missing = names.filter { n in !s.volumes.contains { $0.name == n } }
                s.volumes.removeAll { names.contains($0.name) }
                return missing
            }
            return missing.isEmpty ? ok : CommandResult(status: 1, stdout: "", stderr: missing.map { "Error response from daemon: get \($0): no such volume" }.joined(separator: "\n"))
        case ("rm", _):
            state.with { s in s.containers.removeAll { a.contains($0.id) } }
            return ok
        case ("run", _):
            return run(Run(a))
        case ("exec", "--user"?):
            // `copy.layered.current` in a parent's running container (`docker exec --user 0:0 [-e NAME…] ID argv`).
            var i = 3
            while i < a.count, a[i] == "-e" { i += 2 }
            let id = i < a.count ? a[i] : ""
            return state.with { s in
                guard let parent = s.containers.first(where: { $0.id == id && $0.state == .running }) else {
                    return CommandResult(status: 1, stdout: "", stderr: "Error response from daemon: container \(id) is not running")
                }
                let argv = a[(i + 1)...].joined(separator: " ")
                if argv.contains("pg_drop_replication_slot") { s.slots.removeAll { a.contains($0) }; return CommandResult(status: 0, stdout: "", stderr: "") }
                if argv.contains("pg_replication_slots") {   // `copy.layered.catchup.anchors`
                    return CommandResult(status: 0, stdout: s.slots.map { "\($0) \(s.behind)\n" }.joined(), stderr: "")
                }
                return CommandResult(status: 0, stdout: (s.tokens[parent.service] ?? "token-1") + "\n", stderr: "")
            }
        case ("exec", let id?):
            // `DataVersion` in a running container: its data volume's version file.
            let version = state.with { s -> String in
                guard let c = s.containers.first(where: { $0.id == id }) else { return "" }
                return s.volumes.first { $0.name == "\(c.project)_\(c.service)-data" }?.version ?? ""
            }
            return CommandResult(status: 0, stdout: version.isEmpty ? "" : version + "\n", stderr: "")
        default:
            return ok
        }
    }

    /// A throwaway container: what its script does to the volumes it mounts.
    func run(_ r: Run) -> CommandResult {
        let ok = CommandResult(status: 0, stdout: "", stderr: "")
        return state.with { s -> CommandResult in
            for v in r.mounts.values where !s.volumes.contains(where: { $0.name == v }) {   // `-v NAME:…` makes the volume
                s.clock += 1
                s.volumes.append(Volume(name: v, labels: [:], created: s.clock))
            }
            func at(_ name: String) -> Int { s.volumes.firstIndex { $0.name == name }! }
            switch r.kind {
            case .live(let id, let target):
                guard let parent = s.containers.first(where: { $0.id == id && $0.state == .running }) else {
                    return CommandResult(status: 125, stdout: "", stderr: "Error response from daemon: cannot join network of a non running container: \(id)")
                }
                let parentData = s.volumes.first { $0.name == "\(parent.project)_\(parent.service)-data" }?.data ?? ""
                guard let target else {
                    // A catch-up (`copy.layered.catchup`): the branch's data brought to the parent's present.
                    if let data = r.mounts.first(where: { $0.key != RotateCommand.basePath })?.value {
                        guard !s.catchUpFails else { return CommandResult(status: CatchUp.failedStatus, stdout: "", stderr: "the replay stopped") }
                        s.volumes[at(data)].data = parentData
                        return ok
                    }
                    return CommandResult(status: 0, stdout: (s.tokens[parent.service] ?? "token-1") + "\n", stderr: "")
                }
                s.volumes[at(target)].data = parentData
                if let anchor = r.rest.last, anchor.hasPrefix("devenv_base_") { s.slots.append(anchor) }   // `pg_basebackup -C -S`
            case .stage(let from, let to): s.volumes[at(to)].staged = s.volumes[at(from)].data   // a copy beside the data
            case .swap(let to):
                if let staged = s.volumes[at(to)].staged { s.volumes[at(to)].data = staged; s.volumes[at(to)].staged = nil }
            case .unstage(let to): s.volumes[at(to)].staged = nil
            case .copy(let from, let to): s.volumes[at(to)].data = s.volumes[at(from)].data
            case .reflink(let base, let into):
                guard s.reflinks else { return CommandResult(status: ReflinkClone.unsupported, stdout: "", stderr: "the engine's storage has no reflinks between volumes") }
                s.volumes[at(into)].data = s.volumes[at(base)].data
            case .version(let volume):
                let v = s.volumes[at(volume)].version
                return CommandResult(status: 0, stdout: v.isEmpty ? "" : v + "\n", stderr: "")
            case .mount, .other: break
            }
            return ok
        }
    }

    // MARK: ContainerEngine: the Engine API

    func get(_ path: String, timeout: TimeInterval) throws -> (Int, Data) {
        let s = state.value
        let (route, label) = Self.route(path)
        func json(_ value: Any) -> (Int, Data) { (200, try! JSONSerialization.data(withJSONObject: value)) }
        func created(_ v: Volume) -> String { String(format: "2027-01-01T00:%02d:%02dZ", v.created / 60 % 60, v.created % 60) }
        switch route {
        case "/_ping": return (200, Data("OK".utf8))
        case "/version": return json(["Version": "simulated", "ApiVersion": "1.41"])
        case "/info": return json(["ID": "SIMULATED", "DockerRootDir": "/var/lib/docker"])
        case "/containers/json":
            return json(s.containers.filter { Self.matches($0.labels, label) }.map { c in
                ["Id": c.id, "Names": ["/\(c.project)-\(c.service)-1"], "Image": c.image, "State": c.state.engineWord, "Status": Self.status(c.state, exitCode: c.exitCode),
                 "Labels": c.labels, "Ports": c.ports.map { ["IP": "127.0.0.1", "PrivatePort": $0.value, "PublicPort": $0.key, "Type": "tcp"] }] as [String: Any]
            })
        case "/volumes":
            return json(["Volumes": s.volumes.filter { Self.matches($0.labels, label) }.map { ["Name": $0.name, "Labels": $0.labels, "CreatedAt": created($0)] }])
        case "/networks": return json([[String: Any]]())
        case "/system/df": return json(["Volumes": s.volumes.map { ["Name": $0.name, "UsageData": ["Size": $0.data.utf8.count]] as [String: Any] }])
        case "/events": return (200, Data())
        default:
            if route.hasPrefix("/volumes/") {
                let name = String(route.dropFirst(9)).removingPercentEncoding ?? ""
                guard let v = s.volumes.first(where: { $0.name == name }) else { return (404, Data()) }
                return json(["Name": v.name, "Labels": v.labels, "Mountpoint": Self.mountpoint(v.name), "CreatedAt": created(v)])
            }
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
