import CurrentPlatform
import Foundation
import DevenvCore
import DevenvPlatform

/// An engine reached over ssh, through ONE connection devenv owns: an ssh control master
/// (`<run>/<key>.ctl`), started on first use and closed after ten idle minutes. The remote
/// engine's socket is forwarded through it to a local unix socket (`<run>/<key>.sock`, 0600),
/// which the Engine API reads and every `docker`/`docker compose` devenv runs then use: no
/// ssh login per request or per command. When the remote engine is not on a unix socket
/// devenv can name, each API read is a `docker system dial-stdio` session over the master
/// (the docker CLI's own mechanism) and commands get the `ssh://` address.
public final class SSHEngine: Sendable {
    public let target: SSHTarget
    /// Where the control and forwarded sockets live (short: unix socket paths are limited).
    public let runDirectory: String
    /// The way found, or a failed set-up, kept so one command asks a dead host once. Its lock
    /// is held while the connection is set up, so two threads never set it up together.
    private let state = Locked<(route: Route?, failed: DevenvError?)>((nil, nil))

    public enum Route: Equatable, Sendable {
        /// The remote engine's socket, forwarded to this local path.
        case forwarded(local: String)
        /// A `docker system dial-stdio` over the master per request.
        case dialStdio
    }

    public init(target: SSHTarget, runDirectory: String) {
        self.target = target; self.runDirectory = runDirectory
    }

    /// The folder for the sockets: `$DEVENV_HOME/run`, or `/tmp/devenv-UID` when a socket
    /// there would pass this system's limit (``Platform/socketPathLimit``: 107 bytes on Linux,
    /// 103 on macOS).
    public static func runDirectory(paths: DevenvPaths, socketPathLimit: Int = Machine.platform.socketPathLimit) -> String {
        let dir = paths.home + "/run"
        return dir.utf8.count + longestSocketName <= socketPathLimit ? dir : "/tmp/devenv-\(getuid())"
    }

    /// The longest name devenv gives a socket in the run folder (`/f-` + 16 hex + `.ctl`, `/` + 16 hex + `.sock`), and
    /// ssh's temporary suffix on a control socket (`.` + 16 random characters).
    public static let longestSocketName = 3 + 16 + 5 + 17

    package var key: String { String(Checksum.sha256(target.url).prefix(16)) }
    public var control: String { "\(runDirectory)/\(key).ctl" }
    public var localSocket: String { "\(runDirectory)/\(key).sock" }
    package var routeFile: String { "\(runDirectory)/\(key).route" }

    /// The way to the engine, setting the connection up when it is not (`timeout` bounds the
    /// login: a host that does not answer fails within it).
    public func ensure() throws -> Route {
        try state.with { state in
            if let route = state.route { return route }
            if let failed = state.failed { throw failed }
            do {
                let route = try setUp()
                state.route = route
                return route
            } catch let e as DevenvError { state.failed = e; throw e }
        }
    }

    private func setUp() throws -> Route {
        if EndpointResolver.socketAnswers(localSocket) { return .forwarded(local: localSocket) }
        try FileManager.default.createDirectory(atPath: runDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let fileLock = try FileLock.acquire("\(runDirectory)/\(key).lock")
        defer { fileLock.unlock() }
        if EndpointResolver.socketAnswers(localSocket) { return .forwarded(local: localSocket) }
        let alive = (try? ProcessRunner.runBlocking(SSHCommands.check(target, control: control), timeout: 2))?.succeeded ?? false
        if alive, (try? String(contentsOfFile: routeFile, encoding: .utf8)) == "dial-stdio" { return .dialStdio }
        if !alive {
            try? FileManager.default.removeItem(atPath: control)
            let r = try ProcessRunner.runBlocking(SSHCommands.master(target, control: control), timeout: Double(SSHCommands.connectTimeout) + 1.5)
            guard r.succeeded else {
                throw SSHEngine.failure(target, detail: r.status == 124 ? "ssh did not log in within \(SSHCommands.connectTimeout + 1) s" : SSHCommands.reason(r.stderr))
            }
        }
        // The remote engine's socket: the URL's, the one found last time (checked with a ping),
        // else the remote docker's own answer.
        let cached = (try? String(contentsOfFile: routeFile, encoding: .utf8)).flatMap { $0.hasPrefix("unix:") ? String($0.dropFirst(5)) : nil }
        if target.socketPath == nil, let cached, forward(to: cached) { return .forwarded(local: localSocket) }
        if let remoteSocket = try target.socketPath ?? remoteEngineSocket() {
            guard forward(to: remoteSocket) else {
                throw SSHEngine.failure(target, detail: "no engine answers on \(remoteSocket) there; is it running? (`ssh \(target.host) docker info`)")
            }
            try? ("unix:" + remoteSocket).write(toFile: routeFile, atomically: true, encoding: .utf8)
            return .forwarded(local: localSocket)
        }
        try? "dial-stdio".write(toFile: routeFile, atomically: true, encoding: .utf8)
        return .dialStdio
    }

    /// Forwards the local socket to `remote` over the master and checks an engine answers
    /// through it; takes the forward back when none does.
    private func forward(to remote: String) -> Bool {
        let r = try? ProcessRunner.runBlocking(SSHCommands.forwardSocket(target, control: control, local: localSocket, remote: remote), timeout: 5)
        if r?.succeeded == true, Self.pings(localSocket) { return true }
        _ = try? ProcessRunner.runBlocking(SSHCommands.cancelForward(target, control: control, local: localSocket, remote: remote), timeout: 5)
        return false
    }

    /// An engine answers `GET /_ping` on the socket.
    package static func pings(_ path: String) -> Bool {
        guard let c = try? SocketConnection.connect(.unix(path: path), timeout: 3) else { return false }
        defer { c.close() }
        guard (try? c.send("GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")) != nil, let reply = try? c.receiveAll() else { return false }
        return String(decoding: reply.prefix(16), as: UTF8.self).contains(" 200 ")
    }

    /// The remote docker's own engine socket path, when it is a unix socket.
    package func remoteEngineSocket() throws -> String? {
        let r = try ProcessRunner.runBlocking(SSHCommands.remoteEngineHost(target, control: control), timeout: 10)
        let host = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        guard r.succeeded else {
            if r.stderr.contains("not found") || r.status == 127 {
                throw SSHEngine.failure(target, detail: "there is no `docker` command on \(target.host) (\(SSHCommands.reason(r.stderr)))")
            }
            return nil
        }
        guard host.hasPrefix("unix://") else { return nil }
        return String(host.dropFirst(7))
    }

    /// A stream to the engine: the forwarded socket, or a dial-stdio session.
    public func open(timeout: TimeInterval) throws -> EngineConnection {
        switch try ensure() {
        case .forwarded(let path):
            do { return try SocketConnection.connect(.unix(path: path), timeout: timeout) } catch {
                // The master went away since: set it up again once.
                state.with { $0.route = nil }
                if case .forwarded(let again) = try ensure() { return try SocketConnection.connect(.unix(path: again), timeout: timeout) }
                return try ProcessRunner.openStream(SSHCommands.dialStdio(target, control: control), timeout: timeout)
            }
        case .dialStdio:
            return try ProcessRunner.openStream(SSHCommands.dialStdio(target, control: control), timeout: timeout)
        }
    }

    /// `DOCKER_HOST` for the docker CLI: the forwarded socket, else the ssh URL itself (also
    /// when the connection cannot be set up: docker then says so itself, and commands that
    /// need no engine, like `docker compose version`, still run).
    public func dockerHost() -> String {
        if case .forwarded(let path)? = try? ensure() { return "unix://" + path }
        return target.url
    }

    package static func failure(_ t: SSHTarget, detail: String) -> DevenvError {
        var probe = ["ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=\(SSHCommands.connectTimeout)"] + SSHCommands.login(t) + [t.host, "docker", "version"]
        probe = probe.map(SSHCommands.quote)
        return DevenvError("the Docker engine is not reachable at \(t.url) over ssh" + (detail.isEmpty ? "" : " (\(detail))"),
                           hint: "Start it on that host, and check that `\(probe.joined(separator: " "))` answers: devenv logs in without prompting (a key or ssh-agent) and gives a host \(SSHCommands.connectTimeout) s to answer.",
                           exitCode: .engineUnavailable)
    }
}
