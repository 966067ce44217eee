import Foundation
import DevenvPlatform
import DevenvCore
import DevenvEngine
import DevenvSpec
import DevenvPlan

/// Which engine a stack runs on, and for a remote engine the ssh session that forwards its
/// ports: `$DEVENV_HOME/stacks/<stack>/engine.json`, written by `up`, read by `status`, `ls`,
/// `ports`, `doctor` and `down`.
public struct StackEngineRecord: Codable, Equatable, Sendable {
    /// The engine as docker names it (`unix:///var/run/docker.sock`, `ssh://me@box`).
    public var endpoint: String
    /// How it was chosen (`docker context box (--context)`).
    public var source: String
    public var forward: Forward?

    /// One ssh process, owned by devenv, forwarding every port of the stack's block from local
    /// 127.0.0.1 to the remote's 127.0.0.1 (where the remote engine publishes them).
    public struct Forward: Codable, Equatable, Sendable {
        public var pid: Int32
        /// Its control socket (`ssh -O check` / `-O exit` talk to it).
        public var control: String
        public var ports: [Int]
        public var started: Date
    }

    public static func file(_ paths: DevenvPaths, stack: String) -> String { paths.stackDir(stack) + "/engine.json" }

    /// The record, or nil when the stack has none (started before devenv kept one) or it is
    /// unreadable (never overwritten silently: `up` replaces it only after reading it failed loudly).
    public static func read(_ paths: DevenvPaths, stack: String) -> StackEngineRecord? {
        guard let data = FileManager.default.contents(atPath: file(paths, stack: stack)) else { return nil }
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return try? d.decode(StackEngineRecord.self, from: data)
    }

    public func write(_ paths: DevenvPaths, stack: String) throws {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        e.dateEncodingStrategy = .iso8601
        try FileManager.default.createDirectory(atPath: paths.stackDir(stack), withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try AtomicFile.write(try e.encode(self), to: Self.file(paths, stack: stack), newFileMode: 0o600)
    }
}

/// Starts, checks and closes a stack's forward session.
public enum StackForward {
    /// The stack's control socket (short, like every unix socket devenv makes).
    public static func control(_ paths: DevenvPaths, stack: String, target: SSHTarget) -> String {
        SSHEngine.runDirectory(paths: paths) + "/f-" + String(Checksum.sha256(stack + " " + target.url).prefix(16)) + ".ctl"
    }

    /// Whether the recorded session still runs: its pid is alive and is the ssh of that
    /// control socket (a reused pid is not taken for it).
    public static func isAlive(_ f: StackEngineRecord.Forward) -> Bool {
        guard f.pid > 0, kill(f.pid, 0) == 0 || errno == EPERM else { return false }
        if let cmdline = FileManager.default.contents(atPath: "/proc/\(f.pid)/cmdline") {
            return String(decoding: cmdline, as: UTF8.self).contains(f.control)
        }
        return FileManager.default.fileExists(atPath: f.control)   // no /proc (macOS): the socket is there
    }

    /// Makes sure a live session forwards exactly `ports`: keeps a matching one, replaces one
    /// that died or forwards other ports. Returns the session and whether it was started now.
    public static func ensure(_ ctx: DevenvContext, stack: String, target: SSHTarget, ports: [Int],
                              record: StackEngineRecord?) async throws -> (StackEngineRecord.Forward, Bool) {
        let ports = ports.sorted()
        let control = control(ctx.paths, stack: stack, target: target)
        if let f = record?.forward, f.control == control, f.ports == ports, isAlive(f) { return (f, false) }
        if let f = record?.forward { await close(ctx, f, target: target) }
        try FileManager.default.createDirectory(atPath: SSHEngine.runDirectory(paths: ctx.paths), withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        try? FileManager.default.removeItem(atPath: control)
        let r = try await ctx.runner.capture(SSHCommands.portForward(target, control: control, ports: ports))
        guard r.succeeded else { throw failure(ctx, r.stderr, target: target) }
        let check = try await ctx.runner.capture(SSHCommands.check(target, control: control))
        guard let pid = SSHCommands.masterPID(check.stderr + check.stdout) else {
            throw DevenvError("the ssh session forwarding the stack's ports to \(target.url) ended at once",
                              hint: "Run `devenv up` again; check the host with `ssh \(target.host) true`.")
        }
        return (StackEngineRecord.Forward(pid: pid, control: control, ports: ports, started: ctx.now()), true)
    }

    /// Ends the session and waits (briefly) until its ports stop listening.
    public static func close(_ ctx: DevenvContext, _ f: StackEngineRecord.Forward, target: SSHTarget?) async {
        guard isAlive(f) else { try? FileManager.default.removeItem(atPath: f.control); return }
        if let target { _ = try? await ctx.runner.capture(SSHCommands.exit(target, control: f.control)) }
        let deadline = Date().addingTimeInterval(3)
        while isAlive(f), Date() < deadline { try? await Task.sleep(nanoseconds: 20_000_000) }
        if isAlive(f) { kill(f.pid, SIGTERM) }
        while isAlive(f), Date() < deadline.addingTimeInterval(2) { try? await Task.sleep(nanoseconds: 20_000_000) }
        try? FileManager.default.removeItem(atPath: f.control)
    }

    /// ssh's refusal, in the user's words: a local port someone holds is a port conflict.
    static func failure(_ ctx: DevenvContext, _ stderr: String, target: SSHTarget) -> DevenvError {
        if let r = stderr.range(of: #"bind \[?127\.0\.0\.1\]?:(\d+): Address already in use"#, options: .regularExpression) {
            let port = Int(stderr[r].split(separator: ":")[1].prefix { $0.isNumber }) ?? 0
            var owners = PortOwners(engine: nil)
            let who = owners.owner(of: port)?.summary ?? "another program"
            return DevenvError("port \(port) on 127.0.0.1 is taken by \(who), so the stack's port cannot be forwarded to \(target.url)",
                               hint: "Free it with `devenv ports free \(port)`, then run `devenv up` again.", exitCode: .portConflict)
        }
        return DevenvError("cannot forward the stack's ports to \(target.url) (\(SSHCommands.reason(stderr)))",
                           hint: "Check that `ssh \(target.host) true` logs in without prompting and that its sshd allows TCP forwarding (AllowTcpForwarding).",
                           exitCode: .engineUnavailable)
    }
}
