import Foundation
import Yams
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan
import DevenvPlatform

/// What `up`, `down` and `status` do differently for a stack on a remote engine, in a few
/// calls: refuse host bind mounts before anything starts, count the stack's own forwarded
/// ports as its own, forward the port block over one ssh session before the probes, and
/// close that session on `down`. For a local engine they only record the engine.
public enum RemoteStack {
    /// Host folders a remote engine cannot mount: refused, naming the service and the fix.
    /// (devenv does not copy them: a copy would silently go stale while the app edits the
    /// local folder.) `compose`: the rendered compose file.
    public static func checkMounts(_ ctx: DevenvContext, compose: String) throws {
        guard ctx.engine.endpoint.isRemote else { return }
        let mounts = hostMounts(compose)
        guard let first = mounts.first else { return }
        let list = mounts.map { "  \($0.service): \($0.source) → \($0.target)" }
        throw DevenvError(
            "the engine at \(ctx.engine.address) runs on another machine and cannot mount folders of this one; " +
                "service \(first.service) mounts \(first.source)" + (mounts.count > 1 ? " (and \(mounts.count - 1) more)" : ""),
            hint: "Use a named volume instead (in devenv.yml `volumes: [\(first.service)-data:\(first.target)]`) and put files in with a seed or " +
                "`devenv compose cp`, or run this stack on a local engine (`devenv up --context default`).",
            exitCode: .usage, details: mounts.count > 1 ? list : [])
    }

    /// Every bind mount of a host path in a compose file: (service, source, target).
    public static func hostMounts(_ compose: String) -> [(service: String, source: String, target: String)] {
        guard let doc = (try? Yams.load(yaml: compose)) as? [String: Any],
              let services = doc["services"] as? [String: Any] else { return [] }
        var out: [(String, String, String)] = []
        for (name, value) in services.sorted(by: { $0.key < $1.key }) {
            for v in (value as? [String: Any])?["volumes"] as? [Any] ?? [] {
                if let s = v as? String {
                    let parts = s.split(separator: ":", maxSplits: 2).map(String.init)
                    guard parts.count >= 2, let src = parts.first, src.hasPrefix("/") || src.hasPrefix(".") || src.hasPrefix("~") || src.contains("/") else { continue }
                    out.append((name, src, parts[1]))
                } else if let m = v as? [String: Any], (m["type"] as? String) == "bind" {
                    out.append((name, m["source"] as? String ?? "?", m["target"] as? String ?? "?"))
                }
            }
        }
        return out
    }

    /// Ports the stack's own live forward holds on 127.0.0.1 (so `up` does not take them for
    /// someone else's).
    public static func heldPorts(_ ctx: DevenvContext, stack: String) -> Set<Int> {
        guard let f = StackEngineRecord.read(ctx.paths, stack: stack)?.forward, StackForward.isAlive(f) else { return [] }
        return Set(f.ports)
    }

    /// After compose started the stack, before the probes: a remote engine's stack gets its
    /// forward (kept when alive, restarted when dead); every stack records its engine.
    /// Returns a line to show when a forward was (re)started.
    @discardableResult
    public static func connect(_ ctx: DevenvContext, plan: StackPlan) async throws -> String? {
        let stack = plan.identity.stack
        let old = StackEngineRecord.read(ctx.paths, stack: stack)
        var record = StackEngineRecord(endpoint: ctx.engine.address, source: ctx.engine.endpoint.source.description, forward: nil)
        var note: String?
        if let f = old?.forward, old?.endpoint != record.endpoint || !ctx.engine.endpoint.isSSH {
            await StackForward.close(ctx, f, target: SSHTarget.parse(old!.endpoint))
        }
        if case .ssh(let target) = ctx.engine.endpoint.address {
            let ports = plan.services.flatMap { $0.ports.map(\.host) }
            let (forward, started) = try await StackForward.ensure(ctx, stack: stack, target: target, ports: ports,
                                                                   record: old?.endpoint == record.endpoint ? old : nil)
            record.forward = forward
            if started { note = "forwarding \(forward.ports.count) port(s) from 127.0.0.1 to \(target.url) (ssh, pid \(forward.pid))" }
        }
        if let old, old.endpoint != record.endpoint {
            ctx.output.error("note: stack '\(stack)' last ran on \(old.endpoint); it now runs on \(record.endpoint) (its data there stays there)")
        }
        if record != old { try record.write(ctx.paths, stack: stack) }
        return note
    }

    /// After `down`: the stack's forward is closed (its local ports stop listening).
    public static func disconnect(_ ctx: DevenvContext, stack: String) async {
        guard var record = StackEngineRecord.read(ctx.paths, stack: stack), let f = record.forward else { return }
        await StackForward.close(ctx, f, target: SSHTarget.parse(record.endpoint))
        record.forward = nil
        try? record.write(ctx.paths, stack: stack)
    }

    /// Every live forward session on this machine: pid → (stack, remote engine), for `ports`.
    public static func forwardHolders(_ ctx: DevenvContext) -> [Int32: (stack: String, endpoint: String)] {
        var out: [Int32: (stack: String, endpoint: String)] = [:]
        for stack in ((try? Registry.read(ctx.paths.registryFile))?.stacks.keys).map(Array.init) ?? [] {
            if let r = StackEngineRecord.read(ctx.paths, stack: stack), let f = r.forward, StackForward.isAlive(f) {
                out[f.pid] = (stack, r.endpoint)
            }
        }
        return out
    }

    /// The stack's engine for `status` and `ls`: the recorded one, else the current one.
    public static func engine(_ ctx: DevenvContext, stack: String) -> String {
        StackEngineRecord.read(ctx.paths, stack: stack)?.endpoint ?? ctx.engine.address
    }

    /// Sets the report's engine (and forward, for a remote stack).
    public static func annotate(_ report: inout StatusReport, _ ctx: DevenvContext) {
        let record = StackEngineRecord.read(ctx.paths, stack: report.stack)
        report.engine = ctx.engine.address
        if let f = record?.forward, record?.endpoint == ctx.engine.address {
            report.forward = .init(pid: f.pid, ports: f.ports, alive: StackForward.isAlive(f))
        }
    }

    /// `status`'s forward line: the holder and whether it is alive.
    public static func forwardSummary(_ ctx: DevenvContext, stack: String) -> String? {
        guard let r = StackEngineRecord.read(ctx.paths, stack: stack), let f = r.forward else { return nil }
        return StackForward.isAlive(f)
            ? "ports forwarded to \(r.endpoint) by devenv's ssh (pid \(f.pid))"
            : "the ssh session forwarding the ports to \(r.endpoint) has ended; `devenv up` restarts it"
    }
}
