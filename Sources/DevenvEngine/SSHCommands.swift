import Foundation
import DevenvCore
import DevenvPlatform

/// The `ssh` command lines devenv runs, as values (unit tests assert them). Every one logs in
/// without prompting (`BatchMode`), gives up on a host that does not answer within 3 s
/// (`ConnectTimeout`), and notices a dead connection within 30 s (`ServerAlive*`).
public enum SSHCommands {
    /// Seconds an idle engine connection stays open after the last use.
    public static let persistSeconds = 600
    public static let connectTimeout = 3

    package static func login(_ t: SSHTarget) -> [String] {
        (t.user.map { ["-l", $0] } ?? []) + (t.port.map { ["-p", String($0)] } ?? [])
    }

    package static let options = ["-o", "ConnectTimeout=\(connectTimeout)", "-o", "BatchMode=yes",
                          "-o", "ServerAliveInterval=10", "-o", "ServerAliveCountMax=3"]

    /// The engine connection: a control master that backgrounds itself once logged in (`-f -N`)
    /// and closes after `persistSeconds` without use. Unix-socket forwards replace stale files.
    public static func master(_ t: SSHTarget, control: String) -> Command {
        Command("ssh", login(t) + options + ["-o", "ControlMaster=yes", "-o", "ControlPath=\(control)",
                                             "-o", "ControlPersist=\(persistSeconds)", "-o", "StreamLocalBindUnlink=yes",
                                             "-f", "-N", "-T", "--", t.host])
    }

    /// `Master running (pid=N)` on stderr, exit 0, while the master lives.
    public static func check(_ t: SSHTarget, control: String) -> Command {
        Command("ssh", login(t) + ["-o", "ControlPath=\(control)", "-O", "check", "--", t.host])
    }

    /// Tells the master to close (its forwards with it).
    public static func exit(_ t: SSHTarget, control: String) -> Command {
        Command("ssh", login(t) + ["-o", "ControlPath=\(control)", "-O", "exit", "--", t.host])
    }

    /// Adds a forward of the local unix socket `local` to the remote engine socket `remote`.
    public static func forwardSocket(_ t: SSHTarget, control: String, local: String, remote: String) -> Command {
        Command("ssh", login(t) + ["-o", "ControlPath=\(control)", "-O", "forward", "-L", "\(local):\(remote)", "--", t.host])
    }

    /// Removes that forward again (a remote socket that no longer answers).
    public static func cancelForward(_ t: SSHTarget, control: String, local: String, remote: String) -> Command {
        Command("ssh", login(t) + ["-o", "ControlPath=\(control)", "-O", "cancel", "-L", "\(local):\(remote)", "--", t.host])
    }

    /// Runs `argv` on the remote machine over the master (quoted for the remote shell).
    public static func remote(_ t: SSHTarget, control: String, _ argv: [String]) -> Command {
        Command("ssh", login(t) + options + ["-o", "ControlMaster=no", "-o", "ControlPath=\(control)", "-T", "--", t.host,
                                             argv.map(quote).joined(separator: " ")])
    }

    /// What the remote docker talks to (its current context: DOCKER_HOST, DOCKER_CONTEXT or config).
    public static func remoteEngineHost(_ t: SSHTarget, control: String) -> Command {
        remote(t, control: control, ["docker", "context", "inspect", "--format", "{{.Endpoints.docker.Host}}"])
    }

    /// One raw Engine API stream over the master: the docker CLI's own mechanism for ssh
    /// (`docker --host=unix://PATH system dial-stdio` when the URL names a socket).
    public static func dialStdio(_ t: SSHTarget, control: String) -> Command {
        remote(t, control: control, ["docker"] + (t.socketPath.map { ["--host=unix://\($0)"] } ?? []) + ["system", "dial-stdio"])
    }

    /// A stack's own session: every port of the block forwarded from local 127.0.0.1 to the
    /// remote's 127.0.0.1, as a master of its own (so `check` gives its pid and `exit` ends it);
    /// it fails at once, before backgrounding, when a local port cannot be bound.
    public static func portForward(_ t: SSHTarget, control: String, ports: [Int]) -> Command {
        Command("ssh", login(t) + options + ["-o", "ControlMaster=yes", "-o", "ControlPath=\(control)", "-o", "ControlPersist=no",
                                             "-o", "ExitOnForwardFailure=yes", "-f", "-N", "-T"]
                + ports.flatMap { ["-L", "127.0.0.1:\($0):127.0.0.1:\($0)"] } + ["--", t.host])
    }

    /// The pid in `Master running (pid=1234)`.
    public static func masterPID(_ checkOutput: String) -> Int32? {
        guard let r = checkOutput.range(of: "(pid=") else { return nil }
        return Int32(checkOutput[r.upperBound...].prefix { $0.isNumber })
    }

    /// POSIX shell single-quoting where needed.
    package static func quote(_ s: String) -> String {
        if !s.isEmpty, s.allSatisfy({ $0.isLetter || $0.isNumber || "-_./=:@,+".contains($0) }) { return s }
        return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// The last meaningful line ssh printed (`ssh: connect to host … Connection timed out`).
    package static func reason(_ stderr: String) -> String {
        stderr.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { !$0.isEmpty && !$0.hasPrefix("Warning: Permanently added") }.last ?? ""
    }
}
