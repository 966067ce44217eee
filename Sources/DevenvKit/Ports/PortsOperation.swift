import CurrentPlatform
import Foundation
import DevenvPlatform
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan

/// `devenv ports`: the ports devenv manages (or every listener) and who holds each.
public enum PortsOperation {
    /// One row of `devenv ports --json`.
    public struct Row: Encodable, Equatable {
        public var port: Int
        public var stack: String?
        public var service: String?
        /// listening | free | conflict
        public var state: String
        public var holder: PortOwner?

        enum CodingKeys: String, CodingKey { case port, stack, service, state, holder }
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(port, forKey: .port); try c.encode(stack, forKey: .stack); try c.encode(service, forKey: .service)
            try c.encode(state, forKey: .state); try c.encode(holder, forKey: .holder)
        }
    }

    /// `devenv ports`' report: its rows as JSON (written as bytes, thousands with `--all`) or a table.
    public struct Listing: Report {
        public var rows: [Row]
        public var all: Bool
        public init(rows: [Row], all: Bool) { self.rows = rows; self.all = all }
        public func writeJSON(to output: Output) throws { output.print(utf8: PortsOperation.jsonBytes(rows)) }
        public func lines(_ output: Output) -> [String] {
            rows.isEmpty ? [all ? "No TCP listeners." : "devenv manages no ports yet (run `devenv up`)."] : PortsOperation.table(rows, output: output)
        }
    }

    public static func list(_ ctx: DevenvContext, all: Bool) throws -> [Row] {
        var owners = PortOwners(engine: ctx.engine)
        owners.prefetch()   // the engine answers while /proc is read
        owners.forwards = RemoteStack.forwardHolders(ctx)
        let registry = try Registry.load(ctx.paths)
        let processGroups = ProcessStatusReader.supervisedPorts(registry)
        var managed: [Int: (stack: String, service: String)] = [:]
        for (stack, e) in registry.stacks { for (key, port) in e.ports { managed[port] = (stack, key) } }
        var byPort: [Int: Listener] = [:]
        for l in Machine.platform.listeners(port: nil) where byPort[l.port] == nil || byPort[l.port]?.holder?.pid == nil { byPort[l.port] = l }
        var rows: [Row] = []
        let ports = all ? Set(byPort.keys).union(managed.keys) : Set(managed.keys)
        for port in ports.sorted() {
            let m = managed[port]
            guard let l = byPort[port] else {
                // No process holds it, yet a container may publish it (`--userland-proxy=false`:
                // the kernel forwards the port, no process does).
                if m != nil, let c = owners.container(publishing: port) {
                    let owner = PortOwners.owner(container: c)
                    rows.append(Row(port: port, stack: m?.stack ?? owner.stack, service: m?.service,
                                    state: m.map { !$0.service.hasPrefix("app.") && owner.stack != $0.stack } == true ? "conflict" : "listening", holder: owner))
                } else {
                    rows.append(Row(port: port, stack: m?.stack, service: m?.service, state: "free", holder: nil))
                }
                continue
            }
            let owner = owners.owner(of: l, managed: m != nil)
            var state = "listening"
            if let m, !m.service.hasPrefix("app."), owner.stack != m.stack { state = "conflict" }
            // A port one of devenv's supervised processes should hold, held by another program.
            if m?.service.hasPrefix("app.") == true, let group = processGroups[port], owner.pid.map({ getpgid($0) }) != group { state = "conflict" }
            rows.append(Row(port: port, stack: m?.stack ?? owner.stack, service: m?.service, state: state, holder: owner))
        }
        return rows
    }

    /// The rows as JSON text (same shape as encoding `Row`, keys sorted), as UTF-8 bytes written
    /// straight into one buffer: thousands of rows with `--all`. Each literal run between two
    /// values is one append.
    public static func jsonBytes(_ rows: [Row]) -> [UInt8] {
        var w = JSONWriter(capacity: rows.count * 320 + 2)
        if rows.isEmpty { w.raw("[]"); return w.bytes }
        w.raw("[\n")
        for (i, r) in rows.enumerated() {
            if let h = r.holder {
                w.raw("  {\n    \"holder\" : {\n      \"command\" : "); w.string(h.command)
                w.raw(",\n      \"compose_project\" : "); w.string(h.composeProject)
                w.raw(",\n      \"container\" : "); w.string(h.container)
                if let engineForwarder = h.engineForwarder { w.raw(",\n      \"engine_forwarder\" : "); w.string(engineForwarder) }
                if let forward = h.forward { w.raw(",\n      \"forward\" : "); w.string(forward) }
                w.raw(",\n      \"pid\" : "); w.int(h.pid)
                if let stack = h.stack { w.raw(",\n      \"stack\" : "); w.string(stack) }
                if let user = h.user { w.raw(",\n      \"user\" : "); w.string(user) }
                w.raw("\n    },\n    \"port\" : ")
            } else {
                w.raw("  {\n    \"holder\" : null,\n    \"port\" : ")
            }
            w.int(r.port)
            w.raw(",\n    \"service\" : "); w.string(r.service)
            w.raw(",\n    \"stack\" : "); w.string(r.stack)
            w.raw(",\n    \"state\" : "); w.string(r.state)
            w.raw(i == rows.count - 1 ? "\n  }\n]" : "\n  },\n")
        }
        return w.bytes
    }

    /// `jsonBytes` as text.
    public static func json(_ rows: [Row]) -> String { String(decoding: jsonBytes(rows), as: UTF8.self) }

    /// The same text through `JSONText` (the reference the byte writer is tested against).
    static func jsonReference(_ rows: [Row]) -> String {
        JSONText.array(rows.map { r in
            let holder = r.holder.map { h in
                JSONText.object([("command", JSONText.string(h.command)), ("compose_project", JSONText.string(h.composeProject)),
                                 ("container", JSONText.string(h.container))]
                                + (h.engineForwarder.map { [("engine_forwarder", JSONText.string($0))] } ?? [])
                                + (h.forward.map { [("forward", JSONText.string($0))] } ?? []) + [("pid", JSONText.number(h.pid))]
                                + (h.stack.map { [("stack", JSONText.string($0))] } ?? [])
                                + (h.user.map { [("user", JSONText.string($0))] } ?? []), indent: "    ")
            } ?? "null"
            return JSONText.object([("holder", holder), ("port", String(r.port)), ("service", JSONText.string(r.service)),
                                    ("stack", JSONText.string(r.stack)), ("state", JSONText.string(r.state))], indent: "  ")
        })
    }

    public static func table(_ rows: [Row], output: Output) -> [String] {
        Table.render(header: ["PORT", "STACK", "SERVICE", "STATE", "HOLDER"], rows: rows.map { r in
            let state: String
            switch r.state {
            case "conflict": state = output.style(r.state, .red)
            case "listening": state = output.style(r.state, .green)
            default: state = r.state
            }
            return [String(r.port), r.stack ?? "-", r.service ?? "-", state, r.holder?.summary ?? "-"]
        })
    }
}

/// `devenv ports free PORT`: stops whatever holds the port — a devenv stack is brought
/// `down` (data kept), another container is stopped, a process gets SIGTERM, then SIGKILL.
public struct FreePortOperation {
    public var port: Int
    public var yes: Bool
    public var grace: TimeInterval = 5

    public init(port: Int, yes: Bool) { self.port = port; self.yes = yes }

    public enum Action: Equatable {
        case downStack(String, composeFile: String)
        case stopContainer(id: String, name: String)
        case signal(pid: Int32)
    }

    public func run(_ ctx: DevenvContext) async throws {
        guard (1...65535).contains(port) else { throw DevenvError.usage("\(port) is not a TCP port (1-65535)") }
        let engineUp = (try? ctx.engine.ping(timeout: 1)) != nil
        var owners = PortOwners(engine: engineUp ? ctx.engine : nil)
        guard let owner = owners.owner(of: port) else {
            ctx.output.print("Nothing listens on port \(port).")
            return
        }
        let action = try plan(owner, registry: try Registry.load(ctx.paths))
        let what: String
        switch action {
        case .downStack(let s, _): what = "stop devenv stack \(s) (`down`, its data is kept)"
        case .stopContainer(_, let name): what = "stop container \(name)"
        case .signal(let pid): what = "stop \(owner.summary) (SIGTERM, then SIGKILL after \(Int(grace)) s; pid \(pid))"
        }
        ctx.output.print("Port \(port) is held by \(owner.summary).")
        if !yes {
            switch ctx.output.confirm("Free it: \(what)?") {
            case nil: throw DevenvError.usage("freeing a port stops something and needs --yes when not run on a terminal", hint: "Run `devenv ports free \(port) --yes`.")
            case false?: ctx.output.print("Nothing changed."); return
            case true?: break
            }
        }
        switch action {
        case .downStack(let s, let file):
            do { try await ctx.runner.check(Compose.down(ComposeProject(name: s, file: file), volumes: false)) }
            catch let f as CommandFailure { throw Compose.explain(f) }
            await RemoteStack.disconnect(ctx, stack: s)
        case .stopContainer(let id, _):
            try await ctx.runner.check(Self.stopContainer(id))
        case .signal(let pid):
            try terminate(pid)
        }
        ctx.output.print("Freed port \(port): \(what.replacingOccurrences(of: "stop ", with: "stopped ", options: .anchored)).")
    }

    public static func stopContainer(_ id: String) -> Command { Command("docker", ["stop", id]) }

    /// Decides what to do, refusing PID 1 and other users' processes unless root.
    public func plan(_ owner: PortOwner, registry: Registry) throws -> Action {
        if let stack = owner.stack, let e = registry.stacks[stack], FileManager.default.fileExists(atPath: e.composeFile) {
            return .downStack(stack, composeFile: e.composeFile)
        }
        if let id = owner.containerID { return .stopContainer(id: id, name: owner.container ?? String(id.prefix(12))) }
        if let engine = owner.engineForwarder {
            throw DevenvError("port \(port) is held by \(owner.command ?? "a port forwarder")\(owner.pid.map { " (pid \($0))" } ?? ""), \(engine)'s port forwarder; "
                              + "devenv never signals an engine's forwarder",
                              hint: "A container on that engine publishes the port, and no engine devenv reaches claims it: "
                                  + (EngineForwarder.fix(engine: engine).replacingOccurrences(of: "PORT", with: String(port)))
                                  + ", or use `devenv --context NAME ports free \(port)` with that engine's docker context.",
                              exitCode: .portConflict)
        }
        guard let pid = owner.pid else {
            throw DevenvError("port \(port) is held by a process devenv cannot see (another user's, or in another namespace)",
                              hint: "Run `sudo devenv ports free \(port)`, or find it with `sudo ss -ltnp 'sport = :\(port)'`.", exitCode: .portConflict)
        }
        if pid == 1 { throw DevenvError("port \(port) is held by PID 1 (\(owner.command ?? "init")); devenv will not stop it", exitCode: .portConflict) }
        if getuid() != 0, let uid = Machine.platform.processOwner(pid), uid != getuid() {
            throw DevenvError("port \(port) is held by another user's process (\(owner.summary)); devenv stops only your own processes",
                              hint: "Run as root (`sudo devenv ports free \(port)`), or ask its owner.", exitCode: .portConflict)
        }
        return .signal(pid: pid)
    }

    func terminate(_ pid: Int32) throws {
        guard kill(pid, SIGTERM) == 0 || errno == ESRCH else { throw DevenvError("cannot signal pid \(pid): \(String(cString: strerror(errno)))") }
        let deadline = Date().addingTimeInterval(grace)
        while Date() < deadline {
            if kill(pid, 0) != 0 || PortProbe.isFree(port) { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        kill(pid, SIGKILL)
        let hard = Date().addingTimeInterval(2)
        while Date() < hard, kill(pid, 0) == 0 { Thread.sleep(forTimeInterval: 0.05) }
    }
}
