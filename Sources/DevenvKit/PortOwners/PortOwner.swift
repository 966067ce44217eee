import CurrentPlatform
import Foundation
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// Who holds a port, in the user's words: a process, a container (with its compose
/// project), or one of devenv's own stacks.
public struct PortOwner: Sendable, Equatable, Encodable {
    public var pid: Int32?
    public var command: String?
    public var user: String?
    public var container: String?
    public var containerID: String?
    public var composeProject: String?
    /// Set when the container belongs to a devenv stack (or the process is a stack's forward).
    public var stack: String?
    /// Set when the process is devenv's ssh forwarding a stack's ports: the remote engine.
    public var forward: String?
    /// Set when the process is a container engine's port forwarder (`com.docker.backend`,
    /// `gvproxy`, …) and no engine devenv reaches claims the port: that engine, in words.
    public var engineForwarder: String?

    enum CodingKeys: String, CodingKey { case pid, command, user, container, composeProject = "compose_project", stack, forward, engineForwarder = "engine_forwarder" }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(pid, forKey: .pid); try c.encode(command, forKey: .command); try c.encodeIfPresent(user, forKey: .user)
        try c.encode(container, forKey: .container); try c.encode(composeProject, forKey: .composeProject)
        try c.encodeIfPresent(stack, forKey: .stack)
        try c.encodeIfPresent(forward, forKey: .forward)
        try c.encodeIfPresent(engineForwarder, forKey: .engineForwarder)
    }

    /// `python3 -m http.server 5432 (pid 4121, user alice)` or
    /// `container shop-postgres-1 (compose project shop, devenv stack shop)`.
    public var summary: String {
        if let container {
            var parts: [String] = []
            if let composeProject { parts.append("compose project \(composeProject)") }
            if let stack { parts.append("devenv stack \(stack)") }
            return "container \(container)" + (parts.isEmpty ? "" : " (\(parts.joined(separator: ", ")))")
        }
        if let forward {
            return "devenv's ssh forward to \(forward)" + (pid.map { " (pid \($0)" + (stack.map { ", stack \($0)" } ?? "") + ")" } ?? "")
        }
        let cmd = command.map { $0.count > 80 ? String($0.prefix(77)) + "..." : $0 } ?? "a process"
        if let engineForwarder { return "\(cmd) (\(engineForwarder)'s port forwarder" + (pid.map { ", pid \($0)" } ?? "") + ")" }
        var meta: [String] = []
        if let pid { meta.append("pid \(pid)") }
        if let user { meta.append("user \(user)") }
        return cmd + (meta.isEmpty ? "" : " (\(meta.joined(separator: ", ")))")
    }
}

/// Resolves listeners to owners by the engine's word: a port that one of the engine's
/// containers publishes is that container's, whatever process holds it (docker-proxy,
/// Docker Desktop's backend, OrbStack, Lima, gvproxy, rootlesskit, or none at all with
/// `--userland-proxy=false`). Everything else stays a process; an engine forwarder no
/// reachable engine claims is named as such (``EngineForwarder``).
public struct PortOwners {
    public var engine: (any ContainerEngine)?
    /// devenv's forward sessions: pid → (stack, remote engine) (``RemoteStack/forwardHolders(_:)``).
    public var forwards: [Int32: (stack: String, endpoint: String)] = [:]
    private var containers: [ContainerInfo]?
    private var pending: ContainerPrefetch?

    public init(engine: (any ContainerEngine)?) { self.engine = engine }

    /// Starts asking the engine for its running containers now, on another thread, so the
    /// answer is there when the first docker-proxy listener needs it (`ports --all` scans
    /// `/proc` meanwhile). An engine that does not answer within a second counts as none.
    public mutating func prefetch() {
        guard let engine, containers == nil, pending == nil else { return }
        pending = ContainerPrefetch(engine)
    }

    /// The owner of whatever listens on `port`, or nil when nothing does.
    public mutating func owner(of port: Int) -> PortOwner? {
        let listeners = Machine.platform.listeners(port: port)
        if let c = container(publishing: port) { return Self.owner(container: c) }
        guard let l = listeners.first else { return nil }
        return owner(of: l)
    }

    /// `managed`: the port is in devenv's registry, so containers that are not running are
    /// inspected for it too (as for any port an engine forwarder holds).
    public mutating func owner(of listener: Listener, managed: Bool = true) -> PortOwner {
        var owner = PortOwner(pid: listener.holder?.pid, command: listener.holder?.command, user: listener.holder?.user)
        // devenv's own ssh forward of a remote stack: the remote engine publishes the same port
        // number on its 127.0.0.1, but here the port is the forward's.
        if let pid = owner.pid, let f = forwards[pid] { owner.stack = f.stack; owner.forward = f.endpoint; return owner }
        let forwarder = EngineForwarder.of(listener.holder)
        if let c = container(publishing: listener.port, inspectStopped: managed || forwarder != nil) { return Self.owner(container: c) }
        owner.engineForwarder = forwarder?.engine
        return owner
    }

    /// The container publishing `port`: a running one first, then one in any other state
    /// (`restarting`, `created` by a compose that was killed, `exited`) that binds it. The
    /// engine is asked once for every container (`prefetch` may have asked already).
    mutating func container(publishing port: Int, inspectStopped: Bool = true) -> ContainerInfo? {
        if containers == nil { containers = pending?.wait() ?? engine.map(ContainerPrefetch.fetch) ?? [] }
        if let c = containers?.first(where: { $0.state == .running && $0.ports.contains { $0.publicPort == port } }) { return c }
        if let c = containers?.first(where: { $0.ports.contains { $0.publicPort == port } }) { return c }
        if inspectStopped, let engine, let c = containers?.first(where: { c in c.state != .running && c.labels["com.docker.compose.project"] != nil
                                                     && (engine.inspect(c.id)?.bindings.contains { $0.host == port } ?? false) }) {
            return c
        }
        return nil
    }

    static func owner(container c: ContainerInfo) -> PortOwner {
        PortOwner(pid: nil, command: nil, user: nil,
                  container: c.names.first.map { $0.hasPrefix("/") ? String($0.dropFirst()) : $0 } ?? String(c.id.prefix(12)),
                  containerID: c.id, composeProject: c.labels["com.docker.compose.project"], stack: c.labels["dev.devenv.stack"])
    }
}

/// The engine's containers in every state (`GET /containers/json?all=1`), fetched on a GCD thread.
final class ContainerPrefetch: Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let result = Locked<[ContainerInfo]>([])

    init(_ engine: any ContainerEngine) {
        DispatchQueue.global().async { [done, result] in
            let fetched = Self.fetch(engine)
            result.with { $0 = fetched }
            done.signal()
        }
    }

    func wait() -> [ContainerInfo] {
        done.wait()
        return result.value
    }

    static func fetch(_ engine: any ContainerEngine) -> [ContainerInfo] {
        guard let (status, body) = try? engine.get("/containers/json?all=1", timeout: 1), status == 200 else { return [] }
        return (try? ContainerInfo.list(body)) ?? []
    }
}
